// Shared set-up of the end-to-end tests: the real server binary on an
// ephemeral port with a fresh data directory, Debian's headless Chromium at
// a 360 px phone viewport, and page reports (layout, contrast) that several
// screens assert on. Not a test file itself (node --test skips the name).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const SERVER_BIN = process.env.MLTRAINER_SERVER_BIN;
const DIST = process.env.MLTRAINER_DIST;
const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const CHROME_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
];

/** Starts the server on an ephemeral port with `dataDir` (created by the
 * server); `env` adds to (or overrides) the server's environment. */
export function startServer(dataDir, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(SERVER_BIN, ["--addr", "127.0.0.1:0", "--dist", DIST], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env, MLTRAINER_DATA_DIR: dataDir },
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}${err}`)), 30_000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/[^\s]+)/);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1].replace(/\/$/, "") });
      }
    });
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${out}${err}`));
    });
  });
}

/** Stops the server with SIGTERM and waits for it to exit. */
export function stopServer(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    child.removeAllListeners("exit");
    child.on("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/**
 * Starts the server and a 360 px phone page. Returns the session: `server`,
 * `baseUrl`, `browser`, `context`, `page`, `problems` (console errors and
 * page errors, collected), and `close()` to end everything. `options.env`
 * adds to the server's environment (e.g. a fake LLM's base URL);
 * `options.context` adds to the browser context's options.
 */
export async function openSession(options = {}) {
  assert.ok(SERVER_BIN && DIST, "MLTRAINER_SERVER_BIN and MLTRAINER_DIST must be set");
  const tempDir = mkdtempSync(join(tmpdir(), "mltrainer-e2e-"));
  const started = await startServer(join(tempDir, "data"), options.env ?? {});
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROME_ARGS, headless: true });
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    hasTouch: true,
    ...(options.context ?? {}),
  });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(String(err)));
  const session = { server: started.child, baseUrl: started.url, browser, context, page, problems, tempDir };
  session.close = async () => {
    await browser.close();
    await stopServer(session.server);
    rmSync(tempDir, { recursive: true, force: true });
  };
  return session;
}

/**
 * Runs the /bench page's model benchmark on `page` and returns its rows as
 * the lab worker reported them (`BenchTiming`'s fields: name, fit_ms,
 * predict_ms, first_fit_ms, first_predict_ms, rows, features).
 */
export async function runModelBench(page, baseUrl, timeout = 600_000) {
  await page.goto(baseUrl + "/bench");
  await page.locator("#run-model-bench").click();
  await page.locator("#model-bench-results").waitFor({ timeout });
  return page.$$eval("#model-bench-results tbody tr", (trs) =>
    trs.map((tr) => ({
      name: tr.dataset.model,
      fit_ms: Number(tr.dataset.fitMs),
      predict_ms: Number(tr.dataset.predictMs),
      first_fit_ms: Number(tr.dataset.firstFitMs),
      first_predict_ms: Number(tr.dataset.firstPredictMs),
      rows: Number(tr.dataset.rows),
      features: Number(tr.dataset.features),
    })),
  );
}

/**
 * Layout facts of the current page: horizontal overflow in px, controls
 * without a label, controls (or their labels, for radios and checkboxes)
 * smaller than a 44 px touch target, and elements with inline styles.
 */
export function layoutReport(page) {
  return page.evaluate(() => {
    const overflow = document.scrollingElement.scrollWidth - window.innerWidth;
    const controls = [...document.querySelectorAll("input, select, textarea, button")];
    const named = (el) =>
      (el.labels && el.labels.length > 0) ||
      el.getAttribute("aria-label") ||
      el.getAttribute("aria-labelledby") ||
      (el.tagName === "BUTTON" && el.textContent.trim() !== "");
    const unlabelled = controls.filter((el) => !named(el)).map((el) => el.id || el.outerHTML.slice(0, 60));
    const small = [];
    for (const el of controls) {
      // Radio inputs are visually hidden and checkboxes sit inside a
      // full-height label: the label is the touch target.
      const target = el.type === "radio" || el.type === "checkbox" ? el.labels[0] : el;
      const r = target.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.height < 44 - 0.5 || r.width < 24) small.push(`${el.id || el.type}: ${r.width}x${r.height}`);
    }
    const inlineStyles = document.querySelectorAll("[style]").length;
    return { overflow, unlabelled, small, inlineStyles };
  });
}

/** WCAG contrast ratios of text against its background for each selector present. */
export function contrastReport(page, selectors) {
  return page.evaluate((selectors) => {
    const parse = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (a, b) => {
      const [x, y] = [lum(parse(a)), lum(parse(b))].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    const bgOf = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = getComputedStyle(e).backgroundColor;
        if (c && !c.startsWith("rgba(0, 0, 0, 0)") && c !== "transparent") return c;
      }
      return getComputedStyle(document.body).backgroundColor;
    };
    return selectors
      .map((selector) => {
        const el = document.querySelector(selector);
        return el && { selector, ratio: ratio(getComputedStyle(el).color, bgOf(el)) };
      })
      .filter(Boolean);
  }, selectors);
}
