/**
 * Differential fuzzing, bounded for `npm test`: random programs (test/fuzz-spec.ts) run
 * eagerly and jitted in every mode on several inputs of the same and different shapes must
 * agree on results, errors, effect logs, samples and what they did to their input (custom
 * operators mutate it and call themselves). `npm run fuzz` runs many more.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { resetJit } from "../src/index.js";
import { checkProgram, MODES } from "./fuzz-check.js";
import { type Program, programArb } from "./fuzz-spec.js";

interface Tally {
  programs: number;
  checks: number;
  failures: number;
  effects: number;
  mutated: number;
  selfCalls: number;
}

async function fuzz(arbitrary: fc.Arbitrary<Program>, seed: number, numRuns: number) {
  const tally: Tally = {
    programs: 0,
    checks: 0,
    failures: 0,
    effects: 0,
    mutated: 0,
    selfCalls: 0,
  };
  const leaks: unknown[] = [];
  const onLeak = (reason: unknown) => leaks.push(reason);
  process.on("unhandledRejection", onLeak);
  try {
    const property = fc.asyncProperty(arbitrary, async (program) => {
      const result = await checkProgram(program);
      resetJit();
      tally.programs++;
      tally.checks += result.checks;
      tally.failures += result.failures;
      tally.effects += result.effects;
      tally.mutated += result.mutated;
      tally.selfCalls += result.selfCalls;
      assert.deepEqual(result.mismatches, [], JSON.stringify(program));
    });
    await fc.assert(property, { seed, numRuns });
  } finally {
    process.off("unhandledRejection", onLeak);
  }
  assert.deepEqual(leaks, []);
  return tally;
}

test("fuzz: 200 random programs agree with eager execution in every mode", async () => {
  const tally = await fuzz(programArb(), 20_260_601, 200);
  assert.equal(tally.programs, 200);
  // Each program runs 2–6 inputs in each of the four modes.
  assert.ok(tally.checks >= 200 * MODES.length * 2, `${tally.checks} checks`);
  // The programs really do fail and write effects, so errors and logs are compared.
  assert.ok(tally.failures > 50, `${tally.failures} failing eager runs`);
  assert.ok(tally.effects > 100, `${tally.effects} effectful calls`);
  // And they really do change their input and call themselves.
  assert.ok(tally.mutated > 20, `${tally.mutated} eager runs that changed their input`);
  assert.ok(tally.selfCalls > 20, `${tally.selfCalls} calls of themselves`);
});

test("fuzz: 60 programs under preserveStochasticity and maxConcurrency 1 reuse no sample and finish", async () => {
  const strict = programArb().map(
    (p): Program => ({
      ...p,
      variant: { ...p.variant, preserveStochasticity: true, maxConcurrency: 1 },
    }),
  );
  const tally = await fuzz(strict, 7_777, 60);
  assert.equal(tally.programs, 60);
});
