import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Sample {
  medianMs: number;
  p95Ms: number;
  runs: number;
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times; each run gets a fresh index. */
export async function measure(
  fn: (run: number) => Promise<unknown>,
  options: { warmup?: number; runs?: number; batch?: number } = {},
): Promise<Sample> {
  const warmup = options.warmup ?? 3;
  const runs = options.runs ?? 20;
  const batch = options.batch ?? 1;
  let index = 0;
  for (let i = 0; i < warmup * batch; i++) await fn(index++);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) await fn(index++);
    times.push((performance.now() - start) / batch);
  }
  times.sort((a, b) => a - b);
  return {
    medianMs: times[Math.floor(times.length / 2)]!,
    p95Ms: times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)]!,
    runs,
  };
}

export interface Row {
  label: string;
  sample: Sample;
  boundMs: number;
  boundLabel: string;
  extra?: string;
}

export interface Target {
  description: string;
  ratio: number;
  limit: number;
}

export interface BenchResult {
  name: string;
  description: string;
  rows: { label: string; medianMs: number; p95Ms: number; boundMs: number; ratio: number }[];
  targets: (Target & { met: boolean })[];
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(4));

/** Prints one benchmark: each row beside its bound and the ratio, then the targets. */
export function report(
  name: string,
  description: string,
  rows: Row[],
  targets: Target[],
): BenchResult {
  const runs = rows[0]?.sample.runs ?? 0;
  console.log(`\n${name} · ${description} · median of ${runs} after warm-up`);
  for (const row of rows) {
    const ratio = row.sample.medianMs / row.boundMs;
    const extra = row.extra ? `   ${row.extra}` : "";
    console.log(
      `  ${row.label.padEnd(14)} ${fmt(row.sample.medianMs).padStart(9)} ms (p95 ${fmt(row.sample.p95Ms)})   bound ${fmt(row.boundMs)} ms (${row.boundLabel})   ${ratio.toFixed(2)}× bound${extra}`,
    );
  }
  const checked = targets.map((t) => ({ ...t, met: t.ratio <= t.limit }));
  for (const t of checked) {
    console.log(
      `  target: ${t.description}: ${t.ratio.toFixed(2)} ≤ ${t.limit} ${t.met ? "met" : "MISSED"}`,
    );
  }
  return {
    name,
    description,
    rows: rows.map((r) => ({
      label: r.label,
      medianMs: r.sample.medianMs,
      p95Ms: r.sample.p95Ms,
      boundMs: r.boundMs,
      ratio: r.sample.medianMs / r.boundMs,
    })),
    targets: checked,
  };
}

export function writeResults(file: string, results: BenchResult[]): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const path = join(here, "results", file);
  mkdirSync(dirname(path), { recursive: true });
  const machine = { node: process.version, platform: process.platform, arch: process.arch };
  writeFileSync(
    path,
    `${JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2)}\n`,
  );
  console.log(`\nwrote bench/results/${file}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Results must agree before any time is worth printing. */
export function assertSame(a: unknown, b: unknown, what: string): void {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  if (x !== y) throw new Error(`${what}: results differ\n  ${x}\n  ${y}`);
}
