#!/usr/bin/env bash
# The whole model catalog through the Lab's default walk-forward on the
# S&P 500, natively and in headless Chromium's lab worker, one after the
# other: wall times and the ten slowest entries of each. Builds what it
# needs first. Not part of the test command (it takes many minutes); run
# it on a quiet machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/bench-prepare.sh"
echo "== natively (cargo run --release -p app --example catalog_run)" >&2
cargo run --quiet --release -p app --example catalog_run
echo "== in the browser (the /bench page's lab worker)" >&2
node "$root/scripts/bench-catalog.mjs"
