// End-to-end tests of the Portfolio screen: a bundled 3-asset portfolio is
// optimised in the finance worker, its weights add up to 100 % on screen
// and its record reaches GET /api/results; a refused form says why; offline
// (every /api request fails) the worker runs on its own bundled copy, the
// screen says so and keeps the record waiting, and after reconnection the
// server holds it exactly once, even though the first POST reached the
// server and only its answer was lost. One server for the suite, in local
// mode on a fresh data directory, at a 360 px phone viewport.
// Run with MLTRAINER_SERVER_BIN and MLTRAINER_DIST set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
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
