/**
 * Differential fuzzing of the JIT: many random programs (test/fuzz-spec.ts), each run
 * eagerly and jitted in every mode on several inputs (test/fuzz-check.ts); prints the
 * counts and every mismatch with the seed that reproduces it.
 *
 *   npm run fuzz                                   # 10,000 programs from seed 1
 *   npm run fuzz -- --programs 500 --seed 42
 *   npm run fuzz -- --replay 1234                  # one program, printed in full
 *   npm run fuzz -- --shrink 1234 --match "hung"   # the smallest program still failing so
 *
 * FUZZ_HANG_MS (default 10000) is how long a run may take before it counts as hung.
 */
import fc from "fast-check";
import { getJitStats, resetJit } from "../src/index.js";
import { checkProgram, MODES } from "../test/fuzz-check.js";
import { mutates, recursive } from "../test/fuzz-sanitize.js";
import { type Program, programArb } from "../test/fuzz-spec.js";

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const programs = arg("programs", 10_000);
const firstSeed = arg("seed", 1);
const replay = arg("replay", Number.NaN);
const shrink = arg("shrink", Number.NaN);
const matchAt = process.argv.indexOf("--match");
const match = matchAt >= 0 ? process.argv[matchAt + 1]! : "";
const arbitrary = programArb();

const programFor = (seed: number): Program => fc.sample(arbitrary, { seed, numRuns: 1 })[0]!;

const leaks: unknown[] = [];
process.on("unhandledRejection", (reason) => leaks.push(reason));

async function main(): Promise<void> {
  if (!Number.isNaN(replay)) {
    const program = programFor(replay);
    console.log(JSON.stringify(program, null, 1));
    const result = await checkProgram(program);
    console.log(result.mismatches.join("\n") || "no mismatch");
    return;
  }
  if (!Number.isNaN(shrink)) {
    // fast-check shrinks the program while the same kind of mismatch (`--match`) remains.
    const property = fc.asyncProperty(arbitrary, async (program) => {
      const result = await checkProgram(program);
      resetJit();
      // A hung run keeps its budget slots, so later candidates may hang eagerly as well:
      // those are the harness's, not the same mismatch, unless `--match` asks for them.
      const same = (m: string) =>
        m.includes(match) && (match.startsWith("harness") || !m.startsWith("harness:"));
      return !result.mismatches.some(same);
    });
    const out = await fc.check(property, { seed: shrink, numRuns: 1 });
    if (!out.failed) {
      console.log("no mismatch");
      return;
    }
    const smallest = out.counterexample![0];
    console.log(JSON.stringify(smallest));
    console.log((await checkProgram(smallest)).mismatches.join("\n"));
    return;
  }
  const startedAt = performance.now();
  let checks = 0;
  let inputs = 0;
  const seen = {
    failures: 0,
    effects: 0,
    hits: 0,
    misses: 0,
    retraces: 0,
    fallbacks: 0,
    compilations: 0,
    mutating: 0,
    recursive: 0,
    mutated: 0,
    selfCalls: 0,
  };
  const failing: { seed: number; mismatches: string[] }[] = [];
  for (let i = 0; i < programs; i++) {
    const seed = firstSeed + i;
    const program = programFor(seed);
    inputs += program.inputs.length;
    if (mutates(program.root)) seen.mutating++;
    if (recursive(program.root)) seen.recursive++;
    const leaksBefore = leaks.length;
    const result = await checkProgram(program);
    checks += result.checks;
    if (leaks.length > leaksBefore) {
      result.mismatches.push(`unhandled rejection: ${String(leaks[leaksBefore])}`);
    }
    if (result.mismatches.length > 0) {
      failing.push({ seed, mismatches: result.mismatches });
      const shown = result.mismatches
        .slice(0, 3)
        .map((m) => (m.length > 600 ? `${m.slice(0, 600)} …` : m));
      console.log(`seed ${seed}: ${result.mismatches.length} mismatches\n  ${shown.join("\n  ")}`);
    }
    const stats = getJitStats();
    seen.failures += result.failures;
    seen.effects += result.effects;
    seen.mutated += result.mutated;
    seen.selfCalls += result.selfCalls;
    seen.hits += stats.speculationHits;
    seen.misses += stats.speculationMisses;
    seen.retraces += stats.retraces;
    seen.fallbacks += stats.fallbacks;
    seen.compilations += stats.compilations;
    resetJit();
    if ((i + 1) % 500 === 0) {
      const s = ((performance.now() - startedAt) / 1000).toFixed(0);
      console.log(
        `… ${i + 1} programs, ${checks} checks, ${failing.length} failing programs, ${s} s`,
      );
    }
  }
  const seconds = (performance.now() - startedAt) / 1000;
  console.log(
    `fuzz: ${programs} programs × ${(inputs / programs).toFixed(2)} inputs each (${inputs} in all) × ${MODES.length} modes = ${checks} checks in ${seconds.toFixed(1)} s`,
  );
  console.log(
    `programs that mutate inputs or results: ${seen.mutating} (${seen.mutated} eager runs changed their input, compared per mode); that call themselves: ${seen.recursive} (${seen.selfCalls} eager calls of themselves)`,
  );
  console.log(
    `covered: ${seen.failures} failing eager runs compared by error, ${seen.effects} eager effectful calls compared per mode, ${seen.compilations} compilations, ${seen.hits} speculation hits / ${seen.misses} misses, ${seen.retraces} retraces, ${seen.fallbacks} fallbacks`,
  );
  console.log(
    `mismatches: ${failing.reduce((n, f) => n + f.mismatches.length, 0)} in ${failing.length} programs; unhandled rejections: ${leaks.length}`,
  );
  if (failing.length > 0) {
    console.log(
      `first failing seed: ${failing[0]!.seed} (npm run fuzz -- --replay ${failing[0]!.seed})`,
    );
  }
  if (failing.length > 0 || leaks.length > 0) process.exitCode = 1;
}

await main();
