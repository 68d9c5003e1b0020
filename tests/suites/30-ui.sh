#!/usr/bin/env bash
# Browser tests of the built UI with mocked Tauri IPC (playwright-core + Debian's chromium;
# Playwright's own browser downloads are not reachable here).
# scripts/test has already run `npm ci`, the build, the type check and Vitest; this installs
# what it needs if it is missing, so it also runs on its own.
set -euo pipefail
cd "$(dirname "$0")/../../ui"

if [ -z "${CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "30-ui: installing Debian's chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
      { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
  else
    echo "30-ui: chromium is missing (apt-get install -y chromium, or set CHROMIUM=/path)" >&2
    exit 1
  fi
fi

[ -d node_modules ] || npm ci
npm run e2e
