#!/usr/bin/env bash
# The whole model catalog through the Lab's default walk-forward on the
# S&P 500, natively and in headless Chromium's lab worker, one after the
# other: wall times and the ten slowest entries of each. Builds what it
# needs first. Not part of the test command (it takes many minutes); run
# it on a quiet machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/setup.sh" --browser
cd "$root"
"$root/scripts/build-app.sh"
cargo build --release -p server
echo "== natively (cargo run --release -p app --example catalog_run)" >&2
cargo run --quiet --release -p app --example catalog_run
echo "== in the browser (the /bench page's lab worker)" >&2
MLTRAINER_SERVER_BIN="$root/target/release/mltrainer-server" MLTRAINER_DIST="$root/dist" \
  node "$root/scripts/bench-catalog.mjs"
