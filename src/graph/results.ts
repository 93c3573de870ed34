/**
 * What a node came to in a run with `continueOnError`: its output, the error it threw, or
 * `skipped` when a node it depends on (directly or further up) failed. `blockedBy` names
 * the failed node, not the skipped one between.
 *
 * @example
 * const results = await graph.run(input, { continueOnError: true });
 * if (results.judge?.status === "ok") use(results.judge.value);
 */
export type NodeResult<T = unknown> =
  | { readonly status: "ok"; readonly value: T }
  | { readonly status: "error"; readonly error: unknown }
  | { readonly status: "skipped"; readonly blockedBy: string };

export type NodeStatus = NodeResult["status"];
