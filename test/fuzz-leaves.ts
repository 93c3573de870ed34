/**
 * The operators fuzzed programs are built from besides the built-ins: leaves that report
 * to a World (calls in flight, the effect log, sample tokens), a flaky effectful leaf, an
 * effectful leaf that appends to its input (chat memory) and a custom operator that runs a
 * script of child calls, mutations and calls of itself.
 */

import { z } from "zod";
import { type AnyOperator, type CallContext, callOperator, Operator } from "../src/index.js";
import type { Effects } from "../src/operator/effects.js";
import { isRecordValue, mutatesInput } from "./fuzz-sanitize.js";
import type { Delay, Expr, Fail, Key, Spec, Src } from "./fuzz-spec.js";
import { KEYS } from "./fuzz-spec.js";
import { describeError, digest, hashOf, read } from "./fuzz-values.js";

/** What a built program reports to: the effect log, calls in flight, sample tokens. */
export class World {
  readonly log: string[] = [];
  /** Effectful leaf id → its position in eager order (see `precedes`). */
  readonly positions = new Map<string, readonly string[]>();
  inFlight = 0;
  /** Calls custom operators made of themselves. */
  selfCalls = 0;
  /** Index of the top-level call running now; sample tokens carry it. */
  call = 0;
  private nextId = 0;
  private samples = 0;

  id(): string {
    return `n${this.nextId++}`;
  }

  sample(id: string): string {
    return `§${id}#${this.samples++}@${this.call}§`;
  }
}

export function pause(ms: Delay, signal?: AbortSignal): Promise<void> {
  if (ms === 0) {
    return Promise.resolve().then(() => signal?.throwIfAborted());
  }
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      if (ms === 1) clearImmediate(handle as NodeJS.Immediate);
      else clearTimeout(handle as NodeJS.Timeout);
      reject(signal?.reason);
    };
    const done = () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    const handle = ms === 1 ? setImmediate(done) : setTimeout(done, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Throws (or returns a number for "value") when `fail` says this read fails. */
export function failure(
  fail: Fail | null,
  read: unknown,
  id: string,
): { value: number } | undefined {
  if (!fail) return undefined;
  const h = hashOf(read);
  if (fail.when !== 1 && h % fail.when !== 0) return undefined;
  if (fail.how === "error") throw new Error(`fail ${id}`);
  if (fail.how === "type") throw new TypeError(`bad type in ${id}`);
  if (fail.how === "string") throw `thrown by ${id}`;
  return { value: h % 1000 };
}

export class FuzzLeaf extends Operator<unknown, unknown> {
  override effects: Effects;
  private readonly leaf: Extract<Spec, { t: "leaf" }>;
  private readonly world: World;

  constructor(spec: Extract<Spec, { t: "leaf" }>, id: string, world: World) {
    super();
    this.name = id;
    this.effects = spec.effects;
    this.leaf = spec;
    this.world = world;
    if (spec.zod) {
      this.specification = {
        input: spec.inKey ? z.object({ [spec.inKey]: z.unknown().optional() }) : undefined,
        output: z.object({ [spec.write]: z.string() }),
      };
    }
  }

  async forward(input: unknown, ctx: CallContext): Promise<unknown> {
    const { leaf, world } = this;
    world.inFlight++;
    try {
      const arg = leaf.inKey ? read(input, leaf.inKey) : input;
      if (leaf.effects === "effectful") world.log.push(`${this.name}:${digest(arg)}`);
      await pause(leaf.delay, ctx.signal);
      const bad = failure(leaf.fail, arg, this.name);
      if (bad) return bad.value;
      const sample = leaf.effects === "stochastic" ? world.sample(this.name) : "";
      return { [leaf.write]: `${this.name}(${digest(arg)})${sample}` };
    } finally {
      world.inFlight--;
    }
  }
}

/** An effectful call that fails its first `failures` calls for each input (a flaky API). */
export class FlakyLeaf extends Operator<unknown, unknown> {
  private readonly counts = new Map<number, number>();
  private readonly flaky: Extract<Spec, { t: "flaky" }>;
  private readonly world: World;

  constructor(spec: Extract<Spec, { t: "flaky" }>, id: string, world: World) {
    super();
    this.name = id;
    this.flaky = spec;
    this.world = world;
  }

  async forward(input: unknown, ctx: CallContext): Promise<unknown> {
    const { world } = this;
    world.inFlight++;
    try {
      const h = hashOf(input);
      const n = this.counts.get(h) ?? 0;
      this.counts.set(h, n + 1);
      world.log.push(`${this.name}:${digest(input)}#${n}`);
      await pause(this.flaky.delay, ctx.signal);
      if (n < this.flaky.failures) throw new Error(`flaky ${this.name} (attempt ${n + 1})`);
      return { [this.flaky.write]: `${this.name}(${digest(input)})` };
    } finally {
      world.inFlight--;
    }
  }
}

/**
 * Changes `target[key]` in place: sets it to `value`, or appends `value` to the array under
 * it as a new array (top-level mutation only: see the note in test/fuzz-spec.ts).
 */
export function mutateKey(
  target: Record<string, unknown>,
  key: string,
  how: "set" | "append",
  value: string,
): void {
  if (how === "set") {
    target[key] = value;
    return;
  }
  const old = target[key];
  target[key] = Array.isArray(old) ? [...old, value] : [value];
}

/** An effectful call that appends to its input's memory, like a chat turn being stored. */
export class AppendLeaf extends Operator<unknown, unknown> {
  private readonly append: Extract<Spec, { t: "append" }>;
  private readonly world: World;

  constructor(spec: Extract<Spec, { t: "append" }>, id: string, world: World) {
    super();
    this.name = id;
    this.append = spec;
    this.world = world;
  }

  async forward(input: unknown, ctx: CallContext): Promise<unknown> {
    const { append, world } = this;
    world.inFlight++;
    try {
      const entry = `${this.name}:${digest(input)}`;
      world.log.push(entry);
      const store = () => {
        if (isRecordValue(input)) {
          mutateKey(input as Record<string, unknown>, append.key, "append", entry);
        }
      };
      if (!append.late) store();
      await pause(append.delay, ctx.signal);
      if (append.late) store();
      return append.write === null ? {} : { [append.write]: `${this.name}(${digest(input)})` };
    } finally {
      world.inFlight--;
    }
  }
}

/** Keeps only the program's keys of an object (so results stay small). */
export function project(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const k of KEYS) if (Object.hasOwn(value, k)) out[k] = (value as Record<string, unknown>)[k];
  return out;
}

export type CompiledStmt =
  | { s: "call"; kid: number; arg: Expr; times: number }
  | { s: "all"; calls: { kid: number; arg: Expr }[]; order: readonly number[] }
  | { s: "if"; on: Src; yes: CompiledStmt[]; no: CompiledStmt[] }
  | { s: "try"; body: CompiledStmt[] }
  | { s: "mutate"; target: Src; key: Key; how: "set" | "append" }
  | { s: "chat"; on: Src; append: number; reply: number }
  | { s: "self"; key: Key; arg: Expr };

/** A user operator whose `forward` awaits its children in a scripted order, with glue. */
export class Scripted extends Operator<unknown, unknown> {
  readonly kids: AnyOperator[];
  private readonly script: CompiledStmt[];
  private readonly custom: Extract<Spec, { t: "custom" }>;
  private readonly world: World;

  constructor(
    spec: Extract<Spec, { t: "custom" }>,
    id: string,
    world: World,
    kids: AnyOperator[],
    script: CompiledStmt[],
  ) {
    super();
    this.name = id;
    this.world = world;
    this.kids = kids;
    this.script = script;
    this.custom = spec;
    if (spec.declare) {
      const rank = { pure: 0, stochastic: 1, effectful: 2 } as const;
      // Changing its input is an effect the caller sees, whatever its children are.
      this.effects = mutatesInput(spec)
        ? "effectful"
        : kids.map((k) => k.effects).reduce<Effects>((a, b) => (rank[b] > rank[a] ? b : a), "pure");
    }
  }

  async forward(input: unknown): Promise<unknown> {
    const vars: unknown[] = [];
    // Read once, on entry: a statement may change the key before the call of itself, and
    // the depth must still go down by one each time.
    const key = selfKey(this.script);
    const depth = key === undefined ? 0 : depthOf(read(input, key));
    await this.exec(this.script, input, vars, depth);
    const out: Record<string, unknown> =
      this.custom.keepInput && isRecordValue(input) ? { ...(input as object) } : {};
    out[this.custom.write] = vars.map(project);
    return out;
  }

  private async exec(
    stmts: readonly CompiledStmt[],
    input: unknown,
    vars: unknown[],
    depth: number,
  ): Promise<void> {
    for (const st of stmts) {
      if (st.s === "call") {
        for (let r = 0; r < st.times; r++) {
          vars.push(await callOperator(this.kids[st.kid]!, evalExpr(st.arg, input, vars)));
        }
      } else if (st.s === "all") {
        const running = st.calls.map((c) =>
          callOperator(this.kids[c.kid]!, evalExpr(c.arg, input, vars)),
        );
        for (const p of running) p.catch(() => {});
        const outs: unknown[] = new Array(running.length);
        for (const i of st.order) outs[i] = await running[i];
        vars.push(...outs);
      } else if (st.s === "if") {
        const chosen = hashOf(source(st.on, input, vars)) % 2 === 0 ? st.yes : st.no;
        await this.exec(chosen, input, vars, depth);
      } else if (st.s === "mutate") {
        const target = st.target.from === "input" ? input : result(st.target, vars);
        if (isRecordValue(target)) {
          const obj = target as Record<string, unknown>;
          mutateKey(obj, st.key, st.how, `m${digest(obj)}`);
        }
      } else if (st.s === "chat") {
        // The same object for both calls: the reply sees what the append stored.
        const on = st.on.from === "input" ? input : (result(st.on, vars) ?? {});
        const state = isRecordValue(on) ? on : { a: on };
        vars.push(await callOperator(this.kids[st.append]!, state));
        vars.push(await callOperator(this.kids[st.reply]!, state));
      } else if (st.s === "self") {
        if (depth > 0) {
          const arg = evalExpr(st.arg, input, vars) as object;
          const next = { ...arg, [st.key]: depth - 1 };
          this.world.selfCalls++;
          vars.push(await callOperator(this as unknown as AnyOperator, next));
        }
      } else {
        try {
          await this.exec(st.body, input, vars, depth);
        } catch (err) {
          vars.push({ a: `caught ${describeError(err)}` });
        }
      }
    }
  }
}

/** The key of the one call of itself a script makes (sanitize keeps one at most). */
function selfKey(stmts: readonly CompiledStmt[]): string | undefined {
  for (const st of stmts) {
    if (st.s === "self") return st.key;
    const inner =
      st.s === "if"
        ? (selfKey(st.yes) ?? selfKey(st.no))
        : st.s === "try"
          ? selfKey(st.body)
          : undefined;
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** An earlier result `src` names, or undefined before there is any. */
function result(src: Src, vars: readonly unknown[]): unknown {
  if (src.from === "input" || vars.length === 0) return undefined;
  return src.from === "last" ? vars[vars.length - 1] : vars[src.v % vars.length];
}

function source(src: Src, input: unknown, vars: readonly unknown[]): unknown {
  if (src.from === "input" || vars.length === 0) return input;
  return result(src, vars);
}

/** A recursion depth from a value: an integer 0–3 as is, anything else hashed into 0–3. */
function depthOf(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 3) {
    return value;
  }
  return hashOf(value) % 4;
}

function evalExpr(expr: Expr, input: unknown, vars: readonly unknown[]): unknown {
  const from = source(expr.src, input, vars);
  switch (expr.e) {
    case "same":
      return isRecordValue(from) ? from : { a: from };
    case "pick":
      return { [expr.as]: read(from, expr.key) };
    case "hash":
      return { [expr.as]: `h${digest(from)}` };
    case "merge":
      return {
        ...(isRecordValue(input) ? (input as object) : {}),
        ...(isRecordValue(from) ? (from as object) : {}),
      };
  }
}

export function mapFn(spec: Extract<Spec, { t: "map" }>, id: string, world: World) {
  const body = (value: unknown): unknown => {
    if (spec.inKey !== null) {
      failure(spec.fail, value, id);
      return `${id}(${digest(value)})${spec.stochastic ? world.sample(id) : ""}`;
    }
    const vals = spec.reads.map((k) => read(value, k));
    if (spec.condRead !== null && hashOf(vals[0]) % 2 === 1) vals.push(read(value, spec.condRead));
    const bad = failure(spec.fail, vals, id);
    if (bad) return bad.value;
    const v = `${id}(${digest(vals)})${spec.stochastic ? world.sample(id) : ""}`;
    return spec.spread && isRecordValue(value)
      ? { ...(value as object), [spec.write]: v }
      : { [spec.write]: v };
  };
  const counted = (value: unknown): unknown => {
    world.inFlight++;
    try {
      return body(value);
    } finally {
      world.inFlight--;
    }
  };
  if (spec.fn === "sync") return counted;
  if (spec.fn === "thenable")
    return (value: unknown) => Promise.resolve().then(() => counted(value));
  return async (value: unknown) => {
    await pause(1);
    return counted(value);
  };
}

/** Builds a fresh operator tree for `spec`; `pos` is its place in eager order. */
