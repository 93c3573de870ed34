/**
 * Distributed scaling: 2,000 items × 6 simulated 50 ms model calls, in-process and on 1, 2
 * and 4 worker processes (BullMQ on a local redis-server started here). Prints wall time
 * beside the physical bound (calls × 50 ms / slots), scaling efficiency against one worker,
 * and the Redis cost per call from `INFO commandstats` deltas.
 *
 *   npx tsx bench/distributed.bench.ts [items]
 *
 * This file is also the module the workers load: its default export is the per-item operator.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import {
  configure,
  LLMOperator,
  models,
  SequenceOperator,
  SimulatedProvider,
} from "../src/index.js";

const CALL_MS = 50;
const STEPS = 6;
const SLOTS_PER_PROCESS = 64;

models.register("bench", new SimulatedProvider({ latency: CALL_MS }));

export default function build() {
  return new SequenceOperator({
    operators: Array.from(
      { length: STEPS },
      (_, k) =>
        new LLMOperator({
          name: `step${k}`,
          model: "bench:m",
          prompt: k === 0 ? "Item {id}" : `Step ${k} of {r${k - 1}}`,
          temperature: 0,
          outputKey: `r${k}`,
        }),
    ) as never,
  });
}

/** CPU time (user + system) a process has used so far, from /proc (Linux; 100 ticks/s). */
function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<void> {
  const { RedisServer, WorkerProcess } = await import("../test/fixtures/cluster.js");
  const { withBullMQ } = await import("../src/distributed/index.js");
  const items = Array.from({ length: Number(process.argv[2] ?? 2000) }, (_, id) => ({ id }));
  const calls = items.length * STEPS;
  const root = build();
  const op = root as unknown as (i: unknown) => Promise<unknown>;
  const self = fileURLToPath(import.meta.url);
  const rows: Record<string, unknown>[] = [];
  const line = (label: string, ms: number, slots: number, extra = "") => {
    const bound = (calls * CALL_MS) / slots;
    console.log(
      `${label.padEnd(22)} ${ms.toFixed(0).padStart(7)} ms   bound ${bound.toFixed(0).padStart(6)} ms (${slots} slots)   ×${(ms / bound).toFixed(2)} of bound${extra}`,
    );
    rows.push({ label, ms, boundMs: bound, slots });
  };
  console.log(
    `${items.length} items × ${STEPS} calls of ${CALL_MS} ms = ${calls} calls; ${SLOTS_PER_PROCESS} slots per process`,
  );

  configure({ maxConcurrency: SLOTS_PER_PROCESS });
  let start = performance.now();
  const local = await Promise.all(items.map((i) => op(i)));
  line("in-process", performance.now() - start, SLOTS_PER_PROCESS);

  const redis = await RedisServer.start();
  const admin = new Redis(redis.url);
  const stats = async () => {
    const text = await admin.info("commandstats");
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) out[m[1]!] = Number(m[2]);
    return out;
  };
  const redisCpu = async () => {
    const text = await admin.info("cpu");
    const user = Number(/used_cpu_user:([\d.]+)/.exec(text)?.[1] ?? 0);
    const sys = Number(/used_cpu_sys:([\d.]+)/.exec(text)?.[1] ?? 0);
    return (user + sys) * 1000;
  };
  let oneWorkerMs = 0;
  for (const n of [1, 2, 4]) {
    await admin.flushall();
    const workers = await Promise.all(
      Array.from({ length: n }, () =>
        WorkerProcess.spawn(redis.url, {
          concurrency: SLOTS_PER_PROCESS,
          // BullMQ's default 30 s locks: the tests' short ones would add renewals to the count.
          env: { QUIET: "1", LOCK_MS: "", STALLED_MS: "" },
          module: self,
        }),
      ),
    );
    configure({ maxConcurrency: SLOTS_PER_PROCESS * n });
    let ex = { completed: 0 };
    const workerCpu0 = workers.map((w) => processCpuMs(w.proc.pid));
    const before = await stats();
    const redisCpu0 = await redisCpu();
    const cpu0 = process.cpuUsage();
    start = performance.now();
    const out = await withBullMQ(
      { redis: redis.url, operators: root as never },
      async (executor) => {
        const result = await Promise.all(items.map((i) => op(i)));
        ex = { ...executor.stats };
        return result;
      },
    );
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    const driverCpuMs = (cpu.user + cpu.system) / 1000;
    const redisCpuMs = (await redisCpu()) - redisCpu0;
    const workerCpuMs = workers.reduce(
      (sum, w, k) => sum + processCpuMs(w.proc.pid) - workerCpu0[k]!,
      0,
    );
    const after = await stats();
    await Promise.all(workers.map((w) => w.kill("SIGTERM")));
    if (ex.completed !== calls)
      throw new Error(`${n} workers: ${ex.completed} of ${calls} calls ran on workers`);
    if (JSON.stringify(out) !== JSON.stringify(local))
      throw new Error(`${n} workers: output differs`);
    const delta: Record<string, number> = {};
    for (const [k, v] of Object.entries(after)) delta[k] = v - (before[k] ?? 0);
    delete delta.info;
    const total = Object.values(delta).reduce((a, b) => a + b, 0);
    const top = Object.entries(delta)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([k, v]) => `${k} ${(v / calls).toFixed(2)}`)
      .join(", ");
    if (n === 1) oneWorkerMs = ms;
    const efficiency = oneWorkerMs / (n * ms);
    line(
      `${n} worker${n > 1 ? "s" : " "} (BullMQ)`,
      ms,
      SLOTS_PER_PROCESS * n,
      `   efficiency ${(efficiency * 100).toFixed(0)}%   redis cmds/call ${(total / calls).toFixed(1)} (evalsha ${((delta.evalsha ?? 0) / calls).toFixed(2)})   overhead/call ${(((ms - (calls * CALL_MS) / (SLOTS_PER_PROCESS * n)) * SLOTS_PER_PROCESS * n) / calls).toFixed(1)} ms·slot`,
    );
    Object.assign(rows[rows.length - 1]!, {
      workers: n,
      efficiency,
      redisCommandsPerCall: total / calls,
      perCommand: delta,
      top,
    });
    console.log(`    top commands per call: ${top}`);
    console.log(
      `    cpu during the run: driver ${driverCpuMs.toFixed(0)} ms (${((driverCpuMs / ms) * 100).toFixed(0)}% of a core), redis ${redisCpuMs.toFixed(0)} ms (${((redisCpuMs / ms) * 100).toFixed(0)}%), workers ${workerCpuMs.toFixed(0)} ms (${(workerCpuMs / calls).toFixed(2)} ms/call); jobs/s ${((calls / ms) * 1000).toFixed(0)}`,
    );
    Object.assign(rows[rows.length - 1]!, {
      driverCpuMs,
      redisCpuMs,
      workerCpuMs,
      jobsPerSecond: (calls / ms) * 1000,
    });
  }
  await admin.quit();
  await redis.stop();
  writeFileSync(
    new URL("./results/distributed.json", import.meta.url),
    `${JSON.stringify({ items: items.length, steps: STEPS, callMs: CALL_MS, rows }, null, 2)}\n`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
