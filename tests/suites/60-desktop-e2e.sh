#!/usr/bin/env bash
# Desktop end-to-end test: build the UI and the app, run the real app on a virtual display and
# a private session bus, with no config (so it runs on its embedded simulator), and drive its
# window through tauri-driver + WebKitWebDriver (tests/desktop/e2e.py): a position card
# appears, a Dimes position turns "liquidated", the inspector and an intent lookup work; then
# a screenshot of every view. HOME and XDG_* point into a temporary directory, so the test
# neither reads the developer's config nor writes their data or keychain.
# Screenshots: assets/screenshots/app-*.png locally; under CI=true a temporary directory (or
# $GATEWATCH_ARTIFACTS when set).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gatewatch/target}"
export PATH="$HOME/.cargo/bin:$PATH"

for tool in xvfb-run dbus-run-session tauri-driver WebKitWebDriver; do
  command -v "$tool" >/dev/null || {
    echo "desktop e2e: $tool is missing (./scripts/test installs it)" >&2
    exit 1
  }
done
PYTHON="$(command -v /usr/bin/python3 || command -v python3)"

# The page the app embeds is the one just built (generate_context! embeds ui/dist at compile time).
(cd ui && npm run build --silent)
cargo build -p gatewatch-app
APP="$CARGO_TARGET_DIR/debug/gatewatch-app"
VERSION="$(cargo metadata --no-deps --format-version 1 | "$PYTHON" -c '
import json, sys
print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "gatewatch-app"))')"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if [[ -n "${GATEWATCH_ARTIFACTS:-}" ]]; then
  SHOTS="$GATEWATCH_ARTIFACTS"
elif [[ "${CI:-}" == "true" ]]; then
  SHOTS="$WORK/shots"
else
  SHOTS="$ROOT/assets/screenshots"
fi
mkdir -p "$SHOTS"

# A home of its own: no config file (demo mode), a fresh data dir, no GATEWATCH_CONFIG.
mkdir -p "$WORK/home" "$WORK/config" "$WORK/data" "$WORK/cache" "$WORK/runtime"
chmod 700 "$WORK/runtime"
unset GATEWATCH_CONFIG
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data" \
  XDG_CACHE_HOME="$WORK/cache" XDG_RUNTIME_DIR="$WORK/runtime"
export RUST_LOG="${RUST_LOG:-info}"

status=0
dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' \
  "$PYTHON" "$ROOT/tests/desktop/e2e.py" --app "$APP" --version "$VERSION" --shots "$SHOTS" \
  --driver-log "$WORK/tauri-driver.log" --report "$WORK/report.json" || status=$?
if ((status != 0)); then
  printf -- '--- tauri-driver and app log (last 60 lines) ---\n' >&2
  tail -n 60 "$WORK/tauri-driver.log" >&2 || true
  exit "$status"
fi
[[ -f "$WORK/data/gatewatch/demo.db" ]] || {
  echo "desktop e2e: the app wrote no demo database under XDG_DATA_HOME" >&2
  exit 1
}
# The only config file is the one the test's Settings step saved (its two connections, one
# removed again): the app never writes one unasked.
if [[ -e "$WORK/config/gatewatch/config.toml" ]]; then
  names="$(grep -E '^name = ' "$WORK/config/gatewatch/config.toml" || true)"
  [[ "$names" == 'name = "e2e-zkde-b"' ]] || {
    printf 'desktop e2e: unexpected config file:\n' >&2
    cat "$WORK/config/gatewatch/config.toml" >&2
    exit 1
  }
fi
echo "desktop e2e: ok (screenshots in $SHOTS)"
