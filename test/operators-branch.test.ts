import assert from "node:assert/strict";
import { test } from "node:test";
import { BranchOperator } from "../src/operators/branch.js";
import { MapOperator } from "../src/operators/map.js";
import { FakeLeaf, Probe } from "./fakes.js";

type In = { n: number };

test("branch: runs ifTrue when the predicate holds and ifFalse otherwise", async () => {
  const branch = new BranchOperator({
    predicate: (i: In) => i.n > 0,
    ifTrue: new MapOperator({ fn: (i: In) => ({ sign: "positive", n: i.n }) }),
    ifFalse: new MapOperator({ fn: (i: In) => ({ sign: "non-positive", n: i.n }) }),
  });
  assert.deepEqual(await branch({ n: 3 }), { sign: "positive", n: 3 });
  assert.deepEqual(await branch({ n: -1 }), { sign: "non-positive", n: -1 });
  assert.equal(branch.name, "branch");
});

test("branch: an async predicate is awaited and only the chosen branch runs", async () => {
  const yes = new Probe();
  const no = new Probe();
  const branch = new BranchOperator({
    predicate: async (i: In) => i.n % 2 === 0,
    ifTrue: new FakeLeaf({ probe: yes, fn: () => "even" }),
    ifFalse: new FakeLeaf({ probe: no, effects: "stochastic", fn: () => "odd" }),
  });
  assert.equal(await branch({ n: 2 }), "even");
  assert.equal(await branch({ n: 4 }), "even");
  assert.equal(await branch({ n: 5 }), "odd");
  assert.deepEqual([yes.calls, no.calls], [2, 1]);
  assert.equal(branch.effects, "stochastic");
  assert.deepEqual(
    branch.children().map((c) => c.name),
    ["ifTrue", "ifFalse"],
  );
});
