/** The test behind bench/peers' "never slower than eager" verdict: exact p-values. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { slowerPValue } from "../bench/peers/compare.js";
import type { RowSummary } from "../bench/peers/summary.js";
import { checkTargets, type Row } from "../bench/peers/targets.js";

test("bench compare: every run of a above every run of b is the one most extreme ordering", () => {
  // 3 of 6 ranks: C(6, 3) = 20 orderings, one of them this one.
  assert.equal(slowerPValue([5, 6, 7], [1, 2, 3]), 1 / 20);
  assert.equal(slowerPValue([1, 2, 3], [5, 6, 7]), 1);
});

test("bench compare: a p-value counts every ordering at least as extreme", () => {
  // a holds ranks 6, 5 and 3 of 6 (sum 14); sets of 3 ranks summing to 14 or more are
  // {4,5,6} and {3,5,6}: 2 of 20. One rank lower (a's 3 below b's 2.5 → {2,5,6}, sum 13)
  // adds {2,5,6} and {3,4,6}: 4 of 20.
  assert.equal(slowerPValue([10, 4, 3], [1, 2, 3.5]), 2 / 20);
  assert.equal(slowerPValue([10, 4, 2], [1, 2.5, 3.5]), 4 / 20);
});

test("bench compare: ties share their ranks; identical runs are no evidence at all", () => {
  assert.equal(slowerPValue([3, 3, 3], [3, 3, 3]), 1);
  // 2 and 2 tie (ranks 2, 3 → 2.5 each): a = {2.5, 4} of 4, sum 6.5; sums ≥ 6.5 of the
  // 6 pairs from {1, 2.5, 2.5, 4}: {2.5, 4} twice → 2 of 6.
  assert.equal(slowerPValue([2, 5], [1, 2]), 2 / 6);
});

const summary = (over: Partial<RowSummary>): RowSummary => ({
  medianMs: 3050,
  p95Ms: 3060,
  boundMs: 3000,
  efficiency: 0.98,
  efficiencyRange: [0.98, 0.98],
  overheadPerNodeMs: 0.004,
  peakInFlight: 200,
  calls: 12000,
  expectedCalls: 12000,
  callsExact: true,
  setupMs: 1,
  latenessMs: 0.5,
  cpuUsPerCall: 20,
  correct: true,
  runs: 3,
  runsMs: [3050, 3051, 3052],
  ...over,
});
const row = (contender: Row["contender"], s: RowSummary): Row => ({
  contender,
  status: "ok",
  summary: s,
  facts: { strategy: "passthrough" },
  mismatches: [],
});

test("bench targets: a target whose contender did not run is not checked, not missed", () => {
  const targets = checkTargets("dataset-2k", [
    row("ember-xcs", summary({})),
    row("ember-eager", summary({ runsMs: [3060, 3061, 3062] })),
  ]);
  assert.deepEqual(
    targets.map((t) => [t.description, t.met, t.unchecked]),
    [
      ["efficiency ≥ 0.95 × hand-written's", false, "run with --contender promise to check it"],
      ["never slower than eager", true, undefined],
      [
        "CPU per model call ≤ 1.5 × hand-written's",
        false,
        "run with --contender promise to check it",
      ],
    ],
  );
  // Wrong results miss every target, checked or not.
  const wrong = checkTargets("dataset-2k", [row("ember-xcs", summary({ correct: false }))]);
  assert.deepEqual(
    wrong.map((t) => [t.met, t.unchecked, t.why]),
    Array(3).fill([false, undefined, "results were wrong"]),
  );
});

test("bench targets: with the hand-written contender, dataset targets are checked", () => {
  const targets = checkTargets("dataset-2k", [
    // Five runs each, every jit run above every eager one: p = 1 / C(10, 5), slower.
    row("ember-xcs", summary({ cpuUsPerCall: 31, runsMs: [3050, 3051, 3052, 3053, 3054] })),
    row("promise", summary({ efficiency: 0.99, cpuUsPerCall: 20 })),
    row("ember-eager", summary({ runsMs: [3000, 3001, 3002, 3003, 3004] })),
  ]);
  assert.deepEqual(
    targets.map((t) => [t.met, t.unchecked]),
    [
      [true, undefined],
      [false, undefined],
      [false, undefined],
    ],
  );
});
