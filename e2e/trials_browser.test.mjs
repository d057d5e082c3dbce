// End-to-end tests of trials run in the browser, against the real server
// (one server for the file, with a 3 s lease so a closed page is noticed
// quickly): a trial started with "Run in this browser" runs its steps in
// this page's workers, every event reaches the server, and the same plan
// run on the server records bit-identical metrics; a page closed mid-run
// leaves the trial to the server, which finishes it from the last
// finished step.
// Run with MLTRAINER_SERVER_BIN and MLTRAINER_DIST set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openSession } from "./support.mjs";

let session;
let baseUrl;
let page;

before(async () => {
  session = await openSession({ env: { MLTRAINER_BROWSER_LEASE_SECS: "3", MLTRAINER_TRIAL_WORKERS: "1" } });
  ({ baseUrl, page } = session);
});

after(async () => {
  await session?.close();
});

/** GETs `path` from the server as the page's (local) user. */
function api(p, path) {
  return p.evaluate((path) => fetch(path).then((r) => r.json()), path);
}

/** Polls trial `id` through `p` until it has finished; returns its detail. */
async function finished(p, id, limitMs = 400_000) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const detail = await api(p, `/api/trials/${id}`);
    if (["succeeded", "failed", "cancelled"].includes(detail.trial.status)) return detail;
    assert.ok(Date.now() < deadline, `trial ${id} never finished: ${JSON.stringify(detail.trial)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts a trial of `models` from the form, in this browser. */
async function startInBrowser(p, models) {
  await p.goto(baseUrl + "/trials");
  await p.locator('input[id^="trial-model-"]').first().waitFor();
  for (const model of models) await p.locator(`input[id="trial-model-${model}"]`).check();
  await p.locator("#trial-in-browser").check();
  await p.locator("#trial-start").click();
  await p.waitForURL(/\/trials\?id=\d+$/);
  await p.locator("#trial-status").waitFor();
  return Number(new URL(p.url()).searchParams.get("id"));
}

/** The recorded results' metrics of `model`, one entry per result. */
async function metricsOf(p, model) {
  const results = await api(p, "/api/results");
  return results.filter((r) => r.record.model === model).map((r) => r.record.metrics);
}

const MODELS = ["baseline_majority_class", "logistic_l2_c_1"];

test("a trial runs in this browser, the server records it, and the server's run of the same plan agrees", { timeout: 600_000 }, async () => {
  const id = await startInBrowser(page, MODELS);
  assert.equal(await page.locator("#trial-host").innerText(), "in this browser");
  await page.waitForFunction(() => document.querySelector("#trial-status")?.textContent === "succeeded", null, { timeout: 400_000 });
  const detail = await finished(page, id);
  assert.equal(detail.trial.host, "browser", "nobody took it over");
  assert.ok(detail.steps.every((s) => s.status === "succeeded"), JSON.stringify(detail.steps));
  // Every event reached the server, numbered without gaps.
  detail.events.forEach((e, i) => assert.equal(e.seq, i + 1));
  const names = detail.events.map((e) => `${e.event}:${e.step ?? ""}`);
  for (const step of ["data", ...MODELS]) {
    assert.equal(names.filter((n) => n === `step_started:${step}`).length, 1, names.join(" "));
  }
  // The same plan on the server.
  const started = await page.evaluate(
    (plan) => fetch("/api/trials", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(plan) }).then((r) => r.json()),
    detail.plan,
  );
  const onServer = await finished(page, started.id);
  assert.equal(onServer.trial.status, "succeeded");
  assert.equal(onServer.trial.host, "server");
  for (const model of MODELS) {
    const metrics = await metricsOf(page, model);
    assert.equal(metrics.length, 2, `${model}: one result per run`);
    // Same metrics, bit for bit: the browser's wasm32 and the server's
    // x86-64 run the same code on the same data (the JSON numbers carry
    // every bit: serde_json writes the shortest round-tripping form).
    assert.deepEqual(metrics[0], metrics[1], `${model}: same metrics`);
    const browserStep = detail.steps.find((s) => s.id === model);
    const serverStep = onServer.steps.find((s) => s.id === model);
    assert.deepEqual(browserStep.summary, serverStep.summary, `${model}: same summary`);
  }
  assert.deepEqual(session.problems.filter((p) => !/Failed to load resource/.test(p)), []);
});

test("a page closed mid-run leaves the trial to the server, which finishes it", { timeout: 600_000 }, async () => {
  const tab = await session.context.newPage();
  const heavy = ["random_forest_clf_100_sqrt", "gradient_boosting_clf_100_lr0_1_depth3", "gaussian_nb_var_smoothing_1e_9"];
  const id = await startInBrowser(tab, heavy);
  // Wait until the fetch is done and a model runs in this tab's workers.
  await tab.waitForFunction(() => document.querySelector('#trial-steps li[data-step="data"]')?.dataset.status === "succeeded", null, { timeout: 120_000 });
  await tab.locator('#trial-steps li[data-status="running"]').first().waitFor({ timeout: 60_000 });
  await tab.close();
  await page.goto(`${baseUrl}/trials?id=${id}`);
  await page.waitForFunction(() => document.querySelector("#trial-status")?.textContent === "succeeded", null, { timeout: 500_000 });
  assert.equal(await page.locator("#trial-host").innerText(), "on the server");
  const detail = await finished(page, id);
  assert.equal(detail.trial.host, "server");
  const names = detail.events.map((e) => `${e.event}:${e.step ?? ""}`);
  assert.equal(names.filter((n) => n === "step_started:data").length, 1, `the fetch is not run again: ${names.join(" ")}`);
  const resumed = detail.events.find((e) => e.event === "trial_resumed");
  assert.ok(resumed && resumed.rerun.length >= 1, names.join(" "));
  for (const model of heavy) {
    assert.equal(names.filter((n) => n === `step_succeeded:${model}`).length, 1, names.join(" "));
    assert.equal((await metricsOf(page, model)).length, 1, `${model} recorded once`);
  }
});
