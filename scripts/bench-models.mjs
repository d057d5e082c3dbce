// The model benchmark natively (the model_bench example, --json) and in
// headless Chromium's lab worker (the /bench page), alternating RUNS times
// so both sides see the same machine. Prints, per model, the fastest round
// of all runs and the median first round (a fresh page each run: what a
// user's first fit costs), and the browser / native ratios. Run by
// scripts/bench-models.sh; not part of the test command.
import { spawnSync } from "node:child_process";
import { openSession, runModelBench } from "../e2e/support.mjs";

const RUNS = 3;
const nativeBin = process.env.MLTRAINER_MODEL_BENCH_BIN;
if (!nativeBin) throw new Error("MLTRAINER_MODEL_BENCH_BIN must name the model_bench example binary");

function native() {
  const run = spawnSync(nativeBin, ["--json"], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`model_bench failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop());
}

async function browser() {
  const session = await openSession();
  try {
    return await runModelBench(session.page, session.baseUrl);
  } finally {
    await session.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = { native: [], browser: [] };
for (let i = 0; i < RUNS; i++) {
  runs.native.push(native());
  runs.browser.push(await browser());
}

function summary(side, name) {
  const rows = runs[side].map((timings) => timings.find((t) => t.name === name));
  return {
    fit: Math.min(...rows.map((r) => r.fit_ms)),
    predict: Math.min(...rows.map((r) => r.predict_ms)),
    firstFit: median(rows.map((r) => r.first_fit_ms)),
    firstPredict: median(rows.map((r) => r.first_predict_ms)),
  };
}

const ms = (v) => v.toFixed(1).padStart(8);
const ratio = (b, n) => (b / n).toFixed(2).padStart(6);
console.log(`model benchmark, ${RUNS} runs each side: fastest round (median first round), ms; ratio = browser / native`);
console.log(`${"model".padEnd(40)} ${"native fit".padStart(19)} ${"browser fit".padStart(19)} ${"ratio".padStart(13)}   ${"native predict".padStart(19)} ${"browser predict".padStart(19)} ${"ratio".padStart(13)}`);
for (const { name } of runs.native[0]) {
  const n = summary("native", name);
  const b = summary("browser", name);
  console.log(
    `${name.padEnd(40)} ${ms(n.fit)} (${ms(n.firstFit)}) ${ms(b.fit)} (${ms(b.firstFit)}) ${ratio(b.fit, n.fit)} (${ratio(b.firstFit, n.firstFit)})   ` +
      `${ms(n.predict)} (${ms(n.firstPredict)}) ${ms(b.predict)} (${ms(b.firstPredict)}) ${ratio(b.predict, n.predict)} (${ratio(b.firstPredict, n.firstPredict)})`,
  );
}
