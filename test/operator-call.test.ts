import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { afterEach, test } from "node:test";
import { z } from "zod";
import { getGlobalBudget } from "../src/core/budget.js";
import { AbortError } from "../src/core/errors.js";
import {
  type CallContext,
  type CallInfo,
  configure,
  EnsembleOperator,
  Operator,
  pmap,
  SequenceOperator,
  type Specification,
  withObserver,
} from "../src/index.js";
import { FailingLeaf, HangingLeaf, sleep } from "./fakes.js";

afterEach(() => configure({ maxConcurrency: 64 }));

class Throws extends Operator<unknown, never> {
  override readonly effects = "pure";
  calls = 0;
  forward(): never {
    this.calls++;
    throw new Error("sync failure");
  }
}

class Echo extends Operator<{ n: number }, { n: number }> {
  override readonly effects = "pure";
  forward(input: { n: number }) {
    return { n: input.n };
  }
}

class Strict extends Operator<{ n: number }, { n: number }> {
  override readonly effects = "pure";
  override readonly specification: Specification = {
    input: z.object({ n: z.number() }),
    output: z.object({ n: z.number().max(10) }),
  };
  forward(input: { n: number }) {
    return { n: input.n * 2 };
  }
}

/** The rejection of `run()`, failing if it threw synchronously instead. */
function rejection(run: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>;
  try {
    promise = run();
  } catch (error) {
    throw new Error(`threw synchronously: ${String(error)}`);
  }
  return promise.then(
    () => assert.fail("resolved"),
    (error: unknown) => error,
  );
}

test("a call never throws synchronously: aborted signal, bad input, bad output, throwing forward", async () => {
  const aborted = AbortSignal.abort(new Error("gone"));
  const e1 = await rejection(() => new Echo()({ n: 1 }, { signal: aborted }));
  assert.match(String(e1), /gone/);
  const e2 = await rejection(() => new Strict()({ n: "x" } as unknown as { n: number }));
  assert.match(String(e2), /invalid_input|Strict/);
  const e3 = await rejection(() => new Strict()({ n: 6 }));
  assert.match(String(e3), /invalid_output|Strict/);
  const e4 = await rejection(() => new Throws()({}));
  assert.match(String(e4), /sync failure/);
  const seq = new SequenceOperator({ operators: [new Throws()] });
  const e5 = await rejection(() => seq({}));
  assert.match(String(e5), /sync failure/);
  // The slots of the failed leaves are back.
  assert.equal(getGlobalBudget().inFlight, 0);
});

test("a sync forward's value and a leaf's checked output come back as promises", async () => {
  assert.deepEqual(await new Echo()({ n: 3 }), { n: 3 });
  assert.deepEqual(await new Strict()({ n: 4 }), { n: 8 });
  const seq = new SequenceOperator({ operators: [new Echo(), new Echo()] });
  assert.deepEqual(await seq({ n: 2 }), { n: 2 });
});

test("thousands of queued leaves failing synchronously all reject, and every slot comes back", async () => {
  configure({ maxConcurrency: 1 });
  const op = new Throws();
  const calls = Array.from({ length: 5000 }, () =>
    op({}).then(
      () => "ok",
      (e: Error) => e.message,
    ),
  );
  const results = await Promise.all(calls);
  assert.equal(op.calls, 5000);
  assert.ok(results.every((r) => r === "sync failure"));
  assert.equal(getGlobalBudget().inFlight, 0);
  assert.equal(getGlobalBudget().pending, 0);
});

test("a leaf that waited for a slot runs in its caller's async context (its own and a foreign store)", async () => {
  configure({ maxConcurrency: 1 });
  const foreign = new AsyncLocalStorage<string>();
  const seen: { tag: string | undefined; path: string; inner: string | undefined }[] = [];
  class Inner extends Operator<unknown, string> {
    override readonly effects = "pure";
    forward(_input: unknown, ctx: CallContext) {
      return ctx.path;
    }
  }
  class Tagged extends Operator<{ tag: string }, string> {
    override readonly effects = "pure";
    async forward(input: { tag: string }, ctx: CallContext): Promise<string> {
      await sleep(1);
      // A leaf that calls an operator it does not hold: the call is its child all the same.
      const inner = await new Inner()({});
      seen.push({ tag: foreign.getStore(), path: ctx.path, inner });
      return input.tag;
    }
  }
  const op = new Tagged();
  const out = await Promise.all(
    ["a", "b", "c", "d"].map((tag) => foreign.run(tag, () => op({ tag }))),
  );
  assert.deepEqual(out, ["a", "b", "c", "d"]);
  assert.deepEqual(
    seen.map((s) => s.tag),
    ["a", "b", "c", "d"],
  );
  for (const s of seen) assert.equal(s.inner, `${s.path}/Inner`);
  assert.equal(getGlobalBudget().inFlight, 0);
});

test("observers see every call of an ensemble under a sequence, waits included, each finished once", async () => {
  configure({ maxConcurrency: 2 });
  class Slow extends Operator<{ n: number }, { n: number }> {
    override readonly effects = "pure";
    async forward(input: { n: number }) {
      await sleep(1);
      return { n: input.n };
    }
  }
  const members = [new Slow(), new Slow(), new Slow(), new Slow()];
  const seq = new SequenceOperator({
    operators: [new EnsembleOperator({ operators: members }), new Echo()],
  });
  const started: CallInfo[] = [];
  const finished: number[] = [];
  const waited: number[] = [];
  const parents = new Map<number, number | undefined>();
  const out = await withObserver(
    {
      callStarted: (call) => {
        started.push(call);
        parents.set(call.id, call.parentId);
      },
      callFinished: (call, _at, outcome) => {
        assert.ok(outcome.ok);
        finished.push(call.id);
      },
      waited: (call) => waited.push(call.id),
    },
    () => seq({ n: 1 }),
  );
  assert.deepEqual(out, { n: 1, responses: [{ n: 1 }, { n: 1 }, { n: 1 }, { n: 1 }] });
  assert.equal(started.length, 7);
  assert.deepEqual([...finished].sort(), started.map((c) => c.id).sort());
  const [root, ensemble] = started;
  assert.equal(root!.parentId, undefined);
  assert.equal(ensemble!.parentId, root!.id);
  const leaves = started.filter((c) => c.name === "Slow");
  assert.equal(leaves.length, 4);
  for (const leaf of leaves) assert.equal(leaf.parentId, ensemble!.id);
  // Two members had to wait for the two slots.
  assert.equal(waited.length, 2);
  for (const id of waited) assert.ok(leaves.some((l) => l.id === id));
  // Every call finishes after it starts and after its children.
  const at = new Map(finished.map((id, i) => [id, i]));
  for (const c of started)
    if (c.parentId !== undefined) assert.ok(at.get(c.id)! < at.get(c.parentId)!);
});

test("calls queued for a slot reject as soon as their run aborts, while the slot stays taken", async () => {
  configure({ maxConcurrency: 1 });
  const blocker = new HangingLeaf("blocker");
  const outsideRun = new AbortController();
  const blocking = blocker({}, { signal: outsideRun.signal }).catch((e: unknown) => e);
  const members = [new HangingLeaf("a"), new HangingLeaf("b"), new HangingLeaf("c")];
  const ensemble = new EnsembleOperator({ operators: members });
  const items = pmap(new SequenceOperator({ operators: [ensemble] }), { maxConcurrency: 4 });
  const run = new AbortController();
  const pending = items([{}, {}, {}], { signal: run.signal }).catch((e: unknown) => e);
  await sleep(2);
  const reason = new Error("user cancelled");
  run.abort(reason);
  assert.equal(await pending, reason);
  assert.equal(getGlobalBudget().pending, 0);
  assert.equal(getGlobalBudget().inFlight, 1);
  assert.ok(members.every((m) => m.started === 0));
  outsideRun.abort(new Error("done"));
  await blocking;
  assert.equal(getGlobalBudget().inFlight, 0);
});

test("a member failing aborts its siblings, queued for a slot or started with it", async () => {
  configure({ maxConcurrency: 1 });
  const failure = new Error("first member failed");
  const first = new FailingLeaf(failure, 1, "first");
  const rest = [new HangingLeaf("b"), new HangingLeaf("c")];
  const ensemble = new EnsembleOperator({ operators: [first, ...rest] });
  assert.equal(await ensemble({}).catch((e: unknown) => e), failure);
  // A sibling may get the failed member's slot before the abort reaches it; then it is aborted.
  for (const m of rest) {
    assert.ok(m.started <= 1);
    if (m.started === 1) assert.ok(m.abortReason instanceof AbortError);
  }
  assert.equal(getGlobalBudget().pending, 0);
  assert.equal(getGlobalBudget().inFlight, 0);
});
