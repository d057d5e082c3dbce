#!/usr/bin/env bash
# Builds the app and the server (installing what is missing), then starts
# the server on http://127.0.0.1:8080/ (override with MLTRAINER_ADDR), with
# its SQLite store in ./mltrainer-data (override with MLTRAINER_DATA_DIR).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build-app.sh"
cd "$root"
cargo build --release -p server
export MLTRAINER_DATA_DIR="${MLTRAINER_DATA_DIR:-$root/mltrainer-data}"
exec "$root/target/release/mltrainer-server" --dist "$root/dist" "$@"
