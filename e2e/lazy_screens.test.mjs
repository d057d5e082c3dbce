// End-to-end tests of the lazily loaded screens (app/src/ui/routes.rs,
// scripts/build-main-module.sh): the first page load downloads the shell
// and only the chunks of the screen it opens, another group's screen loads
// its own chunk on navigation, and a chunk that fails to download is
// explained in place of the screen and loads on the next try.
// The service worker is blocked here, so its precache of every chunk does
// not hide which chunks the page itself asks for.
// Run by scripts/test.sh with MLTRAINER_SERVER_BIN and MLTRAINER_DIST set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readSplitLoader } from "../scripts/split-loader.mjs";
import { openSession } from "./support.mjs";

const DIST = process.env.MLTRAINER_DIST;

let session;
let page;
let baseUrl;
/** Paths of every .wasm file the page requested, in order. */
const wasmRequests = [];

/** The screen group a requested file belongs to, or null for a shared chunk or the main module. */
function groupOf(path) {
  return /\/split_(\w+?)_screens-[0-9a-f]+\.wasm$/.exec(path)?.[1] ?? null;
}

/** The groups whose modules were requested since `from` (an index into wasmRequests). */
function groupsSince(from) {
  return [...new Set(wasmRequests.slice(from).map(groupOf).filter(Boolean))].sort();
}

/** The split main module in DIST, read once (scripts/split-loader.mjs). */
let split;

/** The shared chunks the loader says `group`'s screens need, as /paths. */
function chunksOf(group) {
  const entry = split.groups.get(`${group}_screens`);
  assert.ok(entry, `the loader loads ${group}_screens`);
  return entry.chunks.map((file) => "/" + file);
}

before(async () => {
  split = readSplitLoader(DIST);
  session = await openSession({ context: { serviceWorkers: "block" } });
  ({ page, baseUrl } = session);
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) wasmRequests.push(path);
  });
});

after(async () => {
  await session?.close();
});

test("the first load fetches the main module and only the pricing screens' chunks", async () => {
  await page.goto(baseUrl + "/");
  await page.locator("#price").waitFor();
  assert.ok(
    wasmRequests.some((p) => /^\/app-[0-9a-f]+_bg\.wasm$/.test(p)),
    `the main module was fetched: ${wasmRequests}`,
  );
  assert.deepEqual(groupsSince(0), ["pricing"]);
  for (const chunk of chunksOf("pricing")) {
    assert.ok(wasmRequests.includes(chunk), `${chunk}, needed by the pricing screens, was fetched`);
  }
  const others = new Set([...chunksOf("coach"), ...chunksOf("analysis"), ...chunksOf("records")]);
  for (const chunk of chunksOf("pricing")) others.delete(chunk);
  assert.deepEqual(
    wasmRequests.filter((p) => others.has(p)),
    [],
    "no chunk only other groups need",
  );
});

test("Strategies shares the pricing chunk; Chat loads the coach chunk when opened", async () => {
  let from = wasmRequests.length;
  await page.locator('nav a[href="/strategies"]').click();
  await page.waitForURL(baseUrl + "/strategies");
  await page.locator("#legs-title").waitFor();
  assert.deepEqual(groupsSince(from), [], "no new screen group for Strategies");

  from = wasmRequests.length;
  await page.locator('nav a[href="/chat"]').click();
  await page.locator("#chat-title").waitFor();
  assert.deepEqual(groupsSince(from), ["coach"]);
});

test("while a screen's code downloads, the page says so", async () => {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  const pattern = "**/split_records_screens-*.wasm";
  await page.route(pattern, async (route) => {
    await held;
    await route.continue();
  });
  try {
    await page.locator('nav a[href="/audit"]').click();
    const status = page.locator("#screen-loading");
    await status.waitFor();
    assert.match(await status.innerText(), /Loading the screen/);
    assert.equal(await page.locator("#audit-title").count(), 0);
    release();
    await page.locator("#audit-title").waitFor();
    await status.waitFor({ state: "detached" });
  } finally {
    release();
    await page.unroute(pattern);
  }
});

test("a screen whose chunk does not download says so, and opens on the next try", async () => {
  const blocked = "**/split_analysis_screens-*.wasm";
  await page.route(blocked, (route) => route.abort("internetdisconnected"));
  try {
    await page.locator('nav a[href="/risk"]').click();
    const alert = page.locator("#screen-load-failed");
    await alert.waitFor();
    assert.match(await alert.innerText(), /could not be loaded/);
    assert.equal(await page.locator("#risk-title").count(), 0);
  } finally {
    await page.unroute(blocked);
  }
  // The shell still works: go elsewhere, then back to Risk.
  await page.locator('nav a[href="/"]').click();
  await page.locator("#price").waitFor();
  await page.locator('nav a[href="/risk"]').click();
  await page.locator("#risk-title").waitFor();
});

test("no errors were logged except the blocked download", async () => {
  const unexpected = session.problems.filter(
    (p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|Failed to load resource/.test(p),
  );
  assert.deepEqual(unexpected, []);
});
