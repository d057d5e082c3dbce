// End-to-end tests of the Trials screen against the real server (one
// server for the file, one trial worker so a run is slow enough to watch):
// a trial of several lab models on bundled sp500 is started from the form,
// its steps progress live, a reload mid-run reopens the same trial and it
// continues, a second page on the same trial sees the same progress, a
// refused plan names its step, a trial is cancelled and ends cancelled,
// a trial's end raises a browser notification once the user asked,
// and the 360 px layout holds (no overflow, no inline styles, labels).
// Run with MLTRAINER_SERVER_BIN and MLTRAINER_DIST set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { layoutReport, openSession } from "./support.mjs";

let session;
let baseUrl;
let page;

before(async () => {
  session = await openSession({ env: { MLTRAINER_TRIAL_WORKERS: "1" } });
  ({ baseUrl, page } = session);
});

after(async () => {
  await session?.close();
});

/** Ticks `count` model checkboxes, preferring the heavier families. */
async function chooseModels(count) {
  await page.locator('input[id^="trial-model-"]').first().waitFor();
  const values = await page.locator('input[id^="trial-model-"]').evaluateAll((els) => els.map((el) => el.value));
  const heavy = values.filter((v) => /forest|boost|mlp|svm|knn/.test(v));
  const picked = [...heavy, ...values.filter((v) => !heavy.includes(v))].slice(0, count);
  for (const value of picked) {
    await page.locator(`input[id="trial-model-${value}"]`).check();
  }
  return picked;
}

/** The steps' statuses shown on `p`, by step id. */
function stepStatuses(p) {
  return p.locator("#trial-steps li").evaluateAll((els) => Object.fromEntries(els.map((el) => [el.dataset.step, el.dataset.status])));
}

/** Number of finished steps shown on `p`. */
async function doneCount(p) {
  const statuses = Object.values(await stepStatuses(p));
  return statuses.filter((s) => s !== "pending" && s !== "running").length;
}

let trialUrl;
let models;

test("the menu has Trials; a plan of several models starts and opens by id", { timeout: 120_000 }, async () => {
  await page.goto(baseUrl + "/trials");
  // The screen first, so the menu is counted once the app has mounted.
  await page.locator("#trials-empty").waitFor();
  assert.ok(await page.locator('nav a[href="/trials"]').count(), "menu entry");
  models = await chooseModels(6);
  assert.equal(models.length, 6);
  await page.locator("#trial-start").click();
  await page.waitForURL(/\/trials\?id=\d+$/);
  trialUrl = page.url();
  await page.locator("#trial-status").waitFor();
  const statuses = await stepStatuses(page);
  assert.deepEqual(Object.keys(statuses).sort(), ["data", ...models].sort());
  // The graph draws one node per step.
  assert.equal(await page.locator("#trial-graph g.trial-node").count(), 7);
  await page.locator('#trial-feed[data-mode="live"]').waitFor({ timeout: 20_000 });
  const report = await layoutReport(page);
  assert.ok(report.overflow <= 0, `no horizontal overflow at 360 px (got ${report.overflow})`);
  assert.equal(report.inlineStyles, 0, "no inline styles");
  assert.deepEqual(report.unlabelled, []);
});

test("steps progress live, a reload continues, a second page sees the same", { timeout: 600_000 }, async () => {
  // Live progress: the fetch and at least one model finish while the trial runs.
  await page.waitForFunction(() => document.querySelectorAll('#trial-steps li[data-status="succeeded"]').length >= 2, null, { timeout: 300_000 });
  const before = await doneCount(page);
  assert.equal(await page.locator("#trial-status").innerText(), "running", "still running mid-way");
  assert.ok(await page.locator('#trial-graph g.trial-node.status-succeeded').count() >= 2, "nodes change colour");
  assert.ok((await page.locator("#trial-log li").count()) >= 4, "the log lists events");

  await page.reload();
  assert.equal(page.url(), trialUrl, "the reload keeps the trial in the URL");
  await page.locator("#trial-status").waitFor();
  assert.ok((await doneCount(page)) >= before, "nothing is lost on reload");

  const second = await session.context.newPage();
  await second.goto(trialUrl);
  await second.locator("#trial-status").waitFor();
  await second.locator('#trial-feed[data-mode="live"], #trial-feed[data-mode="ended"]').waitFor({ timeout: 20_000 });

  // Both pages follow to the end and agree.
  for (const p of [page, second]) {
    await p.waitForFunction(() => document.querySelector("#trial-status")?.textContent === "succeeded", null, { timeout: 500_000 });
  }
  const a = await stepStatuses(page);
  const b = await stepStatuses(second);
  assert.deepEqual(a, b, "both pages show the same steps");
  assert.ok(Object.values(a).every((s) => s === "succeeded"), JSON.stringify(a));
  const seqs = (p) => p.locator("#trial-log li").evaluateAll((els) => els.map((el) => Number(el.dataset.seq)));
  const seqA = await seqs(page);
  const seqB = await seqs(second);
  assert.deepEqual(seqA, seqB, "both logs hold the same events");
  // Each event once, in order (newest first on screen), no gaps.
  assert.deepEqual(seqA, [...seqA].sort((x, y) => y - x));
  assert.equal(new Set(seqA).size, seqA.length);
  assert.equal(seqA[0], seqA.length);
  // A finished model shows its summary.
  assert.ok((await page.locator(`#trial-steps li[data-step="${models[0]}"] .trial-step-detail`).innerText()).trim().length > 0);
  await second.close();
  // The list shows the trial as succeeded.
  await page.locator('#trial-list li[data-status="succeeded"]').waitFor();
});

test("a refused plan names its step", async () => {
  await page.goto(baseUrl + "/trials");
  await page.locator("#trial-json-panel > summary").click();
  const plan = {
    name: "bad",
    steps: [{ id: "fit", action: { action: "run_lab", symbol: "sp500", scope: "catalog" }, inputs: ["nowhere"] }],
  };
  await page.locator("#trial-json").fill(JSON.stringify(plan));
  await page.locator("#trial-start-json").click();
  const error = page.locator("#trial-error");
  await error.waitFor();
  const text = await error.innerText();
  assert.match(text, /refused/);
  assert.match(text, /"fit"/);
  assert.match(text, /nowhere/);
});

test("a trial can be cancelled and ends cancelled", { timeout: 300_000 }, async () => {
  await page.goto(baseUrl + "/trials");
  await chooseModels(8);
  await page.locator("#trial-start").click();
  await page.waitForURL(/\/trials\?id=\d+$/);
  await page.locator("#trial-status").waitFor();
  await page.waitForFunction(() => !document.querySelector("#trial-cancel")?.disabled);
  await page.locator("#trial-cancel").click();
  await page.waitForFunction(() => document.querySelector("#trial-status")?.textContent === "cancelled", null, { timeout: 60_000 });
  const statuses = Object.values(await stepStatuses(page));
  assert.ok(statuses.includes("cancelled"), JSON.stringify(statuses));
  assert.ok(!statuses.includes("running") && !statuses.includes("pending"), JSON.stringify(statuses));
  assert.ok(await page.locator("#trial-cancel").isDisabled());
  const id = new URL(page.url()).searchParams.get("id");
  await page.locator(`#trial-list li[data-id="${id}"][data-status="cancelled"]`).waitFor({ timeout: 20_000 });
  assert.deepEqual(session.problems.filter((p) => !/Failed to load resource/.test(p)), []);
});

test("a trial's end shows a browser notification once the user asked for one", { timeout: 300_000 }, async () => {
  const context = await session.browser.newContext({ viewport: { width: 360, height: 740 } });
  await context.grantPermissions(["notifications"], { origin: baseUrl });
  // Records every notification the page shows (the app calls the global
  // constructor, so a subclass sees each call).
  await context.addInitScript(() => {
    window.__notifications = [];
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title, options) {
        window.__notifications.push({ title, body: options?.body ?? "" });
        super(title, options);
      }
    };
  });
  const p = await context.newPage();
  try {
    // The choice is made once, on any open trial, and kept.
    await p.goto(trialUrl);
    await p.locator("#trial-notify").check();
    assert.ok(await p.locator("#trial-notify").isChecked(), "permission granted, so the box stays ticked");
    assert.equal(await p.evaluate(() => localStorage.getItem("mltrainer.trials.notify")), "true");
    await p.goto(baseUrl + "/trials");
    await p.locator('input[id="trial-model-random_forest_clf_100_sqrt"]').check();
    await p.locator('input[id="trial-model-baseline_majority_class"]').check();
    await p.locator("#trial-start").click();
    await p.waitForURL(/\/trials\?id=\d+$/);
    await p.waitForFunction(() => document.querySelector("#trial-status")?.textContent === "succeeded", null, { timeout: 280_000 });
    await p.waitForFunction(() => window.__notifications.length > 0, null, { timeout: 10_000 });
    const shown = await p.evaluate(() => window.__notifications);
    assert.equal(shown.length, 1, JSON.stringify(shown));
    assert.equal(shown[0].title, "Trial ended");
    const name = await p.locator("#trial-title").innerText();
    assert.ok(shown[0].body.startsWith(`${name} — succeeded (3 of 3 steps)`), shown[0].body);
  } finally {
    await context.close();
  }
});
