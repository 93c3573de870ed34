import type { GraphPlan } from "./graph-plan.js";

/**
 * The printed form of a graph plan, one line per node:
 * `n2 = llm[stochastic]   qa/vote/operators[1]   ← n0`, then the output and the shape.
 */
export function renderPlan(plan: GraphPlan): string {
  const lines = [`plan ${plan.strategy} for ${plan.target.name}`];
  const graph = plan.graph;
  const incoming = new Map<string, string[]>();
  for (const e of graph.edges) {
    const list = incoming.get(e.to) ?? [];
    list.push(e.toKey === undefined ? e.from : `${e.from}→${e.toKey}`);
    incoming.set(e.to, list);
  }
  for (const [id, meta] of plan.meta) {
    const sources = incoming.get(id) ?? [];
    const from = sources.length === 0 ? "input" : sources.join(", ");
    const where = plan.target.name + meta.rel;
    const tag = meta.kind === "glue" ? "glue" : meta.effects;
    const jitted = meta.kind === "nested" ? " jitted" : "";
    lines.push(`  ${id} = ${meta.label}[${tag}]${jitted}  ${where}  ← ${from}`);
  }
  lines.push(`  out ${plan.output === "in" ? "input" : plan.output}`);
  const waves = graph.waves();
  const width = Math.max(
    0,
    ...waves.map((w) => w.filter((id) => plan.meta.get(id)?.kind !== "glue").length),
  );
  const calls = [...plan.meta.values()].filter((m) => m.kind !== "glue").length;
  lines.push(`  ${calls} calls · width ${width} · depth ${waves.length}`);
  for (const note of plan.notes) lines.push(`  note: ${note}`);
  return lines.join("\n");
}

/** Groups of plan calls that can run at the same time (waves with more than one call). */
export function parallelGroups(plan: GraphPlan): string[][] {
  return plan.graph
    .waves()
    .map((wave) =>
      wave
        .filter((id) => plan.meta.get(id)?.kind !== "glue")
        .map((id) => plan.target.name + plan.meta.get(id)!.rel),
    )
    .filter((group) => group.length > 1);
}
