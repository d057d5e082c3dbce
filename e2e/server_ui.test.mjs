// End-to-end tests of the server-backed screens (session, goal, audit,
// compliance) against the real server binary and the built app, in
// Debian's headless Chromium via playwright-core. The server runs in local
// mode (loopback, no accounts) on a fresh, temporary data directory.
// Run by scripts/test.sh with MLTRAINER_SERVER_BIN and MLTRAINER_DIST set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { contrastReport, layoutReport as pageLayout, openSession, runModelBench } from "./support.mjs";

const GOAL = "Beat buy-and-hold on next-week S&P 500 direction";
const GOAL_2 = "Forecast the direction of the 10-year Treasury yield from FRED series";
const SYNTHETIC_GOAL = "Train on synthetic prices until the model works";

let session;
let baseUrl;
let context;
let page;

async function text(selector) {
  return (await page.locator(selector).first().textContent()).trim();
}

/** Waits until the trimmed text of `selector` is exactly `expected`. */
async function waitForText(selector, expected) {
  await page.waitForFunction(
    ([sel, want]) => document.querySelector(sel)?.textContent.trim() === want,
    [selector, expected],
  );
}

/** The audit entries on screen, in screen order. */
async function auditEntries() {
  return page.$$eval("#audit-list .audit-entry", (items) =>
    items.map((li) => ({
      seq: Number(li.dataset.seq),
      kind: li.dataset.kind,
      verdict: li.dataset.verdict,
      text: li.innerText,
    })),
  );
}

/** Applies the audit filters and waits for a non-empty list whose every
 * entry has the wanted kind and verdict (null: any). */
async function applyAuditFilters({ kind = null, verdict = null }) {
  await page.locator("#audit-apply").click();
  await page.waitForFunction(
    ([wantKind, wantVerdict]) => {
      const items = [...document.querySelectorAll("#audit-list .audit-entry")];
      return (
        items.length > 0 &&
        items.every(
          (li) =>
            (wantKind === null || li.dataset.kind === wantKind) &&
            (wantVerdict === null || li.dataset.verdict === wantVerdict),
        )
      );
    },
    [kind, verdict],
  );
}

/** Sets a goal through the editor and waits for the server's verdict. */
async function setGoal(goalText, source, verdictClass) {
  if ((await page.locator("#goal-form").count()) === 0) await page.locator("#goal-edit").click();
  await page.locator("#goal-form").waitFor();
  await page.locator("#goal-input").fill(goalText);
  if (source) {
    const box = page.locator(`#goal-source-${source}`);
    if (!(await box.isChecked())) await page.locator(`label[for="goal-source-${source}"]`).click();
  }
  await page.locator("#goal-save").click();
  await page.locator(`#goal-server-verdict.${verdictClass}`).waitFor();
}

/** Overflow, unlabelled controls and small touch targets on the current page. */
function layoutReport() {
  return pageLayout(page);
}

before(async () => {
  session = await openSession();
  ({ baseUrl, context, page } = session);
});

after(async () => {
  await session?.close();
});


test("local mode: no sign-in anywhere, the goal line and pricing are there", async () => {
  await page.goto(baseUrl + "/");
  const me = await page.evaluate(() => fetch("/api/me").then((r) => r.json()));
  assert.equal(me.local_mode, true, JSON.stringify(me));
  await page.locator("#goal-text").waitFor();
  await waitForText("#goal-text", "none yet");
  assert.equal(await page.locator("#sign-out").count(), 0);
  assert.equal(await page.locator("#session-user").count(), 0);
  assert.equal(await page.locator("#login-form").count(), 0);
  assert.doesNotMatch(await page.locator("header.top").innerText(), /sign (in|out)|log ?in/i);
  await page.locator("#goal-edit").waitFor();
  await page.locator("#price").waitFor();
});

test("setting a goal shows it in the header, keeps history newest first, and survives a reload", async () => {
  await page.locator("#goal-edit").click();
  await page.locator("#goal-form").waitFor();
  // The local check runs as you type.
  await page.locator("#goal-input").fill(GOAL);
  await page.locator("#goal-local-verdict.allowed").waitFor();
  assert.match(await text("#goal-local-verdict"), /^Local check: allowed/);
  await setGoal(GOAL, "bundled", "allowed");
  assert.match(await text("#goal-server-verdict"), /^Server: allowed/);
  await waitForText("#goal-text", GOAL);
  assert.equal(await page.locator("#goal-text").getAttribute("title"), GOAL);

  await setGoal(GOAL_2, "fred", "allowed");
  await waitForText("#goal-text", GOAL_2);
  await page.locator("#goal-history li").first().waitFor();
  assert.match(await page.locator("#goal-history li").first().innerText(), new RegExp(GOAL.replace(/[.*+?^${}()|[\]\\&]/g, "\\$&")));

  await page.reload();
  await waitForText("#goal-text", GOAL_2);
  // Long goals are cut with an ellipsis on a phone; "More" shows it all.
  const cut = await page.locator("#goal-text").evaluate((el) => el.scrollWidth > el.clientWidth);
  assert.ok(cut, "the goal is truncated at 360 px");
  await page.locator("#goal-expand").click();
  await page.locator("#goal-text.expanded").waitFor();
  await page.locator("#goal-expand").click();
});

test("a goal mentioning synthetic data is refused with the rule id, and the old goal stays", async () => {
  await page.locator("#goal-edit").click();
  await page.locator("#goal-input").fill(SYNTHETIC_GOAL);
  await page.locator("#goal-local-verdict.refused").waitFor();
  assert.match(await text("#goal-local-verdict"), /data\.no_synthetic: goal mentions "synthetic"/);
  await setGoal(SYNTHETIC_GOAL, null, "refused");
  assert.match(await text("#goal-server-verdict"), /^Server: refused by data\.no_synthetic: goal mentions "synthetic"/);
  assert.equal(await text("#goal-text"), GOAL_2);
  await page.locator("#goal-cancel").click();
  assert.equal(await page.locator("#goal-form").count(), 0);
  await page.reload();
  await waitForText("#goal-text", GOAL_2);
});

test("the Audit screen shows the chain verified and the goal.set entries with verdicts", async () => {
  await page.locator('nav a[href="/audit"]').click();
  await page.locator("#audit-chain").waitFor();
  assert.match(await text("#audit-chain p"), /^Audit chain verified: \d+ entr(y|ies)$/);
  await page.locator("#audit-list .audit-entry").first().waitFor();
  const entries = await auditEntries();
  const seqs = entries.map((e) => e.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), "newest first");
  const goals = entries.filter((e) => e.kind === "goal.set");
  assert.ok(goals.filter((e) => e.verdict === "allowed").length >= 2, JSON.stringify(goals));
  const refused = goals.filter((e) => e.verdict === "refused");
  assert.equal(refused.length, 1, JSON.stringify(goals));
  assert.match(refused[0].text, /data\.no_synthetic/);
  // Verdict badges are shown.
  assert.ok((await page.locator("#audit-list .badge.allowed").count()) >= 2);
  assert.ok((await page.locator("#audit-list .badge.refused").count()) >= 1);
});

test("audit filters narrow the list", async () => {
  const all = (await auditEntries()).length;
  await page.locator("#audit-verdict").selectOption("refused");
  await applyAuditFilters({ verdict: "refused" });
  const refused = await auditEntries();
  assert.ok(refused.length >= 1 && refused.length < all, `${refused.length} of ${all}`);

  await page.locator("#audit-kind").fill("goal.set");
  await page.locator("#audit-verdict").selectOption("allowed");
  await applyAuditFilters({ kind: "goal.set", verdict: "allowed" });
  assert.ok((await auditEntries()).length >= 2);

  // Nothing was recorded next year.
  await page.locator("#audit-from").fill(`${new Date().getFullYear() + 1}-01-01`);
  await page.locator("#audit-apply").click();
  await page.locator("#audit-empty").waitFor();
  assert.equal(await page.locator("#audit-list .audit-entry").count(), 0);

  // A bad range is explained inline and not sent.
  await page.locator("#audit-to").fill(`${new Date().getFullYear()}-01-01`);
  await page.locator("#audit-apply").click();
  await page.locator("#audit-filter-error").getByText("after").waitFor();

  await page.locator("#audit-reset").click();
  await page.waitForFunction(
    (n) => document.querySelectorAll("#audit-list .audit-entry").length >= n,
    all,
  );
  assert.equal(await text("#audit-filter-error"), "");
});

test("the Compliance screen shows the rules, and a check of source yahoo is refused by source.approved", async () => {
  await page.locator('nav a[href="/compliance"]').click();
  await page.locator("#rules-version").waitFor();
  const doc = await page.evaluate(() => fetch("/api/compliance/rules").then((r) => r.json()));
  assert.equal(await text("#rules-version"), doc.version);
  assert.match(doc.version, /^\d{4}\.\d+\.\d+$/);
  assert.equal(await page.locator("#rules-hash").getAttribute("title"), doc.hash);
  for (const source of doc.rules.approved_sources) {
    const item = page.locator(`#rules-sources li[data-source="${source.name}"]`);
    assert.equal(await item.count(), 1, source.name);
    assert.match(await item.innerText(), /Symbols:/);
  }
  assert.match(await text("#rules-markers"), /synthetic/);

  await page.locator("#check-source").fill("yahoo");
  await page.locator("#check-symbol").fill("AAPL");
  await page.locator("#check-local-verdict.refused").waitFor();
  assert.match(await text("#check-local-verdict"), /refused by source\.approved: source "yahoo" is not approved/);
  await page.locator("#check-server").click();
  await page.locator("#check-server-verdict.refused").waitFor();
  assert.match(await text("#check-server-verdict"), /^Server: refused by source\.approved: source "yahoo"/);

  // An approved request passes both checks; editing clears the stale server verdict.
  await page.locator("#check-source").fill("bundled");
  await page.locator("#check-symbol").fill("sp500");
  await page.locator("#check-from").fill("2020-01-02");
  await page.locator("#check-to").fill("2020-12-31");
  await page.locator("#check-local-verdict.allowed").waitFor();
  assert.equal(await text("#check-server-verdict"), "");
  await page.locator("#check-server").click();
  await page.locator("#check-server-verdict.allowed").waitFor();
});

test("the Data screen lists datasets with provenance, charts a series with statistics, and zooms to candles", async () => {
  await page.locator('nav a[href="/data"]').click();
  const sp500 = page.locator('#dataset-list li[data-source="bundled"][data-symbol="sp500"]');
  await sp500.waitFor();
  assert.match(await sp500.innerText(), /\^GSPC/);
  assert.match(await sp500.innerText(), /1999-01-04 to 2018-12-31 · 5031 rows/);
  assert.match(await sp500.innerText(), /Yahoo Finance/);
  await sp500.locator("button").click();
  await page.locator("#data-local-verdict.allowed").waitFor();
  await page.locator("#data-server-verdict.allowed").waitFor();
  await waitForText("#stat-rows", "5031");
  assert.equal(await page.locator("#data-chart path.line").count(), 1);
  // Zoom to three months: about 63 trading days, drawn as candles.
  await page.locator("#range-3m").click();
  await page.locator("#data-candles").check();
  await page.locator("#data-chart .candle").first().waitFor();
  const candles = await page.locator("#data-chart .candle").count();
  assert.ok(candles > 55 && candles < 70, `${candles} candles for three months`);
  assert.equal(await text("#stat-rows"), String(candles));
  // The fetch went through the gateway and was audited with its provenance.
  const audit = await page.evaluate(() => fetch("/api/audit?kind=data.fetch").then((r) => r.json()));
  assert.ok(audit.entries.length >= 1);
  assert.equal(audit.entries[0].verdict, "allowed");
  assert.match(audit.entries[0].provenance_hash, /^[0-9a-f]{64}$/);
});

test("a malformed CSV upload lists its bad lines and stores nothing; a good one is stored and shown", async () => {
  await page.goto(baseUrl + "/data");
  await page.locator("#upload-file").waitFor();
  const before = await page.evaluate(() => fetch("/api/uploads").then((r) => r.json()));
  const bad = "Date,Close\n2024-01-02,100\n2024-01-03,abc\n2024-01-02,101\n";
  await page.setInputFiles("#upload-file", { name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
  await page.locator("#upload-errors").waitFor();
  const errors = await text("#upload-errors");
  assert.match(errors, /bad\.csv line 3/i);
  assert.match(errors, /line 4/);
  const after = await page.evaluate(() => fetch("/api/uploads").then((r) => r.json()));
  assert.equal(after.length, before.length, "nothing stored");

  const good = "Date,Close\n2024-01-02,100\n2024-01-03,101.5\n2024-01-04,99.25\n";
  await page.setInputFiles("#upload-file", { name: "mine.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
  await page.locator("#upload-ok").waitFor();
  assert.match(await text("#upload-ok"), /Stored mine\.csv \(3 rows, 2024-01-02 to 2024-01-04\)/);
  await page.locator('#dataset-list li[data-source="user_upload"]').first().waitFor();
  await waitForText("#stat-rows", "3");
});

test("the Lab runs a model family in the worker, fills a sortable leaderboard, records each result with its verdict", async () => {
  await page.goto(baseUrl + "/lab");
  await page.locator("#lab-family").waitFor();
  await page.locator("#lab-family").selectOption("logistic");
  await page.locator("#lab-train").fill("1000");
  await page.locator("#lab-test").fill("500");
  await page.locator("#lab-local-verdict.allowed").waitFor();
  const selected = await text("#lab-selection");
  const total = Number(selected.match(/^(\d+) model/)[1]);
  assert.ok(total >= 8, selected);
  await page.locator("#lab-run").click();
  await page.locator('#lab-progress[data-state="finished"]').waitFor({ timeout: 120_000 });
  assert.match(await text("#lab-progress-text"), new RegExp(`^${total} / ${total} models`));
  assert.equal(await page.locator("#leaderboard tbody tr").count(), total);
  // Every row is recorded through the server, allowed by the rules.
  await page.waitForFunction(
    (n) => [...document.querySelectorAll("#leaderboard tbody tr td:last-child")].filter((td) => /recorded #\d+ \(all\)/.test(td.textContent)).length === n,
    total,
  );
  const results = await page.evaluate(() => fetch("/api/results").then((r) => r.json()));
  assert.ok(results.length >= total);
  assert.equal(results[0].verdict.allowed, true);
  assert.equal(results[0].record.kind, "lab_run");
  assert.match(results[0].record.data_hash, /^[0-9a-f]{64}$/);
  // Sorting by Sharpe: descending, then ascending.
  const sharpe = async () =>
    page.$$eval("#leaderboard tbody tr", (rows) => rows.map((r) => Number(r.children[3].textContent)));
  const descending = await sharpe();
  assert.deepEqual(descending, [...descending].sort((a, b) => b - a));
  await page.locator('button.sort[data-column="Sharpe"]').click();
  const ascending = await sharpe();
  assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b));
  // Details: equity curve and predictions against reality.
  await page.locator("#leaderboard tbody tr th button").first().click();
  await page.locator("#model-details").waitFor();
  assert.equal(await page.locator("#model-details figure.chart").count(), 2);
  assert.equal(await page.locator("#model-details path.line").count(), 4);
});

test("cancelling a whole-catalog run stops within a second and the page stays responsive", async () => {
  await page.goto(baseUrl + "/lab");
  await page.locator("#lab-scope").waitFor();
  await page.locator("#lab-scope").selectOption("all");
  await page.locator("#lab-train").fill("1000");
  await page.locator("#lab-test").fill("250");
  await page.locator("#lab-run").click();
  await page.locator('#lab-progress[data-state="running"]').waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => document.querySelectorAll("#leaderboard tbody tr").length >= 1, null, { timeout: 120_000 });
  const clicked = Date.now();
  await page.locator("#lab-cancel").click();
  await page.locator('#lab-progress[data-state="cancelled"]').waitFor({ timeout: 1_000 });
  assert.ok(Date.now() - clicked < 1_000, "cancel took too long");
  const rowsAtCancel = await page.locator("#leaderboard tbody tr").count();
  // The main thread answers at once while and after cancelling.
  const started = Date.now();
  await page.evaluate(() => 1 + 1);
  assert.ok(Date.now() - started < 500);
  await page.waitForTimeout(1_500);
  assert.equal(await page.locator("#leaderboard tbody tr").count(), rowsAtCancel, "no model finished after cancel");
  assert.match(await text("#lab-progress-text"), /cancelled/);
});

test("model benchmark runs in the browser's lab worker (printed for the notes)", async () => {
  const rows = await runModelBench(page, baseUrl, 300_000);
  assert.equal(rows.length, 10);
  for (const row of rows) {
    assert.ok(row.fit_ms > 0 && Number.isFinite(row.predict_ms), JSON.stringify(row));
    assert.ok(row.fit_ms <= row.first_fit_ms && row.predict_ms <= row.first_predict_ms, JSON.stringify(row));
    assert.ok(row.rows >= 4_000 && row.features >= 15, JSON.stringify(row));
    console.log(`model bench (browser): ${row.name} fit ${row.fit_ms.toFixed(1)} ms (first ${row.first_fit_ms.toFixed(1)}), predict ${row.predict_ms.toFixed(1)} ms (first ${row.first_predict_ms.toFixed(1)}) on ${row.rows} x ${row.features}`);
  }
});

test("every server screen fits 360 px with labelled, touch-sized controls and no inline styles", async () => {
  for (const path of ["/", "/audit", "/compliance", "/data", "/lab"]) {
    await page.goto(baseUrl + path);
    await waitForText("#goal-text", GOAL_2);
    if (path === "/") {
      await page.locator("#goal-edit").click();
      await page.locator("#goal-local-verdict.allowed").waitFor();
    } else if (path === "/audit") {
      await page.locator("#audit-list .audit-entry").first().waitFor();
    } else if (path === "/data") {
      await page.locator("#dataset-list li").first().waitFor();
    } else if (path === "/lab") {
      await page.locator("#lab-local-verdict").waitFor();
    } else {
      await page.locator("#rules-version").waitFor();
    }
    const report = await layoutReport();
    assert.ok(report.overflow <= 0, `${path}: horizontal overflow of ${report.overflow}px`);
    assert.deepEqual(report.unlabelled, [], path);
    assert.deepEqual(report.small, [], path);
    assert.equal(report.inlineStyles, 0, path);
  }
});

for (const scheme of ["light", "dark"]) {
  test(`audit screen text contrast meets WCAG AA in the ${scheme} theme`, async () => {
    await page.goto(baseUrl + "/audit");
    await page.locator("#audit-list .badge.refused").first().waitFor();
    await page.emulateMedia({ colorScheme: scheme });
    const report = await contrastReport(page, ["#goal-text", ".goal-label", "#audit-chain p", ".badge.allowed", ".badge.refused", ".badge.none", ".entry-meta", ".entry-hash", ".audit-entry .kind", "nav a:not([aria-current])"]);
    await page.emulateMedia({ colorScheme: "light" });
    assert.ok(report.length >= 7, JSON.stringify(report));
    assert.deepEqual(report.filter((r) => r.ratio < 4.5), [], JSON.stringify(report));
  });
}

test("the API is never cached: offline, server screens say so and pricing still works", async () => {
  await page.goto(baseUrl + "/");
  await page.locator("#price").waitFor();
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await waitForText("#goal-text", GOAL_2);
  await page.evaluate(() => fetch("/healthz").then((r) => r.text()));
  const cached = await page.evaluate(async () => {
    const urls = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
    }
    return urls;
  });
  assert.ok(cached.length > 0, "the shell is cached");
  assert.deepEqual(
    cached.filter((p) => /^\/(api(\/|$)|healthz$|readyz$|metrics$)/.test(p)),
    [],
  );

  await context.setOffline(true);
  try {
    await page.goto(baseUrl + "/audit");
    await page.locator("#server-unavailable").getByText("Cannot reach the server").waitFor({ timeout: 20_000 });
    assert.equal(await page.locator("#audit-list").count(), 0, "no audit entries from a cache");
    await page.goto(baseUrl + "/");
    await page.locator("#price").waitFor({ timeout: 20_000 });
    assert.equal(await page.locator("#goal-text").count(), 0, "no goal from a cache");
  } finally {
    await context.setOffline(false);
  }
});

test("no script, CSP or runtime errors were logged", async () => {
  // Error statuses the tests provoke on purpose (422 refusals) and offline
  // fetches are logged by the browser as failed loads; nothing else may be.
  const relevant = session.problems.filter((p) => !/net::ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(p));
  assert.deepEqual(relevant, []);
  assert.deepEqual(
    session.problems.filter((p) => /Content Security Policy|Refused to/.test(p)),
    [],
  );
});
