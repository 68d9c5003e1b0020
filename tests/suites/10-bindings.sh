#!/usr/bin/env bash
# The committed TypeScript bindings (ui/src/lib/bindings/) must be exactly what the Rust types
# generate: regenerate into a temporary directory and diff. On failure, run scripts/gen-bindings
# and commit the result.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gatewatch/target}"

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
scripts/gen-bindings "$OUT/bindings"
if ! diff -ru ui/src/lib/bindings "$OUT/bindings"; then
  echo "10-bindings: ui/src/lib/bindings is out of date with the Rust types: run scripts/gen-bindings and commit" >&2
  exit 1
fi
echo "10-bindings: ok ($(ls "$OUT/bindings" | wc -l) files match the Rust types)"
