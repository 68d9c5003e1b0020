#!/usr/bin/env bash
# Alert latency benchmark (frame received -> Notify answered), with the real
# DesktopNotifier talking to python-dbusmock's notification daemon on a private bus.
# Prints p50/p99 for the in-process path and for the D-Bus path.
#
#   tests/notify/bench_notify.sh            # builds and runs the bench in release mode
#   ALERT_BENCH_DESKTOP_N=300 tests/notify/bench_notify.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gatewatch/target}"

cargo bench -p gatewatch-engine --bench alert_latency --no-run
BENCH=$(ls -t "$CARGO_TARGET_DIR"/release/deps/alert_latency-* | grep -v '\.d$' | head -n1)

exec dbus-run-session -- bash -c '
  set -euo pipefail
  /usr/bin/python3 -m dbusmock --session -t notification_daemon >/dev/null 2>&1 &
  mock=$!
  trap "kill $mock 2>/dev/null || true" EXIT
  # Wait until the daemon owns its name (a condition with a deadline, not a fixed sleep).
  for _ in $(seq 1 600); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
         org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null \
         | grep -q "boolean true"; then
      break
    fi
    sleep 0.05
  done
  "$0" --bench
' "$BENCH"
