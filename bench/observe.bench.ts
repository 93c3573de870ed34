/**
 * What recording a run costs: a wide workload (2,000 items × 6 simulated model calls, all
 * items in one Promise.all) with no observer, under a RunRecorder (its record, bound
 * included, built inside the timed run), and under the OpenTelemetry observer with the SDK's
 * in-memory exporter. Rounds alternate the variants so drift hits them alike; beside the wall
 * time each row shows the process's CPU time for the run, which a loaded machine disturbs less.
 *
 *   npx tsx bench/observe.bench.ts      (or npm run bench:observe)
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import {
  LLMOperator,
  models,
  OtelObserver,
  ParallelOperator,
  RunRecorder,
  SequenceOperator,
  SimulatedProvider,
  withObserver,
} from "../src/index.js";
import { assertSame, type BenchResult, report, type Sample, writeResults } from "./harness.js";

const ITEMS = 2000;
const CALLS_PER_ITEM = 6;
const LATENCY_MS = 1;
const BUDGET = 64;
const ROUNDS = 11;
const TARGET = 1.1;

models.register("bench", new SimulatedProvider({ seed: 3, latency: LATENCY_MS }));
const ask = (key: string) =>
  new LLMOperator({ model: "bench:fast", prompt: `${key}: {q}`, outputKey: key, temperature: 0 });
// Per item: two steps, three side by side, then one more: six calls, three levels deep.
const item = new SequenceOperator({
  name: "item",
  operators: [
    ask("a"),
    ask("b"),
    new ParallelOperator({ name: "fan", operators: [ask("c"), ask("d"), ask("e")] }),
    ask("f"),
  ],
});
const inputs = Array.from({ length: ITEMS }, (_, i) => ({ q: `question ${i}` }));
const all = () => Promise.all(inputs.map((input) => item(input)));

type Variant = { label: string; run: () => Promise<unknown> };
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let lastCalls = 0;
const variants: Variant[] = [
  { label: "no observer", run: all },
  {
    label: "RunRecorder",
    run: async () => {
      const recorder = new RunRecorder();
      const out = await withObserver(recorder, all);
      lastCalls = recorder.finish().calls.length;
      return out;
    },
  },
  {
    label: "OtelObserver",
    run: async () => {
      const out = await withObserver(new OtelObserver({ tracer: provider.getTracer("b") }), all);
      exporter.reset();
      return out;
    },
  },
];

function sample(times: number[]): Sample {
  const sorted = times.slice().sort((a, b) => a - b);
  return {
    medianMs: sorted[Math.floor(sorted.length / 2)]!,
    p95Ms: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!,
    runs: sorted.length,
  };
}

export async function runObserveBenchmark(): Promise<BenchResult> {
  assertSame(await variants[0]!.run(), await variants[1]!.run(), "recorder changes no result");
  if (lastCalls !== ITEMS * (CALLS_PER_ITEM + 2)) {
    throw new Error(`expected ${ITEMS * (CALLS_PER_ITEM + 2)} recorded calls, got ${lastCalls}`);
  }
  for (const v of variants) await v.run();
  const times = variants.map(() => [] as number[]);
  const cpu = variants.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, v] of variants.entries()) {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      await v.run();
      const used = process.cpuUsage(cpuStart);
      times[k]!.push(performance.now() - start);
      cpu[k]!.push((used.user + used.system) / 1000);
    }
  }
  const samples = times.map(sample);
  const cpuMs = cpu.map((c) => sample(c).medianMs);
  const base = samples[0]!.medianMs;
  // Each round's variant against the no-observer run just before it: slow drifts in the
  // machine's load cancel out of these ratios.
  const paired = (k: number) => sample(times[k]!.map((t, r) => t / times[0]![r]!)).medianMs;
  // Every model call holds one of the budget's slots for its latency: no scheduler beats this.
  const physical = (ITEMS * CALLS_PER_ITEM * LATENCY_MS) / BUDGET;
  const rows = variants.map((v, k) => ({
    label: v.label,
    sample: samples[k]!,
    boundMs: physical,
    boundLabel: `${ITEMS * CALLS_PER_ITEM} calls × ${LATENCY_MS} ms / ${BUDGET} slots`,
    extra:
      `cpu ${cpuMs[k]!.toFixed(0)} ms` +
      (k === 0
        ? ""
        : `   ${(samples[k]!.medianMs / base).toFixed(3)}× no observer, paired ${paired(k).toFixed(3)}×, cpu ${(cpuMs[k]! / cpuMs[0]!).toFixed(3)}×`),
  }));
  return report(
    "observe",
    `${ITEMS} items × ${CALLS_PER_ITEM} simulated calls (${LATENCY_MS} ms each), Promise.all, ${lastCalls} calls recorded per run`,
    rows,
    [
      {
        description: "RunRecorder ≤ 1.10 × no observer (median of paired rounds, wall)",
        ratio: paired(1),
        limit: TARGET,
      },
      {
        description: "RunRecorder ≤ 1.10 × no observer (median CPU time)",
        ratio: cpuMs[1]! / cpuMs[0]!,
        limit: TARGET,
      },
    ],
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`ember-xcs observe benchmark · node ${process.version}`);
  writeResults("observe.json", [await runObserveBenchmark()]);
}
