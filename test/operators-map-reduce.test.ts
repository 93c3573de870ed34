import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError, ValidationError } from "../src/core/errors.js";
import { MapOperator } from "../src/operators/map.js";
import { MapReduceOperator, mapWithConcurrency } from "../src/operators/map-reduce.js";
import { FakeLeaf, Probe, rejectionOf, sleep } from "./fakes.js";

type Doc = { docs: string[] };

const lengths = (probe: Probe, maxConcurrency?: number) =>
  new MapReduceOperator({
    map: (i: Doc) => i.docs,
    // Later items finish first, so order comes from the item index, not completion.
    operator: new FakeLeaf({ probe, delayMs: 1, fn: (s: string) => s.length }),
    reduce: (outs, input) => ({ lengths: outs, count: input.docs.length }),
    maxConcurrency,
  });

test("map_reduce: outputs reach reduce in item order, with the input", async () => {
  const probe = new Probe();
  const out = await lengths(probe)({ docs: ["a", "bbb", "cc", "dddd"] });
  assert.deepEqual(out, { lengths: [1, 3, 2, 4], count: 4 });
  assert.equal(probe.calls, 4);
  assert.equal(probe.peakInFlight, 4);
});

test("map_reduce: at most maxConcurrency items are in flight", async () => {
  const probe = new Probe();
  const op = lengths(probe, 2);
  const out = await op({ docs: ["a", "b", "c", "d", "e", "f"] });
  assert.deepEqual(out.lengths, [1, 1, 1, 1, 1, 1]);
  assert.equal(probe.calls, 6);
  assert.equal(probe.peakInFlight, 2);
  assert.equal(op.maxConcurrency, 2);
});

test("map_reduce: the first failure stops new items and propagates unchanged", async () => {
  const boom = new Error("boom");
  const started: number[] = [];
  const op = new MapReduceOperator({
    map: (n: number) => Array.from({ length: n }, (_, i) => i),
    operator: new MapOperator({
      fn: async (i: number) => {
        started.push(i);
        if (i === 1) throw boom;
        return i;
      },
    }),
    reduce: (outs) => outs,
    maxConcurrency: 1,
  });
  assert.equal(await rejectionOf(op(5)), boom);
  assert.deepEqual(started, [0, 1]);
});

test("mapWithConcurrency: a failure aborts the items still running", async () => {
  const boom = new Error("boom");
  const reasons: string[] = [];
  const run = mapWithConcurrency([0, 1, 2], 3, async (i, _index, signal) => {
    if (i === 0) throw boom;
    try {
      await sleep(60_000, signal);
    } catch (err) {
      reasons.push((err as Error).name);
    }
    return i;
  });
  assert.equal(await rejectionOf(run), boom);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(reasons, ["AbortError", "AbortError"]);
  assert.deepEqual(await mapWithConcurrency([], 2, async () => 1), []);
});

test("map_reduce: map must return an array; maxConcurrency must be a positive integer", async () => {
  const op = new MapReduceOperator({
    map: () => "not an array" as unknown as string[],
    operator: new MapOperator({ fn: (s: string) => s }),
    reduce: (outs) => outs,
  });
  const err = await rejectionOf(op({}));
  assert.ok(err instanceof ValidationError);
  assert.equal(err.path, "map_reduce");
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(
      () =>
        new MapReduceOperator({
          map: () => [],
          operator: new MapOperator({ fn: (s: string) => s }),
          reduce: (outs) => outs,
          maxConcurrency: bad,
        }),
      OptionError,
    );
  }
});
