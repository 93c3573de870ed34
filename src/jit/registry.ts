import type { AnyOperator } from "../operator/operator.js";
import { StatsRecorder } from "./stats.js";

/** Process-wide JIT state: global totals and per-target counters (freed with the target). */
let global = new StatsRecorder();
let perTarget = new WeakMap<object, StatsRecorder>();

export function globalStats(): StatsRecorder {
  return global;
}

export function statsFor(target: AnyOperator): StatsRecorder {
  let stats = perTarget.get(target);
  if (!stats) {
    stats = new StatsRecorder(global);
    perTarget.set(target, stats);
  }
  return stats;
}

export function peekStats(target: object): StatsRecorder | undefined {
  return perTarget.get(target);
}

export function resetStats(): void {
  global = new StatsRecorder();
  perTarget = new WeakMap();
}
