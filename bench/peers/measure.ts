/**
 * The measuring loop of one (workload, contender) pair, run inside its own process:
 * build (timed apart), warm up on fresh inputs, then time each measured run on fresh inputs,
 * checking every output against the clock-free reference.
 */
import { hash53 } from "./random.js";
import { SimMeter } from "./sim-llm.js";
import type { Build, WorkloadSpec } from "./workload.js";

export interface RunRecord {
  /** Wall time of one call of the built function (a run's time / callsPerRun). */
  ms: number;
  boundMs: number;
  /** The reference's zero-overhead schedule, when it has one (see Reference.idealMs). */
  idealMs?: number;
  /** Model calls per call of the built function, as counted by the simulator. */
  calls: number;
  expectedCalls: number;
  peakInFlight: number;
  /** Mean time the simulated calls ended after their nominal latency. */
  latenessMs: number;
  /** CPU time (user + system, process.cpuUsage) of the run per model call, in µs. */
  cpuUsPerCall: number;
  correct: boolean;
}

export interface VariantRecord {
  variant: number;
  /** Building the contender's pipeline (graph compile, operator construction), not timed below. */
  setupMs: number;
  runs: RunRecord[];
  facts: Record<string, string | number>;
}

/** How a child process hands its result to bench/peers/run.ts: one stdout line. */
export const RESULT_PREFIX = "@@result ";

export type ChildResult =
  | ({ status: "ok" } & Measurement)
  | { status: "missing" }
  | { status: "error"; error: string };

export interface Measurement {
  variants: VariantRecord[];
  /** A hash of every measured output in order: equal across contenders when all agree. */
  digest: string;
  mismatches: string[];
}

/** JSON with sorted keys, so two equal results always print alike. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export async function measure<C, I, O>(
  spec: WorkloadSpec<C, I, O>,
  build: Build<C, I, O>,
): Promise<Measurement> {
  const { variants, warmup, runs, callsPerRun } = spec.plan;
  const records: VariantRecord[] = [];
  const mismatches: string[] = [];
  let digest = "";
  for (let variant = 0; variant < variants; variant++) {
    const meter = new SimMeter();
    const ctx = spec.context(meter, variant);
    const setupStart = performance.now();
    const built = await build(ctx);
    const setupMs = performance.now() - setupStart;
    let index = 0;
    const runOnce = async () => {
      const inputs = Array.from({ length: callsPerRun }, () => spec.input(variant, index++));
      const refs = inputs.map((input) => spec.reference(ctx, input));
      const outputs: O[] = [];
      meter.reset();
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      for (const input of inputs) outputs.push(await built.run(input));
      const elapsed = performance.now() - start;
      const cpu = process.cpuUsage(cpuStart);
      let correct = true;
      for (const [k, out] of outputs.entries()) {
        const got = canonical(out);
        const want = canonical(refs[k]!.output);
        if (got !== want) {
          correct = false;
          if (mismatches.length < 3)
            mismatches.push(
              `input ${canonical(inputs[k])}: got ${got.slice(0, 200)}, want ${want.slice(0, 200)}`,
            );
        }
      }
      const record: RunRecord = {
        ms: elapsed / callsPerRun,
        boundMs: refs.reduce((s, r) => s + r.boundMs, 0) / callsPerRun,
        ...(refs[0]!.idealMs === undefined ? {} : { idealMs: refs[0]!.idealMs }),
        calls: meter.calls / callsPerRun,
        expectedCalls: refs[0]!.calls,
        peakInFlight: meter.peakInFlight,
        latenessMs: meter.meanLatenessMs(),
        cpuUsPerCall: (cpu.user + cpu.system) / Math.max(1, meter.calls),
        correct,
      };
      return { record, outputs };
    };
    for (let w = 0; w < warmup; w++) await runOnce();
    const measured: RunRecord[] = [];
    for (let r = 0; r < runs; r++) {
      const { record, outputs } = await runOnce();
      measured.push(record);
      digest = hash53(digest + outputs.map(canonical).join("\n")).toString(36);
    }
    const facts = (await built.facts?.()) ?? {};
    records.push({ variant, setupMs, runs: measured, facts });
  }
  return { variants: records, digest, mismatches };
}
