/**
 * What Node's AsyncLocalStorage costs code that never uses it: the hand-written dataset
 * contender (no ember-xcs) in one process, with an AsyncLocalStorage hook on and off in
 * alternating rounds. On Node 20 an enabled store puts a hook on every promise in the
 * process, so any library that carries a context through `await` makes every promise of the
 * program around it dearer, the simulated model's own included. This is the share of issue
 * 11's "CPU per model call vs hand-written" that no change inside ember-xcs can remove.
 *
 *   npx tsx bench/peers/als-tax.ts [rounds]   (default 12)
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { contender } from "./contenders/promise.js";
import { SimMeter } from "./sim-llm.js";
import { median } from "./summary.js";
import { dataset2k } from "./workloads-dataset.js";

const rounds = Number(process.argv[2] ?? 12);
if (!(Number.isInteger(rounds) && rounds >= 1))
  throw new TypeError(`rounds must be an integer >= 1, got ${process.argv[2]}`);

const items = 2_000;
const callsPerItem = 6;
const input = { questions: Array.from({ length: items }, (_, k) => `item ${k}`) };
const build = contender["dataset-2k"];
if (!build) throw new Error("the promise contender has no dataset-2k workload");
const { run } = await build(dataset2k.context(new SimMeter(), 0));
const store = new AsyncLocalStorage<number>();
const cpu: Record<"off" | "on", number[]> = { off: [], on: [] };

await run(input);
for (let r = 0; r < rounds; r++) {
  // Alternating which goes first, so neither always pays the other's leftover garbage.
  for (const mode of r % 2 ? (["on", "off"] as const) : (["off", "on"] as const)) {
    if (mode === "on") store.enterWith(1);
    else store.disable();
    const start = process.cpuUsage();
    await run(input);
    const used = process.cpuUsage(start);
    cpu[mode].push((used.user + used.system) / (items * callsPerItem));
  }
}
store.disable();

const off = median(cpu.off);
const on = median(cpu.on);
console.log(`hand-written dataset-2k, ${rounds} rounds each, CPU µs per model call (median):`);
console.log(`  AsyncLocalStorage off ${off.toFixed(1)}`);
console.log(
  `  AsyncLocalStorage on  ${on.toFixed(1)}  (${(on / off).toFixed(2)} ×, +${(on - off).toFixed(1)} µs)`,
);
