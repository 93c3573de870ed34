/**
 * What a workload is, and what a contender provides for it. A workload owns the simulated
 * models, the fresh inputs and a clock-free reference (result, physical bound, call count);
 * a contender only wires the calls together in its library's own idiom.
 */
import type { SimMeter } from "./sim-llm.js";

/** What running one input must give, computed from the simulator without running anything. */
export interface Reference<O> {
  output: O;
  /** The least time any scheduler could take for this input, in ms. */
  boundMs: number;
  /** Model calls one input makes. */
  calls: number;
  /**
   * What a zero-overhead scheduler of the natural kind would take, when the bound is not
   * reachable (workload 6: an in-order pool cannot pack items perfectly).
   */
  idealMs?: number;
}

export interface RunPlan {
  /** Independent instances, each with its own context and build (workload 5: seeds). */
  variants: number;
  /** Unmeasured runs per variant, each on a fresh input. */
  warmup: number;
  /** Measured runs per variant, each on fresh inputs. */
  runs: number;
  /** Calls of the built function per run (workload 8 times 50 calls per run). */
  callsPerRun: number;
}

export interface WorkloadSpec<C, I, O> {
  readonly id: string;
  readonly title: string;
  /** One line: latencies, sizes, caps. */
  readonly detail: string;
  /** How the bound is derived, for the table. */
  readonly boundLabel: string;
  readonly plan: RunPlan;
  /** The most model calls the workload allows in flight, if it sets a cap. */
  readonly cap?: number;
  context(meter: SimMeter, variant: number): C;
  /** A fresh input; `index` counts every call in this variant, warm-ups included. */
  input(variant: number, index: number): I;
  reference(ctx: C, input: I): Reference<O>;
}

/** A contender's build for one variant: the function timed, and facts read afterwards. */
export interface Built<I, O> {
  run(input: I): Promise<O>;
  /** Library-specific facts (JIT stats, strategy) read after the measured runs. */
  facts?(): Record<string, string | number> | Promise<Record<string, string | number>>;
}

export type Build<C, I, O> = (ctx: C) => Built<I, O> | Promise<Built<I, O>>;

export type BuildOf<S> = S extends WorkloadSpec<infer C, infer I, infer O> ? Build<C, I, O> : never;
