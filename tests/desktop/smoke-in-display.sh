#!/usr/bin/env bash
# The part of the desktop smoke test that runs inside the virtual display and private session
# bus (tests/suites/05-desktop-smoke.sh starts it under dbus-run-session + xvfb-run).
# Needs: APP (binary), VERSION (expected), SCREENSHOT (output PNG), WORK (scratch dir).
set -euo pipefail
: "${APP:?}" "${VERSION:?}" "${SCREENSHOT:?}" "${WORK:?}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TITLE="Gatewatch"
WINDOW_TIMEOUT_S="${WINDOW_TIMEOUT_S:-60}"
# A bare GTK window is one colour; rendered text and widgets give hundreds.
MIN_COLOURS=16
PYTHON="$(command -v /usr/bin/python3 || command -v python3)"

fail() {
  printf 'desktop smoke: %s\n' "$*" >&2
  if [[ -s "$WORK/app.log" ]]; then
    printf -- '--- app output (last 40 lines) ---\n' >&2
    tail -n 40 "$WORK/app.log" >&2
  fi
  exit 1
}

# 1. Start the binary as a user would and wait (bounded) for its window to be mapped.
"$APP" >"$WORK/app.log" 2>&1 &
app_pid=$!
stop_app() {
  if kill -0 "$app_pid" 2>/dev/null; then
    kill "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
}
trap stop_app EXIT

deadline=$((SECONDS + WINDOW_TIMEOUT_S))
window_id=""
while [[ -z "$window_id" ]]; do
  kill -0 "$app_pid" 2>/dev/null || {
    wait "$app_pid" && status=0 || status=$?
    fail "the app exited (status $status) before its window showed"
  }
  window_id="$(xwininfo -root -tree 2>/dev/null | awk -v t="\"$TITLE\":" '$2 == t { print $1; exit }')"
  if [[ -n "$window_id" ]] && ! xwininfo -id "$window_id" 2>/dev/null | grep -q 'Map State: IsViewable'; then
    window_id=""
  fi
  if [[ -z "$window_id" ]]; then
    ((SECONDS < deadline)) || fail "no viewable window titled \"$TITLE\" after ${WINDOW_TIMEOUT_S}s"
    sleep 0.2
  fi
done
geometry="$(xwininfo -id "$window_id" | awk '/Width:/ { w = $2 } /Height:/ { h = $2 } END { print w "x" h }')"
echo "window $window_id \"$TITLE\" is viewable ($geometry)"

# The page paints after the window maps. Poll the display (bounded) until it shows more than
# the bare window background: a blank or single-colour window means the UI never rendered.
deadline=$((SECONDS + WINDOW_TIMEOUT_S))
while :; do
  kill -0 "$app_pid" 2>/dev/null || fail "the app exited after its window showed"
  import -window root "$WORK/shot.png"
  colours="$(convert "$WORK/shot.png" -format '%k' info:)"
  ((colours > MIN_COLOURS)) && break
  ((SECONDS < deadline)) || fail "the window stayed blank ($colours colours) for ${WINDOW_TIMEOUT_S}s"
  sleep 0.5
done
cp "$WORK/shot.png" "$SCREENSHOT"
echo "screenshot: $SCREENSHOT ($colours colours)"
stop_app
trap - EXIT

# 2. Drive the real window over WebDriver: the page must render what app_info returned.
# (Its screenshot is of the webview only: a root-window grab under WebKitWebDriver shows the
# window before the first paint, which is why the display shot above comes from step 1.)
"$PYTHON" "$HERE/smoke.py" --app "$APP" --version "$VERSION" \
  --screenshot "$WORK/webview.png" \
  --driver-log "$WORK/tauri-driver.log" || {
  printf -- '--- tauri-driver log (last 40 lines) ---\n' >&2
  tail -n 40 "$WORK/tauri-driver.log" >&2 || true
  exit 1
}
