#!/usr/bin/env bash
# Builds the browser app into dist/ with Trunk, offline, in release mode.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/setup.sh"
cd "$root"
trunk build --offline --release
wasm=$(ls dist/app-*_bg.wasm)
printf '[build] %s: %s bytes raw, %s bytes gzipped\n' "$wasm" "$(stat -c %s "$wasm")" "$(stat -c %s "$wasm.gz")" >&2
# Every module's size, and the bundled data kept out of the main app.
node scripts/check-wasm-sizes.mjs dist shared/data/bundled
# The workers' kernels vectorised to SIMD128 (the wasm-worker profile).
node scripts/check-wasm-simd.mjs dist
