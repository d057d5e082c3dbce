#!/usr/bin/env python3
"""Stages the split main module into Trunk's staging directory.

Input: the directory written by scripts/build-main-module.sh (wasm-bindgen's
`app.js` and `app_bg.wasm`, the splitter's `__wasm_split.js`, `split_*.wasm`
and `chunk_*.wasm`, all optimised). Each file is copied under a name that
carries the build's content hash (`app-<hash>.js`, `chunk_5-<hash>.wasm`),
the references between the files are rewritten to those names, and the
loader (a modulepreload, a wasm preload and the inline module script that
starts the app, as Trunk writes it) goes into the staged index.html.

Fails, naming the file, when a reference to rewrite is missing or an
unhashed name is left behind, so a change in the tools' output cannot ship
a page that loads nothing.

Usage: stage-main-module.py BUILT_DIR STAGING_DIR
"""
import hashlib
import pathlib
import sys

MAIN_JS = "app.js"
MAIN_WASM = "app_bg.wasm"
SPLIT_JS = "__wasm_split.js"


def fail(message: str) -> None:
    sys.exit(f"[main-module] {message}")


def hashed_name(name: str, digest: str) -> str:
    """`app.js` -> `app-<digest>.js`; `app_bg.wasm` -> `app-<digest>_bg.wasm`
    (Trunk's pattern, which scripts/check-wasm-sizes.mjs looks for)."""
    if name == MAIN_WASM:
        return f"app-{digest}_bg.wasm"
    stem, dot, extension = name.rpartition(".")
    return f"{stem}-{digest}{dot}{extension}"


def rewrite(text: str, file: str, old: str, new: str) -> str:
    """Replaces every `old` in `text`; fails if there is none."""
    if old not in text:
        fail(f"{file}: expected a reference {old} to rewrite, found none")
    return text.replace(old, new)


def main() -> None:
    if len(sys.argv) != 3:
        fail("usage: stage-main-module.py BUILT_DIR STAGING_DIR")
    built, stage = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    files = sorted(p for p in built.iterdir() if p.suffix in (".js", ".wasm"))
    names = [p.name for p in files]
    for required in (MAIN_JS, MAIN_WASM, SPLIT_JS):
        if required not in names:
            fail(f"{built / required} is missing: the split or wasm-bindgen step did not run")
    chunks = [n for n in names if n.endswith(".wasm") and n != MAIN_WASM]
    if not any(n.startswith("split_") for n in chunks):
        fail(f"{built}: no split_*.wasm module; are the screens still lazy routes?")

    # The hash covers this script too: it shapes the staged files.
    sha = hashlib.sha256(pathlib.Path(__file__).read_bytes())
    for path in files:
        sha.update(path.name.encode() + b"\0" + path.read_bytes())
    digest = sha.hexdigest()[:16]
    renamed = {name: hashed_name(name, digest) for name in names}

    split_js = (built / SPLIT_JS).read_text()
    split_js = rewrite(split_js, SPLIT_JS, f'"./{MAIN_JS}"', f'"./{renamed[MAIN_JS]}"')
    for chunk in chunks:
        split_js = rewrite(split_js, SPLIT_JS, f'"./{chunk}"', f'"./{renamed[chunk]}"')
    # In app.js only the JS imports of the loader are renamed: the keys of
    # the wasm's import object keep the module name the wasm itself imports.
    main_js = (built / MAIN_JS).read_text()
    main_js = rewrite(main_js, MAIN_JS, f'from "./{SPLIT_JS}"', f'from "./{renamed[SPLIT_JS]}"')
    main_js = rewrite(main_js, MAIN_JS, f"'{MAIN_WASM}'", f"'{renamed[MAIN_WASM]}'")
    leftovers = [(SPLIT_JS, split_js, f'"./{name}"') for name in names if name != SPLIT_JS]
    leftovers.append((MAIN_JS, main_js, f'from "./{SPLIT_JS}"'))
    for file, text, reference in leftovers:
        if reference in text:
            fail(f"{file}: still refers to {reference}, an unhashed name")

    for path in files:
        target = stage / renamed[path.name]
        if path.name == SPLIT_JS:
            target.write_text(split_js)
        elif path.name == MAIN_JS:
            target.write_text(main_js)
        else:
            target.write_bytes(path.read_bytes())

    index = stage / "index.html"
    html = index.read_text()
    if "import init" in html:
        fail(f"{index} already loads an app module: remove the main `rel=\"rust\"` link from app/index.html")
    main_js_url, main_wasm_url = f"/{renamed[MAIN_JS]}", f"/{renamed[MAIN_WASM]}"
    loader = (
        f'<link rel="modulepreload" href="{main_js_url}" crossorigin>'
        f'<link rel="preload" href="{main_wasm_url}" as="fetch" type="application/wasm" crossorigin>'
        f"<script type=\"module\">import init from '{main_js_url}';"
        f"await init({{ module_or_path: '{main_wasm_url}' }});</script>"
    )
    if html.count("</head>") != 1:
        fail(f"{index}: expected one </head> to put the loader before")
    index.write_text(html.replace("</head>", loader + "</head>"))
    print(f"[main-module] staged {len(files)} files as *-{digest}.*", file=sys.stderr)


if __name__ == "__main__":
    main()
