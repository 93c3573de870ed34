import { type AnyOperator, getJitStats, jit } from "ember-xcs";
import { type Anchor, inputIndex } from "./anchor.js";

export interface RoundOptions {
  warmup: number;
  runs: number;
}

/** One round: a fresh workload, eager and jitted runs interleaved on the same fresh inputs. */
export interface Round {
  boundMs: number;
  sequentialMs: number;
  eagerMs: number;
  jitMs: number;
  /** Model requests per run, eager and jitted (a wasted early start counts). */
  eagerRequests: number;
  jitRequests: number;
  compilations: number;
  speculationHits: number;
  speculationMisses: number;
  retraces: number;
  strategy: string;
}

const call = (op: AnyOperator, input: unknown) =>
  (op as unknown as (i: unknown) => Promise<unknown>)(input);

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export async function measureRound(
  anchor: Anchor,
  round: number,
  options: RoundOptions,
): Promise<Round> {
  const w = anchor.create();
  const fast = jit(w.operator);
  // The first jitted call runs as written and records the calls: not measured.
  await call(fast, w.input(1000 + round));
  const eagerTimes: number[] = [];
  const jitTimes: number[] = [];
  let eagerRequests = 0;
  let jitRequests = 0;
  for (let k = 0; k < options.warmup + options.runs; k++) {
    const input = w.input(inputIndex(round, k));
    const measured = k >= options.warmup;
    // Alternate which side goes first, so that neither always runs on a warmer process.
    const sides = k % 2 === 0 ? (["eager", "jit"] as const) : (["jit", "eager"] as const);
    const outputs: Record<string, unknown> = {};
    for (const side of sides) {
      const before = w.requests();
      const started = performance.now();
      outputs[side] = await call(side === "eager" ? w.operator : fast, input);
      const ms = performance.now() - started;
      if (!measured) continue;
      if (side === "eager") {
        eagerTimes.push(ms);
        eagerRequests += w.requests() - before;
      } else {
        jitTimes.push(ms);
        jitRequests += w.requests() - before;
      }
    }
    const [a, b] = [JSON.stringify(outputs.eager), JSON.stringify(outputs.jit)];
    if (a !== b) throw new Error(`${anchor.id}: jitted result differs from eager\n  ${a}\n  ${b}`);
  }
  const stats = getJitStats(fast);
  return {
    boundMs: w.boundMs,
    sequentialMs: w.sequentialMs,
    eagerMs: median(eagerTimes),
    jitMs: median(jitTimes),
    eagerRequests: eagerRequests / options.runs,
    jitRequests: jitRequests / options.runs,
    compilations: stats.compilations,
    speculationHits: stats.speculationHits,
    speculationMisses: stats.speculationMisses,
    retraces: stats.retraces,
    strategy: stats.strategy,
  };
}

export { median };
