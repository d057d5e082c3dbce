// The whole-catalog benchmark in headless Chromium: opens /bench on the
// real server, runs "Run the whole catalog" in the lab worker and prints
// the total and the ten slowest entries. Run by scripts/bench-catalog.sh
// (which builds the app and the server and sets MLTRAINER_SERVER_BIN and
// MLTRAINER_DIST); not part of the test command.
import { openSession } from "../e2e/support.mjs";

const session = await openSession();
try {
  const { page, baseUrl } = session;
  await page.goto(baseUrl + "/bench");
  await page.locator("#run-catalog-bench").click();
  await page.locator("#catalog-bench-total").waitFor({ timeout: 3_600_000 });
  const total = await page.$eval("#catalog-bench-total", (p) => ({
    entries: Number(p.dataset.entries),
    ms: Number(p.dataset.totalMs),
    failed: Number(p.dataset.failed),
  }));
  console.log(`browser whole catalog: ${total.entries} entries in ${(total.ms / 1e3).toFixed(1)} s (${total.failed} failed)`);
  const rows = await page.$$eval("#catalog-bench-slowest tbody tr", (trs) =>
    trs.map((tr) => ({ name: tr.dataset.model, ms: Number(tr.dataset.ms) })),
  );
  console.log("ten slowest in the browser:");
  for (const { name, ms } of rows) console.log(`  ${name.padEnd(46)} ${(ms / 1e3).toFixed(2).padStart(8)} s`);
} finally {
  await session.close();
}
