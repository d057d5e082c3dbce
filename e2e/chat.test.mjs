// End-to-end tests of the Chat screen with the built-in rule coach (no LLM
// configured): a request becomes an action card that runs in the lab and
// posts its result into the conversation; an earlier-format history is
// imported and found by search; the 360 px layout, labels, touch targets,
// contrast in both themes (through the header's theme toggle), the
// keyboard shortcuts' help, and no CSP errors. One server for the suite,
// in local mode on a fresh data directory.
// Run by scripts/test.sh with MLTRAINER_SERVER_BIN and MLTRAINER_DIST set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contrastReport, layoutReport, openSession } from "./support.mjs";

const REQUEST = "train a random forest on the S&P 500";
// A word no coach answer contains, so the search finds only the import.
const NEEDLE = "zebrafish";

let session;
let baseUrl;
let page;

before(async () => {
  // The rule coach: no provider configured.
  session = await openSession({ env: { ANTHROPIC_API_KEY: "", MLTRAINER_OPENAI_BASE_URL: "" } });
  ({ baseUrl, page } = session);
});

after(async () => {
  await session?.close();
});

/** Opens a folded side panel (phones show them folded). */
async function unfold(panelId) {
  const open = await page.locator(`#${panelId}`).evaluate((d) => d.open);
  if (!open) await page.locator(`#${panelId} > summary`).click();
}

test("the chat is first in the menu and shows the rule coach", async () => {
  await page.goto(baseUrl + "/chat");
  const first = await page.locator("nav a").first();
  assert.equal(await first.getAttribute("href"), "/chat");
  assert.equal(await first.getAttribute("aria-current"), "page");
  await page.waitForFunction(() => /^Coach: rules · \d+ of \d+ tokens used today$/.test(document.querySelector("#coach-status")?.textContent.trim()));
});

test("a request streams an answer with a lab card; Run records the result and posts it", { timeout: 600_000 }, async () => {
  await page.locator("#chat-input").fill(REQUEST);
  await page.locator("#chat-input").press("Enter");
  // The user message is shown, the textarea is emptied, the answer completes.
  await page.locator('.message[data-role="user"]').filter({ hasText: REQUEST }).waitFor();
  assert.equal(await page.locator("#chat-input").inputValue(), "");
  const answer = page.locator('.message[data-role="assistant"]').last();
  await page.locator('.message[data-role="assistant"][data-state="complete"]').waitFor({ timeout: 30_000 });
  assert.ok((await answer.locator(".markdown").innerText()).trim().length > 0, "the answer has text");
  assert.equal(await answer.locator(".marker").count(), 0, "a complete answer has no marker");

  const card = answer.locator('.action-card[data-action="run_lab"]').first();
  await card.waitFor();
  assert.equal(await card.getAttribute("data-verdict"), "allowed");
  assert.match(await card.locator(".verdict").innerText(), /^Local check: allowed/);
  assert.match((await card.locator(".action-summary").innerText()).toLowerCase(), /random/);

  const run = card.locator(".action-run");
  const box = await run.boundingBox();
  assert.ok(box.height >= 44 - 0.5, `Run is a 44 px target (${box.height})`);
  await run.click();
  // Progress shows in the card while it runs.
  await card.locator(".action-progress").waitFor({ timeout: 30_000 });
  // Then the result, and a result message in the conversation.
  await card.locator(".action-result").waitFor({ timeout: 540_000 });
  const words = (await card.locator(".result-words").innerText()).trim();
  assert.match(words, /on sp500, \d+-day direction: accuracy \d\.\d\d, Sharpe -?\d+\.\d\d vs buy-and-hold -?\d+\.\d\d over \d+ folds; recorded #(\d+)/);
  const recordedId = Number(words.match(/recorded #(\d+)/)[1]);
  await card.locator(".action-chart svg").waitFor();
  const result = page.locator('.message[data-role="result"]').last();
  await result.waitFor();
  assert.equal((await result.locator(".markdown").innerText()).trim(), words);
  await card.getByText("Posted to the conversation.").waitFor();

  // The server has the result.
  const results = await page.evaluate(() => fetch("/api/results").then((r) => r.json()));
  const stored = results.find((r) => r.id === recordedId);
  assert.ok(stored, `result #${recordedId} is listed: ${JSON.stringify(results.map((r) => r.id))}`);
  assert.equal(stored.record.symbol, "sp500");
  assert.match(stored.record.model, /forest/);

  // After a reload the conversation holds the result message too.
  await page.reload();
  await unfold("conversations-panel");
  await page.locator("#conversation-list button").first().click();
  await page.locator('.message[data-role="result"]').filter({ hasText: `recorded #${recordedId}` }).waitFor();
});

test("an old-format history and goals file import with a report, and search finds a message", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mltrainer-import-"));
  const history = join(dir, "chat_history.json");
  const goals = join(dir, "goals.json");
  writeFileSync(
    history,
    JSON.stringify([
      { role: "user", content: `Is the ${NEEDLE} momentum idea worth testing on nasdaq?`, timestamp: "2024-03-01T10:00:00" },
      { role: "assistant", content: "Start with a walk-forward test of a momentum feature.", timestamp: "2024-03-01T10:00:05" },
      { role: "narrator", content: "not a role the format knows", timestamp: "2024-03-01T10:01:00" },
    ]),
  );
  writeFileSync(goals, JSON.stringify([{ goal: "Beat buy-and-hold on next-week S&P 500 direction", timestamp: "2024-03-01T09:00:00" }]));

  await page.goto(baseUrl + "/chat");
  await unfold("memory-panel");
  await page.locator("#import-history").setInputFiles(history);
  await page.locator("#import-goals").setInputFiles(goals);
  await page.locator("#import-run").click();
  await page.locator("#import-report").waitFor();
  const report = await page.locator("#import-report").innerText();
  assert.match(report, /Messages: 3 counted, 2 imported\. Goals: 1 counted, 1 imported\. Skipped: 1\./);
  assert.match(report, /history #2: .*role/i);

  await page.locator("#search-input").fill(NEEDLE);
  await page.locator("#search-run").click();
  const hit = page.locator("#search-results .hit").first();
  await hit.waitFor();
  assert.match(await hit.innerText(), new RegExp(NEEDLE));
  await hit.locator("button").click();
  const focused = page.locator(".message.focused");
  await focused.waitFor();
  assert.match(await focused.innerText(), new RegExp(NEEDLE));
  assert.equal(await focused.getAttribute("data-role"), "user");
});

test("at 360 px: no horizontal scroll, every control labelled, 44 px targets, no inline styles", async () => {
  await page.goto(baseUrl + "/chat");
  await page.locator("#chat-input").waitFor();
  for (const panel of [null, "conversations-panel", "memory-panel"]) {
    if (panel) await unfold(panel);
    const report = await layoutReport(page);
    assert.ok(report.overflow <= 0, `no horizontal overflow (${report.overflow} px) with ${panel ?? "panels folded"}`);
    assert.deepEqual(report.unlabelled, []);
    assert.deepEqual(report.small, []);
    assert.equal(report.inlineStyles, 0);
  }
});

for (const theme of ["dark", "light"]) {
  test(`the theme toggle sets ${theme}, is remembered, and text keeps WCAG AA contrast`, async () => {
    await page.goto(baseUrl + "/chat");
    await page.locator("#theme-select").selectOption(theme);
    await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
    // Against the opposite system setting, so the toggle is what decides.
    await page.emulateMedia({ colorScheme: theme === "dark" ? "light" : "dark" });
    await page.reload();
    await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
    assert.equal(await page.locator("#theme-select").inputValue(), theme);
    await unfold("conversations-panel");
    await page.locator("#conversation-list button").first().click();
    await page.locator(".message").first().waitFor();
    const report = await contrastReport(page, [
      "#coach-status",
      "#chat-title",
      ".message-who",
      ".message .markdown p",
      ".user-text",
      ".verdict.allowed",
      ".action-summary",
      ".hit-snippet",
      "label[for='chat-input']",
      "nav a:not([aria-current])",
      "nav a[aria-current]",
      "#goal-text",
    ]);
    assert.ok(report.length >= 6, `enough elements measured: ${JSON.stringify(report)}`);
    for (const { selector, ratio } of report) {
      assert.ok(ratio >= 4.5, `${selector}: ${ratio.toFixed(2)} in ${theme}`);
    }
    const bodyBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bodyBg, theme === "dark" ? "rgb(15, 23, 42)" : "rgb(248, 250, 252)");
  });
}

test("following the system removes data-theme", async () => {
  await page.locator("#theme-select").selectOption("system");
  await page.waitForFunction(() => !document.documentElement.hasAttribute("data-theme"));
  await page.emulateMedia({ colorScheme: "light" });
});

test("keyboard: `/` focuses search, `?` opens a modal help that Esc and Close dismiss", async () => {
  await page.goto(baseUrl + "/chat");
  await page.locator("#chat-input").waitFor();
  await page.locator("#chat-title").click();
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "search-input");
  // While typing in a field, `?` is just a character.
  await page.keyboard.type("?");
  assert.equal(await page.locator("#help-overlay").count(), 0);
  assert.equal(await page.locator("#search-input").inputValue(), "?");

  await page.locator("#chat-title").click();
  await page.keyboard.press("?");
  const dialog = page.locator('#help-overlay [role="dialog"]');
  await dialog.waitFor();
  assert.equal(await dialog.getAttribute("aria-modal"), "true");
  assert.match(await dialog.innerText(), /Shift \+ Enter/);
  await page.waitForFunction(() => document.activeElement?.id === "help-close");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "help-close");
  await page.keyboard.press("Escape");
  await page.locator("#help-overlay").waitFor({ state: "detached" });

  await page.locator("#help-open").click();
  await dialog.waitFor();
  await page.locator("#help-close").click();
  await page.locator("#help-overlay").waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement?.id), "help-open", "focus returns");
});

test("markdown from the coach never injects HTML", async () => {
  // Whatever the answers contained, no script or inline handler came from them.
  const injected = await page.evaluate(() => document.querySelectorAll(".markdown script, .markdown [onclick], .markdown iframe").length);
  assert.equal(injected, 0);
});

test("no console errors and no CSP violations", () => {
  const relevant = session.problems.filter((p) => !/net::ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(p));
  assert.deepEqual(
    session.problems.filter((p) => /Content Security Policy|Refused to/.test(p)),
    [],
  );
  assert.deepEqual(relevant, []);
});
