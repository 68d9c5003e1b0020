#!/usr/bin/env bash
# OS notifications end to end (issue 7), each check on its own private D-Bus with
# python-dbusmock's notification daemon (tests/notify/check_notify.py asserts on the
# Notify calls the daemon received):
#   example  the notification path alone (engine example): one liquidation delivered
#            three times -> one notification; escaping; urgency; numbers.
#   watch    `gatewatch watch --notify --for 75` on the embedded simulator's default
#            scenario: a liquidation and a margin-risk crossing each notified (urgency 2)
#            within the first 60 s, no position notified twice.
#   dup      `gatewatch sim --json --dup dimes=1 --dup axisor=1` + `gatewatch watch
#            --config <it> --notify`: every event delivered twice, yet each liquidated
#            position is in exactly one notification.
# watch and dup run side by side (about 75 s together).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

gw_ensure_apt python3-dbusmock dbus

FOR_SECS="${GATEWATCH_NOTIFY_FOR:-75}"
cargo build -q -p gatewatch-cli -p gatewatch-engine --bins --example notify_demo
BIN="$CARGO_TARGET_DIR/debug/gatewatch"
EXAMPLE="$CARGO_TARGET_DIR/debug/examples/notify_demo"
CHECK=(/usr/bin/python3 tests/notify/check_notify.py --bin "$BIN" --for-secs "$FOR_SECS")

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

status=0
dbus-run-session -- "${CHECK[@]}" --mode example --example-cmd "$EXAMPLE" || status=1

dbus-run-session -- "${CHECK[@]}" --mode watch >"$logs/watch.log" 2>&1 &
watch_pid=$!
dbus-run-session -- "${CHECK[@]}" --mode dup >"$logs/dup.log" 2>&1 &
dup_pid=$!
wait "$watch_pid" || status=1
wait "$dup_pid" || status=1
# dbus-daemon's "Failed to set fd limit" line is noise when not root-capable; keep the rest.
grep -v 'Failed to set fd limit' "$logs/watch.log" || true
grep -v 'Failed to set fd limit' "$logs/dup.log" || true

if ((status != 0)); then
  echo "50-notify: FAILED" >&2
  exit 1
fi
echo "50-notify: passed"
