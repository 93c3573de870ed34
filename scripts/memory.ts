/**
 * Bounded-memory checks that need a garbage collector on demand. Run with --expose-gc:
 *
 *   node --expose-gc --import tsx scripts/memory.ts            # prints a report
 *   node --expose-gc --import tsx scripts/memory.ts --json     # one JSON line (for tests)
 *
 * 1. 100,000 calls with 100,000 distinct input shapes through a trace-mode operator: plan
 *    cache entries never exceed the cache's bound, and the heap after GC stays flat.
 * 2. Dropped jitted operators free their plans: every original is finalized after GC.
 */
import {
  getJitStats,
  JitCache,
  jit,
  MapOperator,
  Operator,
  resetJit,
  SequenceOperator,
} from "../src/index.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error("run with node --expose-gc --import tsx scripts/memory.ts");
  process.exit(2);
}

const MB = 1024 * 1024;
const CALLS = Number(process.env.MEMORY_CALLS ?? 100_000);
const CACHE_BOUND = 256;

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

class Ask extends Operator<Record<string, unknown>, string> {
  override effects = "stochastic" as const;
  forward(input: Record<string, unknown>) {
    return `asked ${Object.keys(input).length}`;
  }
}

/** A custom operator: two independent calls the trace starts together. */
class Both extends Operator<Record<string, unknown>, unknown> {
  readonly ask = new Ask();
  readonly check = new Ask();
  async forward(input: Record<string, unknown>) {
    return { asked: await this.ask(input), checked: await this.check({ n: 1 }) };
  }
}

async function distinctShapes() {
  const cache = new JitCache({ maxEntries: CACHE_BOUND });
  const fast = jit(new Both(), { mode: "trace", cache });
  const warmup = Math.min(10_000, CALLS / 10);
  let peakEntries = 0;
  let heapWarm = 0;
  for (let i = 0; i < CALLS; i++) {
    // A new key name each call: a new signature, so a new plan.
    await fast({ [`k${i}`]: i });
    const entries = cache.size;
    if (entries > peakEntries) peakEntries = entries;
    if (i + 1 === warmup) heapWarm = await heapAfterGc();
  }
  const heapEnd = await heapAfterGc();
  const stats = getJitStats(fast);
  return {
    calls: CALLS,
    cacheBound: CACHE_BOUND,
    peakCacheEntries: peakEntries,
    targetCacheEntries: stats.cacheEntries,
    compilations: stats.compilations,
    heapAfterWarmupMB: heapWarm / MB,
    heapEndMB: heapEnd / MB,
    growthMB: (heapEnd - heapWarm) / MB,
  };
}

/** Builds a pipeline, jits it, runs three input shapes through it, then lets go of both. */
async function useAndDrop(cache: JitCache, registry: FinalizationRegistry<number>, k: number) {
  const pipeline = new SequenceOperator({
    operators: [
      new MapOperator({ inputKey: "q", outputKey: "a", fn: async (q: string) => `${q}!` }),
      new Both(),
    ],
  });
  const fast = jit(pipeline, { mode: "enhanced", cache });
  for (const shape of [{ q: "x" }, { q: "y", extra: 1 }, { q: "z", more: [1, 2] }]) {
    await fast(shape);
  }
  registry.register(pipeline, k);
}

async function droppedOperators() {
  const total = 200;
  let finalized = 0;
  const registry = new FinalizationRegistry<number>(() => {
    finalized++;
  });
  const cache = new JitCache({ maxEntries: 10_000 });
  for (let k = 0; k < total; k++) await useAndDrop(cache, registry, k);
  const heldBefore = cache.size;
  for (let i = 0; i < 20 && finalized < total; i++) {
    await heapAfterGc();
    await new Promise((r) => setTimeout(r, 5));
  }
  return { operators: total, finalized, plansCachedBeforeGc: heldBefore };
}

const shapes = await distinctShapes();
resetJit();
const dropped = await droppedOperators();
const report = { shapes, dropped };
if (process.argv.includes("--json")) {
  console.log(JSON.stringify(report));
} else {
  const s = shapes;
  console.log(
    `distinct shapes: ${s.calls} calls, ${s.compilations} compilations; plan cache peak ${s.peakCacheEntries} entries (bound ${s.cacheBound})`,
  );
  console.log(
    `  heap after GC: ${s.heapAfterWarmupMB.toFixed(1)} MB after warm-up → ${s.heapEndMB.toFixed(1)} MB at the end (growth ${s.growthMB.toFixed(2)} MB)`,
  );
  console.log(
    `dropped operators: ${dropped.finalized} of ${dropped.operators} finalized after GC (their ${dropped.plansCachedBeforeGc} plans were cached)`,
  );
}
