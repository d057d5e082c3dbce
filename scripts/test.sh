#!/usr/bin/env bash
# Runs every test: formatting and lints, native unit and integration tests,
# the pricing code under wasm-bindgen-test in headless Chromium, and the
# end-to-end tests of the built app in headless Chromium (Playwright).
# Installs what is missing first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/setup.sh" --browser
cd "$root"

# A clean run gains nothing from incremental caches: they only cost disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step() { printf '\n== %s\n' "$*" >&2; }

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p app -p shared --target wasm32-unknown-unknown -- -D warnings

step "native tests (shared, server, app logic)"
cargo test --workspace

step "shared pricing under wasm-bindgen-test in headless Chromium"
export CHROMEDRIVER="$(command -v chromedriver)"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=120
cargo test -p shared --target wasm32-unknown-unknown --test cross_platform

step "end-to-end: built app + server in headless Chromium"
"$root/scripts/build-app.sh"
cargo build --release -p server
MLTRAINER_SERVER_BIN="$root/target/release/mltrainer-server" MLTRAINER_DIST="$root/dist" \
  node --test --test-reporter=spec e2e/
