#!/usr/bin/env bash
# Browser tests of the built UI with mocked Tauri IPC (Playwright + Debian's chromium).
# scripts/test has already run `npm ci`, the build, the type check and Vitest.
set -euo pipefail
cd "$(dirname "$0")/../../ui"
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
  echo "30-ui: chromium is missing (apt-get install -y chromium)" >&2
  exit 1
fi
[ -d node_modules ] || npm ci
npm run e2e
