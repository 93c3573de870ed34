import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../src/core/errors.js";
import {
  all,
  condition,
  matchesPattern,
  notEmpty,
  VerifierOperator,
} from "../src/operators/verifier.js";

test("verifier: a throwing condition becomes a failed result with its message", async () => {
  const verify = new VerifierOperator({
    conditions: [
      (v) => typeof v === "string",
      () => {
        throw new Error("checker crashed");
      },
      async () => {
        throw "plain string";
      },
    ],
  });
  assert.deepEqual(await verify("x"), {
    passed: false,
    results: [
      { passed: true },
      { passed: false, message: "checker crashed" },
      { passed: false, message: "plain string" },
    ],
  });
  assert.equal(verify.effects, "pure");
});

test("verifier: helpers report their messages; inputKey and outputKey place the verdict", async () => {
  const verify = new VerifierOperator({
    inputKey: "answer",
    outputKey: "check",
    conditions: [
      notEmpty(),
      matchesPattern(/^\d+$/),
      condition((v) => Number(v) < 100, "must be below 100"),
    ],
  });
  assert.deepEqual(await verify({ answer: "42" }), {
    check: { passed: true, results: [{ passed: true }, { passed: true }, { passed: true }] },
  });
  assert.deepEqual(await verify({ answer: " " }), {
    check: {
      passed: false,
      results: [
        { passed: false, message: "value is empty" },
        { passed: false, message: "value does not match /^\\d+$/" },
        { passed: true },
      ],
    },
  });
});

test("verifier: all() passes only if every part does and names the first failure", async () => {
  const verify = new VerifierOperator({
    conditions: [
      all(
        notEmpty(),
        condition(async (v) => v === "yes", "must be yes"),
        () => false,
      ),
    ],
  });
  assert.deepEqual(await verify("no"), {
    passed: false,
    results: [{ passed: false, message: "must be yes" }],
  });
  assert.deepEqual(await verify("yes"), {
    passed: false,
    results: [{ passed: false, message: "all()[2] failed" }],
  });
  const both = new VerifierOperator({ conditions: [all(notEmpty(), (v) => v === "ok")] });
  assert.deepEqual(await both("ok"), { passed: true, results: [{ passed: true }] });
});

test("verifier: a global regex gives the same verdict on every call", async () => {
  const verify = new VerifierOperator({ conditions: [matchesPattern(/a/g)] });
  const verdicts = [];
  for (let i = 0; i < 3; i++) verdicts.push((await verify("a")).passed);
  assert.deepEqual(verdicts, [true, true, true]);
});

test("verifier: notEmpty covers the empty shapes", async () => {
  const verify = new VerifierOperator({ conditions: [notEmpty()] });
  const empties = [null, undefined, "", "  ", [], {}, new Map(), new Set()];
  const verdicts = await Promise.all(empties.map(async (v) => (await verify(v)).passed));
  assert.deepEqual(
    verdicts,
    empties.map(() => false),
  );
  const full = [0, false, "a", [0], { a: 1 }, new Set([1])];
  const fullVerdicts = await Promise.all(full.map(async (v) => (await verify(v)).passed));
  assert.deepEqual(
    fullVerdicts,
    full.map(() => true),
  );
});

test("verifier: a bare predicate's failure names its position and function name", async () => {
  function isNumber(v: unknown) {
    return typeof v === "number";
  }
  const verify = new VerifierOperator({ conditions: [isNumber, (v) => v === 1] });
  assert.deepEqual(await verify("x"), {
    passed: false,
    results: [
      { passed: false, message: "conditions[0] (isNumber) failed" },
      { passed: false, message: "conditions[1] failed" },
    ],
  });
});

test("verifier: a condition that is neither a function nor a Condition is refused", () => {
  assert.throws(() => new VerifierOperator({ conditions: [42 as never] }), OptionError);
});
