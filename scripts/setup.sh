#!/usr/bin/env bash
# Installs what building, running and testing mlTrainer needs, and skips
# what is already there. Source it (". scripts/setup.sh [--browser]") so the
# PATH changes stay; --browser also installs Debian's Chromium and
# ChromeDriver for the browser tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want_browser=0
for arg in "$@"; do
  [ "$arg" = "--browser" ] && want_browser=1
done

log() { printf '[setup] %s\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"

# 1. The WASM target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. Trunk 0.21 (0.22 needs a newer rustc).
if ! trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.'; then
  log "installing trunk 0.21 (takes several minutes on 2 cores)"
  cargo install --locked trunk --version '^0.21'
fi

# 3. wasm-bindgen-cli at exactly the version in Cargo.lock.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")
if ! wasm-bindgen --version 2>/dev/null | grep -q " $bindgen_version\$"; then
  log "installing wasm-bindgen-cli $bindgen_version"
  cargo install wasm-bindgen-cli --version "=$bindgen_version"
fi
if ! grep -q "wasm_bindgen = \"$bindgen_version\"" "$root/Trunk.toml"; then
  log "Trunk.toml pins a wasm_bindgen other than Cargo.lock's $bindgen_version: update [tools] in Trunk.toml"
  exit 1
fi

# 4. wasm-split-cli: cuts the main module into lazily loaded chunks between
#    cargo and wasm-bindgen (scripts/build-main-module.sh).
if ! cargo install --list 2>/dev/null | grep -q '^wasm_split_cli_support v0\.2\.4:'; then
  log "installing wasm-split-cli (wasm_split_cli_support 0.2.4)"
  cargo install --locked wasm_split_cli_support --version '=0.2.4' --features build-binary
fi

# 5. Node tools: wasm-opt (npm binaryen 132; Debian's 108 breaks the module) and playwright-core.
if [ ! -x "$root/node_modules/.bin/wasm-opt" ] || [ ! -d "$root/node_modules/playwright-core" ] \
  || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
  log "installing node tools (binaryen, playwright-core)"
  (cd "$root" && npm ci --no-audit --no-fund)
fi

# 6. Chromium and ChromeDriver from Debian, for the browser tests.
if [ "$want_browser" = 1 ] && { ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; }; then
  log "installing Debian's chromium and chromium-driver"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
fi
