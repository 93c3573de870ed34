/**
 * Composites lower themselves: a composite's `lower` says what its `forward` does, and the
 * structural JIT runs that. A user's own composite gets the same treatment by writing one.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  type AnyOperator,
  type CallContext,
  configure,
  getJitStats,
  jit,
  type Lowering,
  Operator,
  type Ref,
  resetJit,
  SequenceOperator,
} from "../src/index.js";
import { Probe } from "./fakes.js";

afterEach(() => {
  resetJit();
  configure({ maxConcurrency: 64 });
});

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

class Ask extends Operator<{ q: string }, { [k: string]: string }> {
  override readonly effects = "pure";
  constructor(
    readonly key: string,
    private readonly probe: Probe,
  ) {
    super();
    this.name = key;
  }
  async forward(i: { q: string }) {
    const t = this.probe.enter(this.key);
    await ticks(3);
    this.probe.exit(this.key, t);
    return { [this.key]: `${this.key}:${i.q}` };
  }
}

/** Runs both children on its input, one after the other, and merges: its lower says so. */
class Both extends Operator<{ q: string }, Record<string, string>> {
  override readonly effects = "pure";
  constructor(
    readonly left: AnyOperator,
    readonly right: AnyOperator,
  ) {
    super();
    this.name = "both";
  }
  async forward(input: { q: string }, ctx: CallContext) {
    const run = this.run(ctx);
    const a = await run(this.left, input);
    const b = await run(this.right, input);
    return { ...input, ...(a as object), ...(b as object) };
  }
  protected run(ctx: CallContext) {
    return (op: AnyOperator, input: unknown) =>
      (op as unknown as (i: unknown, o: { signal: AbortSignal }) => Promise<unknown>)(input, {
        signal: ctx.signal,
      });
  }
  lower(b: Lowering, input: Ref): Ref {
    // forward checks nothing about its children's outputs, so neither does its plan.
    const left = b.child(this.left, input, { order: "p0" });
    const right = b.child(this.right, input, { order: "p1" });
    return b.merge([input, left, right]);
  }
}

test("a user's composite with lower() is planned structurally: its children overlap, results as eager", async () => {
  const probe = new Probe();
  const op = new SequenceOperator({
    operators: [new Both(new Ask("x", probe), new Ask("y", probe)), new Ask("z", probe)],
  });
  const want = await (op as unknown as (i: unknown) => Promise<unknown>)({ q: "a" });
  assert.equal(probe.peakInFlight, 1);
  probe.reset();
  const fast = jit(op, { mode: "structural" });
  assert.deepEqual(await fast({ q: "a" } as never), want);
  assert.equal(probe.peakInFlight, 2, "the two children of Both ran together");
  assert.equal(probe.calls, 3);
  const text = fast.explain().text;
  assert.match(text, /x/);
  assert.match(text, /y/);
  assert.equal(getJitStats(fast).compilations, 1);
});

test("a subclass that overrides forward without its own lower runs as the custom operator it is", async () => {
  const probe = new Probe();
  class Reversed extends Both {
    override async forward(input: { q: string }) {
      const run = (op: AnyOperator) => (op as unknown as (i: unknown) => Promise<unknown>)(input);
      const b = await run(this.right);
      const a = await run(this.left);
      return { ...input, ...(b as object), ...(a as object), order: "right first" };
    }
  }
  const op = new Reversed(new Ask("x", probe), new Ask("y", probe));
  const fast = jit(op, { mode: "structural" });
  assert.deepEqual(await fast({ q: "b" }), {
    q: "b",
    x: "x:b",
    y: "y:b",
    order: "right first",
  });
  assert.deepEqual(probe.log, ["y", "x"]);
});

test("a composite's plan does what its forward does with odd values: a string output merges as a spread", async () => {
  class Text extends Operator<unknown, unknown> {
    override readonly effects = "pure";
    forward() {
      return "hi";
    }
  }
  const op = new Both(new Ask("x", new Probe()), new Text());
  const want = await (op as unknown as (i: unknown) => Promise<unknown>)({ q: "c" });
  assert.deepEqual(want, { q: "c", x: "x:c", 0: "h", 1: "i" });
  for (const mode of ["structural", "auto", "enhanced"] as const) {
    assert.deepEqual(await jit(op, { mode })({ q: "c" }), want, mode);
  }
});
