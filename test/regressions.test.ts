/**
 * Bugs found by the differential fuzzer (npm run fuzz), each as a plain test: first the
 * shrunk program as the fuzzer found it (checked eagerly and in every mode), then the bug
 * itself in a few lines.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { Budget } from "../src/core/budget.js";
import {
  type AnyOperator,
  type CallContext,
  callOperator,
  EnsembleOperator,
  getJitStats,
  jit,
  MapOperator,
  Operator,
  resetJit,
  SequenceOperator,
  ValidationError,
} from "../src/index.js";
import { rejectionOf } from "./fakes.js";
import { checkProgram } from "./fuzz-check.js";
import type { Program, Spec } from "./fuzz-spec.js";

afterEach(() => resetJit());

const leaf = (effects: "pure" | "stochastic", write = "a", delay: 0 | 1 = 0): Spec => ({
  t: "leaf",
  effects,
  inKey: null,
  write: write as "a",
  delay,
  zod: false,
  fail: null,
});

const keyedAsync = (inKey: string, write: string): Spec => ({
  t: "map",
  fn: "async",
  stochastic: false,
  inKey: inKey as "a",
  reads: ["a"],
  condRead: null,
  write: write as "a",
  spread: false,
  fail: null,
});

const plain = {
  preserveStochasticity: false,
  recursive: true,
  maxConcurrency: null,
  maxRecompiles: null,
  forceTrace: false,
  sampleInput: false,
} as const;

async function assertEquivalent(program: Program): Promise<void> {
  const { mismatches, checks } = await checkProgram(program);
  assert.deepEqual(mismatches, []);
  assert.equal(checks, 4 * program.inputs.length);
}

test("fuzz: an ensemble of one parallel pipeline under maxConcurrency 1 in trace mode finishes", async () => {
  const same: Spec = {
    t: "ens",
    same: true,
    agg: "none",
    write: "a",
    members: [
      {
        t: "par",
        members: [
          { t: "seq", steps: [leaf("pure"), leaf("pure")] },
          { t: "seq", steps: [] },
        ],
      },
      { t: "seq", steps: [] },
    ],
  };
  const input = { a: 0, b: 0, c: 0, d: 0, e: 0 };
  await assertEquivalent({
    root: same,
    inputs: [input, structuredClone(input)],
    variant: { ...plain, maxConcurrency: 1 },
  });
});

test("budget: a grandchild blocked on its parent's limit is woken when the root frees a slot later", async () => {
  // root(2) ← p(1) ← s(1), root(2) ← q(1). A budget used to stop watching a child whose own
  // queue was empty even while a grandchild still waited, so `s` starved with room free.
  const root = new Budget(2);
  const p = new Budget(1, root);
  const q = new Budget(1, root);
  const s = new Budget(1, p);
  const got: string[] = [];
  const take = (b: Budget, who: string) =>
    (b.acquire() ?? Promise.resolve()).then(() => {
      got.push(who);
    });
  const turn = () => new Promise((r) => setImmediate(r));
  await take(p, "x");
  void take(s, "s"); // waits: p is full
  await take(q, "z");
  void take(q, "w"); // waits: q is full
  q.release(); // z done: w takes q while p is still full
  await turn();
  void take(root, "v"); // waits on the root itself
  p.release(); // x done: v takes the root's slot first; s must keep waiting
  await turn();
  assert.deepEqual(got, ["x", "z", "w", "v"]);
  q.release(); // w done: the root and p both have room
  await turn();
  assert.deepEqual(got, ["x", "z", "w", "v", "s"]);
  assert.equal(s.inFlight, 1);
  assert.equal(p.inFlight, 1);
  assert.equal(root.inFlight, 2);
});

test("fuzz: an empty Sequence refuses a non-object input in every mode, as eagerly", async () => {
  await assertEquivalent({
    root: { t: "seq", steps: [] },
    inputs: [{ b: [9] }, "text", null, { d: 8 }],
    variant: plain,
  });
});

test("structural: an empty Sequence given a string fails with eager's ValidationError", async () => {
  const empty = new SequenceOperator({ name: "nothing", operators: [] });
  const fast = jit(empty, { mode: "structural" });
  const err = await rejectionOf(fast("text" as never));
  assert.ok(err instanceof ValidationError);
  assert.equal(
    err.message,
    "[not_an_object] at nothing: sequence input must be an object, got string",
  );
  assert.deepEqual(await fast({ a: 1 }), { a: 1 });
  assert.equal(getJitStats(fast).executions, 2);
});

test("trace: a sampleInput trace that fails is not an unhandled rejection", async () => {
  const leaks: unknown[] = [];
  const onLeak = (reason: unknown) => leaks.push(reason);
  process.on("unhandledRejection", onLeak);
  try {
    class Broken extends Operator<unknown, never> {
      override effects = "pure" as const;
      forward(): never {
        throw new TypeError("no sample for you");
      }
    }
    class Outer extends Operator<{ q: number }, unknown> {
      readonly inner = new Broken();
      forward(input: { q: number }) {
        return this.inner(input);
      }
    }
    const fast = jit(new Outer(), { mode: "trace", sampleInput: { q: 1 } });
    // Before the fix the sample's failure crashed the process here, before any call.
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(leaks, []);
    const err = await rejectionOf(fast({ q: 2 }));
    assert.equal((err as Error).message, "no sample for you");
    assert.equal(getJitStats(fast).executions, 1);
  } finally {
    process.off("unhandledRejection", onLeak);
  }
});

test("fuzz: a custom operator calling a stochastic pipeline twice gets two samples (auto)", async () => {
  const kid: Spec = {
    t: "seq",
    steps: [keyedAsync("a", "b"), keyedAsync("a", "c"), leaf("stochastic", "d", 1)],
  };
  const root: Spec = {
    t: "custom",
    declare: false,
    keepInput: false,
    write: "e",
    script: [{ s: "call", times: 2, call: { kid, arg: { e: "same", src: { from: "input" } } } }],
  };
  await assertEquivalent({ root, inputs: [{ a: 1 }, { a: 1 }], variant: plain });
});

test("memo: a nested jitted pipeline shares its caller's run, so one run never reuses a sample", async () => {
  let samples = 0;
  class Llm extends Operator<{ q: string }, { a: string }> {
    override effects = "stochastic" as const;
    async forward(input: { q: string }) {
      await new Promise((r) => setImmediate(r));
      return { a: `${input.q}#${samples++}` };
    }
  }
  const pipeline = new SequenceOperator({
    operators: [
      new MapOperator({ inputKey: "q", outputKey: "k1", fn: async (q: string) => q }),
      new MapOperator({ inputKey: "q", outputKey: "k2", fn: async (q: string) => q }),
      new Llm(),
    ],
  });
  class Twice extends Operator<{ q: string }, unknown> {
    readonly pipeline = pipeline;
    async forward(input: { q: string }) {
      return [await this.pipeline(input), await this.pipeline(input)];
    }
  }
  const fast = jit(new Twice());
  const first = (await fast({ q: "x" })) as { a: string }[];
  assert.deepEqual(
    first.map((o) => o.a),
    ["x#0", "x#1"],
  );
  // Across calls the memo may serve both samples again (preserveStochasticity: false).
  const second = (await fast({ q: "x" })) as { a: string }[];
  assert.deepEqual(
    second.map((o) => o.a),
    ["x#0", "x#1"],
  );
  assert.equal(samples, 2);
});

test("fuzz: a failing fused map beside an earlier failing step reports the earlier error", async () => {
  // Step 1 (a sync pure map, fused) reads only `b`, so it may run beside step 0; both fail.
  const early = new MapOperator({
    name: "early",
    inputKey: "c",
    outputKey: "c",
    effects: "stochastic",
    fn: () => {
      throw new Error("step 0 failed");
    },
  });
  const late = new MapOperator({
    name: "late",
    inputKey: "b",
    outputKey: "e",
    fn: () => {
      throw new TypeError("step 1 failed");
    },
  });
  // Untyped on purpose: the input lacks the `b` that `late` reads, which typed steps would reject.
  const seq = new SequenceOperator<readonly AnyOperator[]>({
    name: "pipeline",
    operators: [early, late],
  });
  assert.equal(((await rejectionOf(seq({ c: 1 }))) as Error).message, "step 0 failed");
  for (const mode of ["structural", "enhanced", "auto", "trace"] as const) {
    const err = await rejectionOf(jit(seq, { mode })({ c: 1 }));
    assert.equal((err as Error).message, "step 0 failed", mode);
  }
});

test("fuzz: the memo never serves one input's result to another that JSON prints the same", async () => {
  class Show extends Operator<{ a?: unknown }, { shown: string }> {
    override effects = "pure" as const;
    async forward(input: { a?: unknown }) {
      return { shown: `${typeof input.a}:${String(input.a)}:${"a" in input}` };
    }
  }
  const seq = new SequenceOperator({
    operators: [
      new MapOperator({ inputKey: "a", outputKey: "b", fn: async (a: unknown) => a }),
      new Show(),
    ],
  });
  const twins: unknown[] = [
    { a: null },
    { a: Number.NaN },
    { a: Number.POSITIVE_INFINITY },
    { a: undefined },
    {},
    { a: Symbol("s") },
    { a: new Date(0) },
    { a: "1970-01-01T00:00:00.000Z" },
    { a: 0 },
    { a: -0 },
  ];
  for (const mode of ["structural", "enhanced", "auto"] as const) {
    const fast = jit(seq, { mode });
    for (const input of twins) {
      const want = ((await seq(input as never)) as { shown: string }).shown;
      const got = ((await fast(input as never)) as { shown: string }).shown;
      assert.equal(got, want, `${mode}: ${String((input as { a?: unknown }).a)}`);
    }
  }
});

test("trace: a forward of a dozen started calls leaves Node's listener limit alone", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on("warning", onWarning);
  try {
    class Step extends Operator<{ q: string }, { q: string }> {
      override effects = "pure" as const;
      async forward(input: { q: string }) {
        await new Promise((r) => setImmediate(r));
        return { q: `${input.q}.` };
      }
    }
    class Chain extends Operator<{ q: string }, { q: string }> {
      readonly steps = Array.from({ length: 12 }, () => new Step());
      async forward(input: { q: string }) {
        let value = input;
        for (const step of this.steps) value = await step(value);
        return value;
      }
    }
    const fast = jit(new Chain(), { mode: "trace" });
    for (const q of ["a", "b", "c"]) assert.equal((await fast({ q })).q, `${q}............`);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, []);
    assert.equal(getJitStats(fast).speculationHits, 24);
  } finally {
    process.off("warning", onWarning);
  }
});

test("fuzz: an operator held twice by an ensemble runs under eager's path (its first field) when jitted", async () => {
  class Where extends Operator<object, { where: string }> {
    override effects = "pure" as const;
    forward(_input: object, ctx: CallContext) {
      return { where: ctx.path };
    }
  }
  const pipeline = new SequenceOperator({ name: "pipe", operators: [new Where()] });
  const ens = new EnsembleOperator({ name: "ens", operators: [pipeline, pipeline, pipeline] });
  const want = await ens({ q: 1 });
  assert.deepEqual(want, {
    responses: Array.from({ length: 3 }, () => ({ q: 1, where: "ens/operators[0]/operators[0]" })),
  });
  for (const mode of ["structural", "enhanced", "auto", "trace"] as const) {
    assert.deepEqual(await jit(ens, { mode })({ q: 1 }), want, mode);
  }
});

test("fuzz: a traced operator retraced by one call while another still speculates stays sound", async () => {
  const leaks: unknown[] = [];
  const onLeak = (reason: unknown) => leaks.push(reason);
  process.on("unhandledRejection", onLeak);
  try {
    let openGate: () => void = () => {};
    let gate: Promise<void> | undefined;
    class First extends Operator<{ q: string }, { v: string }> {
      override effects = "pure" as const;
      async forward(input: { q: string }, ctx: CallContext) {
        if (gate) {
          const aborted = new Promise<never>((_, reject) =>
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
          );
          await Promise.race([gate, aborted]);
        }
        return { v: `first(${input.q})` };
      }
    }
    class Echo extends Operator<{ q: string }, string> {
      override effects = "pure" as const;
      constructor(readonly tag: string) {
        super();
      }
      forward(input: { q: string }) {
        return `${this.tag}(${input.q})`;
      }
    }
    class Branchy extends Operator<{ q: string; flag: boolean }, string> {
      readonly first = new First();
      readonly a = new Echo("a");
      readonly b = new Echo("b");
      async forward(input: { q: string; flag: boolean }) {
        if (!input.flag) return this.b({ q: input.q });
        const f = await this.first({ q: input.q });
        return this.a({ q: f.v });
      }
    }
    const fast = jit(new Branchy(), { mode: "trace" });
    assert.equal(await fast({ q: "1", flag: true }), "a(first(1))"); // traces [first, a]
    gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const x = fast({ q: "2", flag: true }); // speculates: `first` waits at the gate
    assert.equal(await fast({ q: "3", flag: false }), "b(3)"); // unrecorded `b`: retrace due
    assert.equal(await fast({ q: "4", flag: false }), "b(4)"); // retraces: the plan is now [b]
    openGate();
    // `first` answers: x's run starts `a` from its own recording, not from the new one.
    assert.equal(await x, "a(first(2))");
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(leaks, []);
    assert.equal(getJitStats(fast).executions, 4);
  } finally {
    process.off("unhandledRejection", onLeak);
  }
});

test("fuzz: a custom operator that calls only itself, deeper than maxConcurrency, finishes in every mode", async () => {
  // Shrunk by the fuzzer (a leaf that calls an operator now gives its slot back first): {"root":{"t":"custom","script":[{"s":"self","key":"d","arg":{"e":
  // "same","src":{"from":"input"}}}],"declare":true,"keepInput":false,"write":"a"},
  // "inputs":[{"d":3}],"variant":{…,"maxConcurrency":2}} → every mode "hung (eager: ok
  // {"a":[{"a":[{"a":[{"a":[]}]}]}]})".
  class Countdown extends Operator<{ n: number }, { trail: string }> {
    override effects = "pure" as const;
    async forward(input: { n: number }): Promise<{ trail: string }> {
      if (input.n <= 0) return { trail: "0" };
      const rest = (await callOperator(this as unknown as AnyOperator, {
        n: input.n - 1,
      })) as { trail: string };
      return { trail: `${input.n},${rest.trail}` };
    }
  }
  assert.deepEqual(await new Countdown()({ n: 3 }), { trail: "3,2,1,0" });
  for (const mode of ["auto", "structural", "trace", "enhanced"] as const) {
    const controller = new AbortController();
    const fast = jit(new Countdown(), { mode, maxConcurrency: 2 });
    const run = fast({ n: 3 }, { signal: controller.signal });
    let outcome: unknown = "still pending";
    run.then(
      (value) => {
        outcome = value;
      },
      (err: unknown) => {
        outcome = err;
      },
    );
    // A bounded number of event-loop turns, not a clock: the calls take none of their own.
    for (let i = 0; i < 1000 && outcome === "still pending"; i++) {
      await new Promise((r) => setImmediate(r));
    }
    // Frees the slots a deadlock holds, so later tests keep the whole global budget.
    controller.abort(new Error("deadlocked"));
    await run.catch(() => {});
    assert.deepEqual(outcome, { trail: "3,2,1,0" }, mode);
  }
});
