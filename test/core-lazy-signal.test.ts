// A call's signal is made only when something reads it (LinkedController, the context's
// getter): what that saves must never change what a call that does read it sees.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LinkedController, onAbort } from "../src/core/cancel.js";
import {
  type CallContext,
  configure,
  EnsembleOperator,
  jit,
  Operator,
  SequenceOperator,
} from "../src/index.js";
import { currentContext, withScope } from "../src/operator/context.js";

/** Counts the AbortSignals made while `fn` runs (Node makes one on a controller's first `signal` read). */
async function countSignals(fn: () => Promise<unknown>): Promise<number> {
  const proto = AbortController.prototype;
  const real = Object.getOwnPropertyDescriptor(proto, "signal")!;
  const read = new WeakSet<AbortController>();
  let made = 0;
  Object.defineProperty(proto, "signal", {
    ...real,
    get(this: AbortController) {
      if (!read.has(this)) {
        read.add(this);
        made++;
      }
      return real.get!.call(this);
    },
  });
  try {
    await fn();
  } finally {
    Object.defineProperty(proto, "signal", real);
  }
  return made;
}

class Echo extends Operator<{ q: string }, { text: string }> {
  override effects = "pure" as const;
  constructor(
    name: string,
    private readonly look: (ctx: CallContext) => void = () => {},
  ) {
    super();
    this.name = name;
  }
  async forward(input: { q: string }, ctx: CallContext) {
    this.look(ctx);
    await Promise.resolve();
    return { text: `${this.name}:${input.q}` };
  }
}

test("an ensemble whose members never read their signal makes no AbortSignal for them", async () => {
  configure({ maxConcurrency: 2 });
  try {
    const members = [0, 1, 2, 3, 4].map((k) => new Echo(`m${k}`));
    const pipeline = new SequenceOperator({
      operators: [new EnsembleOperator({ operators: members }), new Echo("judge")],
    });
    let out: unknown;
    const made = await countSignals(async () => {
      out = await pipeline({ q: "x" });
    });
    assert.equal(made, 0);
    assert.deepEqual((out as { text: string }).text, "judge:x");
  } finally {
    configure({ maxConcurrency: 100 });
  }
});

test("a structural plan's run and nodes make no AbortSignal for calls that never read one", async () => {
  const members = [0, 1, 2].map((k) => new Echo(`m${k}`));
  const pipeline = new SequenceOperator({
    operators: [new EnsembleOperator({ operators: members }), new Echo("judge")],
  });
  const fast = jit(pipeline, { mode: "structural" });
  await fast({ q: "warm" });
  let out: unknown;
  const made = await countSignals(async () => {
    out = await fast({ q: "x" });
  });
  assert.equal(made, 0);
  assert.deepEqual(out, await pipeline({ q: "x" }));
});

test("a member that reads its signal gets one real signal, the same on every read, aborted by a failing sibling", async () => {
  const seen: AbortSignal[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const reader = new (class extends Operator<{ q: string }, string> {
    override effects = "pure" as const;
    async forward(_input: { q: string }, ctx: CallContext) {
      seen.push(ctx.signal, ctx.signal);
      const { signal } = ctx;
      release();
      await new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
      );
      return "never";
    }
  })();
  const failure = new Error("sibling failed");
  const failing = new (class extends Operator<{ q: string }, string> {
    override effects = "pure" as const;
    async forward(): Promise<string> {
      await gate;
      throw failure;
    }
  })();
  const ensemble = new EnsembleOperator({ operators: [reader, failing] });
  await assert.rejects(ensemble({ q: "x" }), (err) => err === failure);
  assert.equal(seen.length, 2);
  assert.ok(seen[0] instanceof AbortSignal);
  assert.equal(seen[0], seen[1]);
  assert.equal(seen[0]!.aborted, true);
  assert.equal((seen[0]!.reason as Error).name, "AbortError");
});

test("a controller aborted before its signal was read hands out an aborted signal with the reason", () => {
  const parent = new LinkedController();
  const child = new LinkedController(parent);
  const grandchild = new LinkedController(child.signal);
  let told = 0;
  onAbort(child, () => told++);
  const reason = new Error("stop");
  parent.abort(reason);
  assert.equal(child.aborted, true);
  assert.equal(child.reason, reason);
  assert.equal(told, 1);
  assert.equal(grandchild.signal.aborted, true);
  assert.equal(grandchild.signal.reason, reason);
  const late = new LinkedController(parent);
  assert.equal(late.signal.reason, reason);
  assert.throws(
    () => late.throwIfAborted(),
    (err) => err === reason,
  );
});

test("the caller's abort reaches a member's signal whether it was read before or after", async () => {
  const caller = new AbortController();
  const reasons: unknown[] = [];
  const early = new Echo("early", (ctx) => {
    ctx.signal.addEventListener("abort", () => reasons.push(ctx.signal.reason));
  });
  const late = new (class extends Operator<{ q: string }, string> {
    override effects = "pure" as const;
    async forward(_input: { q: string }, ctx: CallContext) {
      await new Promise((r) => setImmediate(r));
      reasons.push(ctx.signal.aborted ? ctx.signal.reason : "not aborted");
      return "late";
    }
  })();
  const ensemble = new EnsembleOperator<{ q: string }, unknown>({
    operators: [early, late],
  });
  const running = ensemble({ q: "x" }, { signal: caller.signal });
  const why = new Error("caller gave up");
  caller.abort(why);
  // Members that finish anyway make the ensemble finish, as before this change.
  assert.deepEqual(await running, { responses: [{ text: "early:x" }, "late"] });
  assert.deepEqual(reasons, [why, why]);
});

test("a scope opened inside forward keeps the call's signal", async () => {
  let inner: AbortSignal | undefined;
  let outer: AbortSignal | undefined;
  const op = new Echo("scoped", (ctx) => {
    outer = ctx.signal;
    withScope({ meter: undefined }, () => {
      inner = currentContext()?.signal;
    });
  });
  const caller = new AbortController();
  await new EnsembleOperator({ operators: [op] })({ q: "x" }, { signal: caller.signal });
  assert.ok(inner instanceof AbortSignal);
  assert.equal(inner, outer);
});
