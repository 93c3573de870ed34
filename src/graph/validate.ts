import { GraphError, OptionError } from "../core/errors.js";
import { type AnyOperator, assertOperator } from "../operator/operator.js";

/** Refuses a node id that is not a non-empty string, is taken, or holds no operator. */
export function checkNewNode(
  nodes: ReadonlyMap<string, AnyOperator>,
  id: string,
  operator: unknown,
): void {
  if (typeof id !== "string" || id === "") {
    throw new GraphError("missing_node", [String(id)], "a node id must be a non-empty string");
  }
  if (nodes.has(id)) {
    throw new GraphError("duplicate_node", [id], `node "${id}" is already in the graph`);
  }
  assertOperator(operator, `graph node "${id}"`);
}

/** Refuses an edge whose ends are not both nodes of the graph. */
export function checkEdgeEnds(
  nodes: ReadonlyMap<string, AnyOperator>,
  from: string,
  to: string,
): void {
  const missing = [from, to].filter((id) => !nodes.has(id));
  if (missing.length === 0) return;
  const named = missing.map((id) => `"${id}"`).join(" and ");
  throw new GraphError("missing_node", missing, `edge ${from} → ${to}: no node ${named}`);
}

/** Refuses edge keys that are not strings (an empty string is a valid key). */
export function checkEdgeKeys(keys: { fromKey?: unknown; toKey?: unknown }): void {
  for (const what of ["fromKey", "toKey"] as const) {
    const got = keys[what];
    if (got !== undefined && typeof got !== "string") {
      throw new OptionError("invalid_option", {
        where: "addEdge()",
        what,
        got,
        valid: ["a string"],
      });
    }
  }
}

/**
 * The error for a graph whose topological sort stalled. `stuck` holds the nodes never
 * reached, in insertion order; each has a predecessor that is also stuck, so walking
 * predecessors from any of them must come back round. The cycle is rotated to start at its
 * earliest-added node so the message is the same however the sort stalled.
 */
export function cycleError(
  stuck: readonly string[],
  predecessors: (id: string) => readonly string[],
): GraphError {
  const inStuck = new Set(stuck);
  const seenAt = new Map<string, number>();
  const walk: string[] = [];
  let at = stuck[0]!;
  while (!seenAt.has(at)) {
    seenAt.set(at, walk.length);
    walk.push(at);
    at = predecessors(at).find((p) => inStuck.has(p))!;
  }
  // `walk` runs against the edges; the loop is its tail from `at`, reversed.
  const loop = walk.slice(seenAt.get(at)).reverse();
  const order = new Map(stuck.map((id, i) => [id, i]));
  let first = 0;
  for (let i = 1; i < loop.length; i++) {
    if (order.get(loop[i]!)! < order.get(loop[first]!)!) first = i;
  }
  const rotated = [...loop.slice(first), ...loop.slice(0, first)];
  const nodes = [...rotated, rotated[0]!];
  return new GraphError("graph_cycle", nodes, `cycle: ${nodes.join(" → ")}`);
}
