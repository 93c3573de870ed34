/** Turns one contender's raw runs into the figures of a table row. */
import type { Measurement, RunRecord } from "./measure.js";

export interface RowSummary {
  medianMs: number;
  p95Ms: number;
  /** Median bound over runs (constant for every workload but 5 and 6). */
  boundMs: number;
  /** Median zero-overhead schedule of the natural kind, when the workload defines one. */
  idealMs?: number;
  /** bound / idealMs, median over runs: the best efficiency that kind of schedule allows. */
  ceiling?: number;
  /** bound / measured: the median over variants of each variant's median; null when the bound is 0. */
  efficiency: number | null;
  /** Lowest and highest per-variant efficiency (workload 5: across seeds). */
  efficiencyRange: [number, number] | null;
  /** Each variant's median efficiency, when there are several (workload 5: per seed). */
  variantEfficiencies?: number[];
  /** (measured − bound) / model calls, median over runs, in ms. */
  overheadPerNodeMs: number;
  peakInFlight: number;
  /** Model calls per call of the contender, median over runs. */
  calls: number;
  expectedCalls: number;
  /** Every measured run made exactly the expected number of calls. */
  callsExact: boolean;
  setupMs: number;
  /** Mean lateness of the simulated calls: what the timers, not the contender, cost. */
  latenessMs: number;
  /** CPU µs per model call (user + system), median over runs. */
  cpuUsPerCall: number;
  correct: boolean;
  runs: number;
  /** Every measured run's time, in order. */
  runsMs: number[];
}

/** Median as in bench/harness.ts: the upper middle element. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? Number.NaN;
}

const efficiencyOf = (r: RunRecord) => r.boundMs / r.ms;

export function summarize(m: Measurement): RowSummary {
  const runs = m.variants.flatMap((v) => v.runs);
  const hasBound = runs.some((r) => r.boundMs > 0);
  const perVariant = m.variants.map((v) => median(v.runs.map(efficiencyOf)));
  const expectedCalls = runs[0]?.expectedCalls ?? 0;
  return {
    medianMs: median(runs.map((r) => r.ms)),
    p95Ms: p95(runs.map((r) => r.ms)),
    boundMs: median(runs.map((r) => r.boundMs)),
    ...(runs[0]?.idealMs === undefined
      ? {}
      : {
          idealMs: median(runs.map((r) => r.idealMs ?? 0)),
          ceiling: median(runs.map((r) => r.boundMs / (r.idealMs ?? 0))),
        }),
    efficiency: hasBound ? median(perVariant) : null,
    efficiencyRange:
      hasBound && perVariant.length > 1 ? [Math.min(...perVariant), Math.max(...perVariant)] : null,
    ...(hasBound && perVariant.length > 1 ? { variantEfficiencies: perVariant } : {}),
    overheadPerNodeMs: median(runs.map((r) => (r.ms - r.boundMs) / Math.max(1, r.expectedCalls))),
    peakInFlight: Math.max(...runs.map((r) => r.peakInFlight)),
    calls: median(runs.map((r) => r.calls)),
    expectedCalls,
    callsExact: runs.every((r) => r.calls === r.expectedCalls),
    setupMs: median(m.variants.map((v) => v.setupMs)),
    latenessMs: runs.reduce((s, r) => s + r.latenessMs, 0) / Math.max(1, runs.length),
    cpuUsPerCall: median(runs.map((r) => r.cpuUsPerCall)),
    correct: m.mismatches.length === 0 && runs.every((r) => r.correct),
    runs: runs.length,
    runsMs: runs.map((r) => r.ms),
  };
}
