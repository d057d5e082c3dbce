// End-to-end tests of the Portfolio screen: a bundled 3-asset portfolio is
// optimised in the finance worker, its weights add up to 100 % on screen
// and its record reaches GET /api/results; a refused form says why; offline
// (every /api request fails) the worker runs on its own bundled copy, the
// screen says so and keeps the record waiting, and after reconnection the
// server holds it exactly once, even though the first POST reached the
// server and only its answer was lost. One server for the suite, in local
// mode on a fresh data directory, at a 360 px phone viewport. Per-asset
// bounds typed on the screen hold in the weights shown; the user's own
// uploads (stored through POST /api/uploads) can be picked and optimised.
// Run with MLTRAINER_SERVER_BIN and MLTRAINER_DIST set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { layoutReport, openSession } from "./support.mjs";

const RUN_TIMEOUT = 180_000;

let session;
let baseUrl;
let page;

before(async () => {
  session = await openSession({ env: { ANTHROPIC_API_KEY: "", MLTRAINER_OPENAI_BASE_URL: "" } });
  ({ baseUrl, page } = session);
});

after(async () => {
  await session?.close();
});

/** The server's results (local mode: no token needed). */
function results() {
  return page.evaluate(() => fetch("/api/results").then((r) => r.json()));
}

/** Ticks exactly the assets `ids` in the asset picker. */
async function chooseAssets(ids) {
  // locator.all() does not wait: let the app render the picker first.
  await page.locator(".asset-picker input[type=checkbox]").first().waitFor();
  for (const box of await page.locator(".asset-picker input[type=checkbox]").all()) {
    const want = ids.includes(await box.getAttribute("value"));
    if ((await box.isChecked()) !== want) await box.click();
  }
}

/** The weights shown in the table, in percent. */
async function shownWeights() {
  const cells = await page.locator("#portfolio-weights td.weight").allInnerTexts();
  return cells.map((t) => Number(t.replace("%", "")));
}

test("a bundled 3-asset portfolio is optimised, sums to 100 % and is recorded", { timeout: 300_000 }, async () => {
  await page.goto(baseUrl + "/portfolio");
  const link = page.locator('nav a[href="/portfolio"]');
  assert.equal(await link.innerText(), "Portfolio");
  await chooseAssets(["sp500", "nasdaq", "wti"]);
  await page.locator("#portfolio-method").selectOption("max_sharpe");
  await page.locator("#portfolio-run").click();
  await page.locator("#portfolio-result").waitFor({ timeout: RUN_TIMEOUT });

  const weights = await shownWeights();
  assert.equal(weights.length, 3);
  const sum = weights.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 100) <= 0.15, `weights ${weights} sum to ${sum}`);
  assert.equal(await page.locator("#portfolio-total").innerText(), "100.0%");
  assert.equal(await page.locator("#portfolio-offline").count(), 0, "online: no offline badge");
  // The frontier, each asset and the chosen portfolio are drawn.
  assert.ok((await page.locator(".line.frontier").getAttribute("d")).length > 20);
  assert.equal(await page.locator("circle.point").count(), 4);
  assert.match(await page.locator("#portfolio-alignment").innerText(), /common dates from/);

  await page.locator('#portfolio-record[data-state="recorded"]').waitFor({ timeout: 30_000 });
  const stored = (await results()).filter((r) => r.record.kind === "portfolio");
  assert.equal(stored.length, 1, JSON.stringify(stored));
  const record = stored[0].record;
  assert.equal(record.family, "portfolio");
  assert.equal(record.model, "max_sharpe");
  assert.equal(record.symbol, "sp500_nasdaq_wti");
  assert.equal(record.params.assets, "sp500,nasdaq,wti");
  assert.match(record.client_id, /^fin-[0-9a-f]+-[0-9a-f]{16}$/);
  const recordedSum = ["sp500", "nasdaq", "wti"].reduce((a, id) => a + record.metrics[`weight_${id}`], 0);
  assert.ok(Math.abs(recordedSum - 1) < 1e-6, `recorded weights sum to ${recordedSum}`);

  const layout = await layoutReport(page);
  assert.ok(layout.overflow <= 0, `no sideways scrolling at 360 px (${layout.overflow})`);
  assert.equal(layout.inlineStyles, 0);
  assert.deepEqual(layout.unlabelled, []);
  assert.deepEqual(session.problems, []);
});

test("one asset is refused with the field and the reason", async () => {
  await page.goto(baseUrl + "/portfolio");
  await chooseAssets(["sp500"]);
  await page.locator("#portfolio-run").click();
  const error = await page.locator("#portfolio-error").innerText();
  assert.match(error, /^assets: /, error);
  assert.equal(await page.locator("#portfolio-result").count(), 0);
});

test("offline on bundled data: computed in the worker, recorded once after reconnection", { timeout: 300_000 }, async () => {
  await page.goto(baseUrl + "/portfolio");
  const before = (await results()).length;
  // No answer from the API; the record's POST does reach the server, but
  // its answer is lost, as when the connection drops mid-request.
  let postsReachingServer = 0;
  const offline = async (route) => {
    if (route.request().method() === "POST" && new URL(route.request().url()).pathname === "/api/results") {
      postsReachingServer += 1;
      await route.fetch();
    }
    await route.abort("internetdisconnected");
  };
  await page.route("**/api/**", offline);

  await chooseAssets(["sp500", "nasdaq", "wti"]);
  await page.locator("#portfolio-method").selectOption("min_variance");
  await page.locator("#portfolio-run").click();
  await page.locator("#portfolio-result").waitFor({ timeout: RUN_TIMEOUT });
  await page.locator("#portfolio-offline").waitFor();
  const sum = (await shownWeights()).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 100) <= 0.15, `offline weights sum to ${sum}`);
  assert.equal(await page.locator("#portfolio-record").getAttribute("data-state"), "waiting");
  await page.locator("#outbox-pending").filter({ hasText: "1 result waiting to be recorded" }).waitFor();
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem("mltrainer.finance.outbox.v1")));
  assert.equal(kept.pending.length, 1);
  assert.equal(kept.pending[0].model, "min_variance");
  assert.equal(kept.pending[0].params.offline, true);

  await page.unroute("**/api/**", offline);
  assert.equal(postsReachingServer, 1, "the first POST reached the server");
  assert.equal((await results()).length, before + 1, "stored once already, answer lost");

  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await page.locator('#portfolio-record[data-state="recorded"]').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator("#outbox-pending").count(), 0);
  // A second reconnection sends nothing more.
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await page.waitForTimeout(500);
  const after = await results();
  assert.equal(after.length, before + 1, "exactly one record");
  const mine = after.filter((r) => r.record.model === "min_variance");
  assert.equal(mine.length, 1);
  assert.equal(mine[0].record.client_id, kept.pending[0].client_id);
  const left = await page.evaluate(() => JSON.parse(localStorage.getItem("mltrainer.finance.outbox.v1")));
  assert.equal(left.pending.length, 0);
});

/** Each shown asset's exact weight (the cells' data-value), by asset id. */
async function weightsByAsset() {
  const rows = await page.locator("#portfolio-weights tbody tr").all();
  const out = {};
  for (const row of rows) {
    const asset = (await row.locator("td").first().innerText()).trim();
    out[asset] = Number(await row.locator("td.weight").getAttribute("data-value"));
  }
  return out;
}

test("per-asset bounds typed on the screen hold in the weights shown", { timeout: 300_000 }, async () => {
  await page.goto(baseUrl + "/portfolio");
  await chooseAssets(["sp500", "nasdaq", "wti"]);
  await page.locator("#portfolio-method").selectOption("max_sharpe");
  await page.locator("#portfolio-min-sp500").fill("30");
  await page.locator("#portfolio-max-wti").fill("10");
  await page.locator("#portfolio-max-nasdaq").fill("50");
  const layout = await layoutReport(page);
  assert.deepEqual(layout.small, [], "bound inputs are 44 px touch targets");
  assert.deepEqual(layout.unlabelled, []);
  assert.ok(layout.overflow <= 0, `no sideways scrolling at 360 px (${layout.overflow})`);
  await page.locator("#portfolio-run").click();
  await page.locator("#portfolio-result").waitFor({ timeout: RUN_TIMEOUT });
  const w = await weightsByAsset();
  assert.deepEqual(Object.keys(w).sort(), ["nasdaq", "sp500", "wti"]);
  const eps = 1e-6;
  assert.ok(w.sp500 >= 0.3 - eps, `sp500 ${w.sp500} >= 30%`);
  assert.ok(w.wti <= 0.1 + eps && w.wti >= -eps, `wti ${w.wti} in 0..10%`);
  assert.ok(w.nasdaq <= 0.5 + eps && w.nasdaq >= -eps, `nasdaq ${w.nasdaq} in 0..50%`);
  const sum = w.sp500 + w.nasdaq + w.wti;
  assert.ok(Math.abs(sum - 1) < 1e-6, `weights sum to ${sum}`);
  assert.equal(await page.locator("#portfolio-total").innerText(), "100.0%");

  // Bounds no portfolio meets are refused before anything runs, naming the field.
  await page.locator("#portfolio-max-nasdaq").fill("");
  await page.locator("#portfolio-min-nasdaq").fill("80");
  await page.locator("#portfolio-run").click();
  const error = await page.locator("#portfolio-error").innerText();
  assert.match(error, /^bounds: /, error);
  assert.match(error, /lower bounds sum to 1\.1/, error);
  await page.locator("#portfolio-min-nasdaq").fill("");
  // Hierarchical risk parity takes no bounds: the inputs go away.
  await page.locator("#portfolio-method").selectOption("hrp");
  await page.locator("#portfolio-bounds").waitFor({ state: "detached" });
});

/** The bundled `id` between `from` and `to` as a Date,Close CSV (ISO dates). */
function closesCsv(id, from, to) {
  const lines = gunzipSync(readFileSync(`shared/data/bundled/${id}.csv.gz`)).toString().trim().split("\n");
  const out = ["Date,Close"];
  for (const line of lines.slice(1)) {
    const cols = line.split(",");
    const [m, d, y] = cols[0].split("/");
    const iso = `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}`;
    if (iso >= from && iso <= to) out.push(`${iso},${cols[4]}`);
  }
  return out.join("\n") + "\n";
}

test("the user's own uploads can be picked and optimised", { timeout: 300_000 }, async () => {
  await page.goto(baseUrl + "/portfolio");
  const upload = (name, csv) =>
    page.evaluate(
      ([name, csv]) =>
        fetch(`/api/uploads?name=${encodeURIComponent(name)}`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv }).then(async (r) => {
          if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
          return r.json();
        }),
      [name, csv],
    );
  const a = await upload("my-spx.csv", closesCsv("sp500", "2012-01-01", "2015-12-31"));
  const b = await upload("my-ndx.csv", closesCsv("nasdaq", "2012-01-01", "2015-12-31"));
  assert.ok(a.id && b.id, JSON.stringify([a, b]));

  await page.reload();
  await page.locator("#portfolio-source").selectOption("user_upload");
  await page.locator(`.asset-picker input[value="${a.id}"]`).waitFor();
  const labels = await page.locator(".asset-picker label").allInnerTexts();
  assert.ok(labels.some((l) => l.includes("my-spx.csv")) && labels.some((l) => l.includes("my-ndx.csv")), labels.join("|"));
  assert.equal(await page.locator('.asset-picker input[value="sp500"]').count(), 0, "bundled ids are not offered under uploads");
  await chooseAssets([String(a.id), String(b.id)]);
  await page.locator("#portfolio-method").selectOption("min_variance");
  await page.locator(`#portfolio-max-${b.id}`).fill("40");
  await page.locator("#portfolio-run").click();
  await page.locator("#portfolio-result").waitFor({ timeout: RUN_TIMEOUT });
  const w = await weightsByAsset();
  assert.deepEqual(Object.keys(w).sort(), [String(a.id), String(b.id)].sort());
  assert.ok(Math.abs(w[a.id] + w[b.id] - 1) < 1e-6, JSON.stringify(w));
  assert.ok(w[b.id] <= 0.4 + 1e-6, `bounded upload ${w[b.id]} <= 40%`);
  assert.equal(await page.locator("#portfolio-offline").count(), 0);
  await page.locator('#portfolio-record[data-state="recorded"]').waitFor({ timeout: 30_000 });
  const all = (await results()).filter((r) => r.record.kind === "portfolio");
  const ids = [String(a.id), String(b.id)].sort().join(",");
  const stored = all.filter((r) => r.record.source === "user_upload" && r.record.params.assets.split(",").sort().join(",") === ids);
  assert.equal(stored.length, 1, `recorded once: ${JSON.stringify(all.map((r) => [r.record.source, r.record.params]))}`);
  // The bound travels with the record's parameters.
  assert.match(stored[0].record.params.bounds, new RegExp(`"asset":"${b.id}","max":0\\.4`));
  // The offline test before this one logged its aborted requests; nothing else may have.
  const others = session.problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(p));
  assert.deepEqual(others, []);
});
