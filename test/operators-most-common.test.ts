import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError, ValidationError } from "../src/core/errors.js";
import { MostCommonOperator, normalizeVote } from "../src/operators/most-common.js";
import { rejectionOf } from "./fakes.js";

test("most_common: the majority wins and counts are returned", async () => {
  const vote = new MostCommonOperator();
  assert.deepEqual(await vote({ responses: ["Paris", "Lyon", "Paris"] }), {
    final_answer: "Paris",
    counts: { Paris: 2, Lyon: 1 },
  });
  assert.equal(vote.effects, "pure");
});

test("most_common: a tie goes to the value seen first", async () => {
  const vote = new MostCommonOperator();
  assert.deepEqual(await vote({ responses: ["b", "a", "a", "b", "c"] }), {
    final_answer: "b",
    counts: { b: 2, a: 2, c: 1 },
  });
  assert.equal((await vote({ responses: ["a", "b", "b", "a"] })).final_answer, "a");
});

test("most_common: normalize groups votes and the winner is the first original value", async () => {
  const vote = new MostCommonOperator({ normalize: (v) => String(v).trim().toLowerCase() });
  assert.deepEqual(await vote({ responses: [" Paris", "lyon", "PARIS ", "Lyon", "paris"] }), {
    final_answer: " Paris",
    counts: { paris: 3, lyon: 2 },
  });
});

test("most_common: custom keys; objects vote by content whatever their key order", async () => {
  const vote = new MostCommonOperator({ inputKey: "answers", outputKey: "best" });
  const first = { a: 1, b: 2 };
  const out = await vote({ answers: [first, { b: 2, a: 1 }, { a: 2 }] });
  assert.equal(out.best, first);
  assert.deepEqual(out.counts, { '{"a":1,"b":2}': 2, '{"a":2}': 1 });
  assert.deepEqual([normalizeVote(1), normalizeVote(null), normalizeVote("x")], ["1", "null", "x"]);
});

test("most_common: an empty or missing candidate list is a ValidationError", async () => {
  const vote = new MostCommonOperator({ name: "vote" });
  const empty = await rejectionOf(vote({ responses: [] }));
  assert.ok(empty instanceof ValidationError);
  assert.equal(empty.code, "invalid_input");
  assert.equal(empty.path, "vote");
  assert.equal(
    empty.message,
    "[invalid_input] at vote: input.responses must be a non-empty array of candidates, got an empty array",
  );
  const missing = await rejectionOf(vote({} as { responses: string[] }));
  assert.ok(missing instanceof ValidationError);
  assert.equal(missing.code, "invalid_input");
});

test('most_common: outputKey "counts" is refused at construction', () => {
  assert.throws(() => new MostCommonOperator({ outputKey: "counts" }), OptionError);
});
