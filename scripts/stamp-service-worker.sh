#!/usr/bin/env bash
# Trunk post-build hook: writes the build's hash and the list of files to
# precache into the staged service worker (sw.js).
set -euo pipefail
stage="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
cd "$stage"
files=$(find . -type f ! -name 'sw.js' ! -name '*.gz' ! -name '*.d.ts' | sed 's|^\./|/|' | sort)
hash=$(printf '%s\n' $files | xargs -I{} sha256sum ".{}" | sha256sum | cut -c1-16)
list=$(printf '%s\n' "/" $files | python3 -c 'import json,sys; print(json.dumps([l.strip() for l in sys.stdin if l.strip()]))')
python3 - "$hash" "$list" <<'PY'
import sys
build, listing = sys.argv[1], sys.argv[2]
text = open("sw.js").read()
if "__BUILD_HASH__" not in text or "__PRECACHE_LIST__" not in text:
    sys.exit("sw.js has no placeholders to stamp")
open("sw.js", "w").write(text.replace("__BUILD_HASH__", build).replace("__PRECACHE_LIST__", listing))
PY
# Precompressed copies for the server (served when the client accepts gzip).
find . -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' -o -name '*.webmanifest' \) -exec gzip -9 -k -f {} \;
