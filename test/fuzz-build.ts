/**
 * Turns a program spec into a fresh operator tree reporting to a World, and records where
 * each effectful leaf sits in eager order so a log can be checked against that order.
 */
import {
  type AnyOperator,
  BranchOperator,
  ContainerOperator,
  condition,
  EnsembleOperator,
  MapOperator,
  MapReduceOperator,
  MostCommonOperator,
  notEmpty,
  ParallelOperator,
  RetryOperator,
  SequenceOperator,
  VerifierOperator,
} from "../src/index.js";
import {
  AppendLeaf,
  type CompiledStmt,
  FlakyLeaf,
  FuzzLeaf,
  mapFn,
  pause,
  project,
  Scripted,
  type World,
} from "./fuzz-leaves.js";
import { hasFlaky, recurses } from "./fuzz-sanitize.js";
import type { Spec, Stmt } from "./fuzz-spec.js";
import { digest, hashOf, read, stableKey } from "./fuzz-values.js";

type Pos = readonly string[];

/** Builds a fresh operator tree for `spec`; `pos` is its place in eager order. */
export function build(spec: Spec, world: World, pos: Pos = []): AnyOperator {
  const id = world.id();
  switch (spec.t) {
    case "map":
      return new MapOperator({
        name: id,
        fn: mapFn(spec, id, world),
        inputKey: spec.inKey ?? undefined,
        outputKey: spec.inKey !== null ? spec.write : undefined,
        effects: spec.stochastic ? "stochastic" : "pure",
      }) as unknown as AnyOperator;
    case "leaf":
      if (spec.effects === "effectful") world.positions.set(id, pos);
      return new FuzzLeaf(spec, id, world) as unknown as AnyOperator;
    case "flaky":
      world.positions.set(id, pos);
      return new FlakyLeaf(spec, id, world) as unknown as AnyOperator;
    case "append":
      world.positions.set(id, pos);
      return new AppendLeaf(spec, id, world) as unknown as AnyOperator;
    case "vote":
      return new MostCommonOperator({
        name: id,
        outputKey: spec.write,
        normalize: (v) => stableKey(v),
      }) as unknown as AnyOperator;
    case "verify":
      return verifier(spec, id);
    case "custom":
      return scripted(spec, id, world, pos);
    default:
      return composite(spec, id, world, pos);
  }
}

function verifier(spec: Extract<Spec, { t: "verify" }>, id: string): AnyOperator {
  const conditions = [
    notEmpty(),
    condition((v) => hashOf(v) % 3 !== 0, "hash divisible by 3"),
    (v: unknown) => {
      if (spec.throws && hashOf(v) % 2 === 0) throw new Error(`condition of ${id} threw`);
      return true;
    },
  ];
  return new VerifierOperator({
    name: id,
    conditions,
    inputKey: spec.inKey ?? undefined,
    outputKey: spec.write,
  }) as unknown as AnyOperator;
}

type CompositeSpec = Extract<
  Spec,
  { t: "seq" | "par" | "ens" | "box" | "branch" | "retry" | "mr" }
>;

function composite(spec: CompositeSpec, id: string, world: World, pos: Pos): AnyOperator {
  const at = (seg: string) => [...pos, seg];
  const all = (specs: readonly Spec[], seg: string) =>
    specs.map((s, i) => build(s, world, at(`${seg}${i}`)));
  switch (spec.t) {
    case "seq":
      return new SequenceOperator({ name: id, operators: all(spec.steps, "s") }) as AnyOperator;
    case "par":
      return new ParallelOperator({ name: id, operators: all(spec.members, "p") }) as AnyOperator;
    case "ens":
      return ensemble(spec, id, world, pos);
    case "box":
      return container(spec, id, all(spec.steps, "s"));
    case "branch":
      return new BranchOperator({
        name: id,
        predicate: spec.async
          ? async (i: unknown) => hashOf(read(i, spec.on)) % 2 === 0
          : (i: unknown) => hashOf(read(i, spec.on)) % 2 === 0,
        ifTrue: build(spec.yes, world, at("t")) as never,
        ifFalse: build(spec.no, world, at("f")) as never,
      }) as unknown as AnyOperator;
    case "retry":
      return new RetryOperator({
        name: id,
        operator: build(spec.body, world, at("m")) as never,
        maxAttempts: spec.attempts,
        retryDelayMs: 1,
        backoff: "constant",
      }) as unknown as AnyOperator;
    case "mr":
      return mapReduce(spec, id, build(spec.item, world, at("m")));
  }
}

function ensemble(spec: Extract<Spec, { t: "ens" }>, id: string, world: World, pos: Pos) {
  // An ensemble of one model: the same instance in every place, its subtree run once each.
  // Not with a flaky leaf inside: concurrent copies of one subtree would race on its
  // per-input attempt counter, and who fails first is the scheduler's choice in eager
  // execution too (a microtask more on one side changes it), not a property of the program.
  const same = spec.same && !hasFlaky(spec.members[0]!);
  const one = same ? build(spec.members[0]!, world, [...pos, "m"]) : undefined;
  const members = one
    ? spec.members.map(() => one)
    : spec.members.map((s, i) => build(s, world, [...pos, `p${i}`]));
  const write = spec.write;
  const aggregate =
    spec.agg === "none"
      ? undefined
      : spec.agg === "pick"
        ? (outs: unknown[]) => ({ [write]: outs[hashOf(outs) % outs.length] })
        : async (outs: unknown[]) => {
            await pause(0);
            return { [write]: outs.map(project) };
          };
  return new EnsembleOperator({
    name: id,
    operators: members as never,
    aggregate,
  }) as unknown as AnyOperator;
}

/** A pipe; with `prim`, values between its first and second step are strings. */
function container(spec: Extract<Spec, { t: "box" }>, id: string, steps: AnyOperator[]) {
  if (spec.prim) {
    const toPrim = new MapOperator({ name: `${id}_str`, fn: (v: unknown) => `p${digest(v)}` });
    const onPrim = new MapOperator({ name: `${id}_bang`, fn: async (s: string) => `${s}!` });
    const back = new MapOperator({ name: `${id}_obj`, fn: (s: string) => ({ a: s }) });
    steps.splice(1, 0, toPrim as AnyOperator, onPrim as AnyOperator, back as AnyOperator);
  }
  return new ContainerOperator({ name: id, operators: steps }) as AnyOperator;
}

function mapReduce(spec: Extract<Spec, { t: "mr" }>, id: string, item: AnyOperator) {
  const { from, write } = spec;
  return new MapReduceOperator({
    name: id,
    map: (input: unknown) => {
      const src = read(input, from);
      const n = Array.isArray(src) ? Math.min(src.length, 3) : hashOf(src) % 4;
      return Array.from({ length: n }, (_, i) => ({
        a: `${i}`,
        b: Array.isArray(src) ? src[i] : src,
        c: i,
      }));
    },
    operator: item as never,
    reduce: (outs: unknown[]) => ({ [write]: outs.map(project) }),
    maxConcurrency: spec.limit ?? undefined,
  }) as unknown as AnyOperator;
}

/**
 * A custom operator: its children are built in script order, each at its call's place; in
 * one that calls itself, the script runs again inside its own statement, so nothing under
 * it is ordered.
 */
function scripted(spec: Extract<Spec, { t: "custom" }>, id: string, world: World, pos: Pos) {
  const kids: AnyOperator[] = [];
  const add = (kid: Spec, at: Pos) => kids.push(build(kid, world, at)) - 1;
  const compile = (stmts: readonly Stmt[], prefix: Pos): CompiledStmt[] =>
    stmts.map((st, i) => compileStmt(st, [...prefix, `s${i}`], add, compile));
  const script = compile(spec.script, recurses(spec) ? [...pos, "m"] : pos);
  return new Scripted(spec, id, world, kids, script) as unknown as AnyOperator;
}

function compileStmt(
  st: Stmt,
  here: Pos,
  add: (kid: Spec, at: Pos) => number,
  compile: (stmts: readonly Stmt[], prefix: Pos) => CompiledStmt[],
): CompiledStmt {
  if (st.s === "call") {
    // A call made twice runs its subtree twice: nothing under it is ordered.
    const at = st.times > 1 ? [...here, "m"] : here;
    return { s: "call", kid: add(st.call.kid, at), arg: st.call.arg, times: st.times };
  }
  if (st.s === "all") {
    const calls = st.calls.map((c, j) => ({ kid: add(c.kid, [...here, `p${j}`]), arg: c.arg }));
    return { s: "all", calls, order: st.order };
  }
  if (st.s === "chat") {
    const append = add(st.append, [...here, "s0"]);
    return { s: "chat", on: st.on, append, reply: add(st.reply, [...here, "s1"]) };
  }
  if (st.s === "mutate" || st.s === "self") return st;
  if (st.s === "if") {
    return {
      s: "if",
      on: st.on,
      yes: compile(st.yes, [...here, "t"]),
      no: compile(st.no, [...here, "f"]),
    };
  }
  return { s: "try", body: compile(st.body, here) };
}

/**
 * Whether eager execution finishes everything at `a` before it starts anything at `b`:
 * steps `sN` of one sequence run in order; members `pN` and branch arms `t`/`f` do not
 * order each other; under `m` (a retry, a map-reduce item, a repeated call) nothing is
 * ordered, since the same subtree runs more than once.
 */
export function precedes(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) {
      if (x === "m") return false;
      continue;
    }
    return x[0] === "s" && y[0] === "s" && Number(x.slice(1)) < Number(y.slice(1));
  }
  return false;
}

/** Pairs of log entries out of eager order. */
export function orderViolations(log: readonly string[], world: World): string[] {
  const out: string[] = [];
  const pos = log.map((entry) => world.positions.get(entry.slice(0, entry.indexOf(":"))) ?? []);
  for (let i = 0; i < log.length; i++) {
    for (let j = i + 1; j < log.length; j++) {
      if (precedes(pos[j]!, pos[i]!)) out.push(`${log[j]} should come before ${log[i]}`);
    }
  }
  return out;
}
