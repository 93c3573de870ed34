import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  type CallInfo,
  configure,
  EnsembleOperator,
  jit,
  MapOperator,
  Operator,
  OptionError,
  pmap,
  resetJit,
  ValidationError,
  withObserver,
} from "../src/index.js";
import { FailingLeaf, FakeLeaf, HangingLeaf, Probe, rejectionOf } from "./fakes.js";

afterEach(() => {
  resetJit();
  configure({ maxConcurrency: 64 });
});

/** A composite (it holds its children in fields), so it takes no budget slot itself. */
class Batch extends Operator<{ qs: { q: number }[] }, { answers: unknown[] }> {
  constructor(readonly inner: Operator<{ q: number }[], unknown[]>) {
    super();
  }
  async forward(i: { qs: { q: number }[] }) {
    return { answers: await this.inner(i.qs) };
  }
}

/** Item 2 fails, every other item hangs until aborted. */
class Router extends Operator<{ n: number }, unknown> {
  constructor(
    readonly fail: FailingLeaf,
    readonly hang: HangingLeaf,
  ) {
    super();
  }
  forward(i: { n: number }) {
    return i.n === 2 ? this.fail(i) : this.hang(i);
  }
}

/** Items finish in reverse order of their index: the later the item, the shorter its delay. */
function slowFirst(probe: Probe) {
  return new FakeLeaf({
    probe,
    name: "item",
    delayMs: 1,
    fn: (i: { n: number }) => ({ doubled: i.n * 2 }),
  });
}

test("outputs come back in input order, each item called once", async () => {
  const probe = new Probe();
  const finished: number[] = [];
  const leaf = new (class extends MapOperator<{ n: number }, { n: number }> {})({
    fn: async (i: { n: number }) => {
      // Earlier items wait longer, so they finish last.
      for (let k = 0; k < 20 - i.n; k++) await Promise.resolve();
      finished.push(i.n);
      return { n: i.n };
    },
  });
  const out = await pmap(leaf as unknown as Operator<{ n: number }, { n: number }>)(
    Array.from({ length: 20 }, (_, n) => ({ n })),
  );
  assert.deepEqual(
    out.map((o) => o.n),
    Array.from({ length: 20 }, (_, n) => n),
  );
  assert.notDeepEqual(
    finished,
    [...finished].sort((a, b) => a - b),
    "items really finished out of order",
  );
  const doubled = await pmap(slowFirst(probe), { maxConcurrency: 3 })([
    { n: 1 },
    { n: 2 },
    { n: 3 },
  ]);
  assert.deepEqual(doubled, [{ doubled: 2 }, { doubled: 4 }, { doubled: 6 }]);
  assert.equal(probe.calls, 3);
});

test("an empty array gives an empty array; a non-array is a ValidationError naming pmap", async () => {
  const probe = new Probe();
  assert.deepEqual(await pmap(slowFirst(probe))([]), []);
  const err = await rejectionOf(pmap(slowFirst(probe))({ n: 1 } as never));
  assert.ok(err instanceof ValidationError);
  assert.match(err.message, /pmap expects an array of inputs, got object/);
  assert.equal(probe.calls, 0);
});

test("maxConcurrency bounds the leaf calls in flight across all items", async () => {
  const probe = new Probe();
  const members = Array.from(
    { length: 4 },
    (_, k) => new FakeLeaf({ probe, name: `m${k}`, delayMs: 2, fn: (i: { q: number }) => i.q + k }),
  );
  const perItem = new EnsembleOperator({ operators: members });
  const out = await pmap(perItem, { maxConcurrency: 3 })(
    Array.from({ length: 10 }, (_, q) => ({ q })),
  );
  assert.equal(out.length, 10);
  assert.equal(probe.calls, 40);
  assert.equal(probe.peakInFlight, 3);
});

test("pmap's limit is a child of the global budget: it narrows, never widens", async () => {
  configure({ maxConcurrency: 2 });
  const probe = new Probe();
  const out = await pmap(slowFirst(probe), { maxConcurrency: 50 })(
    Array.from({ length: 12 }, (_, n) => ({ n })),
  );
  assert.equal(out.length, 12);
  assert.equal(probe.peakInFlight, 2);
});

test("the global budget holds across nesting: pmap of jitted ensembles inside a pmap", async () => {
  configure({ maxConcurrency: 5 });
  const probe = new Probe();
  const members = Array.from(
    { length: 3 },
    (_, k) =>
      new FakeLeaf({
        probe,
        name: `m${k}`,
        effects: "stochastic",
        delayMs: 2,
        fn: (i: { q: number }) => `${k}:${i.q}`,
      }),
  );
  const inner = pmap(jit(new EnsembleOperator({ operators: members }), { mode: "structural" }), {
    maxConcurrency: 4,
  });
  const outer = pmap(new Batch(inner), { maxConcurrency: 10 });
  const batches = Array.from({ length: 4 }, (_, b) => ({
    qs: Array.from({ length: 5 }, (_, q) => ({ q: b * 10 + q })),
  }));
  const out = await outer(batches);
  assert.equal(out.length, 4);
  assert.equal(probe.calls, 4 * 5 * 3);
  assert.equal(probe.peakInFlight, 5);
});

test("fail fast: the first error is rethrown as it was, and the running items are aborted", async () => {
  const boom = new Error("item 2 broke");
  const hang = new HangingLeaf();
  const fail = new FailingLeaf(boom, 1);
  const router = new Router(fail, hang);
  const err = await rejectionOf(
    pmap(router, { maxConcurrency: 3 })(Array.from({ length: 10 }, (_, n) => ({ n }))),
  );
  assert.equal(err, boom);
  // Items 0 and 1 were running and got the abort; nothing after item 2 started.
  assert.equal(hang.started, 2);
  assert.equal((hang.abortReason as Error).name, "AbortError");
  assert.equal(fail.calls, 1);
});

test("continueOnError gives every item a typed result, in order, and reports progress", async () => {
  const boom = new Error("odd");
  const op = new MapOperator({
    fn: (i: { n: number }) => {
      if (i.n % 2 === 1) throw boom;
      return { n: i.n };
    },
  }) as unknown as Operator<{ n: number }, { n: number }>;
  const seen: { done: number; ok: number; failed: number; total: number }[] = [];
  const out = await pmap(op, { maxConcurrency: 2 })(
    Array.from({ length: 5 }, (_, n) => ({ n })),
    { continueOnError: true, onProgress: (p) => seen.push({ ...p }) },
  );
  assert.deepEqual(out, [
    { status: "ok", value: { n: 0 } },
    { status: "error", error: boom },
    { status: "ok", value: { n: 2 } },
    { status: "error", error: boom },
    { status: "ok", value: { n: 4 } },
  ]);
  assert.equal(seen.length, 5);
  assert.deepEqual(seen.at(-1), { total: 5, done: 5, ok: 3, failed: 2 });
  assert.deepEqual(
    seen.map((p) => p.done),
    [1, 2, 3, 4, 5],
  );
});

test("an abort from the caller stops the run with its reason, continueOnError or not", async () => {
  for (const continueOnError of [false, true]) {
    const hang = new HangingLeaf();
    const controller = new AbortController();
    const run = pmap(hang, { maxConcurrency: 2 })([1, 2, 3, 4], {
      signal: controller.signal,
      continueOnError,
    });
    await new Promise((resolve) => setImmediate(resolve));
    const reason = new Error("user stopped");
    controller.abort(reason);
    assert.equal(await rejectionOf(run), reason);
    assert.equal(hang.started, 2);
    assert.equal(hang.abortReason, reason);
  }
});

test("items are child calls: observers see each item under the pmap call", async () => {
  const calls: CallInfo[] = [];
  const op = new MapOperator({ fn: (i: { n: number }) => ({ n: i.n + 1 }) });
  const all = pmap(op as unknown as Operator<{ n: number }, { n: number }>, { name: "all" });
  await withObserver({ callStarted: (c) => calls.push(c) }, () => all([{ n: 1 }, { n: 2 }]));
  const root = calls.find((c) => c.name === "all");
  assert.ok(root);
  const items = calls.filter((c) => c.parentId === root.id);
  assert.equal(items.length, 2);
  assert.deepEqual(
    items.map((c) => c.path),
    ["all/operator", "all/operator"],
  );
});

test("bad options are OptionErrors that list what is valid", async () => {
  const probe = new Probe();
  assert.throws(
    () => pmap(slowFirst(probe), { maxConcurency: 3 } as never),
    (err: unknown) =>
      err instanceof OptionError &&
      /unknown option "maxConcurency"; expected one of "maxConcurrency" \| "name"/.test(
        err.message,
      ),
  );
  assert.throws(() => pmap(slowFirst(probe), { maxConcurrency: 0 }), OptionError);
  assert.throws(() => pmap({} as never), /not_an_operator/);
  const err = await rejectionOf(
    pmap(slowFirst(probe))([{ n: 1 }], { onProgres: () => {} } as never),
  );
  assert.ok(err instanceof OptionError);
  assert.match(err.message, /"signal" \| "onProgress" \| "continueOnError"/);
});

test("a throwing onProgress fails the call with its error", async () => {
  const probe = new Probe();
  const oops = new Error("progress printer broke");
  const err = await rejectionOf(
    pmap(slowFirst(probe))([{ n: 1 }, { n: 2 }], {
      onProgress: () => {
        throw oops;
      },
    }),
  );
  assert.equal(err, oops);
});
