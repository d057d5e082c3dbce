// End-to-end tests of the real built app (dist/) served by the real server
// binary, driven in Debian's headless Chromium by playwright-core.
// Run by scripts/test.sh with MLTRAINER_SERVER_BIN and MLTRAINER_DIST set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { contrastReport as pageContrast, layoutReport, openSession, stopServer } from "./support.mjs";

let session;
let baseUrl;
let context;
let page;

async function text(selector) {
  return (await page.locator(selector).textContent()).trim();
}

/** Replaces the text of an input as a user would (select all, type). */
async function typeInto(selector, value) {
  const input = page.locator(selector);
  await input.fill(value);
}

before(async () => {
  session = await openSession();
  ({ baseUrl, context, page } = session);
});

after(async () => {
  await session?.close();
});


test("pricing updates as the user types", async () => {
  await page.goto(baseUrl + "/");
  await page.locator("#price").waitFor();
  const price = await text("#price");
  const delta = await text("#delta");
  assert.match(price, /^\d+\.\d{4}$/);
  await typeInto("#spot", "110");
  await page.waitForFunction((old) => document.querySelector("#price")?.textContent.trim() !== old, price);
  const newPrice = Number(await text("#price"));
  assert.ok(newPrice > Number(price), `a call gains value as spot rises: ${price} -> ${newPrice}`);
  assert.notEqual(await text("#delta"), delta);
  // The slider drives the same input.
  await page.locator("#vol-slider").fill("40");
  await page.waitForFunction(() => document.querySelector("#vol").value === "40");
});

test("American exercise shows steps and the early-exercise premium", async () => {
  await page.locator('label[for="kind-put"]').click();
  await page.locator('label[for="exercise-american"]').click();
  await page.locator("#early-premium").waitFor();
  assert.match(await text("#model-steps"), /CRR binomial, \d+ steps/);
  assert.ok(Number(await text("#early-premium")) >= 0);
  // The simulation says plainly that it does not price early exercise.
  await page.locator("#mc-american-note").waitFor();
  await page.locator('label[for="exercise-european"]').click();
  await page.locator('label[for="kind-call"]').click();
});

test("invalid input gets an inline message and no price, nothing breaks", async () => {
  await typeInto("#vol", "0");
  await page.locator("#vol-error").getByText("volatility").waitFor();
  assert.match(await text("#vol-error"), /outside the allowed range/);
  assert.equal(await page.locator("#vol").getAttribute("aria-invalid"), "true");
  assert.equal(await page.locator("#price").count(), 0);
  await typeInto("#spot", "abc");
  assert.match(await text("#spot-error"), /not a number/);
  await typeInto("#vol", "25");
  await typeInto("#spot", "100");
  await page.locator("#price").waitFor();
  // An expiry date in the past is refused; a future one prices.
  await page.locator('label[for="expiry-mode-date"]').click();
  await page.locator("#expiry-date").fill("2020-01-15");
  await page.locator("#expiry-date-error").getByText("not after today").waitFor();
  assert.equal(await page.locator("#price").count(), 0);
  const nextYear = new Date().getFullYear() + 1;
  await page.locator("#expiry-date").fill(`${nextYear}-06-30`);
  await page.locator("#price").waitFor();
  await page.locator('label[for="expiry-mode-days"]').click();
  await page.locator("#price").waitFor();
});

test("implied volatility round-trips and out-of-bounds prices are explained", async () => {
  const price = await text("#price");
  await typeInto("#market-price", price);
  await page.locator("#iv-result strong").waitFor();
  const vol = parseFloat(await text("#iv-result strong"));
  assert.ok(Math.abs(vol - 25) < 0.01, `implied vol ${vol}% for the model's own price`);
  await typeInto("#market-price", "500");
  await page.locator("#iv-result .error").waitFor();
  assert.match(await text("#iv-result"), /upper bound/);
});

test("Monte Carlo runs in the worker with an error bar", async () => {
  await page.locator("#mc-price").waitFor({ timeout: 30_000 });
  const mc = Number(await text("#mc-price"));
  const se = Number(await text("#mc-se"));
  const bs = Number(await text("#price"));
  assert.ok(se > 0);
  assert.ok(Math.abs(mc - bs) < 4 * se + 1e-4, `MC ${mc} vs BS ${bs} (se ${se})`);
});

test("payoff chart and heatmap are drawn", async () => {
  const paths = await page.locator(".chart path.line").count();
  assert.equal(paths, 2);
  const d = await page.locator('.chart path[data-series="At expiry"]').getAttribute("d");
  assert.ok(d.split("L").length > 50, "expiry payoff line has many points");
  assert.equal(await page.locator(".heatmap svg[role=img] rect").count(), 99);
  const legend = () => page.locator(".legend-range").textContent();
  const priceLegend = await legend();
  await page.locator("#heatmap-metric").selectOption({ label: "Delta" });
  await page.waitForFunction((old) => document.querySelector(".legend-range").textContent !== old, priceLegend);
  // A call's delta lies in [0, 1] across the whole grid.
  const [min, max] = (await legend()).match(/-?\d+\.\d+/g).map(Number);
  assert.ok(min >= 0 && max <= 1 && min < max, `delta range ${min}..${max}`);
});

test("the layout fits a 360 px phone, every control is labelled and touch-sized", async () => {
  const report = await layoutReport(page);
  assert.ok(report.overflow <= 0, `horizontal overflow of ${report.overflow}px`);
  assert.deepEqual(report.unlabelled, []);
  assert.deepEqual(report.small, []);
  assert.equal(report.inlineStyles, 0);
});


/** WCAG contrast ratios of the main text/background pairs in the page. */
function contrastReport() {
  return pageContrast(page, ["body", "h2", ".field label", "#price", ".muted", "th small", "nav a[aria-current]", "nav a:not([aria-current])", "input#spot", ".chart .tick", "footer"]);
}

for (const scheme of ["light", "dark"]) {
  test(`text contrast meets WCAG AA in the ${scheme} theme`, async () => {
    await page.emulateMedia({ colorScheme: scheme });
    const report = await contrastReport();
    assert.ok(report.length >= 8);
    const failing = report.filter((r) => r.ratio < 4.5);
    assert.deepEqual(failing, [], JSON.stringify(report));
    await page.emulateMedia({ colorScheme: "light" });
  });
}

test("strategies: two legs give a combined payoff, saved across a reload", async () => {
  await page.locator('nav a[href="/strategies"]').click();
  await page.locator("#legs-title").waitFor();
  await page.locator("#add-call").click();
  await page.locator("#add-put").click();
  const legs = page.locator("li.leg");
  assert.equal(await legs.count(), 2);
  await page.locator("#strategy-price").waitFor();
  // A long straddle at the money: two break-evens, unlimited profit.
  const breakEvens = (await text("#break-evens")).split(",").map(Number);
  assert.equal(breakEvens.length, 2);
  const cost = Number(await text("#strategy-price"));
  assert.ok(Math.abs(breakEvens[1] - breakEvens[0] - 2 * cost) < 0.02, `${breakEvens} vs cost ${cost}`);
  assert.equal(await text("#max-profit"), "unlimited");
  const d = await page.locator('.chart path[data-series="P&L at expiry"]').getAttribute("d");
  assert.ok(d && d.length > 100);
  // Short the put: the combined delta moves.
  const delta = await text("#strategy-delta");
  await legs.nth(1).locator('input[id$="-quantity"]').fill("-1");
  await page.waitForFunction((old) => document.querySelector("#strategy-delta").textContent.trim() !== old, delta);
  // The exercise style applies to the legs too: American legs reprice.
  const european = await text("#strategy-price");
  await page.locator('label[for="exercise-american"]').click();
  await page.waitForFunction((old) => document.querySelector("#strategy-price").textContent.trim() !== old, european);
  await page.locator('label[for="exercise-european"]').click();
  await page.waitForFunction((old) => document.querySelector("#strategy-price").textContent.trim() === old, european);
  await page.locator("#strategy-name").fill("My synthetic");
  await page.locator("#save-strategy").click();
  await page.locator("#saved-list").getByText("My synthetic").waitFor();
  await page.reload();
  await page.locator("#saved-list").getByText("My synthetic").waitFor();
  assert.equal(await page.locator("li.leg").count(), 2, "working legs survive a reload");
});

test("installable: manifest with real icons, and a registered service worker", async () => {
  const report = await page.evaluate(async () => {
    const manifest = await (await fetch("/manifest.webmanifest")).json();
    const icons = [];
    for (const icon of manifest.icons) {
      const response = await fetch(icon.src);
      const bytes = new Uint8Array(await response.arrayBuffer());
      let size = null;
      if (icon.type === "image/png") {
        const view = new DataView(bytes.buffer);
        size = `${view.getUint32(16)}x${view.getUint32(20)}`;
      }
      icons.push({ src: icon.src, ok: response.ok, declared: icon.sizes, size });
    }
    const registration = await navigator.serviceWorker.getRegistration("/");
    return { manifest, icons, sw: Boolean(registration && (registration.active || registration.installing || registration.waiting)) };
  });
  assert.equal(report.manifest.display, "standalone");
  assert.equal(report.manifest.start_url, "/");
  for (const icon of report.icons) {
    assert.ok(icon.ok, icon.src);
    if (icon.size) assert.equal(icon.size, icon.declared, icon.src);
  }
  assert.ok(report.icons.some((i) => i.declared === "512x512"));
  assert.ok(report.icons.some((i) => i.declared === "192x192"));
  assert.ok(report.sw, "service worker registered");
});

test("benchmark page reports throughput in this browser", async () => {
  await page.goto(baseUrl + "/bench");
  await page.locator("#run-bench").click();
  await page.locator("#bench-results").waitFor({ timeout: 60_000 });
  const rows = await page.$$eval("#bench-results tbody tr", (trs) =>
    trs.map((tr) => [tr.dataset.kernel, Number(tr.dataset.perSecond)]),
  );
  assert.equal(rows.length, 6);
  for (const [name, rate] of rows) {
    assert.ok(rate > 0, name);
    console.log(`browser bench ${name}: ${rate.toExponential(3)} ops/s`);
  }
});

test("benchmark page times the finance workload in the finance worker", { timeout: 180_000 }, async () => {
  await page.goto(baseUrl + "/bench");
  await page.locator("#run-finance-bench").click();
  await page.locator("#finance-bench-results").waitFor({ timeout: 170_000 });
  const rows = await page.$$eval("#finance-bench-results tbody tr", (trs) =>
    trs.map((tr) => [tr.dataset.case, Number(tr.dataset.bestMs)]),
  );
  // The cases of shared::execute::workload, in order.
  assert.deepEqual(
    rows.map(([name]) => name),
    [
      "portfolio/min_variance_50x1000",
      "portfolio/max_sharpe_50x1000",
      "portfolio/min_variance_100x1000",
      "portfolio/max_sharpe_100x1000",
      "portfolio/hrp_100",
      "portfolio/min_cvar_20x2500",
      "risk/mc_var_1m_normal",
      "risk/mc_var_1m_student_t",
      "backtest/sp500_20y_ma_50_200",
      "backtest/sp500_20y_ma_50_200_vol_target",
    ],
  );
  for (const [name, ms] of rows) {
    assert.ok(ms > 0 && Number.isFinite(ms), name);
    console.log(`browser finance bench ${name}: ${ms.toFixed(2)} ms`);
  }
});

test("works offline after one visit: reload with the server stopped and price again", async () => {
  await page.goto(baseUrl + "/");
  await page.locator("#price").waitFor();
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  // The first load may not be controlled yet; reload once so it is.
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await stopServer(session.server);
  await context.setOffline(true);
  await page.reload();
  await page.locator("#price").waitFor({ timeout: 20_000 });
  const price = await text("#price");
  await typeInto("#strike", "90");
  await page.waitForFunction((old) => document.querySelector("#price")?.textContent.trim() !== old, price);
  // A deep link also loads offline (served from the cached shell).
  await page.goto(baseUrl + "/strategies");
  await page.locator("#legs-title").waitFor();
  await page.locator("#mc-price").count();
});

test("no script, CSP or runtime errors were logged", async () => {
  const relevant = session.problems.filter((p) => !/net::ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(p));
  assert.deepEqual(relevant, []);
});
