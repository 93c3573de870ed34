/**
 * `npm run bench:peers`: every workload × every contender, each pair in a fresh Node process
 * (one at a time, so no two share the CPU), then one markdown table per workload, printed
 * and kept in bench/results/peers.md, and every figure in bench/results/peers.json.
 *
 *   npm run bench:peers -- --workload diamond,n-dag --contender ember-xcs,promise
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CONTENDER_NAMES,
  CONTENDERS,
  type ContenderEntry,
  type ContenderName,
  isContenderName,
} from "./contenders.js";
import { type ChildResult, RESULT_PREFIX } from "./measure.js";
import { summarize } from "./summary.js";
import { renderTable } from "./table.js";
import {
  checkTargets,
  comparedPair,
  type Facts,
  infoLines,
  type Row,
  type TargetResult,
} from "./targets.js";
import type { WorkloadSpec } from "./workload.js";
import {
  isWorkloadName,
  WORKLOAD_GROUPS,
  WORKLOAD_NAMES,
  WORKLOADS,
  type WorkloadName,
} from "./workloads.js";

const CHILD_TIMEOUT_MS = 240_000;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

function pick<T extends string>(
  flag: string,
  all: readonly T[],
  valid: (s: string) => boolean,
): T[] {
  const at = process.argv.indexOf(flag);
  if (at < 0) return [...all];
  const names = (process.argv[at + 1] ?? "")
    .split(",")
    .filter(Boolean)
    .flatMap((n): readonly string[] => (flag === "--workload" ? (WORKLOAD_GROUPS[n] ?? [n]) : [n]));
  const bad = names.filter((n) => !valid(n));
  if (bad.length)
    throw new TypeError(`${flag}: unknown ${bad.join(", ")}; valid: ${all.join(", ")}`);
  return all.filter((n) => names.includes(n));
}

/** Runs one pair in a fresh process; its stderr passes through, its result comes on stdout. */
function runChild(workload: WorkloadName, contender: ContenderName): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(here, "run-one.ts"), workload, contender],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"], timeout: CHILD_TIMEOUT_MS },
    );
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.on("close", (code, signal) => {
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (line) return resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult);
      const error = `no result (exit ${code}${signal ? `, ${signal}` : ""}${signal === "SIGTERM" ? `, over ${CHILD_TIMEOUT_MS / 1000} s` : ""})`;
      resolve({ status: "error", error });
    });
  });
}

/** Numbers summed over variants (seeds), strings listed once. */
function mergeFacts(all: readonly Facts[]): Facts {
  const merged: Facts = {};
  for (const facts of all) {
    for (const [k, v] of Object.entries(facts)) {
      const prev = merged[k];
      if (typeof v === "number") merged[k] = (typeof prev === "number" ? prev : 0) + v;
      else if (prev === undefined) merged[k] = v;
      else if (!String(prev).split(" / ").includes(v)) merged[k] = `${prev} / ${v}`;
    }
  }
  return merged;
}

/** Two processes' runs of one contender as one measurement (variant by variant). */
function mergeResults(a: ChildResult, b: ChildResult): ChildResult {
  if (a.status !== "ok") return a;
  if (b.status !== "ok") return b;
  const variants = a.variants.map((v, i) => ({
    ...v,
    runs: [...v.runs, ...(b.variants[i]?.runs ?? [])],
  }));
  const mismatches = [...a.mismatches, ...b.mismatches];
  if (a.digest !== b.digest) mismatches.push("its second process returned other outputs");
  return { ...a, variants, mismatches };
}

function toRow(contender: ContenderName, result: ChildResult): Row {
  if (result.status !== "ok") {
    return {
      contender,
      status: result.status,
      error: "error" in result ? result.error : undefined,
      facts: {},
      mismatches: [],
    };
  }
  return {
    contender,
    status: "ok",
    summary: summarize(result),
    facts: mergeFacts(result.variants.map((v) => v.facts)),
    digest: result.digest,
    mismatches: result.mismatches,
  };
}

function agreement(rows: readonly Row[]): string {
  const ok = rows.filter((r) => r.status === "ok" && r.summary?.correct);
  const digests = new Set(ok.map((r) => r.digest));
  const wrong = rows.filter((r) => r.status === "ok" && !r.summary?.correct);
  let text = `Results: ${ok.length} contenders agree with the reference and with each other`;
  text +=
    digests.size > 1 ? " — **but their digests differ**" : ` (digest ${[...digests][0] ?? "—"})`;
  for (const r of wrong) text += `; **${r.contender} differs**: ${r.mismatches[0] ?? ""}`;
  return `${text}.`;
}

const machine = {
  node: process.version,
  platform: `${process.platform}/${process.arch}`,
  cpu: cpus()[0]?.model.trim() ?? "unknown",
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
};

const workloads = pick("--workload", WORKLOAD_NAMES, isWorkloadName);
const contenders = pick("--contender", CONTENDER_NAMES, isContenderName);
const started = performance.now();
const markdown: string[] = [];
/** Prints a block and keeps it for bench/results/peers.md. */
const print = (text: string) => {
  console.log(text);
  markdown.push(text);
};

print("## ember-xcs side by side with its peers\n");
print(
  `Node ${machine.node} · ${machine.platform} · ${machine.cpu} × ${machine.cores} cores · ${machine.memoryGiB} GiB · ${new Date().toISOString()}\n`,
);
print(
  "All contenders call one simulated LLM (bench/peers/sim-llm.ts). Efficiency = bound / measured; overhead / node = (measured − bound) / model calls; timer lag = how late the simulated calls ended on average (Node's timer granularity plus any time the contender kept the event loop busy). `npm run bench:peers` regenerates this file.\n",
);

const report: (Pick<
  WorkloadSpec<unknown, unknown, unknown>,
  "id" | "title" | "detail" | "boundLabel" | "plan"
> & {
  rows: Row[];
  targets: TargetResult[];
})[] = [];
for (const workload of workloads) {
  const spec = WORKLOADS[workload] as unknown as WorkloadSpec<unknown, unknown, unknown>;
  const results = new Map<ContenderName, ChildResult>();
  const measure = async (contender: ContenderName) => {
    const t0 = performance.now();
    const result = await runChild(workload, contender);
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    process.stderr.write(`· ${workload} / ${contender}: ${seconds} s\n`);
    const earlier = results.get(contender);
    results.set(contender, earlier ? mergeResults(earlier, result) : result);
  };
  const ran = contenders.filter((c) => {
    const entry: ContenderEntry = CONTENDERS[c];
    return !entry.only || entry.only.includes(workload);
  });
  for (const contender of ran) await measure(contender);
  // A pair compared with each other runs again in the other order, each in a second process:
  // drift of the machine over the run then weighs on both alike.
  const pair = comparedPair(workload);
  if (pair.every((c) => ran.includes(c))) {
    const firstOrder = ran.filter((c) => pair.includes(c));
    for (const c of firstOrder.reverse()) await measure(c);
  }
  const rows: Row[] = ran.map((c) => toRow(c, results.get(c)!));
  const targets = contenders.includes("ember-xcs") ? checkTargets(workload, rows) : [];
  const index = WORKLOAD_NAMES.indexOf(workload) + 1;
  const info = infoLines(workload, rows);
  print(`${renderTable(index, spec, rows, targets, info, agreement(rows))}\n`);
  const { id, title, detail, boundLabel, plan } = spec;
  report.push({ id, title, detail, boundLabel, plan, rows, targets });
}

const totalS = (performance.now() - started) / 1000;
const missed = report.flatMap((w) =>
  w.targets.filter((t) => !t.met && !t.unchecked).map((t) => `${w.id}: ${t.description}`),
);
const verdict = !contenders.includes("ember-xcs")
  ? "ember-xcs not run"
  : `ember-xcs targets missed: ${missed.length ? missed.join("; ") : "none"}`;
print(`Total wall time ${totalS.toFixed(0)} s. ${verdict}.`);

const results = join(root, "bench", "results");
mkdirSync(results, { recursive: true });
const date = new Date().toISOString();
const json = { machine, date, totalWallSeconds: totalS, workloads: report };
// A run of some workloads only keeps its own files, so it never overwrites the full table.
const base = process.argv.includes("--workload") ? `peers-${workloads.join("+")}` : "peers";
writeFileSync(join(results, `${base}.json`), `${JSON.stringify(json, null, 2)}\n`);
writeFileSync(join(results, `${base}.md`), `${markdown.join("\n")}\n`);
console.log(`wrote bench/results/${base}.json and bench/results/${base}.md`);
