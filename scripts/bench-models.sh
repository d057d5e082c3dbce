#!/usr/bin/env bash
# The model benchmark (ten catalog entries on the S&P 500 features) natively
# and in headless Chromium's lab worker, alternating three times, with the
# browser / native ratio of each fit and prediction. Builds what it needs
# first. Not part of the test command; run it on a quiet machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/bench-prepare.sh"
cargo build --release -p app --example model_bench
MLTRAINER_MODEL_BENCH_BIN="$root/target/release/examples/model_bench" \
  node "$root/scripts/bench-models.mjs"
