/** The test behind bench/peers' "never slower than eager" verdict: exact p-values. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { slowerPValue } from "../bench/peers/compare.js";

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
