import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { formatKeyPath as fromErrors, formatPath as pathFromErrors } from "../src/core/errors.js";
import { childPath, formatKeyPath, formatPath, indexed, named } from "../src/core/paths.js";
import { MapOperator } from "../src/operators/map.js";
import { ParallelOperator } from "../src/operators/parallel.js";
import { SequenceOperator } from "../src/operators/sequence.js";
import { rejectionOf } from "./fakes.js";

test("childPath joins one segment; a root or an empty segment adds no slash", () => {
  assert.equal(childPath("pipeline", "judge"), "pipeline/judge");
  assert.equal(childPath("", "pipeline"), "pipeline");
  assert.equal(childPath("pipeline", ""), "pipeline");
  assert.equal(childPath("qa/vote", indexed("operators", 1)), "qa/vote/operators[1]");
  assert.equal(indexed("routes", "fast"), "routes[fast]");
});

test("formatPath joins segments the way childPath does, skipping empty ones", () => {
  assert.equal(formatPath(["pipeline", "operators[1]", "judge"]), "pipeline/operators[1]/judge");
  assert.equal(formatPath(["", "a", "", "b"]), "a/b");
  assert.equal(formatPath([]), "");
  assert.equal(pathFromErrors, formatPath, "errors.ts re-exports the one formatter");
});

test("formatKeyPath prints a key path inside a value", () => {
  assert.equal(formatKeyPath(["responses", 1, "text"]), "responses[1].text");
  assert.equal(formatKeyPath([0, "a"]), "[0].a");
  assert.equal(formatKeyPath([]), "(root)");
  assert.equal(fromErrors, formatKeyPath);
});

test("built-in operators name a failing step through the same formatter", async () => {
  const bad = new MapOperator({ name: "bad", fn: () => 3 as never });
  const good = new MapOperator({ name: "good", fn: (x: object) => x });
  const seq = new SequenceOperator({ name: "seq", operators: [good, bad] });
  const par = new ParallelOperator({ name: "par", operators: [good, bad] });
  const seqError = (await rejectionOf(seq({}))) as { path: string };
  const parError = (await rejectionOf(par({}))) as { path: string };
  assert.equal(seqError.path, childPath("seq", indexed("operators", 1)));
  assert.equal(parError.path, "par/operators[1]");
  assert.throws(
    () => new SequenceOperator({ name: "s", operators: [good, {} as never] }),
    /at s\/operators\[1\]/,
  );
});

test("named: a node is shown as `name (path)`, or just its path when the name adds nothing", () => {
  assert.equal(named("judge", "rag/operators[2]"), "judge (rag/operators[2])");
  assert.equal(named("rag", "rag"), "rag");
  assert.equal(named("judge", "rag/judge"), "rag/judge");
  assert.equal(named(undefined, "rag/operators[2]"), "rag/operators[2]");
  assert.equal(named("x", ""), "x");
});

test("named: an operator's errors name it beside its path", async () => {
  const step = new MapOperator({
    name: "judge",
    fn: (i: { a: number }) => i,
  });
  step.specification = { input: z.object({ a: z.number() }) };
  const rag = new SequenceOperator({ name: "rag", operators: [step] });
  await assert.rejects(rag({ a: "no" } as never), {
    message:
      "[invalid_input] at judge (rag/operators[0]): a: Invalid input: expected number, received string",
  });
});
