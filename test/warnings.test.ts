import assert from "node:assert/strict";
import { test } from "node:test";
import { EnsembleOperator, MapReduceOperator } from "../src/index.js";
import { FakeLeaf, Probe } from "./fakes.js";

test("many linked signals on one run emit no MaxListenersExceededWarning", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on("warning", onWarning);
  try {
    const probe = new Probe();
    const member = new FakeLeaf({ probe, delayMs: 1, fn: () => 1 });
    const mr = new MapReduceOperator({
      map: () => Array.from({ length: 24 }, (_, i) => ({ i })),
      operator: new EnsembleOperator({ operators: [member] }),
      reduce: (outputs: unknown[]) => outputs.length,
    });
    assert.equal(await mr({}), 24);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, []);
  } finally {
    process.off("warning", onWarning);
  }
});
