import type { Graph } from "./graph.js";
import type { NodeResult } from "./results.js";

/** How `graph.run()` runs: the options the engine takes from users. */
export interface RunOptions {
  /** "sequential" runs one node at a time in topological order, for debugging. @default "parallel" */
  scheduler?: "parallel" | "sequential";
  /**
   * Leaf calls in flight for this run, counted however deeply they are nested inside its
   * nodes; it narrows the enclosing budget and never widens it.
   * @default the enclosing budget (the global one: 64)
   */
  maxConcurrency?: number;
  /** Aborting it aborts the signal running nodes see and rejects the run with its reason. */
  signal?: AbortSignal;
  /** Time limit for the whole run; the run rejects with a TimeoutError. @default none */
  timeoutMs?: number;
  /**
   * Time limit for each node (inline nodes run synchronously and are not timed); the run
   * rejects with a TimeoutError whose `path` is the node id. @default none
   */
  nodeTimeoutMs?: number;
  /**
   * Run every node that can run and resolve to a NodeResult per node (every node, or those
   * in `outputs`) instead of failing on the first error. @default false
   */
  continueOnError?: boolean;
  /** Node ids whose outputs make up the result. @default the sinks */
  outputs?: readonly string[];
}

/** What runs a graph: the engine's ready queue, which registers itself (graph sits below it). */
export type GraphRunner = (
  graph: Graph,
  input: unknown,
  options: RunOptions,
) => Promise<Record<string, unknown> | Record<string, NodeResult>>;

let runner: GraphRunner | undefined;

/** Called once by the engine when it loads. */
export function setGraphRunner(run: GraphRunner): void {
  runner = run;
}

export function graphRunner(): GraphRunner {
  if (!runner)
    throw new Error('ember-xcs: the engine is not loaded; import Graph from "ember-xcs"');
  return runner;
}
