#!/usr/bin/env bash
# Desktop smoke test: build the app, open it on a virtual display, check its window shows up,
# then drive the real window over WebDriver (tauri-driver + WebKitWebDriver) and check the page
# renders the version `app_info` returns. Saves a screenshot: assets/screenshots/shell.png
# locally; under CI=true a temporary file (or $GATEWATCH_ARTIFACTS/shell.png when set).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gatewatch/target}"
export PATH="$HOME/.cargo/bin:$PATH"

for tool in xvfb-run dbus-run-session xwininfo import tauri-driver WebKitWebDriver; do
  command -v "$tool" >/dev/null || {
    echo "desktop smoke: $tool is missing (./scripts/test installs it)" >&2
    exit 1
  }
done

if [[ ! -f ui/dist/index.html ]]; then
  (cd ui && npm run build)
fi
cargo build -p gatewatch-app

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
APP="$CARGO_TARGET_DIR/debug/gatewatch-app"
VERSION="$(cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys
print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "gatewatch-app"))')"
if [[ -n "${GATEWATCH_ARTIFACTS:-}" ]]; then
  mkdir -p "$GATEWATCH_ARTIFACTS"
  SCREENSHOT="$GATEWATCH_ARTIFACTS/shell.png"
elif [[ "${CI:-}" == "true" ]]; then
  SCREENSHOT="${TMPDIR:-/tmp}/gatewatch-shell.png"
else
  mkdir -p assets/screenshots
  SCREENSHOT="$ROOT/assets/screenshots/shell.png"
fi
export APP VERSION SCREENSHOT WORK

# A home of its own (as 60-desktop-e2e.sh): no config file, so the app runs on its embedded
# simulator whatever the developer's ~/.config/gatewatch says, and writes its demo database
# and any keychain use into the scratch directory, not into their data. Set after the build:
# cargo and rustup live under the real HOME.
mkdir -p "$WORK/home" "$WORK/config" "$WORK/data" "$WORK/cache" "$WORK/runtime"
chmod 700 "$WORK/runtime"
unset GATEWATCH_CONFIG
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data" \
  XDG_CACHE_HOME="$WORK/cache" XDG_RUNTIME_DIR="$WORK/runtime"

dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' \
  bash "$ROOT/tests/desktop/smoke-in-display.sh"
[[ ! -e "$WORK/config/gatewatch/config.toml" ]] || {
  echo "desktop smoke: the app created a config file it was not asked to" >&2
  exit 1
}
echo "desktop smoke: ok (version $VERSION, screenshot $SCREENSHOT)"
