import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  type AnyOperator,
  BranchOperator,
  ContainerOperator,
  callOperator,
  configure,
  EnsembleOperator,
  getJitStats,
  jit,
  MapOperator,
  MapReduceOperator,
  MostCommonOperator,
  Operator,
  ParallelOperator,
  RetryOperator,
  resetJit,
  SequenceOperator,
  VerifierOperator,
} from "../src/index.js";
import { signatureOf } from "../src/jit/signature.js";
import { notEmpty } from "../src/operators/verifier.js";

afterEach(() => {
  resetJit();
  configure({ scheduler: "parallel" });
});

class Awaits extends Operator<{ q: string }, { both: string }> {
  readonly left: AnyOperator;
  readonly right: AnyOperator;
  readonly join: AnyOperator;
  constructor(c: string[]) {
    super();
    this.left = asyncKeyed(c, "q", "l");
    this.right = asyncKeyed(c, "q", "r");
    this.join = tag(c, "join", (i: { l: string; r: string }) => ({ both: `${i.l}+${i.r}` }));
  }
  async forward(i: { q: string }) {
    const l = (await callOperator(this.left, i)) as { l: string };
    const r = (await callOperator(this.right, i)) as { r: string };
    return (await callOperator(this.join, { ...l, ...r })) as { both: string };
  }
}

class Memory extends Operator<{ history: string[]; msg: string }, unknown> {
  readonly append: AnyOperator;
  readonly reply: AnyOperator;
  constructor(c: string[]) {
    super();
    this.append = new (class extends Operator<{ history: string[]; msg: string }, object> {
      forward(state: { history: string[]; msg: string }) {
        c.push(`append ${state.msg}`);
        state.history.push(state.msg);
        return {};
      }
    })() as AnyOperator;
    this.reply = new (class extends Operator<{ history: string[] }, { reply: string }> {
      override readonly effects = "stochastic";
      forward(state: { history: string[] }) {
        c.push("reply");
        return { reply: state.history.join("|") };
      }
    })() as AnyOperator;
  }
  async forward(state: { history: string[]; msg: string }) {
    await callOperator(this.append, state);
    return callOperator(this.reply, state);
  }
}

class ChangesOutput extends Operator<{ q: string }, unknown> {
  readonly first: AnyOperator;
  readonly second: AnyOperator;
  constructor(c: string[]) {
    super();
    this.first = tag(c, "first", (i: { q: string }) => ({ q: i.q, n: 1 }));
    this.second = tag(c, "second", (i: { q: string; n: number }) => ({ out: `${i.q}${i.n}` }));
  }
  async forward(i: { q: string }) {
    const out = (await callOperator(this.first, i)) as { q: string; n: number };
    out.n += 1;
    return callOperator(this.second, out);
  }
}

class Countdown extends Operator<{ n: number }, { trail: string }> {
  override readonly effects = "pure";
  readonly step: AnyOperator;
  constructor(c: string[]) {
    super();
    this.step = tag(c, "step", (i: { n: number }) => ({ n: i.n - 1 }));
  }
  async forward(i: { n: number }): Promise<{ trail: string }> {
    if (i.n <= 0) return { trail: "0" };
    const next = (await callOperator(this.step, i)) as { n: number };
    const rest = (await callOperator(this as unknown as AnyOperator, next)) as { trail: string };
    return { trail: `${i.n},${rest.trail}` };
  }
}

const MODES = ["auto", "structural", "trace", "enhanced"] as const;

/** Each case: an operator factory (fresh per run, so counters start at zero) and inputs. */
interface Case {
  name: string;
  build: (calls: string[]) => AnyOperator;
  inputs: unknown[];
}

const tag = <I>(calls: string[], name: string, fn: (v: I) => unknown) =>
  new MapOperator({
    name,
    fn: (v: I) => {
      calls.push(name);
      return fn(v);
    },
  });
const asyncKeyed = (calls: string[], inputKey: string, outputKey: string) =>
  new MapOperator({
    name: outputKey,
    inputKey,
    outputKey,
    fn: async (v: unknown) => {
      calls.push(outputKey);
      await new Promise((r) => setTimeout(r, 1));
      return `${outputKey}(${String(v)})`;
    },
  });

const CASES: Case[] = [
  {
    name: "README pipeline",
    build: (c) =>
      new SequenceOperator({
        operators: [
          tag(c, "double", (i: { value: number }) => ({ value: i.value * 2 })),
          tag(c, "inc", (i: { value: number }) => ({ value: i.value + 1 })),
        ],
      }),
    inputs: [{ value: 5 }, { value: -1 }, { value: 0.5 }],
  },
  {
    name: "keyed independent steps then a combiner",
    build: (c) =>
      new SequenceOperator({
        operators: [
          asyncKeyed(c, "question", "a"),
          asyncKeyed(c, "question", "b"),
          asyncKeyed(c, "a", "c"),
          tag(c, "join", (i: Record<string, string>) => ({ all: `${i.a}|${i.b}|${i.c}` })),
        ],
      }),
    inputs: [{ question: "x" }, { question: "y", extra: 1 }, { question: "z", a: "preset" }],
  },
  {
    name: "parallel merge order with overlapping keys",
    build: (c) =>
      new ParallelOperator({
        operators: [
          tag(c, "p1", () => ({ k: 1, p1: true })),
          asyncKeyed(c, "q", "k"),
          tag(c, "p3", () => ({ p3: true })),
        ],
      }),
    inputs: [{ q: "a", k: 0 }, { q: "b" }],
  },
  {
    name: "branch both ways inside a container",
    build: (c) =>
      new ContainerOperator({
        operators: [
          tag(c, "wrap", (n: number) => ({ n })),
          new BranchOperator({
            predicate: (i: { n: number }) => i.n > 0,
            ifTrue: tag(c, "pos", (i: { n: number }) => `+${i.n}`),
            ifFalse: tag(c, "neg", (i: { n: number }) => `-${i.n}`),
          }),
        ],
      }),
    inputs: [3, -2, 0],
  },
  {
    name: "ensemble, vote and verifier",
    build: (c) =>
      new SequenceOperator({
        operators: [
          new EnsembleOperator({
            operators: [
              tag(c, "e1", (i: { q: string }) => i.q.toUpperCase()),
              tag(c, "e2", (i: { q: string }) => i.q.toLowerCase()),
              tag(c, "e3", (i: { q: string }) => i.q.toUpperCase()),
            ],
          }),
          new MostCommonOperator(),
          new VerifierOperator({
            conditions: [notEmpty()],
            inputKey: "final_answer",
            outputKey: "check",
          }),
        ],
      }),
    inputs: [{ q: "Ab" }, { q: "" }],
  },
  {
    name: "map-reduce with retry inside",
    build: (c) => {
      let failures = 0;
      const flaky = new MapOperator({
        name: "flaky",
        fn: async (i: { n: number }) => {
          c.push("flaky");
          if (i.n === 2 && failures++ % 2 === 0) throw new Error("transient");
          return i.n * 10;
        },
      });
      return new MapReduceOperator({
        map: (i: { ns: number[] }) => i.ns.map((n) => ({ n })),
        operator: new RetryOperator({ operator: flaky, maxAttempts: 3, retryDelayMs: 1 }),
        reduce: (outs: unknown[]) => ({ total: (outs as number[]).reduce((a, b) => a + b, 0) }),
        maxConcurrency: 2,
      });
    },
    inputs: [{ ns: [1, 2, 3] }, { ns: [] }],
  },
  {
    name: "errors: a step returning a non-object, and a non-object input",
    build: (c) =>
      new SequenceOperator({
        name: "pipeline",
        operators: [tag(c, "ok", () => ({ a: 1 })), tag(c, "bad", () => "nope")],
      }),
    inputs: [{ x: 1 }, null, 3, ["array"]],
  },
  {
    name: "empty sequence returns its input",
    build: () => new SequenceOperator({ operators: [] }),
    inputs: [{ a: 1 }],
  },
  {
    name: "custom operator: independent awaits, then a call on their outputs",
    build: (c) => new Awaits(c),
    inputs: [{ q: "a" }, { q: "b" }, { q: "c" }],
  },
  {
    name: "custom operator: chat memory (an effectful append, then a call on the mutated state)",
    build: (c) => new Memory(c),
    inputs: [
      { history: ["h"], msg: "a" },
      { history: ["i"], msg: "b" },
      { history: ["j"], msg: "c" },
    ],
  },
  {
    name: "custom operator: a data-dependent branch and a recursive call",
    build: (c) => new Countdown(c),
    inputs: [{ n: 3 }, { n: 0 }, { n: 2 }, { n: 4 }],
  },
  {
    name: "custom operator: forward changes a child's output before passing it on",
    build: (c) => new ChangesOutput(c),
    inputs: [{ q: "a" }, { q: "b" }, { q: "c" }],
  },
  {
    name: "ensemble of one pure operator whose aggregate annotates each output",
    build: (c) => {
      const same = tag(c, "same", (i: { q: string }) => ({ q: i.q }));
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
    inputs: [{ q: "a" }, { q: "a" }, { q: "b" }],
  },
  {
    name: "custom operator inside a sequence, around a built-in ensemble",
    build: (c) =>
      new SequenceOperator({
        operators: [
          new Awaits(c),
          new EnsembleOperator({
            operators: [
              tag(c, "v1", (i: Record<string, unknown>) => `${String(i.both)}!`),
              asyncKeyed(c, "both", "v2"),
            ],
          }),
        ],
      }),
    inputs: [{ q: "x" }, { q: "y" }],
  },
];

async function outcome(op: AnyOperator, input: unknown) {
  try {
    return { ok: true, value: await (op as unknown as (i: unknown) => Promise<unknown>)(input) };
  } catch (err) {
    return { ok: false, type: (err as Error).constructor.name, message: (err as Error).message };
  }
}

const ARMS = [
  ...MODES.map((mode) => ({ mode, scheduler: "parallel" as const })),
  ...MODES.map((mode) => ({ mode, scheduler: "sequential" as const })),
];

for (const c of CASES) {
  test(`equivalence: ${c.name} — every mode, both schedulers, give eager's results, errors and calls`, async () => {
    for (const { mode, scheduler } of ARMS) {
      const arm = `${mode}/${scheduler}`;
      configure({ scheduler: "parallel" });
      const eagerCalls: string[] = [];
      const jitCalls: string[] = [];
      const eager = c.build(eagerCalls);
      const wants: unknown[] = [];
      // Fresh copies: a case may mutate its input (chat memory appends to it).
      for (const input of c.inputs) wants.push(await outcome(eager, structuredClone(input)));
      configure({ scheduler });
      const missesBefore = getJitStats().speculationMisses;
      const fast = jit(c.build(jitCalls), { mode });
      for (const [k, input] of c.inputs.entries()) {
        const got = await outcome(fast, structuredClone(input));
        assert.deepEqual(got, wants[k], `${arm} on ${JSON.stringify(input)}`);
      }
      // Every call eager made, and besides them only started calls that missed (pure ones).
      const extra = [...jitCalls];
      for (const call of eagerCalls) {
        const at = extra.indexOf(call);
        assert.ok(at >= 0, `${arm}: eager's call ${call} was made`);
        extra.splice(at, 1);
      }
      assert.equal(
        extra.length,
        getJitStats().speculationMisses - missesBefore,
        `${arm}: extra calls`,
      );
      // Effectful calls in eager's order.
      const effects = (log: string[]) => log.filter((l) => l.startsWith("append"));
      assert.deepEqual(effects(jitCalls), effects(eagerCalls), `${arm}: effect order`);
      const stats = getJitStats(fast);
      assert.equal(stats.executions, c.inputs.length);
      // Exactly one compilation per plan: structural plans ignore the input's shape; traces
      // and enhanced plans compile once per shape, plus one per counted retrace.
      const shapes = new Set(c.inputs.map((i) => signatureOf(i))).size;
      const perShape = fast.strategy === "trace" || fast.strategy === "enhanced";
      assert.equal(
        stats.compilations,
        (perShape ? shapes : 1) + stats.retraces,
        `${arm}: compilations`,
      );
    }
  });
}
