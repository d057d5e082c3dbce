// Reports each WebAssembly module in dist/ (raw and gzip -9 bytes) and
// checks the main app's module: neither it nor its lazily loaded chunks
// hold any of the bundled datasets (they belong to the workers, the finance
// worker's offline copy, not to the page), and its gzip -9 size stays at or
// under APP_GZIP_LIMIT (the page downloads and compiles it before anything
// shows; the screens load as chunks, the heavy kernels live in the
// workers). Also prints, for each screen group, what opening one of its
// screens downloads: the main module and its JS, the group's module and the
// shared chunks it needs (scripts/split-loader.mjs reads them from the
// splitter's loader). Exits 1 if a check fails.
// Usage: node scripts/check-wasm-sizes.mjs [dist] [bundled-dir]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { readSplitLoader } from "./split-loader.mjs";

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
// The main module's chunks, as the splitter's loader lists them.
let split;
try {
  split = readSplitLoader(dist);
} catch (error) {
  console.error(`[wasm] ${error.message}`);
  process.exit(1);
}
const chunks = [
  ...new Set([...split.groups.values()].flatMap(({ file, chunks: needed }) => [file, ...needed])),
];
for (const name of [app, ...chunks]) {
  const found = embedded(readFileSync(join(dist, name)));
  if (found.length > 0) {
    console.error(`[wasm] ${name} embeds bundled data: ${found.join(", ")}`);
    process.exit(1);
  }
}
console.error(`[wasm] neither the app module nor its ${chunks.length} chunks embed a bundled dataset`);
const gzipSizes = new Map();
const gzipOf = (name) => {
  if (!gzipSizes.has(name)) gzipSizes.set(name, gzipSync(readFileSync(join(dist, name)), { level: 9 }).length);
  return gzipSizes.get(name);
};
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
const shell = appGzip + gzipOf(split.mainJs) + gzipOf(split.loader);
for (const [group, { file, chunks: needed }] of split.groups) {
  const own = gzipOf(file);
  const shared = needed.reduce((sum, f) => sum + gzipOf(f), 0);
  console.error(
    `[wasm] opening a screen of ${group} downloads ${shell + own + shared} bytes gzip -9: ` +
      `the app module and its JS ${shell}, the group ${own}, ${needed.length} shared chunks ${shared}`,
  );
}
