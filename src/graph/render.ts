import type { AnyOperator } from "../operator/operator.js";
import type { Graph, GraphEdge } from "./graph.js";

/**
 * What a printed line says of a node beyond its id. A graph's own line is its operator's
 * name and effects, fed as its edges say; a plan adds where the call is in its target, how
 * its input is built when edges do not say it, and a note (when it starts, say).
 */
export interface NodeText {
  readonly label: string;
  readonly tag: string;
  readonly where?: string | undefined;
  readonly from?: string | undefined;
  readonly note?: string | undefined;
}

/** A printed graph or plan: its first line, what a plan says of each node, its last lines. */
export interface PrintSpec {
  readonly title: string;
  /** A plan's account of a node; the graph's own (name, effects, edges) when absent. */
  readonly node?: (id: string, operator: AnyOperator) => Partial<NodeText>;
  /** Lines after the nodes: the output, a summary. */
  readonly footer?: readonly string[];
  /** Printed last, one `note:` line each. */
  readonly notes?: readonly string[];
}

/**
 * The one printer of graphs and plans: a title, then one line per node in insertion order,
 * `id = label[tag]  where  ← input  · note`, then the footer and the notes. The input is
 * `input` for a root, a node id when one output passes through, or an object literal for a
 * merge, unless the plan says how it is built.
 */
export function printGraph(graph: Graph | undefined, spec: PrintSpec): string {
  const lines = [spec.title];
  const inEdges = groupByTarget(graph?.edges ?? []);
  for (const [id, operator] of graph?.nodes ?? []) {
    const text = spec.node?.(id, operator);
    const label = text?.label ?? operator.name;
    const where = text?.where ? `  ${text.where}` : "";
    const from = text?.from ?? describeInput(inEdges.get(id) ?? []);
    const note = text?.note ? `  · ${text.note}` : "";
    lines.push(`  ${id} = ${label}[${text?.tag ?? operator.effects}]${where}  ← ${from}${note}`);
  }
  lines.push(...(spec.footer ?? []));
  for (const note of spec.notes ?? []) lines.push(`  note: ${note}`);
  return lines.join("\n");
}

/**
 * The graph as stable text (through the one printer).
 *
 * @example
 * graph · 3 nodes · 2 edges
 *   a = Llm[stochastic]  ← input
 *   b = Judge[pure]  ← {...a, question: a.text}
 *   out {b}
 */
export function graphToString(graph: Graph): string {
  return printGraph(graph, {
    title: `graph · ${graph.nodes.size} nodes · ${graph.edges.length} edges`,
    footer: [`  out {${graph.sinks().join(", ")}}`],
  });
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

const INDEX = /^(0|[1-9]\d*)$/;

function keyName(key: string): string {
  // A bare or quoted __proto__ in a literal would set the prototype; the engine defines a key.
  if (key === "__proto__") return '["__proto__"]';
  return IDENTIFIER.test(key) || INDEX.test(key) ? key : JSON.stringify(key);
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
