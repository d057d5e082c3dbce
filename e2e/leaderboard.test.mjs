// End-to-end test of the Leaderboard and Registry screens: two lab results
// recorded through the API are ranked with buy-and-hold beside, one is
// registered from its leaderboard row, the link opens it on /registry
// where it is active, and its export downloads as JSON with the recorded
// metrics. The 360 px layout (tables
// scroll inside their card), labels, touch targets, no CSP errors. One
// server for the suite, in local mode on a fresh data directory.
// Run with MLTRAINER_SERVER_BIN and MLTRAINER_DIST set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { layoutReport, openSession } from "./support.mjs";

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

/** A lab result as the Lab records it (`ModelReport::to_result_record`). */
function labResult(model, family, accuracy, sharpe, ret) {
  return {
    kind: "lab_run",
    model,
    family,
    params: { train_window: 500, test_window: 250, gap: 0, horizon_days: 1, cost_bps: 5, window: "expanding" },
    seed: 42,
    source: "bundled",
    symbol: "sp500",
    data_hash: "ab".repeat(32),
    code_version: "0.1.0",
    metrics: {
      accuracy, precision: 0.5, recall: 0.5, f1: 0.5,
      sharpe, cumulative_return: ret, max_drawdown: 0.2, hit_rate: 0.5, exposure: 0.6, trades: 40,
      buy_and_hold_sharpe: 0.6, buy_and_hold_cumulative_return: 0.25, buy_and_hold_max_drawdown: 0.3,
      buy_and_hold_hit_rate: 0.52, buy_and_hold_exposure: 1, buy_and_hold_trades: 1,
      n_folds: 4, n_test_rows: 1000,
    },
  };
}

async function post(path, body) {
  const response = await fetch(baseUrl + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, `${path}: ${await response.clone().text()}`);
  return response.json();
}

test("recorded results are ranked, registered from a row, and exported", { timeout: 120_000 }, async () => {
  const weak = await post("/api/results", labResult("baseline_majority_class", "baseline", 0.51, 0.4, 0.12));
  const strong = await post("/api/results", labResult("logistic_l2_c_1", "logistic", 0.55, 0.9, 0.31));

  await page.goto(baseUrl + "/leaderboard");
  const nav = page.locator('nav a[href="/leaderboard"]');
  assert.equal(await nav.getAttribute("aria-current"), "page");
  const rows = page.locator(".lb-table tbody tr");
  await rows.nth(1).waitFor();
  // Ranked by Sharpe: the logistic model first, buy-and-hold beside.
  assert.equal(await rows.nth(0).getAttribute("data-result"), String(strong.id));
  assert.equal(await rows.nth(1).getAttribute("data-result"), String(weak.id));
  const first = (await rows.nth(0).innerText()).replace(/\s+/g, " ");
  assert.match(first, /1\. logistic_l2_c_1 logistic 0\.9000 0\.90 31\.0% 0\.60 25\.0% yes 1/);
  const second = (await rows.nth(1).innerText()).replace(/\s+/g, " ");
  assert.match(second, /2\. baseline_majority_class .* no 1/);

  // Another metric: ranked by accuracy, the same order, the value column changes.
  await page.locator("#lb-metric").selectOption("accuracy");
  await page.locator(".lb-table thead").getByText("accuracy").waitFor();
  await rows.nth(0).getByText("0.5500").waitFor();
  assert.equal(await rows.nth(0).getAttribute("data-result"), String(strong.id));

  // Register the best row under a name; it becomes the active version 1.
  await page.locator("#registry-name").fill("trend");
  await rows.nth(0).locator(".lb-register").click();
  await page.locator("#lb-message").getByText("Registered trend version 1").waitFor();

  // Phone layout of the leaderboard: nothing overflows the page, every
  // control is labelled and a touch target; wide tables scroll inside their card.
  let report = await layoutReport(page);
  assert.ok(report.overflow <= 0, `page overflows by ${report.overflow} px`);
  assert.deepEqual(report.unlabelled, []);
  assert.deepEqual(report.small, []);
  assert.equal(report.inlineStyles, 0);
  const scrolls = await page.locator(".lb-table").first().evaluate((t) => t.parentElement.scrollWidth > t.parentElement.clientWidth);
  assert.ok(scrolls, "the leaderboard table scrolls inside its card at 360 px");

  // The registry screen, from the link: the new version, active.
  await page.locator("#lb-registry-link").click();
  await page.waitForURL(/\/registry\?name=trend$/);
  assert.equal(await page.locator('nav a[href="/registry"]').getAttribute("aria-current"), "page");
  const version = page.locator('#registry-versions tbody tr[data-version="1"]');
  await version.waitFor();
  assert.ok((await version.getAttribute("class") ?? "").includes("active"));
  assert.match((await page.locator("#registry-models").innerText()).replace(/\s+/g, " "), /trend — logistic_l2_c_1 \(logistic\), 1 version\(s\), active v1/);

  // Export JSON: a download with the recorded record.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    version.getByRole("button", { name: "Export JSON" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "trend-v1.json");
  const exported = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(exported.format, "mltrainer.model_version");
  assert.equal(exported.name, "trend");
  assert.equal(exported.record.model, "logistic_l2_c_1");
  assert.equal(exported.record.metrics.sharpe, 0.9);
  assert.equal(exported.record.metrics.buy_and_hold_cumulative_return, 0.25);

  // Phone layout of the registry, and a reload keeps the open name.
  report = await layoutReport(page);
  assert.ok(report.overflow <= 0, `registry overflows by ${report.overflow} px`);
  assert.deepEqual(report.unlabelled, []);
  assert.deepEqual(report.small, []);
  assert.equal(report.inlineStyles, 0);
  await page.reload();
  await version.waitFor();
  assert.deepEqual(session.problems, []);
});
