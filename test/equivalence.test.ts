import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  type AnyOperator,
  BranchOperator,
  ContainerOperator,
  EnsembleOperator,
  getJitStats,
  jit,
  MapOperator,
  MapReduceOperator,
  MostCommonOperator,
  ParallelOperator,
  RetryOperator,
  resetJit,
  SequenceOperator,
  VerifierOperator,
} from "../src/index.js";
import { signatureOf } from "../src/jit/signature.js";
import { notEmpty } from "../src/operators/verifier.js";

afterEach(() => resetJit());

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
];

async function outcome(op: AnyOperator, input: unknown) {
  try {
    return { ok: true, value: await (op as unknown as (i: unknown) => Promise<unknown>)(input) };
  } catch (err) {
    return { ok: false, type: (err as Error).constructor.name, message: (err as Error).message };
  }
}

for (const c of CASES) {
  test(`equivalence: ${c.name} — every mode gives eager's results, errors and calls`, async () => {
    for (const mode of MODES) {
      const eagerCalls: string[] = [];
      const jitCalls: string[] = [];
      const missesBefore = getJitStats().speculationMisses;
      const eager = c.build(eagerCalls);
      const fast = jit(c.build(jitCalls), { mode });
      for (const input of c.inputs) {
        const want = await outcome(eager, input);
        const got = await outcome(fast, input);
        assert.deepEqual(got, want, `${mode} on ${JSON.stringify(input)}`);
      }
      // Every call eager made, and besides them only started calls that missed (pure ones).
      const extra = [...jitCalls];
      for (const call of eagerCalls) {
        const at = extra.indexOf(call);
        assert.ok(at >= 0, `${mode}: eager's call ${call} was made`);
        extra.splice(at, 1);
      }
      assert.equal(
        extra.length,
        getJitStats().speculationMisses - missesBefore,
        `${mode}: extra calls`,
      );
      assert.equal(getJitStats(fast).executions, c.inputs.length);
      // Structural plans ignore the input's shape; traces compile once per shape.
      const shapes = new Set(c.inputs.map((i) => signatureOf(i))).size;
      const bound = mode === "structural" ? 1 : shapes;
      assert.ok(getJitStats(fast).compilations <= bound, `${mode}: compilations within ${bound}`);
    }
  });
}
