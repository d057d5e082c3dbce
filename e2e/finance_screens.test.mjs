// End-to-end tests of the Risk and Backtest screens on the bundled S&P 500:
// the VaR table (ES at least VaR for every method), the return histogram
// with VaR and CVaR marked, the 2007-09 crisis in the stress table, the VaR
// backtest's reading and a shock; a moving-average crossover backtest with
// its report against buy-and-hold, the trade list and CSV exports whose
// header and row count match the screen; refusals and errors shown as
// messages; recording through the outbox, and offline runs on the
// bundled copy recorded once the server is back; no horizontal page scroll
// at 360 px; stress episodes the user adds by dates replayed in the stress
// table next to the built-in ones (and one outside the data explained);
// a backtest on a Polygon ticker fetched through the server's gateway from
// a fake Polygon on 127.0.0.1 (Polygon's aggregates wire format).
// One server for the file.
// Run by scripts/test.sh with MLTRAINER_SERVER_BIN and MLTRAINER_DIST set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { layoutReport, openSession } from "./support.mjs";

let session;
let baseUrl;
let page;
let polygon;
/** Requests the fake Polygon answered: path and whether the key came. */
const polygonCalls = [];
const POLYGON_KEY = "e2e-polygon-key";

/** Weekday daily bars from `from` to `to` (YYYY-MM-DD), a wave on a trend,
 * each at 05:00 UTC (midnight in New York) as Polygon stamps day bars. */
function polygonBars(from, to) {
  const bars = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let day = Date.parse(`${from}T00:00:00Z`), i = 0; day <= end; day += 86_400_000) {
    const weekday = new Date(day).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    const c = 100 + 12 * Math.sin(i / 20) + 0.04 * i;
    bars.push({ o: c - 0.3, h: c + 1, l: c - 1, c, v: 1_000_000 + i, vw: c, t: day + 5 * 3_600_000, n: 1000 + i });
    i += 1;
  }
  return bars;
}

/** A fake Polygon: `/v2/aggs/ticker/{T}/range/1/day/{from}/{to}`. */
function startFakePolygon() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const match = url.pathname.match(/^\/v2\/aggs\/ticker\/([^/]+)\/range\/(\d+)\/(\w+)\/([\d-]+)\/([\d-]+)$/);
    polygonCalls.push({ path: url.pathname, keyed: req.headers.authorization === `Bearer ${POLYGON_KEY}` || url.searchParams.get("apiKey") === POLYGON_KEY });
    if (!match) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end(JSON.stringify({ status: "NOT_FOUND", request_id: "e2e", message: "no such path" }));
    }
    const [, ticker, , , from, to] = match;
    const results = polygonBars(from, to);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ticker, queryCount: results.length, resultsCount: results.length, adjusted: true, results, status: "OK", request_id: "e2e-1", count: results.length }));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

before(async () => {
  polygon = await startFakePolygon();
  session = await openSession({
    env: {
      ANTHROPIC_API_KEY: "",
      MLTRAINER_OPENAI_BASE_URL: "",
      POLYGON_API_KEY: POLYGON_KEY,
      MLTRAINER_POLYGON_BASE_URL: `http://127.0.0.1:${polygon.address().port}`,
    },
  });
  ({ baseUrl, page } = session);
});

after(async () => {
  await session?.close();
  polygon?.close();
});

/** "1.23%" or "-4.5%" as a number (percent). */
function percentOf(text) {
  const match = text.trim().match(/^(-?\d+(?:\.\d+)?)%$/);
  assert.ok(match, `a percentage: ${text}`);
  return Number(match[1]);
}

/** Lines of a CSV text (CRLF line ends, no empty last line). */
function csvLines(text) {
  return text.split("\r\n").filter((line, i, all) => !(i === all.length - 1 && line === ""));
}

/** Asserts the page does not scroll sideways and has no inline styles. */
async function assertPhoneLayout(where) {
  const layout = await layoutReport(page);
  assert.ok(layout.overflow <= 0, `${where}: no horizontal page scroll (${layout.overflow} px)`);
  assert.equal(layout.inlineStyles, 0, `${where}: no inline styles`);
  assert.deepEqual(layout.unlabelled, [], `${where}: every control has a label`);
}

test("the Risk screen reports VaR and ES, the distribution, the 2007-09 crisis and an honest-or-not backtest", { timeout: 180_000 }, async () => {
  await page.goto(baseUrl + "/risk");
  const link = page.locator('nav a[href="/risk"]');
  assert.equal(await link.innerText(), "Risk");
  await page.locator("#risk-run").waitFor();
  // A refusal from shared::actions::validate is shown and blocks the run.
  await page.locator("#risk-confidence").fill("50");
  await page.locator("#risk-refusal").waitFor();
  assert.match(await page.locator("#risk-refusal").innerText(), /^confidence: /);
  assert.ok(await page.locator("#risk-run").isDisabled());
  await page.locator("#risk-confidence").fill("99");
  await page.locator("#risk-refusal").waitFor({ state: "detached" });
  await page.locator("#risk-scenarios").fill("20000");

  await page.locator("#risk-run").click();
  await page.locator("#risk-var table").waitFor({ timeout: 120_000 });
  const rows = page.locator("#risk-var tr[data-method]");
  assert.equal(await rows.count(), 4, "four methods");
  for (let i = 0; i < 4; i += 1) {
    const cells = rows.nth(i).locator("td");
    const method = await cells.nth(0).innerText();
    const vaR = percentOf(await cells.nth(1).innerText());
    const es = percentOf(await cells.nth(2).innerText());
    assert.ok(vaR > 0, `${method}: VaR ${vaR} is a loss`);
    assert.ok(es >= vaR, `${method}: ES ${es} >= VaR ${vaR}`);
  }
  assert.match(await rows.nth(3).innerText(), /simulation/i, "Monte Carlo is labelled a simulation");

  // The histogram has bars and marks VaR and CVaR.
  assert.ok((await page.locator("#risk-distribution svg rect.bar").count()) > 10);
  const labels = await page.locator("#risk-distribution .marker-label").allTextContents();
  assert.ok(labels.some((l) => l.includes("VaR")) && labels.some((l) => l.includes("CVaR")), labels.join("|"));

  // The drawdown curve and the largest drawdown with its dates.
  await page.locator("#risk-drawdown svg path.area").waitFor();
  assert.match(await page.locator("#risk-max-drawdown").innerText(), /^Maximum drawdown \d+\.\d% from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d/);

  // The 2007-09 crisis is replayed from the data.
  const crisis = page.locator("#risk-stress tr").filter({ hasText: "Financial crisis 2008-2009" });
  assert.equal(await crisis.count(), 1);
  assert.match(await crisis.innerText(), /2007-10-09 to 2009-03-09/);
  assert.ok(percentOf(await crisis.locator("td").nth(2).innerText()) < -40, "the S&P 500 fell more than 40%");

  // The VaR backtest with Kupiec and Christoffersen, and its reading.
  assert.match(await page.locator("#risk-backtest-table").innerText(), /Kupiec p-value[\s\S]*Christoffersen independence p-value/);
  assert.match(await page.locator("#risk-backtest-reading").innerText(), /^(Honest|Too few breaches|Too many breaches)/);

  // A shock on the holding: down 20% loses 20% of it.
  await page.locator("#shock-price").fill("20");
  await page.locator("#shock-holding").fill("1000");
  assert.match(await page.locator("#shock-table").innerText(), /Total P&L\s+-200\.00/);
  await page.locator("#shock-price").fill("150");
  assert.match(await page.locator("#shock-error").innerText(), /price_change/);

  // Online: computed with the server's data and recorded through the outbox.
  assert.equal(await page.locator("#risk-offline").count(), 0, "online: no offline badge");
  await page.locator('#risk-record[data-state="recorded"]').waitFor({ timeout: 30_000 });

  await assertPhoneLayout("risk");
  assert.deepEqual(session.problems, [], "no console errors");
});

test("the Risk screen says when the data are too few for the confidence", { timeout: 120_000 }, async () => {
  await page.locator("#risk-confidence").fill("99.9");
  await page.locator("#risk-from").fill("2018-12-03");
  await page.locator("#risk-to").fill("2018-12-14");
  // 99.9% is inside the allowed range (no rounding error refuses it).
  assert.equal(await page.locator("#risk-refusal").count(), 0);
  await page.locator("#risk-run").click();
  // Either the whole run or each method explains what is missing; nothing breaks.
  await page.waitForFunction(() => document.querySelector("#risk-error") || document.querySelector("#risk-var td[colspan]"), null, { timeout: 60_000 });
  const text = (await page.locator("#risk-error, #risk-var td[colspan]").first().innerText()).trim();
  assert.match(text, /needed|at least|too few/i, text);
  assert.deepEqual(session.problems, [], "no console errors");
});

test("the Risk screen replays stress episodes the user adds by dates", { timeout: 180_000 }, async () => {
  await page.goto(baseUrl + "/risk");
  await page.locator("#risk-run").waitFor();
  for (const id of ["#risk-m-normal", "#risk-m-t", "#risk-m-mc"]) await page.locator(id).uncheck();
  await page.locator("#risk-add-episode").click();
  await page.locator("#risk-add-episode").click();
  await page.locator("#risk-add-episode").click();
  const inputs = (key) => page.locator(`#risk-episodes input[id^="risk-episode-${key}-"]`);
  assert.equal(await inputs("from").count(), 3);
  await inputs("name").nth(0).fill("Flash crash");
  await inputs("from").nth(0).fill("2010-05-03");
  await inputs("to").nth(0).fill("2010-05-28");
  // Dates in the wrong order are refused before anything runs.
  await inputs("from").nth(1).fill("2015-08-25");
  await inputs("to").nth(1).fill("2015-08-17");
  await page.locator("#risk-refusal").waitFor();
  assert.match(await page.locator("#risk-refusal").innerText(), /^episodes: episode 2 .*not after/);
  assert.ok(await page.locator("#risk-run").isDisabled());
  // The third lies outside the data; removing the second clears the refusal.
  await inputs("from").nth(2).fill("2021-01-04");
  await inputs("to").nth(2).fill("2021-03-31");
  await page.locator("#risk-episodes button", { hasText: "Remove episode 2" }).click();
  await page.locator("#risk-refusal").waitFor({ state: "detached" });
  assert.equal(await inputs("from").count(), 2);
  assert.equal(await inputs("from").nth(1).inputValue(), "2021-01-04", "the right row went");
  await assertPhoneLayout("risk episodes");
  const small = (await layoutReport(page)).small;
  assert.deepEqual(small, [], "episode inputs and buttons are 44 px touch targets");

  await page.locator("#risk-run").click();
  await page.locator("#risk-stress table").waitFor({ timeout: 120_000 });
  const mine = page.locator("#risk-stress tr").filter({ hasText: "Flash crash (yours)" });
  assert.equal(await mine.count(), 1, await page.locator("#risk-stress").innerText());
  assert.match(await mine.innerText(), /2010-05-03 to 2010-05-28/);
  assert.ok(percentOf(await mine.locator("td").nth(2).innerText()) < 0, "May 2010 fell");
  // The built-in episodes are still there.
  assert.equal(await page.locator("#risk-stress tr").filter({ hasText: "Financial crisis 2008-2009" }).count(), 1);
  // The one outside the bundled data (which ends in 2018) says why.
  assert.match(await page.locator("#risk-stress .stress-refused").innerText(), /Not replayed: 2021-01-04 to 2021-03-31: .*2018/);
  await page.locator('#risk-record[data-state="recorded"]').waitFor({ timeout: 30_000 });
  assert.deepEqual(session.problems, [], "no console errors");
});

test("the Backtest screen runs an MA crossover against buy-and-hold and exports CSV", { timeout: 180_000 }, async () => {
  await page.goto(baseUrl + "/backtest");
  assert.equal(await page.locator('nav a[href="/backtest"]').innerText(), "Backtest");
  await page.locator("#bt-run").waitFor();
  assert.equal(await page.locator("#bt-rule").inputValue(), "ma_crossover");
  // A refusal names the field.
  await page.locator("#bt-slow").fill("20");
  await page.locator("#bt-fast").fill("50");
  await page.locator("#bt-refusal").waitFor();
  await page.locator("#bt-slow").fill("200");
  await page.locator("#bt-refusal").waitFor({ state: "detached" });

  await page.locator("#bt-run").click();
  const table = page.locator("#bt-report table.backtest-table");
  await table.waitFor({ timeout: 120_000 });
  const head = await table.locator("thead").innerText();
  assert.match(head, /Strategy\s+Buy and hold/);
  const body = await table.locator("tbody").innerText();
  for (const figure of ["Cumulative return", "Annualised return", "Volatility", "Sharpe", "Sortino", "Calmar", "Max drawdown", "Turnover per year", "Hit rate", "Exposure", "Trades"]) {
    assert.ok(body.includes(figure), `report has ${figure}`);
  }
  assert.match(await page.locator("#bt-report .execution").innerText(), /t\+1/);
  await page.locator("#bt-equity svg path.line.series-b").waitFor();
  await page.locator("#bt-equity svg path.area").waitFor();

  const heading = await page.locator("#bt-trades-title").innerText();
  const trades = Number(heading.match(/Trades \((\d+)\)/)[1]);
  assert.ok(trades > 0, "the crossover traded");
  assert.equal(await page.locator("#bt-trades tbody tr").count(), Math.min(trades, 500));

  // Trades CSV: the header and one row per trade on screen.
  const [tradesFile] = await Promise.all([page.waitForEvent("download"), page.locator("#bt-export-trades").click()]);
  assert.equal(tradesFile.suggestedFilename(), "backtest-sp500-trades.csv");
  const tradeLines = csvLines(readFileSync(await tradesFile.path(), "utf8"));
  assert.equal(tradeLines[0], "side,entry_date,entry_price,exit_date,exit_price,bars_held,price_return,net_return,open");
  assert.equal(tradeLines.length - 1, trades);

  // Equity CSV: one row per date from the first to the last date of the report.
  const [equityFile] = await Promise.all([page.waitForEvent("download"), page.locator("#bt-export-equity").click()]);
  const equityLines = csvLines(readFileSync(await equityFile.path(), "utf8"));
  assert.equal(equityLines[0], "date,strategy_equity,buy_and_hold_equity,drawdown,position,price");
  assert.ok(equityLines.length > 4000, `daily rows: ${equityLines.length}`);
  assert.match(equityLines[1], /^\d{4}-\d\d-\d\d,1,1,0,,/);

  // Report CSV: the trade count and the dates agree with the other files.
  const [reportFile] = await Promise.all([page.waitForEvent("download"), page.locator("#bt-export-report").click()]);
  const reportLines = csvLines(readFileSync(await reportFile.path(), "utf8"));
  assert.equal(reportLines[0], "metric,strategy,buy_and_hold");
  assert.ok(reportLines.includes(`trades,${trades},1`), reportLines.join("\n"));
  const first = equityLines[1].split(",")[0];
  const last = equityLines[equityLines.length - 1].split(",")[0];
  assert.ok(reportLines.includes(`first_date,${first},${first}`));
  assert.ok(reportLines.includes(`last_date,${last},${last}`));

  assert.equal(await page.locator("#bt-offline").count(), 0, "online: no offline badge");
  await page.locator('#bt-record[data-state="recorded"]').waitFor({ timeout: 30_000 });

  await assertPhoneLayout("backtest");
  assert.deepEqual(session.problems, [], "no console errors");
});

test("the Lab's Backtest this model opens the Backtest screen on the model's walk-forward positions", { timeout: 240_000 }, async () => {
  await page.goto(baseUrl + "/lab");
  await page.locator("#lab-scope").waitFor();
  await page.locator("#lab-scope").selectOption("one");
  await page.locator("#lab-model").waitFor();
  await page.locator("#lab-model").selectOption("baseline_majority_class");
  await page.locator("#lab-train").fill("1000");
  await page.locator("#lab-test").fill("500");
  await page.locator("#lab-local-verdict.allowed").waitFor();
  await page.locator("#lab-run").click();
  await page.locator('#lab-progress[data-state="finished"]').waitFor({ timeout: 180_000 });
  await page.locator("#leaderboard tbody tr th button").first().click();
  await page.locator("#lab-backtest").click();
  await page.waitForURL(/\/backtest\?from=lab$/);
  const banner = page.locator("#bt-lab");
  await banner.waitFor();
  assert.match(await banner.innerText(), /Positions of the Lab model baseline_majority_class on sp500 \([\d,]+ dates, walk-forward\)/);
  const dates = Number((await banner.innerText()).match(/\(([\d,]+) dates/)[1].replace(/,/g, ""));
  await page.locator("#bt-run").click();
  await page.locator("#bt-report table.backtest-table").waitFor({ timeout: 60_000 });
  // The model's result was recorded by the Lab; this run is not recorded again.
  await page.locator("#bt-not-recorded").waitFor();
  assert.equal(await page.locator("#bt-record").count(), 0);
  // The equity CSV covers exactly the model's dates but the first (whose
  // decision trades at the next date's close).
  const [file] = await Promise.all([page.waitForEvent("download"), page.locator("#bt-export-equity").click()]);
  assert.equal(csvLines(readFileSync(await file.path(), "utf8")).length - 1, dates - 1);
  assert.deepEqual(session.problems, [], "no console errors");
});

test("offline on bundled data both screens compute in the worker and record once the server is back", { timeout: 300_000 }, async () => {
  const results = () => page.evaluate(() => fetch("/api/results").then((r) => r.json()));
  await page.goto(baseUrl + "/risk");
  await page.locator("#risk-run").waitFor();
  const before = (await results()).length;
  const offline = (route) => route.abort("internetdisconnected");
  await page.route("**/api/**", offline);

  await page.locator("#risk-scenarios").fill("5000");
  await page.locator("#risk-run").click();
  await page.locator("#risk-var table").waitFor({ timeout: 120_000 });
  await page.locator("#risk-offline").waitFor();
  assert.equal(await page.locator("#risk-record").getAttribute("data-state"), "waiting");
  const crisis = page.locator("#risk-stress tr").filter({ hasText: "Financial crisis 2008-2009" });
  assert.equal(await crisis.count(), 1, "the worker's bundled copy has the crisis too");

  await page.locator('nav a[href="/backtest"]').click();
  await page.locator("#bt-run").click();
  await page.locator("#bt-report table.backtest-table").waitFor({ timeout: 120_000 });
  await page.locator("#bt-offline").waitFor();
  assert.equal(await page.locator("#bt-record").getAttribute("data-state"), "waiting");
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem("mltrainer.finance.outbox.v1")));
  assert.equal(kept.pending.length, 2, "both results wait in the browser");

  await page.unroute("**/api/**", offline);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await page.locator('#bt-record[data-state="recorded"]').waitFor({ timeout: 30_000 });
  const after = await results();
  assert.equal(after.length, before + 2, "each recorded once");
  const ids = new Set(kept.pending.map((r) => r.client_id));
  assert.equal(after.filter((r) => ids.has(r.record.client_id)).length, 2);
  // The aborted requests logged network errors; nothing else may have.
  const others = session.problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(p));
  assert.deepEqual(others, []);
  // Those expected errors are accounted for: the tests after this one
  // start from a clean log.
  session.problems.length = 0;
});

test("a backtest runs on a Polygon ticker fetched through the gateway", { timeout: 180_000 }, async () => {
  await page.goto(baseUrl + "/backtest");
  await page.locator("#bt-run").waitFor();
  await page.locator("#bt-source").selectOption("polygon");
  // The series is typed now: a text input with a 44 px target.
  const symbol = page.locator("input#bt-symbol");
  await symbol.waitFor();
  assert.equal(await symbol.getAttribute("type"), "text");
  assert.ok((await symbol.boundingBox()).height >= 44, "44 px target");
  await symbol.fill("aapl");
  // Polygon needs a date range: the local check says which field.
  await page.locator("#bt-from").fill("2023-01-03");
  await page.waitForFunction(() => /^to: polygon series are fetched over a date range/.test(document.querySelector("#bt-refusal")?.innerText ?? ""));
  await page.locator("#bt-to").fill("2024-06-28");
  await page.locator("#bt-refusal").waitFor({ state: "detached" });

  await page.locator("#bt-run").click();
  const table = page.locator("#bt-report table.backtest-table");
  await table.waitFor({ timeout: 120_000 });
  assert.match(await table.locator("thead").innerText(), /Strategy\s+Buy and hold/);
  assert.ok(
    polygonCalls.some((c) => c.path === "/v2/aggs/ticker/AAPL/range/1/day/2023-01-03/2024-06-28" && c.keyed),
    JSON.stringify(polygonCalls),
  );
  // Equity CSV: the fake's bars, first and last on the fake's dates.
  const [equityFile] = await Promise.all([page.waitForEvent("download"), page.locator("#bt-export-equity").click()]);
  const equityLines = csvLines(readFileSync(await equityFile.path(), "utf8"));
  const bars = polygonBars("2023-01-03", "2024-06-28");
  // Observed: the curve starts on the second fake bar (the first date
  // with a return), 2023-01-04, and ends on the last one.
  assert.equal(equityLines.length - 1, bars.length - 1);
  assert.match(equityLines[1], /^2023-01-04,1,1,/, "both curves start at 1");
  assert.match(equityLines[equityLines.length - 1], /^2024-06-28,/);

  assert.equal(await page.locator("#bt-offline").count(), 0, "fetched: never offline");
  await page.locator('#bt-record[data-state="recorded"]').waitFor({ timeout: 30_000 });
  await assertPhoneLayout("backtest on polygon");
  assert.deepEqual(session.problems, [], "no console errors");
});
