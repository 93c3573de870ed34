import type { Graph } from "../graph/graph.js";
import type { RunEnv } from "./run-env.js";

/**
 * A compiled plan: wiring only, never values from an earlier call. `run` executes it for
 * one call; `toString` is its stable printed form (tests compare it exactly).
 */
export interface Plan {
  /** The strategy that built it: "structural", "passthrough", or a registered one. */
  readonly strategy: string;
  /** The dataflow graph, when the plan has one. */
  readonly graph: Graph | undefined;
  /** Notes for `explain()`: fallbacks, opaque operators, guards. */
  readonly notes: readonly string[];
  /** Whether the plan depends on the input's shape (and must be cached per signature). */
  readonly shapeSensitive: boolean;
  /**
   * Set when the plan compiles on its first run (a trace): it then counts its own
   * compilations, and `prepare` compiles it ahead of any call (for `sampleInput`).
   */
  readonly compilesOnRun?: boolean;
  prepare?(input: unknown, env: RunEnv): Promise<void>;
  /** Operator paths that may run at the same time, group by group. */
  parallelGroups?(): string[][];
  /** The checks made before a speculated result is used, one line each. */
  guards?(): string[];
  run(input: unknown, env: RunEnv, signal: AbortSignal): Promise<unknown>;
  toString(): string;
}
