import type { Graph, GraphEdge } from "./graph.js";

/**
 * The graph as stable text, one line per node in insertion order, each showing how the
 * node's input is built: `input` for a root, a node id when one output passes through, or
 * an object literal for a merge.
 *
 * @example
 * graph · 3 nodes · 2 edges
 *   a = Llm[stochastic] input
 *   b = Judge[pure] {...a, question: a.text}
 *   out {b}
 */
export function graphToString(graph: Graph): string {
  const lines = [`graph · ${graph.nodes.size} nodes · ${graph.edges.length} edges`];
  const inEdges = groupByTarget(graph.edges);
  for (const [id, operator] of graph.nodes) {
    const source = describeInput(inEdges.get(id) ?? []);
    lines.push(`  ${id} = ${operator.name}[${operator.effects}] ${source}`);
  }
  lines.push(`  out {${graph.sinks().join(", ")}}`);
  return lines.join("\n");
}

function describeInput(edges: readonly GraphEdge[]): string {
  const only = edges[0];
  if (only === undefined) return "input";
  if (edges.length === 1 && only.fromKey === undefined && only.toKey === undefined) {
    return only.from;
  }
  const parts = edges.map((e) => {
    const value = e.fromKey === undefined ? e.from : `${e.from}${keyAccess(e.fromKey)}`;
    return e.toKey === undefined ? `...${value}` : `${keyName(e.toKey)}: ${value}`;
  });
  return `{${parts.join(", ")}}`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function keyAccess(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function keyName(key: string): string {
  // A bare or quoted __proto__ in a literal would set the prototype; the engine defines a key.
  if (key === "__proto__") return '["__proto__"]';
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}

/**
 * A Mermaid flowchart: one `id[name]` line per node, then one line per edge, labelled with
 * its keys when it has any (`answer → question`, `answer`, or `→ question`). Ids Mermaid
 * cannot take as they are become `n<index>`.
 *
 * @example
 * flowchart TD
 *   a[Llm]
 *   b[Judge]
 *   a -->|text → question| b
 */
export function graphToMermaid(graph: Graph): string {
  const mermaidId = new Map<string, string>();
  let index = 0;
  for (const id of graph.nodes.keys()) {
    mermaidId.set(id, SAFE_ID.test(id) && id.toLowerCase() !== "end" ? id : `n${index}`);
    index++;
  }
  const lines = ["flowchart TD"];
  for (const [id, operator] of graph.nodes) {
    lines.push(`  ${mermaidId.get(id)}[${mermaidText(operator.name)}]`);
  }
  for (const edge of graph.edges) {
    const label = edgeLabel(edge);
    const arrow = label === undefined ? "-->" : `-->|${mermaidText(label)}|`;
    lines.push(`  ${mermaidId.get(edge.from)} ${arrow} ${mermaidId.get(edge.to)}`);
  }
  return lines.join("\n");
}

const SAFE_ID = /^[A-Za-z_][\w]*$/;
const PLAIN_TEXT = /^[\w .:→-]+$/;

function edgeLabel(edge: GraphEdge): string | undefined {
  if (edge.toKey === undefined) return edge.fromKey;
  return edge.fromKey === undefined ? `→ ${edge.toKey}` : `${edge.fromKey} → ${edge.toKey}`;
}

/** Plain text as is; anything else quoted, with Mermaid's entity for a double quote. */
function mermaidText(text: string): string {
  return PLAIN_TEXT.test(text) ? text : `"${text.replaceAll('"', "#quot;")}"`;
}

function groupByTarget(edges: readonly GraphEdge[]): Map<string, GraphEdge[]> {
  const byTarget = new Map<string, GraphEdge[]>();
  for (const edge of edges) {
    const list = byTarget.get(edge.to);
    if (list) list.push(edge);
    else byTarget.set(edge.to, [edge]);
  }
  return byTarget;
}
