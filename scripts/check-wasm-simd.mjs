// Checks that every worker module in dist/ holds vectorised (SIMD128)
// floating-point code: at least MIN_F64X2_MUL `f64x2.mul` instructions in
// its code section. The workers' kernels vectorise only when the
// `wasm-worker` profile links them at opt-level 3 (Cargo.toml says why);
// built with the main module's size profile they hold none, and every
// model and pricing kernel runs scalar in the browser, about half as fast,
// with no error anywhere. Exits 1 if a worker has too few.
// Usage: node scripts/check-wasm-simd.mjs [dist]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dist = process.argv[2] ?? "dist";
// The vectorised workers hold 80 to 620 of them; scalar builds hold none.
const MIN_F64X2_MUL = 20;
const CODE_SECTION = 10;

/** Unsigned LEB128 at `at`: [value, next offset]. */
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

/** The code section's bytes (empty if the module has none). */
function codeSection(bytes) {
  let at = 8; // magic and version
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = leb(bytes, at + 1);
    if (id === CODE_SECTION) return bytes.subarray(start, start + size);
    at = start + size;
  }
  return bytes.subarray(0, 0);
}

/** How many times `f64x2.mul` (prefix 0xfd, opcode 242 as LEB128: 0xf2 0x01) occurs. */
function f64x2Muls(code) {
  let count = 0;
  for (let i = 0; i + 2 < code.length; i++) {
    if (code[i] === 0xfd && code[i + 1] === 0xf2 && code[i + 2] === 0x01) count++;
  }
  return count;
}

let failed = false;
for (const name of readdirSync(dist).filter((n) => /_worker_bg\.wasm$/.test(n)).sort()) {
  const count = f64x2Muls(codeSection(readFileSync(join(dist, name))));
  const ok = count >= MIN_F64X2_MUL;
  console.error(`[simd] ${name}: ${count} f64x2.mul instructions${ok ? "" : `, fewer than ${MIN_F64X2_MUL}: its kernels are not vectorised (is it built with the wasm-worker profile?)`}`);
  failed ||= !ok;
}
process.exit(failed ? 1 : 0);
