import {
  type AnyOperator,
  EnsembleOperator,
  JitCache,
  jit,
  MapOperator,
  Operator,
  ParallelOperator,
  SequenceOperator,
} from "../src/index.js";
import { assertSame, type BenchResult, measure, report, sleep, writeResults } from "./harness.js";

const L = 20;

/**
 * Eight 20 ms steps then a 20 ms combiner, run eagerly and jitted in `mode` on fresh
 * inputs: the bound is two calls whatever the steps declare, if the JIT can prove them
 * independent.
 */
async function stepsThenCombine(
  name: string,
  description: string,
  steps: MapOperator[],
  mode: "structural" | "enhanced",
  limit: number,
): Promise<BenchResult> {
  const combine = new MapOperator({
    name: "combine",
    fn: async (i: Record<string, string>) => {
      await sleep(L);
      return { answer: Object.keys(i).length };
    },
  });
  const seq = new SequenceOperator({ operators: [...steps, combine] });
  const fast = jit(seq, { mode });
  assertSame(await seq({ question: "warm" }), await fast({ question: "warm" }), name);
  const eager = await measure((r) => seq({ question: `q${r}` }));
  const jitted = await measure((r) => fast({ question: `q${r}` }));
  const bound = 2 * L;
  return report(
    name,
    description,
    [
      { label: "eager", sample: eager, boundMs: 9 * L, boundLabel: "sum, as written" },
      {
        label: `jit ${mode}`,
        sample: jitted,
        boundMs: bound,
        boundLabel: "critical path: two calls",
        extra: `${(eager.medianMs / jitted.medianMs).toFixed(2)}× eager`,
      },
    ],
    [{ description: `jit ${mode} ≤ ${limit} × bound`, ratio: jitted.medianMs / bound, limit }],
  );
}

async function keyedSteps(): Promise<BenchResult> {
  const steps = Array.from(
    { length: 8 },
    (_, k) =>
      new MapOperator({
        name: `ask${k}`,
        inputKey: "question",
        outputKey: `a${k}`,
        fn: async (q: string) => {
          await sleep(L);
          return `${k}:${q}`;
        },
      }),
  );
  return stepsThenCombine(
    "keyed-steps-8",
    `Sequence of 8 keyed ${L} ms steps reading question, then a ${L} ms combiner`,
    steps as unknown as MapOperator[],
    "structural",
    1.15,
  );
}

async function deepMaps(): Promise<BenchResult> {
  const fns = Array.from({ length: 1000 }, (_, k) => (i: { v: number }) => ({ v: i.v + (k % 3) }));
  const seq = new SequenceOperator({ operators: fns.map((fn) => new MapOperator({ fn })) });
  const fast = jit(seq, { mode: "structural" });
  const loop = async (input: { v: number }) => {
    let acc: Record<string, unknown> = input;
    for (const fn of fns) acc = { ...acc, ...fn(acc as { v: number }) };
    return acc;
  };
  assertSame(await seq({ v: 1 }), await fast({ v: 1 }), "deep maps");
  assertSame(await loop({ v: 1 }), await fast({ v: 1 }), "deep maps vs loop");
  const hand = await measure((r) => loop({ v: r }), { batch: 20 });
  const jitted = await measure((r) => fast({ v: r }), { batch: 20 });
  const eager = await measure((r) => seq({ v: r }), { batch: 2 });
  return report(
    "deep-maps-1000",
    "Sequence of 1000 trivial pure sync maps",
    [
      { label: "hand loop", sample: hand, boundMs: hand.medianMs, boundLabel: "hand-written loop" },
      {
        label: "jit structural",
        sample: jitted,
        boundMs: hand.medianMs,
        boundLabel: "hand-written loop",
      },
      { label: "eager", sample: eager, boundMs: hand.medianMs, boundLabel: "hand-written loop" },
    ],
    [
      {
        description: "jit ≤ 2 × hand-written loop",
        ratio: jitted.medianMs / hand.medianMs,
        limit: 2,
      },
    ],
  );
}

async function readmePipeline(): Promise<BenchResult> {
  const pipeline = new SequenceOperator({
    operators: [
      new MapOperator({ fn: (i: { value: number }) => ({ value: i.value * 2 }) }),
      new MapOperator({ fn: (i: { value: number }) => ({ value: i.value + 1 }) }),
    ],
  });
  const fast = jit(pipeline);
  assertSame(await pipeline({ value: 5 }), await fast({ value: 5 }), "readme");
  const eager = await measure((r) => pipeline({ value: r }), { batch: 2000, runs: 20 });
  const jitted = await measure((r) => fast({ value: r }), { batch: 2000, runs: 20 });
  return report(
    "readme-pipeline",
    "the README's two-map pipeline, warm, per call",
    [
      { label: "eager", sample: eager, boundMs: eager.medianMs, boundLabel: "eager" },
      {
        label: `jit ${fast.strategy}`,
        sample: jitted,
        boundMs: eager.medianMs,
        boundLabel: "eager",
      },
    ],
    [
      {
        description: "jit warm ≤ 1.05 × eager",
        ratio: jitted.medianMs / eager.medianMs,
        limit: 1.05,
      },
    ],
  );
}

/** A balanced tree of composites with `leaves` async leaves. */
function tree(leaves: number): AnyOperator {
  const leaf = (k: number) =>
    new MapOperator({
      name: `leaf${k}`,
      inputKey: "q",
      outputKey: `k${k}`,
      fn: async (q: string) => q,
    });
  let level: AnyOperator[] = Array.from({ length: leaves }, (_, k) => leaf(k));
  let depth = 0;
  while (level.length > 1) {
    const next: AnyOperator[] = [];
    for (let i = 0; i < level.length; i += 10) {
      const group = level.slice(i, i + 10);
      next.push(
        depth % 2 === 0
          ? new ParallelOperator({ operators: group })
          : (new SequenceOperator({ operators: group }) as AnyOperator),
      );
    }
    level = next;
    depth++;
  }
  return new SequenceOperator({
    operators: [level[0]!, new EnsembleOperator({ operators: [leaf(-1)] })],
  });
}

async function compileScaling(): Promise<BenchResult> {
  const small = tree(1000);
  const large = tree(10000);
  // A fresh cache per compile, so every run compiles instead of hitting the plan cache.
  const compile = (op: AnyOperator) => async () => {
    const target = op as unknown as Operator<{ q: string }, unknown>;
    jit(target, { mode: "structural", sampleInput: { q: "x" }, cache: new JitCache() });
  };
  const smallMs = await measure(compile(small), { runs: 10, warmup: 2 });
  const largeMs = await measure(compile(large), { runs: 10, warmup: 2 });
  return report(
    "compile-scaling",
    "structural compile of a 1,000- vs a 10,000-node tree (sampleInput compiles at jit())",
    [
      {
        label: "1,000 nodes",
        sample: smallMs,
        boundMs: smallMs.medianMs,
        boundLabel: "1,000-node compile",
      },
      {
        label: "10,000 nodes",
        sample: largeMs,
        boundMs: smallMs.medianMs * 10,
        boundLabel: "linear: 10 × 1,000-node",
      },
    ],
    [
      {
        description: "10k compile ≤ 15 × 1k compile",
        ratio: largeMs.medianMs / smallMs.medianMs,
        limit: 15,
      },
    ],
  );
}

class EightAwaits extends Operator<{ question: string }, { answers: string[] }> {
  readonly asks = Array.from(
    { length: 8 },
    (_, k) =>
      new MapOperator({
        name: `ask${k}`,
        fn: async (i: { q: string }) => {
          await sleep(L);
          return `${k}:${i.q}`;
        },
      }),
  );

  // Written the natural way: one await after another.
  async forward(input: { question: string }) {
    const answers: string[] = [];
    for (const ask of this.asks) answers.push(await ask({ q: input.question }));
    return { answers };
  }
}

async function traceAwaits(): Promise<BenchResult> {
  const op = new EightAwaits();
  const fast = jit(op, { mode: "trace" });
  assertSame(await op({ question: "warm" }), await fast({ question: "warm" }), "trace awaits");
  const eager = await measure((r) => op({ question: `q${r}` }));
  const jitted = await measure((r) => fast({ question: `q${r}` }));
  const stats = fast.stats();
  return report(
    "custom-awaits-8",
    `a custom operator awaiting 8 independent ${L} ms calls one by one, fresh inputs`,
    [
      { label: "eager", sample: eager, boundMs: L, boundLabel: "one call" },
      {
        label: "jit trace",
        sample: jitted,
        boundMs: L,
        boundLabel: "one call",
        extra: `${(eager.medianMs / jitted.medianMs).toFixed(2)}× eager   hits ${stats.speculationHits} misses ${stats.speculationMisses} compilations ${stats.compilations}`,
      },
    ],
    [
      { description: "jit trace ≤ 1.15 × bound", ratio: jitted.medianMs / L, limit: 1.15 },
      { description: "eager ≈ 8 × bound (≤ 8.8)", ratio: eager.medianMs / L, limit: 8.8 },
    ],
  );
}

async function unkeyedSteps(): Promise<BenchResult> {
  const steps = Array.from(
    { length: 8 },
    (_, k) =>
      new MapOperator({
        name: `step${k}`,
        fn: async (i: Record<string, string>) => {
          await sleep(L);
          return { [`a${k}`]: `${k}:${i.question}` };
        },
      }),
  );
  return stepsThenCombine(
    "unkeyed-steps-8",
    `Sequence of 8 unkeyed ${L} ms steps that only read the input, then a ${L} ms combiner`,
    steps as unknown as MapOperator[],
    "enhanced",
    1.2,
  );
}

export async function runJitBenchmarks(): Promise<BenchResult[]> {
  return [
    await keyedSteps(),
    await deepMaps(),
    await readmePipeline(),
    await compileScaling(),
    await traceAwaits(),
    await unkeyedSteps(),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeResults("jit.json", await runJitBenchmarks());
}
