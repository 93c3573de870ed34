/**
 * Runs one workload for one contender in this (fresh) process and prints one line,
 * `@@result <json>`, on stdout for bench/peers/run.ts to collect.
 *
 *   node --import tsx bench/peers/run-one.ts diamond lcel
 */
import { CONTENDERS, isContenderName } from "./contenders.js";
import { type ChildResult, measure, RESULT_PREFIX } from "./measure.js";
import type { Build, WorkloadSpec } from "./workload.js";
import { isWorkloadName, WORKLOADS } from "./workloads.js";

async function main(workload: string, contender: string): Promise<ChildResult> {
  if (!isWorkloadName(workload)) throw new Error(`unknown workload ${workload}`);
  if (!isContenderName(contender)) throw new Error(`unknown contender ${contender}`);
  const spec = WORKLOADS[workload];
  const build = (await CONTENDERS[contender].load())[workload];
  if (!build) return { status: "missing" };
  // Each workload's spec and build agree by construction (see Contender); the generic
  // measuring loop only needs them as one matching pair.
  const pair = build as unknown as Build<unknown, unknown, unknown>;
  return {
    status: "ok",
    ...(await measure(spec as unknown as WorkloadSpec<unknown, unknown, unknown>, pair)),
  };
}

const [workload = "", contender = ""] = process.argv.slice(2);
let result: ChildResult;
try {
  result = await main(workload, contender);
} catch (err) {
  const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  result = { status: "error", error };
}
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
// Libraries may leave timers or handles behind; the parent only needs the line above.
process.exit(0);
