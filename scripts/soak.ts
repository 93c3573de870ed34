/**
 * Soak: 1,000,000 jitted calls of a small pipeline, reporting the heap after GC every
 * 100,000 calls. Passes when the heap after GC grows less than GROWTH_BOUND_MB from the
 * first checkpoint to the last and every counter is exact.
 *
 *   npm run soak                              # 1,000,000 calls, mode auto
 *   npm run soak -- --calls 200000 --mode trace
 */
import {
  EnsembleOperator,
  getJitStats,
  type JitMode,
  jit,
  MapOperator,
  MostCommonOperator,
  Operator,
  SequenceOperator,
} from "../src/index.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error("run with node --expose-gc --import tsx scripts/soak.ts");
  process.exit(2);
}

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}

const CALLS = Number(arg("calls", "1000000"));
const MODE = arg("mode", "auto") as JitMode;
const CHECKPOINT = Math.max(1, Math.floor(CALLS / 10));
const GROWTH_BOUND_MB = 4;
const MB = 1024 * 1024;

let inFlight = 0;

/** A stand-in for a model call: stochastic, answers on the next turn of the event loop. */
class Model extends Operator<{ question: string }, string> {
  override effects = "stochastic" as const;
  private samples = 0;
  constructor(readonly bias: number) {
    super();
    this.name = `model${bias}`;
  }
  async forward(input: { question: string }) {
    inFlight++;
    await null;
    inFlight--;
    return (this.samples++ + this.bias) % 3 === 0 ? "yes" : `${input.question.length}`;
  }
}

const pipeline = new SequenceOperator({
  name: "qa",
  operators: [
    new MapOperator({ inputKey: "q", outputKey: "question", fn: (q: string) => q.trim() }),
    new MapOperator({ inputKey: "q", outputKey: "length", fn: (q: string) => q.length }),
    new EnsembleOperator({ operators: [new Model(0), new Model(1), new Model(2)] }),
    new MostCommonOperator(),
  ],
});

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed / MB;
}

const fast = jit(pipeline, { mode: MODE });
const checkpoints: { calls: number; heapMB: number }[] = [];
const startedAt = performance.now();
for (let i = 1; i <= CALLS; i++) {
  // 1,000 distinct questions (the memo churns), two input shapes.
  const input = i % 2 === 0 ? { q: ` q${i % 1000} ` } : { q: ` q${i % 1000} `, lang: "en" };
  const out = (await fast(input)) as { final_answer: string };
  if (typeof out.final_answer !== "string") throw new Error(`call ${i}: no answer`);
  if (i % CHECKPOINT === 0) {
    const heapMB = await heapAfterGc();
    checkpoints.push({ calls: i, heapMB });
    const s = ((performance.now() - startedAt) / 1000).toFixed(1);
    console.log(`${String(i).padStart(9)} calls · heap after GC ${heapMB.toFixed(2)} MB · ${s} s`);
  }
}
const seconds = (performance.now() - startedAt) / 1000;
const stats = getJitStats(fast);
const first = checkpoints[0]!;
const last = checkpoints.at(-1)!;
const growth = last.heapMB - first.heapMB;
console.log(
  `soak: ${CALLS} calls of ${pipeline.name} (mode ${MODE} → ${stats.strategy}) in ${seconds.toFixed(1)} s (${(CALLS / seconds).toFixed(0)} calls/s)`,
);
console.log(
  `heap after GC: ${first.heapMB.toFixed(2)} MB at ${first.calls} calls → ${last.heapMB.toFixed(2)} MB at ${last.calls} (growth ${growth.toFixed(2)} MB; bound ${GROWTH_BOUND_MB} MB)`,
);
console.log(
  `stats: executions ${stats.executions}, compilations ${stats.compilations}, cache entries ${stats.cacheEntries}, calls in flight ${inFlight}`,
);
const exact = stats.executions === CALLS && stats.cacheEntries <= 2 && inFlight === 0;
if (growth >= GROWTH_BOUND_MB || !exact) {
  console.log("soak: FAILED");
  process.exitCode = 1;
}
