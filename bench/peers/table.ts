/** One markdown table per workload: every contender beside the bound, then the targets. */
import { CONTENDERS } from "./contenders.js";
import type { Facts, Row, TargetResult } from "./targets.js";
import type { WorkloadSpec } from "./workload.js";

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const perNode = (x: number) =>
  Math.abs(x) >= 1 ? `${x.toFixed(2)} ms` : `${(x * 1000).toFixed(1)} µs`;

/** What ember-xcs's JIT did, in a few words; peers have no facts. */
function notes(facts: Facts, variants: number): string {
  if (facts.strategy === undefined) return "";
  const parts = [`${facts.mode} → ${facts.strategy}`, `compilations ${facts.compilations}`];
  parts.push(`retraces ${facts.retraces}`, `compile ${ms(Number(facts.compileTimeMs))} ms`);
  if (Number(facts.fallbacks) > 0) parts.push(`fallbacks ${facts.fallbacks}`);
  if (Number(facts.speculationHits) + Number(facts.speculationMisses) > 0) {
    parts.push(`speculation ${facts.speculationHits} hit / ${facts.speculationMisses} miss`);
  }
  if (facts.eagerPerCallMs !== undefined)
    parts.push(`eager ${perNode(Number(facts.eagerPerCallMs))}/call`);
  const sums = variants > 1 ? ` (sums over ${variants} variants)` : "";
  return parts.join(", ") + sums;
}

function check(row: Row, cap: number | undefined): string {
  if (row.status === "missing") return "not implemented";
  if (row.status === "error") return `error: ${(row.error ?? "").slice(0, 80)}`;
  const s = row.summary!;
  const problems: string[] = [];
  if (!s.correct) problems.push("**WRONG RESULT**");
  if (!s.callsExact) problems.push(`**calls ≠ ${s.expectedCalls}**`);
  if (cap !== undefined && s.peakInFlight > cap) problems.push(`**cap ${cap} exceeded**`);
  return problems.length ? problems.join(", ") : "ok";
}

function line(row: Row, cap: number | undefined, variants: number): string {
  const label = CONTENDERS[row.contender].label;
  const s = row.summary;
  if (!s) return `| ${label} | | | | | | | | | | ${check(row, cap)} | |`;
  let eff = s.efficiency === null ? "—" : s.efficiency.toFixed(2);
  if (s.efficiencyRange) {
    eff += ` (${s.efficiencyRange[0].toFixed(2)}–${s.efficiencyRange[1].toFixed(2)})`;
  }
  const cells = [
    label,
    ms(s.medianMs),
    ms(s.p95Ms),
    ms(s.boundMs),
    eff,
    perNode(s.overheadPerNodeMs),
    String(s.peakInFlight),
    String(s.calls),
    s.boundMs > 0 ? ms(s.latenessMs) : "—",
    ms(s.setupMs),
    check(row, cap),
    notes(row.facts, variants),
  ];
  return `| ${cells.join(" | ")} |`;
}

/** The zero-overhead in-order schedule, when the workload has one: the ceiling under the bound. */
function idealLine(rows: readonly Row[]): string[] {
  const s = rows.find((r) => r.summary?.ceiling !== undefined)?.summary;
  if (s?.idealMs === undefined || s.ceiling === undefined) return [];
  return [
    `Starting items in input order with zero overhead takes ${ms(s.idealMs)} ms (median) on these latencies, so no in-order scheduler can beat efficiency ${s.ceiling.toFixed(2)} against this bound.`,
    "",
  ];
}

export function renderTable(
  index: number,
  spec: WorkloadSpec<unknown, unknown, unknown>,
  rows: readonly Row[],
  targets: readonly TargetResult[],
  info: readonly string[],
  agreement: string,
): string {
  const { warmup, runs, variants, callsPerRun } = spec.plan;
  const per = callsPerRun > 1 ? ` of ${callsPerRun} calls (times are per call)` : "";
  const reps =
    variants > 1
      ? `${variants} variants × (${warmup} warm-up + ${runs} measured run${runs > 1 ? "s" : ""})`
      : `${warmup} warm-up + ${runs} measured runs${per}`;
  const out = [
    `### ${index}. ${spec.title}`,
    "",
    `${spec.detail}. Bound: ${spec.boundLabel}. ${reps}, fresh inputs, each contender in a fresh process.`,
    "",
    "| contender | median ms | p95 ms | bound ms | efficiency | overhead / node | peak in flight | calls | timer lag ms | setup ms | check | notes |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ...rows.map((r) => line(r, spec.cap, variants)),
    "",
    ...idealLine(rows),
    agreement,
    "",
    ...info.map((i) => `- ${i}`),
    ...targets.map(
      (t) =>
        `- target (ember-xcs): ${t.description}: ${t.value} — ${verdictOf(t)}${t.why ? ` (${t.why})` : ""}`,
    ),
  ];
  return out.join("\n");
}

function verdictOf(t: TargetResult): string {
  if (t.unchecked) return `not checked (${t.unchecked})`;
  return t.met ? "met" : "**MISSED**";
}
