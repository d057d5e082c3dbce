// End-to-end tests of the autonomous screen against the real server (one
// server for the file, rule coach: no LLM configured): a run on a short
// bundled range with a small budget is started from the form, its rounds
// and budget meters show as it goes, it stops by itself within every
// budget with its reason on screen, a reload reopens it from the server,
// and the audit trail has its start, every round and its stop and
// verifies; a second run is stopped with Stop and ends "user_stopped";
// a chat "run these as a trial" card starts a trial and links to it.
// The 360 px layout holds. Run with MLTRAINER_SERVER_BIN and MLTRAINER_DIST set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { layoutReport, openSession } from "./support.mjs";

let session;
let baseUrl;
let page;

before(async () => {
  session = await openSession({
    env: { ANTHROPIC_API_KEY: "", MLTRAINER_OPENAI_BASE_URL: "", MLTRAINER_EXPENSIVE_PER_MINUTE: "1000" },
  });
  ({ baseUrl, page } = session);
});

after(async () => {
  await session?.close();
});

async function getJson(path) {
  const response = await fetch(baseUrl + path);
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return response.json();
}

/** An audit entry's detail as an object ({} when it is not JSON). */
function detailOf(entry) {
  try {
    return JSON.parse(entry.detail) ?? {};
  } catch {
    return {};
  }
}

/** Fills the start form: a short sp500 range, small windows, `budget`. */
async function fillForm(goal, budget) {
  await page.locator("#auto-goal").fill(goal);
  await page.locator("#auto-from").fill("2015-01-01");
  await page.locator("#auto-to").fill("2018-12-31");
  await page.locator("#auto-train-rows").fill("250");
  await page.locator("#auto-test-rows").fill("250");
  await page.locator("#auto-max-rounds").fill(String(budget.rounds));
  await page.locator("#auto-max-tokens").fill(String(budget.tokens));
  await page.locator("#auto-max-wall").fill(String(budget.wall));
  await page.locator("#auto-max-models").fill(String(budget.models));
}

/** The meters shown: key -> { spent, limit, within }. */
function meters() {
  return page.locator("#auto-meters li").evaluateAll((els) =>
    Object.fromEntries(els.map((el) => [el.dataset.key, { spent: Number(el.dataset.spent), limit: Number(el.dataset.limit), within: el.dataset.within }])),
  );
}

let runId;

test("Trials links to the loop; a bad budget is refused naming the field", async () => {
  await page.goto(baseUrl + "/trials");
  await page.locator("#autonomous-link").click();
  await page.waitForURL(/\/autonomous$/);
  await page.locator("#auto-empty").waitFor();
  await page.locator("#auto-max-rounds").fill("21");
  await page.locator("#auto-start").click();
  assert.match(await page.locator("#auto-error").innerText(), /Max rounds: "21" is not a whole number from 1 to 20/);
});

test("a rule-coach run stops by itself within every budget, with rounds on screen", { timeout: 600_000 }, async () => {
  const budget = { rounds: 2, tokens: 100000, wall: 900, models: 30 };
  await fillForm("Beat buy-and-hold on next-day S&P 500 direction", budget);
  await page.locator("#auto-start").click();
  await page.waitForURL(/\/autonomous\?id=\d+$/);
  runId = Number(new URL(page.url()).searchParams.get("id"));
  await page.locator("#auto-run-title").getByText(`Run #${runId}`).waitFor();
  // The first round shows with its proposals while the run goes on.
  await page.locator('#auto-rounds li[data-round="1"] .auto-proposal').first().waitFor({ timeout: 300_000 });
  // It ends by itself: a stop reason on screen, Stop disabled.
  await page.locator("#auto-stop-reason").waitFor({ timeout: 540_000 });
  assert.equal(await page.locator("#auto-status").innerText(), "finished");
  assert.ok(await page.locator("#auto-stop").isDisabled());
  const kind = await page.locator("#auto-stop-reason").getAttribute("data-kind");
  assert.ok(["goal_met", "search_exhausted", "rounds_spent", "models_spent"].includes(kind), kind);
  assert.ok((await page.locator("#auto-stop-reason .auto-evidence").innerText()).trim().length > 0);
  // Every budget held, as the screen shows it.
  const shown = await meters();
  assert.deepEqual(Object.keys(shown), ["rounds", "tokens", "wall", "models"]);
  assert.deepEqual(
    Object.fromEntries(Object.entries(shown).map(([k, v]) => [k, v.limit])),
    { rounds: budget.rounds, tokens: budget.tokens, wall: budget.wall, models: budget.models },
  );
  for (const [key, meter] of Object.entries(shown)) {
    assert.ok(meter.spent <= meter.limit && meter.within === "within", `${key}: ${JSON.stringify(meter)}`);
  }
  assert.ok(shown.rounds.spent >= 1 && shown.models.spent >= 1, JSON.stringify(shown));
  // Rounds: allowed proposals, a trial each with results; the best vs buy-and-hold.
  const rounds = page.locator("#auto-rounds > li");
  assert.equal(await rounds.count(), shown.rounds.spent);
  const first = rounds.first();
  assert.ok(await first.locator('.auto-proposal[data-verdict="allowed"]').count() >= 1);
  assert.match(await first.locator(".auto-trial-link").innerText(), /^Trial #\d+$/);
  assert.ok(await first.locator(".auto-results tbody tr").count() >= 1);
  assert.match(await page.locator("#auto-best").innerText(), /Sharpe -?\d+\.\d\d vs buy-and-hold -?\d+\.\d\d/);

  // The screen agrees with the server's record.
  const detail = await getJson(`/api/autonomous/${runId}`);
  assert.equal(detail.run.status, "finished");
  assert.equal(detail.run.stop.kind, kind);
  assert.equal(detail.rounds.length, shown.rounds.spent);
  assert.equal(detail.run.spend.models, shown.models.spent);

  // A reload reopens the run from the server.
  await page.reload();
  await page.locator("#auto-stop-reason").waitFor();
  assert.equal(await page.locator("#auto-stop-reason").getAttribute("data-kind"), kind);
  assert.equal(await page.locator("#auto-rounds > li").count(), shown.rounds.spent);
  assert.ok(await page.locator(`#auto-list li[data-id="${runId}"]`).count());

  // The audit trail: the start, every round, the stop; the chain verifies.
  const audit = await getJson("/api/audit?limit=500");
  const of = (k) => audit.entries.filter((e) => e.kind === k && detailOf(e).run_id === runId);
  assert.equal(of("autonomous.start").length, 1);
  assert.equal(of("autonomous.round").length, shown.rounds.spent);
  const stops = of("autonomous.stop");
  assert.equal(stops.length, 1);
  assert.equal(detailOf(stops[0]).reason, kind);
  const verify = await getJson("/api/audit/verify");
  assert.equal(verify.ok, true, JSON.stringify(verify));
  assert.ok(verify.entries >= 2 + shown.rounds.spent);

  // Phone layout.
  const report = await layoutReport(page);
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll("main *")].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5).slice(0, 5).map((el) => el.tagName + "." + el.className),
  );
  assert.ok(report.overflow <= 0, `page overflows by ${report.overflow} px: ${wide.join(", ")}`);
  assert.deepEqual(report.unlabelled, []);
  assert.deepEqual(report.small, []);
  assert.equal(report.inlineStyles, 0);
});

test("Stop ends a running run as stopped by the user", { timeout: 600_000 }, async () => {
  await page.goto(baseUrl + "/autonomous");
  await fillForm("Beat buy-and-hold on next-day S&P 500 direction", { rounds: 20, tokens: 2000000, wall: 3600, models: 500 });
  await page.locator("#auto-start").click();
  await page.waitForURL(/\/autonomous\?id=\d+$/);
  const id = Number(new URL(page.url()).searchParams.get("id"));
  assert.notEqual(id, runId);
  await page.locator("#auto-status").getByText("running").waitFor();
  await page.locator("#auto-stop:not([disabled])").click();
  await page.locator("#auto-stop-reason").waitFor({ timeout: 120_000 });
  assert.equal(await page.locator("#auto-stop-reason").getAttribute("data-kind"), "user_stopped");
  assert.equal(await page.locator("#auto-stop-reason strong").innerText(), "Stopped by you");
  const detail = await getJson(`/api/autonomous/${id}`);
  assert.equal(detail.run.stop.kind, "user_stopped");
  const audit = await getJson("/api/audit?limit=500");
  assert.ok(audit.entries.some((e) => e.kind === "autonomous.stop_requested" && detailOf(e).run_id === id));
  assert.deepEqual(session.problems, []);
});

test("a chat 'run as a trial' card starts the trial and links to it", { timeout: 300_000 }, async () => {
  await page.goto(baseUrl + "/chat");
  const request = "Run random_forest_clf_100_sqrt and random_forest_clf_200_sqrt on sp500 as a trial";
  await page.locator("#chat-input").fill(request);
  await page.locator("#chat-input").press("Enter");
  await page.locator('.message[data-role="assistant"][data-state="complete"]').last().waitFor({ timeout: 30_000 });
  const card = page.locator('.action-card[data-action="run_trial"]').last();
  await card.waitFor();
  assert.equal(await card.getAttribute("data-verdict"), "allowed");
  assert.match(await card.locator(".action-summary").innerText(), /Run 2 models \(random_forest_clf_100_sqrt, random_forest_clf_200_sqrt\) on sp500/);
  await card.locator(".action-run").click();
  const link = card.locator(".action-trial-link");
  await link.waitFor({ timeout: 60_000 });
  assert.match(await card.locator(".result-words").innerText(), /^Started trial #\d+ "2 models on sp500" \(3 steps\)/);
  await link.click();
  await page.waitForURL(/\/trials\?id=\d+$/);
  await page.locator("#trial-open").waitFor();
  assert.equal(await page.locator("#trial-title").innerText(), "2 models on sp500");
  await page.locator('#trial-steps li[data-step="random_forest_clf_200_sqrt"]').waitFor();
  assert.deepEqual(session.problems, []);
});
