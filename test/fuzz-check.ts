/**
 * The differential check: runs a program eagerly and jitted in each mode, input by input,
 * and lists every way a jitted run differs.
 */
import { type AnyOperator, callOperator, getJitStats, type JitMode, jit } from "../src/index.js";
import { build, orderViolations } from "./fuzz-build.js";
import { World } from "./fuzz-leaves.js";
import { isRecordValue, logs } from "./fuzz-sanitize.js";
import type { Program, Spec, Variant } from "./fuzz-spec.js";
import { canonical, describeError, tokenCalls } from "./fuzz-values.js";

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export const MODES: readonly JitMode[] = ["auto", "structural", "trace", "enhanced"];
const HANG_MS = Number(process.env.FUZZ_HANG_MS ?? 10_000);

async function settle(run: () => Promise<unknown>): Promise<Outcome | "hang"> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<"hang">((resolve) => {
    timer = setTimeout(() => resolve("hang"), HANG_MS);
  });
  try {
    return await Promise.race([
      run().then(
        (value): Outcome => ({ ok: true, value }),
        (error: unknown): Outcome => ({ ok: false, error }),
      ),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits (a bounded number of turns) for every call of `world` to finish. */
async function drained(world: World): Promise<boolean> {
  for (let i = 0; i < 200 && world.inFlight > 0; i++) {
    await new Promise((r) => setTimeout(r, i < 100 ? 0 : 5));
  }
  return world.inFlight === 0;
}

export interface CheckResult {
  /** Mode × input pairs compared. */
  checks: number;
  mismatches: string[];
  /** Inputs on which eager execution failed (the errors compared). */
  failures: number;
  /** Effectful calls eager execution made (the log entries compared, per mode). */
  effects: number;
  /** Eager runs that changed their input (the input after each run compared, per mode). */
  mutated: number;
  /** Calls eager execution's custom operators made of themselves. */
  selfCalls: number;
}

function optionsFor(mode: JitMode, root: Spec, variant: Variant, inputs: readonly unknown[]) {
  const options: Record<string, unknown> = {
    mode,
    preserveStochasticity: variant.preserveStochasticity,
    recursive: variant.recursive,
  };
  if (variant.maxConcurrency !== null) options.maxConcurrency = variant.maxConcurrency;
  if (variant.maxRecompiles !== null) options.maxRecompiles = variant.maxRecompiles;
  if (variant.forceTrace) options.forceTrace = true;
  // A trace for sampleInput runs the target at jit() time, effects included (a pinned
  // caveat, test/jit-caveats.test.ts): only programs that write no log get one.
  if (variant.sampleInput && isRecordValue(inputs[0]) && !logs(root)) {
    options.sampleInput = structuredClone(inputs[0]);
  }
  return options;
}

interface EagerRun {
  readonly outcome: Outcome;
  readonly log: readonly string[];
  /** The caller's input after the run: programs may change it, and must do so alike. */
  readonly after: string;
}

/** Eager runs of every input, or why the program cannot serve as a reference. */
async function runEagerly(
  program: Program,
): Promise<{ runs: EagerRun[]; world: World; mutated: number } | string> {
  const world = new World();
  const eager = build(program.root, world);
  const runs: EagerRun[] = [];
  let mutated = 0;
  for (const input of program.inputs) {
    const before = world.log.length;
    world.call++;
    // A fresh copy per run, eager and jitted alike: programs mutate their input.
    const given = structuredClone(input);
    const outcome = await settle(() => callOperator(eager, given));
    await drained(world);
    if (outcome === "hang") return "harness: eager run hung";
    const log = world.log.slice(before);
    const own = orderViolations(log, world);
    if (own.length > 0) return `harness: eager log out of its own order: ${own[0]}`;
    const after = canonical(given);
    if (after !== canonical(input)) mutated++;
    runs.push({ outcome, log, after });
  }
  return { runs, world, mutated };
}

/** Every way one jitted run differs from eager's run of the same input. */
async function compareRun(
  where: string,
  want: EagerRun,
  got: Outcome,
  given: unknown,
  world: World,
  log: readonly string[],
  variant: Variant,
): Promise<string[]> {
  const out: string[] = [];
  if (!(await drained(world))) out.push(`${where}: ${world.inFlight} calls still running`);
  const [a, b] = [show(want.outcome), show(got)];
  if (a !== b) out.push(`${where}: eager ${a}\n      jit   ${b}`);
  const after = canonical(given);
  if (after !== want.after) {
    out.push(`${where}: input after the run\n      eager ${want.after}\n      jit   ${after}`);
  }
  if ([...log].sort().join() !== [...want.log].sort().join()) {
    out.push(
      `${where}: effect log\n      eager ${want.log.join(" ")}\n      jit   ${log.join(" ")}`,
    );
  } else {
    for (const v of orderViolations(log, world)) out.push(`${where}: effect order: ${v}`);
  }
  if (variant.preserveStochasticity && got.ok) {
    const stale = tokenCalls(got.value).filter((c) => c !== world.call);
    if (stale.length > 0) out.push(`${where}: reused samples from calls ${stale.join(",")}`);
  }
  return out;
}

/** Runs every input through a fresh jitted copy of the program in one mode. */
async function checkMode(program: Program, mode: JitMode, eager: readonly EagerRun[]) {
  const mismatches: string[] = [];
  let checks = 0;
  const world = new World();
  const options = optionsFor(mode, program.root, program.variant, program.inputs);
  let fast: AnyOperator;
  try {
    fast = jit(build(program.root, world), options) as unknown as AnyOperator;
  } catch (err) {
    return { checks, mismatches: [`${mode}: jit() threw ${describeError(err)}`] };
  }
  for (const [k, input] of program.inputs.entries()) {
    const where = `${mode} input #${k} ${JSON.stringify(input) ?? String(input)}`;
    const before = world.log.length;
    world.call++;
    const given = structuredClone(input);
    const got = await settle(() => callOperator(fast, given));
    checks++;
    const want = eager[k]!;
    if (got === "hang") {
      mismatches.push(`${where}: hung (eager: ${show(want.outcome)})`);
      return { checks, mismatches };
    }
    const log = world.log.slice(before);
    mismatches.push(...(await compareRun(where, want, got, given, world, log, program.variant)));
  }
  const executions = getJitStats(fast).executions;
  if (executions !== program.inputs.length) {
    mismatches.push(`${mode}: executions ${executions}, calls ${program.inputs.length}`);
  }
  return { checks, mismatches };
}

/**
 * Runs `program` eagerly and jitted in each mode, input by input, and lists each way the
 * jitted runs differ: result, error, effect log (same entries, eager order kept), sample
 * reuse, calls left running, executions counted.
 */
export async function checkProgram(
  program: Program,
  modes: readonly JitMode[] = MODES,
): Promise<CheckResult> {
  const eager = await runEagerly(program);
  if (typeof eager === "string") {
    return { checks: 0, mismatches: [eager], failures: 0, effects: 0, mutated: 0, selfCalls: 0 };
  }
  const result: CheckResult = {
    checks: 0,
    mismatches: [],
    failures: eager.runs.filter((r) => !r.outcome.ok).length,
    effects: eager.world.log.length,
    mutated: eager.mutated,
    selfCalls: eager.world.selfCalls,
  };
  for (const mode of modes) {
    const { checks, mismatches } = await checkMode(program, mode, eager.runs);
    result.checks += checks;
    result.mismatches.push(...mismatches);
  }
  return result;
}

function show(outcome: Outcome | "hang"): string {
  if (outcome === "hang") return "hang";
  return outcome.ok ? `ok ${canonical(outcome.value)}` : `error ${describeError(outcome.error)}`;
}
