/**
 * The field's published speedups, on the workloads as a user writes them without a JIT:
 * eager against jit against the workload's critical-path bound, beside the paper's figure.
 *
 *   npx tsx bench/anchors/run.ts [--workload movie,sot] [--rounds 3] [--runs 7] [--warmup 2]
 *
 * Latencies are the papers' scale divided by 25 (LLMCompiler) or 10 (Teola, SoT), on the
 * simulated provider and pure leaf operators with a set delay; see each workload's file in
 * examples/papers/. Each round builds the workload afresh, traces it with one call, then
 * runs eager and jit in turn on the same fresh inputs (results must be equal) and takes the
 * medians; the summary is the median of the rounds, with the spread of jit/bound across them.
 * jit/bound is (eager/jit) / (eager/bound) = bound/jit: the share of the best speedup any
 * scheduler could reach that the JIT reached. Writes bench/results/anchors.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Anchor } from "./anchor.js";
import { llmcompilerHotpotQA } from "./llmcompiler-hotpotqa.js";
import { llmcompilerMovie } from "./llmcompiler-movie.js";
import { measureRound, median, type Round } from "./measure.js";
import { skeletonOfThoughtAnchor } from "./skeleton-of-thought.js";
import { teolaRag } from "./teola-rag.js";

const ANCHORS: readonly Anchor[] = [
  llmcompilerHotpotQA,
  llmcompilerMovie,
  teolaRag,
  skeletonOfThoughtAnchor,
];
/** jit/bound must reach this on every workload. */
const TARGET = 0.9;

const { values } = parseArgs({
  options: {
    workload: { type: "string" },
    rounds: { type: "string", default: "3" },
    runs: { type: "string", default: "7" },
    warmup: { type: "string", default: "2" },
  },
});
const rounds = positive("rounds", values.rounds);
const runs = positive("runs", values.runs);
const warmup = Number(values.warmup);
const wanted = values.workload?.split(",").map((w) => w.trim());
const selected = wanted ? ANCHORS.filter((a) => wanted.some((w) => a.id.includes(w))) : ANCHORS;
if (selected.length === 0) {
  throw new Error(
    `--workload ${values.workload}: no workload matches; expected parts of ${ANCHORS.map((a) => a.id).join(", ")}`,
  );
}

function positive(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} ${raw}: expected a whole number ≥ 1`);
  return n;
}

const fmt = (ms: number) => ms.toFixed(1);
const x = (r: number) => `${r.toFixed(2)}×`;

console.log(
  `anchors · ${rounds} rounds × (${warmup} warm-up + ${runs} measured runs per side), Node ${process.version}`,
);
const results = [];
for (const anchor of selected) {
  console.log(`\n${anchor.title} (${anchor.citation})`);
  console.log(`  ${anchor.detail}; ${anchor.scaling}`);
  const perRound: (Round & { jitOverBound: number })[] = [];
  let boundMs = 0;
  let sequentialMs = 0;
  for (let r = 0; r < rounds; r++) {
    const round = await measureRound(anchor, r, { warmup, runs });
    boundMs = round.boundMs;
    sequentialMs = round.sequentialMs;
    const jitOverBound = boundMs / round.jitMs;
    perRound.push({ ...round, jitOverBound });
    console.log(
      `  round ${r + 1}: eager ${fmt(round.eagerMs)} ms · jit ${fmt(round.jitMs)} ms · jit/bound ${jitOverBound.toFixed(2)} · requests/run eager ${round.eagerRequests} jit ${round.jitRequests} · ${round.strategy}, ${round.compilations} compilation(s), ${round.speculationMisses} speculation misses, ${round.retraces} retraces`,
    );
  }
  const eagerMs = median(perRound.map((p) => p.eagerMs));
  const jitMs = median(perRound.map((p) => p.jitMs));
  const ratios = perRound.map((p) => p.jitOverBound);
  const jitOverBound = median(ratios);
  const met = jitOverBound >= TARGET;
  console.log(
    `  eager ${fmt(eagerMs)} ms (calls add up to ${sequentialMs} ms) · jit ${fmt(jitMs)} ms · bound ${boundMs} ms (critical path)`,
  );
  console.log(
    `  speedup ${x(eagerMs / jitMs)} · bound's ${x(eagerMs / boundMs)} · jit/bound ${jitOverBound.toFixed(2)} (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) · paper ${anchor.paper.text} over ${anchor.paper.baseline} · target ≥ ${TARGET} ${met ? "met" : "MISSED"}`,
  );
  results.push({
    id: anchor.id,
    title: anchor.title,
    citation: anchor.citation,
    detail: anchor.detail,
    scaling: anchor.scaling,
    shows: anchor.shows,
    paper: anchor.paper,
    eagerMs,
    jitMs,
    boundMs,
    sequentialMs,
    speedup: eagerMs / jitMs,
    boundSpeedup: eagerMs / boundMs,
    jitOverBound,
    jitOverBoundRange: [Math.min(...ratios), Math.max(...ratios)],
    target: TARGET,
    met,
    rounds: perRound,
  });
}

console.log(
  "\nworkload                            eager ms   jit ms  bound ms  speedup  bound's  jit/bound  paper",
);
for (const r of results) {
  console.log(
    `${r.title.padEnd(34)} ${fmt(r.eagerMs).padStart(9)} ${fmt(r.jitMs).padStart(8)} ${String(r.boundMs).padStart(9)} ${x(r.speedup).padStart(8)} ${x(r.boundSpeedup).padStart(8)} ${r.jitOverBound.toFixed(2).padStart(10)}  ${r.paper.text}`,
  );
}

if (!wanted) {
  const here = dirname(fileURLToPath(import.meta.url));
  const file = join(here, "..", "results", "anchors.json");
  mkdirSync(dirname(file), { recursive: true });
  const machine = { node: process.version, platform: process.platform, arch: process.arch };
  const run = { rounds, warmup, runs, command: "npx tsx bench/anchors/run.ts" };
  writeFileSync(
    file,
    `${JSON.stringify({ machine, date: new Date().toISOString(), run, results }, null, 2)}\n`,
  );
  console.log("\nwrote bench/results/anchors.json");
}
