/**
 * Trace speculation runs on the engine's ready queue: the recording is a graph whose nodes
 * start their calls early and `forward` claims them through the guard. These pin what that
 * must keep from eager: no call made twice, nothing started after forward returns, and an
 * abort reaching every started call.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { configure, getJitStats, jit, Operator, resetJit } from "../src/index.js";

afterEach(() => {
  resetJit();
  configure({ maxConcurrency: 64 });
});

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

class Step extends Operator<{ v: number }, { v: number }> {
  override readonly effects = "pure";
  calls = 0;
  signals: AbortSignal[] = [];
  constructor(
    readonly label: string,
    private readonly honoursAbort = true,
  ) {
    super();
  }
  async forward(i: { v: number }, ctx: { signal: AbortSignal }) {
    this.calls++;
    this.signals.push(ctx.signal);
    await ticks(2);
    if (this.honoursAbort) ctx.signal.throwIfAborted();
    return { v: i.v + 1 };
  }
}

test("a chain forward asks for at once is made once per call, never also started by its node", async () => {
  class Chain extends Operator<{ v: number }, { v: number }> {
    readonly steps = [new Step("a"), new Step("b"), new Step("c")];
    async forward(i: { v: number }) {
      let value = i;
      for (const step of this.steps) value = await step(value);
      return value;
    }
  }
  const chain = new Chain();
  const fast = jit(chain, { mode: "trace" });
  for (let v = 0; v < 4; v++) assert.deepEqual(await fast({ v }), { v: v + 3 });
  for (const step of chain.steps) assert.equal(step.calls, 4, step.label);
  assert.equal(getJitStats(fast).speculationMisses, 0);
});

for (const honoursAbort of [true, false]) {
  test(`nothing starts after forward returns (the started call ${honoursAbort ? "honours" : "ignores"} its abort)`, async () => {
    const a = new Step("a", honoursAbort);
    const b = new Step("b");
    class Gate extends Operator<{ v: number; go: boolean }, { go: boolean }> {
      override readonly effects = "pure";
      forward(i: { go: boolean }) {
        return { go: i.go };
      }
    }
    class Maybe extends Operator<{ v: number; go: boolean }, unknown> {
      readonly gate = new Gate();
      readonly a = a;
      readonly b = b;
      async forward(i: { v: number; go: boolean }) {
        const g = await this.gate(i);
        if (!g.go) return { skipped: true };
        const first = await this.a({ v: i.v });
        return this.b(first);
      }
    }
    const fast = jit(new Maybe(), { mode: "trace" });
    assert.deepEqual(await fast({ v: 1, go: true }), { v: 3 });
    assert.deepEqual(await fast({ v: 5, go: false }), { skipped: true });
    await ticks(10);
    // `a` was started early (its input is known at once) and wasted; `b`, which depends on
    // it, never started: forward had returned.
    assert.equal(a.calls, 2);
    assert.equal(b.calls, 1);
    assert.equal(a.signals[1]!.aborted, true);
    assert.equal(getJitStats(fast).wasted.calls, 1);
  });
}

test("aborting the caller aborts every started call and rejects with the reason", async () => {
  const controller = { current: new AbortController() };
  const steps = [new Step("x"), new Step("y"), new Step("z")];
  class Notify extends Operator<{ v: number }, object> {
    forward(i: { v: number }) {
      if (i.v > 0) controller.current.abort(new Error("stopped"));
      return {};
    }
  }
  class Fan extends Operator<{ v: number }, unknown> {
    readonly notify = new Notify();
    readonly steps = steps;
    async forward(i: { v: number }) {
      await this.notify(i);
      const out: number[] = [];
      for (const step of this.steps) out.push((await step(i)).v);
      return out;
    }
  }
  const fast = jit(new Fan(), { mode: "trace" });
  assert.deepEqual(await fast({ v: 0 }, { signal: controller.current.signal }), [1, 1, 1]);
  controller.current = new AbortController();
  await assert.rejects(fast({ v: 1 }, { signal: controller.current.signal }), /stopped/);
  await ticks(5);
  for (const step of steps) {
    assert.equal(step.calls, 2, step.label);
    assert.equal(step.signals[1]!.aborted, true, `${step.label}'s started call was aborted`);
  }
});
