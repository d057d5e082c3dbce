// End-to-end test of a streamed LLM answer stopped by the user: a fake
// Anthropic Messages API on 127.0.0.1 (Node's http module) streams a long
// answer slowly; the server is started pointing at it with a sentinel key.
// The test sees text arrive, presses Esc, sees the answer marked
// "stopped — incomplete" at once, and after a reload finds the stored
// message still marked incomplete. The key never reaches the page.
// Run by scripts/test.sh with MLTRAINER_SERVER_BIN and MLTRAINER_DIST set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { openSession } from "./support.mjs";

const SENTINEL = "sk-test-SENTINEL";
const DELTAS = 200;
const DELTA_MS = 300;

let fake;
let fakeRequests = [];
let session;
let baseUrl;
let page;

/** One SSE frame of the Anthropic wire format. */
function frame(event, data) {
  return `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
}

/** A fake `POST /v1/messages` that streams `DELTAS` words, one every `DELTA_MS`. */
function startFakeAnthropic() {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        fakeRequests.push({ url: req.url, headers: req.headers, body });
        if (req.method !== "POST" || !/\/messages$/.test(req.url)) {
          res.writeHead(404, { "content-type": "application/json" });
          return res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: "no such route" } }));
        }
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.write(
          frame("message_start", {
            message: {
              id: "msg_fake_1",
              type: "message",
              role: "assistant",
              model: "claude-fake",
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: 42, output_tokens: 1 },
            },
          }),
        );
        res.write(frame("content_block_start", { index: 0, content_block: { type: "text", text: "" } }));
        res.write(frame("ping", {}));
        let sent = 0;
        const timer = setInterval(() => {
          if (sent === DELTAS) {
            clearInterval(timer);
            res.write(frame("content_block_stop", { index: 0 }));
            res.write(frame("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: DELTAS } }));
            res.write(frame("message_stop", {}));
            return res.end();
          }
          sent += 1;
          res.write(frame("content_block_delta", { index: 0, delta: { type: "text_delta", text: `word${sent} ` } }));
        }, DELTA_MS);
        res.on("close", () => clearInterval(timer));
      });
    });
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

before(async () => {
  fake = await startFakeAnthropic();
  const port = fake.address().port;
  session = await openSession({
    env: {
      MLTRAINER_ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`,
      ANTHROPIC_API_KEY: SENTINEL,
      MLTRAINER_ANTHROPIC_MODEL: "claude-fake",
    },
  });
  ({ baseUrl, page } = session);
});

after(async () => {
  await session?.close();
  await new Promise((resolve) => (fake ? fake.close(resolve) : resolve()));
});

/** The words of the last assistant message on screen. */
function answerText() {
  return page.locator('.message[data-role="assistant"]').last().locator(".markdown").innerText();
}

test("the header names the Anthropic coach", async () => {
  await page.goto(baseUrl + "/chat");
  await page.waitForFunction(() => /^Coach: anthropic claude-fake · /.test(document.querySelector("#coach-status")?.textContent.trim()));
});

test("the answer streams in; Esc stops it and it is marked incomplete, also after a reload", { timeout: 120_000 }, async () => {
  await page.locator("#chat-input").fill("Explain walk-forward evaluation in detail");
  await page.keyboard.press("Enter");
  const answer = page.locator('.message[data-role="assistant"]').last();
  await page.locator('.message[data-role="assistant"][data-state="streaming"]').waitFor();
  await page.locator("#chat-stop").waitFor();
  // Text arrives piece by piece.
  await page.waitForFunction(() => {
    const el = [...document.querySelectorAll('.message[data-role="assistant"] .markdown')].pop();
    return el && /word3\b/.test(el.textContent);
  });
  const early = await answerText();
  assert.doesNotMatch(early, new RegExp(`word${DELTAS}\\b`), "still streaming");

  await page.keyboard.press("Escape");
  await page.locator('.message[data-role="assistant"][data-state="stopped"]').waitFor();
  assert.equal((await answer.locator(".marker").innerText()).trim(), "stopped — incomplete");
  await page.locator("#chat-stop").waitFor({ state: "detached" });
  const stopped = await answerText();
  // Nothing more arrives after the stop.
  await page.waitForTimeout(4 * DELTA_MS);
  assert.equal(await answerText(), stopped);
  const shownWords = stopped.trim().split(/\s+/).length;
  assert.ok(shownWords >= 3 && shownWords < DELTAS, `${shownWords} words shown`);

  // The server stored the partial answer marked incomplete.
  await page.reload();
  if (!(await page.locator("#conversations-panel").evaluate((d) => d.open))) {
    await page.locator("#conversations-panel > summary").click();
  }
  await page.locator("#conversation-list button").first().click();
  const stored = page.locator('.message[data-role="assistant"]').last();
  await page.locator('.message[data-role="assistant"][data-state="incomplete"]').waitFor();
  assert.equal((await stored.locator(".marker").innerText()).trim(), "incomplete");
  const storedText = (await stored.locator(".markdown").innerText()).trim();
  assert.match(storedText, /^word1 word2 word3\b/);
  assert.doesNotMatch(storedText, new RegExp(`word${DELTAS}\\b`));

  // The API agrees.
  const list = await page.evaluate(() => fetch("/api/conversations").then((r) => r.json()));
  const detail = await page.evaluate((id) => fetch(`/api/conversations/${id}`).then((r) => r.json()), list[0].id);
  const last = detail.messages[detail.messages.length - 1];
  assert.equal(last.role, "assistant");
  assert.equal(last.complete, false);
});

test("the fake LLM got the key; the page never did", async () => {
  assert.ok(fakeRequests.some((r) => r.headers["x-api-key"] === SENTINEL), "the server called the fake with the key");
  const html = await page.content();
  assert.ok(!html.includes(SENTINEL), "no key in the page");
  const status = await page.evaluate(() => fetch("/api/chat/status").then((r) => r.text()));
  assert.ok(!status.includes(SENTINEL), "no key in the coach status");
});

test("no console errors and no CSP violations", () => {
  const relevant = session.problems.filter((p) => !/net::ERR_INTERNET_DISCONNECTED|Failed to load resource|AbortError/.test(p));
  assert.deepEqual(session.problems.filter((p) => /Content Security Policy|Refused to/.test(p)), []);
  assert.deepEqual(relevant, []);
});
