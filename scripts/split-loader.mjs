// Reads the loader that scripts/build-main-module.sh stages in dist/
// (`__wasm_split-<hash>.js`, written by wasm-split-cli): which module each
// screen group loads and which shared chunks it needs first. Used by
// scripts/check-wasm-sizes.mjs and e2e/lazy_screens.test.mjs.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The split main module in `dist`: `{ loader, mainJs, groups }`, where
 * `loader` and `mainJs` are file names and `groups` maps each group's name
 * (`pricing_screens`, …) to `{ file, chunks }` (file names in `dist`).
 * Throws, naming the file, when the loader is missing or its format is not
 * the one this reader knows.
 */
export function readSplitLoader(dist) {
  const files = readdirSync(dist);
  const loader = files.find((name) => /^__wasm_split-[0-9a-f]+\.js$/.test(name));
  const mainJs = files.find((name) => /^app-[0-9a-f]+\.js$/.test(name));
  if (!loader || !mainJs) throw new Error(`${dist} lacks the split loader (__wasm_split-*.js) or the app's JS`);
  const text = readFileSync(join(dist, loader), "utf8");
  const chunkFile = new Map(
    [...text.matchAll(/const (__chunk_\d+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([^"]+)"/g)].map(
      (m) => [m[1], m[2]],
    ),
  );
  const groups = new Map();
  for (const [, group, file, deps] of text.matchAll(
    /export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([^"]+)"[\s\S]*?\n, \[([^\]]*)\]\)\);/g,
  )) {
    const chunks = deps
      .split(",")
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const chunk = chunkFile.get(d);
        if (!chunk) throw new Error(`${loader}: ${group} needs ${d}, which the loader does not define`);
        return chunk;
      });
    groups.set(group, { file, chunks });
  }
  if (groups.size === 0) throw new Error(`${loader} loads no screen group: is the loader's format unchanged?`);
  return { loader, mainJs, groups };
}
