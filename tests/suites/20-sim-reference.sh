#!/usr/bin/env bash
# The simulator held to the gateway documents by reference clients no one here wrote:
# socket.io-client (Dimes, Fusion) and ws (Axisor, zkde, Hashi), from npm.
# Builds `gatewatch`, installs tests/node's pinned packages if needed, runs tests/node/sim/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gatewatch/target}"
export PATH="$HOME/.cargo/bin:$PATH"

command -v node >/dev/null || { echo "sim reference tests: node is missing" >&2; exit 1; }
cargo build -p gatewatch-cli
export GATEWATCH_BIN="${GATEWATCH_BIN:-$CARGO_TARGET_DIR/debug/gatewatch}"

cd tests/node
# `npm ci` only when nothing is installed or the lock file changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
node --test --test-concurrency=1 sim/
