/**
 * The JIT on ordinary agent code: every case here was a silent failure (a wrong answer, an
 * ignored cancel, a hang, a crash) on 241c486. Each runs eagerly and in every mode where it
 * applies, on fresh inputs, and compares results, errors and effect logs with eager.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  type AnyOperator,
  type CallContext,
  configure,
  EnsembleOperator,
  getJitStats,
  jit,
  LLMOperator,
  MapOperator,
  MapReduceOperator,
  Operator,
  resetJit,
  SequenceOperator,
} from "../src/index.js";
import { setDebug } from "../src/jit/debug.js";
import { Probe } from "./fakes.js";

afterEach(() => {
  resetJit();
  configure({ maxConcurrency: 64 });
});

const MODES = ["auto", "trace", "structural", "enhanced"] as const;
type Mode = (typeof MODES)[number];

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };
async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    return { ok: false, error: String((err as Error)?.message ?? err) };
  }
}
const call = (op: AnyOperator, input: unknown, options?: { signal?: AbortSignal }) =>
  (op as unknown as (i: unknown, o?: { signal?: AbortSignal }) => Promise<unknown>)(input, options);
const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

/** Compares eager with every mode on fresh inputs: results, errors and the effect log. */
async function sameAsEager(
  build: (log: string[]) => AnyOperator,
  inputs: () => unknown[],
  modes: readonly Mode[] = MODES,
): Promise<void> {
  const eagerLog: string[] = [];
  const eager = build(eagerLog);
  const want: Outcome[] = [];
  for (const input of inputs()) want.push(await outcome(call(eager, input)));
  for (const mode of modes) {
    const log: string[] = [];
    const fast = jit(build(log), { mode });
    const got: Outcome[] = [];
    for (const input of inputs()) got.push(await outcome(call(fast, input)));
    assert.deepEqual(got, want, `${mode}: results`);
    assert.deepEqual(
      log.filter((l) => l.startsWith("effect")),
      eagerLog.filter((l) => l.startsWith("effect")),
      `${mode}: effect log`,
    );
  }
}

// 1. Mutation ---------------------------------------------------------------------------

class Append extends Operator<{ history: string[]; msg: string }, unknown> {
  constructor(private readonly log: string[]) {
    super();
  }
  forward(state: { history: string[]; msg: string }) {
    this.log.push(`effect append ${state.msg}`);
    state.history.push(state.msg);
    return { appended: true };
  }
}
class Reply extends Operator<{ history: string[] }, { reply: string }> {
  override readonly effects = "stochastic";
  forward(state: { history: string[] }) {
    return { reply: `saw ${state.history.join("|")}` };
  }
}
class ChatMemory extends Operator<{ history: string[]; msg: string }, unknown> {
  readonly append: Append;
  readonly reply = new Reply();
  constructor(log: string[]) {
    super();
    this.append = new Append(log);
  }
  async forward(state: { history: string[]; msg: string }) {
    await this.append(state);
    return this.reply(state);
  }
}

test("mutation: a model call after an effectful append sees the appended history", async () => {
  await sameAsEager(
    (log) => new ChatMemory(log),
    () => [
      { history: ["a"], msg: "b" },
      { history: ["c"], msg: "d" },
      { history: ["e"], msg: "f" },
    ],
    ["auto", "trace"],
  );
});

class Produce extends Operator<{ n: number }, { x: number }> {
  override readonly effects = "pure";
  forward(i: { n: number }) {
    return { x: i.n };
  }
}
class Consume extends Operator<{ x: number }, { y: number }> {
  override readonly effects = "pure";
  forward(i: { x: number }) {
    return { y: i.x * 10 };
  }
}
class MutatesOutput extends Operator<{ n: number }, unknown> {
  readonly produce = new Produce();
  readonly consume = new Consume();
  async forward(i: { n: number }) {
    const out = await this.produce(i);
    out.x += 1; // forward changes a child's output before passing it on
    return this.consume(out);
  }
}

test("mutation: forward changing a child's output before passing it on is not a stale hit", async () => {
  await sameAsEager(
    () => new MutatesOutput(),
    () => [{ n: 1 }, { n: 2 }, { n: 3 }],
    ["auto", "trace"],
  );
});

// 2. Abort -------------------------------------------------------------------------------

test("abort: a call aborted mid-run rejects with the reason even when the rest was started early", async () => {
  let controller = new AbortController();
  class First extends Operator<{ n: number }, { a: number }> {
    override readonly effects = "pure";
    forward(i: { n: number }) {
      return { a: i.n };
    }
  }
  class Notify extends Operator<{ a: number }, unknown> {
    forward(i: { a: number }) {
      // The user cancels while an effectful step runs; the rest was started early.
      if (i.a > 1) controller.abort(new Error("stopped by the user"));
      return {};
    }
  }
  class Second extends Operator<{ n: number }, { b: number }> {
    override readonly effects = "pure";
    forward(i: { n: number }) {
      return { b: i.n * 2 };
    }
  }
  class Both extends Operator<{ n: number }, unknown> {
    readonly first = new First();
    readonly second = new Second();
    readonly notify = new Notify();
    async forward(i: { n: number }) {
      const a = await this.first(i);
      await this.notify(a);
      const b = await this.second(i);
      return { ...a, ...b };
    }
  }
  for (const mode of ["eager", "auto", "trace"] as const) {
    const op = mode === "eager" ? new Both() : jit(new Both(), { mode });
    controller = new AbortController();
    assert.deepEqual(await call(op, { n: 1 }, { signal: controller.signal }), { a: 1, b: 2 });
    controller = new AbortController();
    assert.deepEqual(await call(op, { n: 0 }, { signal: controller.signal }), { a: 0, b: 0 });
    controller = new AbortController();
    const got = await outcome(call(op, { n: 2 }, { signal: controller.signal }));
    assert.deepEqual(got, { ok: false, error: "stopped by the user" }, mode);
  }
});

// 3. Latency -----------------------------------------------------------------------------

test("latency: a started call forward never claims does not hold the result back", async () => {
  let release: () => void = () => {};
  class Slow extends Operator<{ go: boolean }, { slow: true }> {
    override readonly effects = "pure";
    forward() {
      // Ignores its signal, and settles only when the test says so.
      return new Promise<{ slow: true }>((resolve) => {
        release = () => resolve({ slow: true });
      });
    }
  }
  class Pick extends Operator<{ go: boolean }, { go: boolean }> {
    override readonly effects = "pure";
    forward(i: { go: boolean }) {
      return { go: i.go };
    }
  }
  class Maybe extends Operator<{ go: boolean }, unknown> {
    readonly pick = new Pick();
    readonly slow = new Slow();
    async forward(i: { go: boolean }) {
      const p = await this.pick(i);
      if (p.go) return this.slow(i);
      return { skipped: true };
    }
  }
  for (const mode of ["auto", "trace"] as const) {
    const fast = jit(new Maybe(), { mode });
    const first = call(fast, { go: true });
    await ticks(5);
    release();
    assert.deepEqual(await first, { slow: true });
    let settled: unknown;
    call(fast, { go: false }).then((v) => {
      settled = v;
    });
    await ticks(20);
    assert.deepEqual(settled, { skipped: true }, `${mode}: resolved without the unclaimed call`);
    release();
  }
});

// 4. Recursion ---------------------------------------------------------------------------

class Factorial extends Operator<{ n: number }, { v: number }> {
  override readonly effects = "pure";
  calls = 0;
  async forward(i: { n: number }): Promise<{ v: number }> {
    this.calls++;
    if (i.n <= 1) return { v: 1 };
    const r = await this({ n: i.n - 1 });
    return { v: r.v * i.n };
  }
}

test("recursion: a pure operator that calls itself runs as eager does, without overflowing", async () => {
  const eager = new Factorial();
  const want = [await eager({ n: 5 }), await eager({ n: 6 }), await eager({ n: 3 })];
  for (const mode of MODES) {
    const target = new Factorial();
    const fast = jit(target, { mode });
    const got = [
      await call(fast, { n: 5 }),
      await call(fast, { n: 6 }),
      await call(fast, { n: 3 }),
    ];
    assert.deepEqual(got, want, mode);
    assert.ok(target.calls <= eager.calls, `${mode}: ${target.calls} calls, eager ${eager.calls}`);
  }
});

// 5. Budgets -----------------------------------------------------------------------------

class Leaf extends Operator<{ i: number }, { i: number }> {
  override readonly effects = "pure";
  constructor(private readonly probe: Probe) {
    super();
  }
  async forward(x: { i: number }) {
    const t = this.probe.enter("leaf");
    await ticks(2);
    this.probe.exit("leaf", t);
    return { i: x.i };
  }
}

test("budgets: a per-jit maxConcurrency narrows the global budget, never widens it", async () => {
  configure({ maxConcurrency: 2 });
  for (const mode of MODES) {
    const probe = new Probe();
    const members = Array.from({ length: 8 }, () => new Leaf(probe));
    const fast = jit(new EnsembleOperator({ operators: members }), { mode, maxConcurrency: 5 });
    await call(fast, { i: 1 });
    assert.ok(probe.peakInFlight <= 2, `${mode}: peak ${probe.peakInFlight} under a global 2`);
    assert.equal(probe.calls, 8);
  }
});

test("budgets: a MapReduce maxConcurrency inside a traced custom operator holds", async () => {
  for (const mode of ["auto", "trace", "enhanced"] as const) {
    const probe = new Probe();
    class Holder extends Operator<{ items: number[] }, unknown> {
      readonly mr = new MapReduceOperator({
        map: (i: { items: number[] }) => i.items.map((n) => ({ i: n })),
        operator: new Leaf(probe),
        reduce: (outs: unknown[]) => ({ n: outs.length }),
        maxConcurrency: 2,
      });
      async forward(i: { items: number[] }) {
        return this.mr(i);
      }
    }
    const fast = jit(new Holder(), { mode });
    for (let k = 0; k < 3; k++) await call(fast, { items: [1, 2, 3, 4, 5, 6, 7, 8] });
    assert.ok(probe.peakInFlight <= 2, `${mode}: peak ${probe.peakInFlight}`);
  }
});

// 6. Dedupe and memo ---------------------------------------------------------------------

test("dedupe: members that are one pure operator each get their own output object", async () => {
  await sameAsEager(
    () => {
      const same = new MapOperator({ fn: (i: { v: number }) => ({ v: i.v }) });
      return new EnsembleOperator({
        operators: [same, same, same],
        aggregate: (outs: unknown[]) => {
          (outs as { at?: number }[]).forEach((o, k) => {
            o.at = k;
          });
          return { outs };
        },
      });
    },
    () => [{ v: 1 }, { v: 1 }, { v: 2 }],
  );
});

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  norm1(): number {
    return Math.abs(this.x) + Math.abs(this.y);
  }
}

test("memo: a class-instance result keeps its class across memoized calls", async () => {
  for (const mode of MODES) {
    class MakePoint extends Operator<{ x: number }, Point> {
      override readonly effects = "pure";
      forward(i: { x: number }) {
        return new Point(i.x, 2);
      }
    }
    const make = new MakePoint();
    const jitted = jit(
      new EnsembleOperator({ operators: [make], aggregate: (outs) => ({ p: outs[0] }) }),
      { mode },
    );
    for (let k = 0; k < 3; k++) {
      const out = (await call(jitted, { x: 1 })) as { p: Point };
      assert.ok(out.p instanceof Point, `${mode}: call ${k} returned a Point`);
      assert.equal(out.p.norm1(), 3);
    }
  }
});

test("memo: inputs that differ only under a symbol key are not served each other's results", async () => {
  const sym = Symbol("tenant");
  for (const mode of MODES) {
    class Read extends Operator<Record<string | symbol, unknown>, unknown> {
      override readonly effects = "pure";
      forward(i: Record<string | symbol, unknown>) {
        return { tenant: String(i[sym]) };
      }
    }
    const read = new Read();
    const fast = jit(new EnsembleOperator({ operators: [read] }), { mode });
    const a = await call(fast, { q: 1, [sym]: "a" });
    const b = await call(fast, { q: 1, [sym]: "b" });
    assert.deepEqual([a, b], [{ responses: [{ tenant: "a" }] }, { responses: [{ tenant: "b" }] }]);
  }
});

// 7. Key probing -------------------------------------------------------------------------

class Account {
  #secret: number;
  constructor(secret: number) {
    this.#secret = secret;
  }
  secret(): number {
    return this.#secret;
  }
}

test("key probing: a step that structuredClones its input works under the JIT", async () => {
  await sameAsEager(
    () =>
      new SequenceOperator({
        operators: [
          new MapOperator({ fn: async (i: { a: number }) => ({ copy: structuredClone(i).a }) }),
          new MapOperator({ fn: async (i: { a: number }) => ({ b: i.a + 1 }) }),
          new MapOperator({ fn: async (i: { b: number }) => ({ c: i.b * 2 }) }),
        ],
      }),
    () => [{ a: 1 }, { a: 2 }, { a: 3 }],
  );
});

test("key probing: a step reading a private field of a class input works under the JIT", async () => {
  await sameAsEager(
    () =>
      new SequenceOperator({
        operators: [
          new MapOperator({ fn: async (i: { acct: Account }) => ({ s: i.acct.secret() }) }),
          new MapOperator({ fn: async (i: { a: number }) => ({ b: i.a + 1 }) }),
          new MapOperator({ fn: async (i: Account) => ({ t: i.secret() }) }),
        ],
      }),
    () => [
      Object.assign(new Account(7), { a: 1, acct: new Account(1) }),
      Object.assign(new Account(8), { a: 2, acct: new Account(2) }),
      Object.assign(new Account(9), { a: 3, acct: new Account(3) }),
    ],
  );
});

test("key probing: values passed between steps under symbol keys are kept", async () => {
  const sym = Symbol("carry");
  await sameAsEager(
    () =>
      new SequenceOperator({
        operators: [
          new MapOperator({ fn: async (i: { a: number }) => ({ [sym]: i.a * 3 }) }),
          new MapOperator({ fn: async (i: { a: number }) => ({ b: i.a + 1 }) }),
          new MapOperator({
            fn: async (i: Record<symbol, unknown>) => ({ got: i[sym] }),
          }),
        ],
      }),
    () => [{ a: 1 }, { a: 2 }, { a: 5 }],
  );
});

// 8. Lifecycle ---------------------------------------------------------------------------

class TwoCalls extends Operator<{ q: string }, unknown> {
  readonly left = new MapOperator({ name: "left", fn: async (i: { q: string }) => ({ l: i.q }) });
  readonly right = new MapOperator({
    name: "right",
    fn: async (i: { q: string }) => ({ r: i.q }),
  });
  async forward(i: { q: string }) {
    const l = await this.left(i);
    const r = await this.right(i);
    return { ...l, ...r };
  }
}

test("lifecycle: twenty concurrent first calls of one shape share one capture", async () => {
  const fast = jit(new TwoCalls(), { mode: "trace" });
  const outs = await Promise.all(Array.from({ length: 20 }, (_, k) => call(fast, { q: `${k}` })));
  assert.deepEqual(outs[7], { l: "7", r: "7" });
  const s = getJitStats(fast);
  assert.equal(s.compilations, 1);
  assert.equal(s.retraces, 0);
  assert.equal(s.fallbacks, 0);
  assert.equal(s.executions, 20);
  // And it still speculates afterwards.
  await call(fast, { q: "x" });
  assert.equal(getJitStats(fast).speculationHits, 2);
});

test("lifecycle: explain() before the first call compiles nothing it does not keep", async () => {
  for (const mode of MODES) {
    const fast = jit(new TwoCalls(), { mode });
    fast.explain();
    await call(fast, { q: "a" });
    await call(fast, { q: "b" });
    const s = getJitStats(fast);
    assert.equal(s.compilations, 1, `${mode}: compilations`);
  }
});

test("lifecycle: enhanced retraces on key violations, then runs eagerly for good (steps re-run only on the misses)", async () => {
  let runs = 0;
  const steps = () =>
    new SequenceOperator({
      operators: [
        new MapOperator({
          fn: async (i: Record<string, number>) => {
            runs++;
            return { x: i.pick ? (i.a ?? 0) : (i.b ?? 0) };
          },
        }),
        new MapOperator({
          fn: async (i: Record<string, number>) => {
            runs++;
            return { y: (i.a ?? 0) + 1 };
          },
        }),
        new MapOperator({
          fn: async (i: Record<string, number>) => {
            runs++;
            return { z: (i.x ?? 0) + (i.y ?? 0) };
          },
        }),
      ],
    });
  const eager = steps();
  const fast = jit(steps(), { mode: "enhanced", maxRecompiles: 2 });
  const inputs = Array.from({ length: 10 }, (_, k) => ({ pick: k % 2, a: k, b: 100 + k }));
  const rerunOn: number[] = [];
  for (const [k, input] of inputs.entries()) {
    runs = 0;
    const want = await eager(input as never);
    const eagerRuns = runs;
    runs = 0;
    assert.deepEqual(await call(fast, input), want);
    if (runs !== eagerRuns) rerunOn.push(k);
  }
  // A violation runs the pure sequence again in order, once per miss: three misses (two
  // retraces, then the fallback), and from then on exactly eager's runs.
  assert.deepEqual(rerunOn, [1, 3, 5]);
  const s = getJitStats(fast);
  assert.equal(s.retraces, 2);
  assert.equal(s.fallbacks, 1);
  assert.ok(s.retraceReasons.every((r) => r.reason === "key_violation"));
});

test("lifecycle: EMBER_DEBUG=1 prints capture, retrace and fallback", async () => {
  const lines: string[] = [];
  setDebug({ level: 1, sink: (l) => lines.push(l) });
  try {
    class Alternating extends Operator<{ k: number }, unknown> {
      readonly a = new MapOperator({ name: "a", fn: async (i: { k: number }) => ({ a: i.k }) });
      readonly b = new MapOperator({ name: "b", fn: async (i: { k: number }) => ({ b: i.k }) });
      async forward(i: { k: number }) {
        return i.k % 2 ? this.a(i) : this.b(i);
      }
    }
    const fast = jit(new Alternating(), { mode: "trace", maxRecompiles: 2 });
    for (let k = 0; k < 6; k++) await call(fast, { k });
    const text = lines.join("\n");
    assert.match(text, /captured 1 calls?/);
    assert.match(text, /retrace Alternating: unrecorded_call at Alternating\/(a|b)#0 \(1 of 2\)/);
    assert.match(text, /fallback Alternating: eager after 2 retraces/);
  } finally {
    setDebug({ level: 0, sink: (l) => process.stderr.write(`${l}\n`) });
  }
});

// 9. Noise -------------------------------------------------------------------------------

test("noise: 20 concurrent root model calls print no MaxListenersExceededWarning", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on("warning", onWarning);
  try {
    const llm = new LLMOperator({ model: "sim:fast", prompt: "say {q}" });
    await Promise.all(Array.from({ length: 20 }, (_, k) => llm({ q: `${k}` })));
    const fast = jit(llm);
    await Promise.all(Array.from({ length: 20 }, (_, k) => fast({ q: `${k}` })));
    const controller = new AbortController();
    await Promise.all(
      Array.from({ length: 20 }, (_, k) => llm({ q: `${k}` }, { signal: controller.signal })),
    );
    await ticks(2);
    assert.deepEqual(warnings, []);
  } finally {
    process.off("warning", onWarning);
  }
});

// A custom operator's own context: a jitted call hands forward the caller's signal.
test("context: forward's ctx.signal is the caller's under every mode", async () => {
  const seen: boolean[] = [];
  class Sees extends Operator<{ q: string }, unknown> {
    readonly left = new MapOperator({ fn: (i: { q: string }) => ({ l: i.q }) });
    async forward(i: { q: string }, ctx: CallContext) {
      seen.push(ctx.signal.aborted);
      return this.left(i);
    }
  }
  for (const mode of MODES) await call(jit(new Sees(), { mode }), { q: "x" });
  assert.deepEqual(seen, [false, false, false, false]);
});

test("recursion: an operator with no child fields calling itself deeper than the budget finishes (eager and jitted)", async () => {
  configure({ maxConcurrency: 2 });
  const eager = new Factorial();
  assert.deepEqual(await eager({ n: 6 }), { v: 720 });
  for (const mode of MODES) {
    const fast = jit(new Factorial(), { mode });
    assert.deepEqual(await call(fast, { n: 6 }), { v: 720 }, mode);
    assert.deepEqual(await call(fast, { n: 5 }), { v: 120 }, mode);
  }
});

test("budget: a leaf that calls an operator gives its slot back first (peak counts leaves that wait)", async () => {
  const probe = new Probe();
  class Outer extends Operator<{ i: number }, { i: number }> {
    override readonly effects = "pure";
    // Not a field: the operator looks like a leaf until it calls one.
    async forward(x: { i: number }) {
      return new Leaf(probe)(x);
    }
  }
  configure({ maxConcurrency: 1 });
  assert.deepEqual(await new Outer()({ i: 3 }), { i: 3 });
  assert.equal(probe.peakInFlight, 1);
});
