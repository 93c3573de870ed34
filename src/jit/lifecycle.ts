import { debugLevel, debugPrint } from "./debug.js";
import type { StatsRecorder } from "./stats.js";

/** Why a shape-sensitive plan is captured again. */
export type RetraceReason = "guard_miss" | "unrecorded_call" | "key_violation" | "force_trace";

/** What one call of a shape-sensitive plan does. */
export type Step =
  /** Run the target for real while capturing its plan. */
  | "capture"
  /** Run from the captured plan (start predictable calls early, guard them). */
  | "speculate"
  /** Another call is capturing right now: run as written, without counting a compilation. */
  | "as_written"
  /** Retraced `maxRecompiles` times and still missing: run eagerly for good. */
  | "eager";

type Stage = "untraced" | "capturing" | "speculating" | "eager";

/**
 * The one lifecycle of every plan that depends on what a run shows (trace, enhanced):
 * `untraced → capturing → speculating`, a retrace with a typed reason on a miss, at most
 * `maxRecompiles` times, then eager for good. One capture is shared by concurrent first
 * calls: while it runs, the others run as written rather than capture again. Each
 * transition is counted in the stats and printed at EMBER_DEBUG >= 1.
 */
export class Lifecycle {
  private stage: Stage = "untraced";
  private captures = 0;
  private pending: { reason: RetraceReason; site: string } | undefined;
  /** Why the plan runs eagerly, once it does. */
  fallbackReason: string | undefined;

  constructor(
    private readonly name: string,
    private readonly stats: StatsRecorder,
    private readonly maxRecompiles: number,
  ) {}

  get state(): Stage {
    return this.stage;
  }

  /** Decides what this call does; a "capture" must be followed by `captured` (even if it threw). */
  next(forceTrace: boolean): Step {
    if (this.stage === "eager") return "eager";
    if (this.stage === "capturing") return "as_written";
    if (this.stage === "untraced" || forceTrace || this.pending) {
      if (forceTrace && this.captures > 0) this.pending ??= { reason: "force_trace", site: "" };
      this.stage = "capturing";
      return "capture";
    }
    return "speculate";
  }

  /** A capture finished: its plan replaces the old one. */
  captured(summary: { calls: number; early: number; ms: number; strategy: string }): void {
    const retrace = this.pending;
    if (this.captures > 0) {
      const why = retrace ?? { reason: "force_trace" as const, site: "" };
      this.stats.retraced(
        why.site ? { reason: why.reason, site: why.site } : { reason: why.reason },
      );
      this.print(
        `retrace ${this.name}: ${why.reason}${why.site ? ` at ${why.site}` : ""} (${this.captures} of ${this.maxRecompiles})`,
      );
    }
    this.captures++;
    this.pending = undefined;
    this.stage = "speculating";
    this.stats.compiled(summary.ms, summary.strategy);
    this.print(
      `jit ${this.name}: captured ${summary.calls} calls (${summary.early} early) in ${summary.ms.toFixed(2)} ms`,
    );
  }

  /**
   * A run met what its plan did not predict. The next call captures again, unless the
   * target has been retraced `maxRecompiles` times already: then it runs eagerly for good.
   */
  miss(reason: RetraceReason, site: string): void {
    if (this.stage === "eager" || this.pending) return;
    const retraces = this.captures - 1;
    if (retraces >= this.maxRecompiles) {
      this.stage = "eager";
      this.fallbackReason = `eager after ${retraces} retraces (maxRecompiles ${this.maxRecompiles}); last: ${reason} at ${site}`;
      this.stats.fellBack(this.fallbackReason);
      this.print(`fallback ${this.name}: ${this.fallbackReason}`);
      return;
    }
    this.pending = { reason, site };
  }

  private print(line: string): void {
    if (debugLevel() >= 1) debugPrint(line);
  }
}
