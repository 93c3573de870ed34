import type { Plan } from "./plan.js";
import type { JitStats, Retrace } from "./stats.js";

/** What `jitted.explain()` returns; `text` is all of it, printable. */
export interface JitExplanation {
  strategy: string;
  /** Why this strategy (the auto rule's reason, or the explicit mode). */
  selection: string;
  plan: string;
  mermaid: string;
  /** Operator paths that run at the same time. */
  parallelGroups: string[][];
  guards: string[];
  retraces: Retrace[];
  fallbacks: string[];
  notes: string[];
  text: string;
}

export function explainPlan(plan: Plan, selection: string, stats: JitStats): JitExplanation {
  const groups = plan.parallelGroups?.() ?? [];
  const guards = plan.guards?.() ?? [];
  const explanation: Omit<JitExplanation, "text"> = {
    strategy: plan.strategy,
    selection,
    plan: plan.toString(),
    mermaid: plan.graph ? plan.graph.toMermaid() : "flowchart TD\n  call",
    parallelGroups: groups,
    guards,
    retraces: stats.retraceReasons,
    fallbacks: stats.fallbackReasons,
    notes: [...plan.notes],
  };
  const lines = [`strategy: ${plan.strategy} (${selection})`, explanation.plan];
  if (groups.length > 0)
    lines.push(`parallel groups: ${groups.map((g) => `[${g.join(", ")}]`).join(" ")}`);
  if (guards.length > 0) lines.push(`guards: ${guards.join("; ")}`);
  for (const r of stats.retraceReasons)
    lines.push(`retrace: ${r.reason}${r.site ? ` at ${r.site}` : ""}`);
  for (const f of stats.fallbackReasons) lines.push(`fallback: ${f}`);
  return { ...explanation, text: lines.join("\n") };
}
