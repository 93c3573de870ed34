import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type AnyOperator,
  EnsembleOperator,
  jit,
  type LeafExecutor,
  MapOperator,
  withExecutor,
} from "../src/index.js";

test("executor: leaf calls it accepts run through it (eager and jitted); the rest run here", async () => {
  const sent: string[] = [];
  const executor: LeafExecutor = {
    accepts: (op) => op.name.startsWith("remote"),
    run: async (op, input, ctx) => {
      sent.push(`${ctx.path} ${JSON.stringify(input)}`);
      // What a worker would do: run the operator's own work on the input it was given.
      return { [op.name]: (input as { q: string }).q.toUpperCase() };
    },
  };
  const ens = new EnsembleOperator<{ q: string }, unknown>({
    operators: [
      new MapOperator({ name: "remote_a", fn: async (i: { q: string }) => ({ never: i.q }) }),
      new MapOperator({ name: "local", fn: async (i: { q: string }) => ({ local: i.q }) }),
    ],
  });
  for (const op of [ens, jit(ens, { mode: "structural" })] as AnyOperator[]) {
    sent.length = 0;
    const out = await withExecutor(executor, () =>
      (op as unknown as (i: unknown) => Promise<unknown>)({ q: "x" }),
    );
    assert.deepEqual(out, { responses: [{ remote_a: "X" }, { local: "x" }] });
    assert.deepEqual(sent, ['ensemble/operators[0] {"q":"x"}']);
  }
});
