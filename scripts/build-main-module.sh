#!/usr/bin/env bash
# Builds the main app module (the `app` binary), cut into lazily loaded
# chunks, into a Trunk staging directory, and adds its loader to the
# staged index.html. Run by scripts/trunk-post-build.sh (Trunk's post_build
# hook), because Trunk 0.21 cannot split a module itself: the cut must
# happen between cargo and wasm-bindgen.
#
# 1. cargo: the `app` binary at the `wasm-release` profile, linked with
#    `--emit-relocs` (the splitter follows the relocations);
# 2. wasm-split-cli (wasm_split_cli_support): the main module plus one
#    module per `wasm_split` group (app/src/ui/routes.rs) and the shared
#    chunks, with the JS that loads them (`__wasm_split.js`);
# 3. wasm-bindgen --target web on the main module;
# 4. wasm-opt -Oz on every module (the flags Trunk used for the main module);
# 5. every file gets the build's content hash in its name, so the server
#    marks it immutable (server/src/cache_policy.rs), and the references
#    between the files are rewritten to the hashed names.
# Usage: scripts/build-main-module.sh STAGING_DIR
set -euo pipefail
stage="${1:?usage: build-main-module.sh STAGING_DIR (the Trunk staging directory)}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"

profile=wasm-release
wasm_opt_flags=(-Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-simd
  --strip-debug --strip-producers)

cargo rustc --package app --bin app --profile "$profile" --target wasm32-unknown-unknown \
  -- -C link-arg=--emit-relocs
linked="target/wasm32-unknown-unknown/$profile/app.wasm"

work="target/wasm-split"
rm -rf "$work"
mkdir -p "$work/split" "$work/out"
wasm-split-cli "$linked" "$work/split" --out-name app
wasm-bindgen --target web --keep-lld-exports --no-demangle --out-dir "$work/out" --out-name app \
  "$work/split/app.wasm"
rm -f "$work/out/"*.d.ts
for file in "$work/split/"*; do
  name=$(basename "$file")
  [ "$name" = app.wasm ] || cp "$file" "$work/out/$name"
done
# Binaryen's wasm-opt is a node program: run two at a time on two cores.
find "$work/out" -name '*.wasm' -print0 \
  | xargs -0 -P 2 -I{} wasm-opt "${wasm_opt_flags[@]}" {} -o {}

python3 scripts/stage-main-module.py "$work/out" "$stage"
