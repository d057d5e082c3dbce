// Reports each WebAssembly module in dist/ (raw and gzip -9 bytes) and
// checks the main app's module: neither it nor its lazily loaded chunks
// hold any of the bundled datasets (they belong to the workers, the finance
// worker's offline copy, not to the page), and its gzip -9 size stays at or
// under APP_GZIP_LIMIT (the page downloads and compiles it before anything
// shows; the screens load as chunks, the heavy kernels live in the
// workers). Also prints, for each screen group, what opening one of its
// screens downloads: the main module and its JS, the group's module and the
// shared chunks it needs (read from the splitter's loader,
// `__wasm_split-<hash>.js`). Exits 1 if a check fails.
// Usage: node scripts/check-wasm-sizes.mjs [dist] [bundled-dir]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = process.argv[2] ?? "dist";
// Bytes, gzip -9, of the main app's module: just above today's 273,780
// (see ARCHITECTURE.md, "Module sizes"; issue 11's aim was 400,000). Before
// the screens became lazily loaded chunks it was 1,049,788. It catches a
// screen or computation linked into the shell by mistake (a screen used
// outside app/src/ui/routes.rs pulls its whole code back in). Lower it as
// code leaves the main module; raise it only for new shell features,
// saying so.
const APP_GZIP_LIMIT = 300_000;
const bundledDir = process.argv[3] ?? "shared/data/bundled";
// 64 bytes from the middle of each compressed dataset: specific to it.
const probes = readdirSync(bundledDir)
  .filter((f) => f.endsWith(".gz"))
  .map((file) => {
    const data = readFileSync(join(bundledDir, file));
    const mid = Math.floor(data.length / 2);
    return { file, probe: data.subarray(mid, mid + 64) };
  });
const embedded = (bytes) => probes.filter(({ probe }) => bytes.indexOf(probe) >= 0).map(({ file }) => file);
const modules = readdirSync(dist).filter((name) => name.endsWith(".wasm"));
for (const name of modules.sort()) {
  const bytes = readFileSync(join(dist, name));
  const gz = gzipSync(bytes, { level: 9 }).length;
  const data = embedded(bytes);
  console.error(
    `[wasm] ${name}: ${bytes.length} bytes raw, ${gz} bytes gzip -9; bundled datasets: ${data.length}`,
  );
}
const app = modules.find((name) => /^app-.*_bg\.wasm$/.test(name));
if (!app) {
  console.error("[wasm] no app module in " + dist);
  process.exit(1);
}
// The main module's chunks: the splitter's modules, named `split_*` and `chunk_*`.
const chunks = modules.filter((name) => /^(split|chunk)_.*\.wasm$/.test(name));
for (const name of [app, ...chunks]) {
  const found = embedded(readFileSync(join(dist, name)));
  if (found.length > 0) {
    console.error(`[wasm] ${name} embeds bundled data: ${found.join(", ")}`);
    process.exit(1);
  }
}
console.error(`[wasm] neither the app module nor its ${chunks.length} chunks embed a bundled dataset`);
const gzipOf = (name) => gzipSync(readFileSync(join(dist, name)), { level: 9 }).length;
const appGzip = gzipOf(app);
if (appGzip > APP_GZIP_LIMIT) {
  console.error(
    `[wasm] the app module is ${appGzip} bytes gzip -9, over the limit of ${APP_GZIP_LIMIT}: ` +
      "keep screens behind app/src/ui/routes.rs and page-thread computation in a worker " +
      "(twiggy top on target/wasm-split/out/app_bg.wasm shows what is in it)",
  );
  process.exit(1);
}
console.error(`[wasm] the app module is ${appGzip} bytes gzip -9, within the limit of ${APP_GZIP_LIMIT}`);

// What opening a screen downloads, per screen group.
const files = readdirSync(dist);
const loaderName = files.find((name) => /^__wasm_split-.*\.js$/.test(name));
const mainJs = files.find((name) => /^app-[0-9a-f]+\.js$/.test(name));
if (!loaderName || !mainJs) {
  console.error(`[wasm] ${dist} lacks the split loader or the app's JS`);
  process.exit(1);
}
const loader = readFileSync(join(dist, loaderName), "utf8");
const chunkFile = new Map(
  [...loader.matchAll(/const (__chunk_\d+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([^"]+)"/g)].map(
    (m) => [m[1], m[2]],
  ),
);
const groups = [
  ...loader.matchAll(
    /export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([^"]+)"[\s\S]*?\n, \[([^\]]*)\]\)\);/g,
  ),
];
if (groups.length === 0) {
  console.error(`[wasm] ${loaderName} loads no screen group: is the loader's format unchanged?`);
  process.exit(1);
}
const shell = appGzip + gzipOf(mainJs) + gzipOf(loaderName);
for (const [, group, file, deps] of groups) {
  const needed = deps
    .split(",")
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => chunkFile.get(d));
  if (needed.some((f) => !f)) {
    console.error(`[wasm] ${loaderName}: ${group} needs a chunk the loader does not define`);
    process.exit(1);
  }
  const own = gzipOf(file);
  const shared = needed.reduce((sum, f) => sum + gzipOf(f), 0);
  console.error(
    `[wasm] opening a screen of ${group} downloads ${shell + own + shared} bytes gzip -9: ` +
      `the app module and its JS ${shell}, the group ${own}, ${needed.length} shared chunks ${shared}`,
  );
}
