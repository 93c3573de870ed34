/**
 * The operators fuzzed programs are built from besides the built-ins: leaves that report
 * to a World (calls in flight, the effect log, sample tokens), a flaky effectful leaf and
 * a custom operator that runs a script of child calls.
 */

import { z } from "zod";
import { type AnyOperator, type CallContext, callOperator, Operator } from "../src/index.js";
import type { Effects } from "../src/operator/effects.js";
import { isRecordValue } from "./fuzz-sanitize.js";
import type { Delay, Expr, Fail, Spec, Src } from "./fuzz-spec.js";
import { KEYS } from "./fuzz-spec.js";
import { describeError, digest, hashOf, read } from "./fuzz-values.js";

/** What a built program reports to: the effect log, calls in flight, sample tokens. */
export class World {
  readonly log: string[] = [];
  /** Effectful leaf id → its position in eager order (see `precedes`). */
  readonly positions = new Map<string, readonly string[]>();
  inFlight = 0;
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
  | { s: "try"; body: CompiledStmt[] };

/** A user operator whose `forward` awaits its children in a scripted order, with glue. */
export class Scripted extends Operator<unknown, unknown> {
  readonly kids: AnyOperator[];
  private readonly script: CompiledStmt[];
  private readonly custom: Extract<Spec, { t: "custom" }>;

  constructor(
    spec: Extract<Spec, { t: "custom" }>,
    id: string,
    kids: AnyOperator[],
    script: CompiledStmt[],
  ) {
    super();
    this.name = id;
    this.kids = kids;
    this.script = script;
    this.custom = spec;
    if (spec.declare) {
      const rank = { pure: 0, stochastic: 1, effectful: 2 } as const;
      this.effects = kids
        .map((k) => k.effects)
        .reduce<Effects>((a, b) => (rank[b] > rank[a] ? b : a), "pure");
    }
  }

  async forward(input: unknown): Promise<unknown> {
    const vars: unknown[] = [];
    await this.exec(this.script, input, vars);
    const out: Record<string, unknown> =
      this.custom.keepInput && isRecordValue(input) ? { ...(input as object) } : {};
    out[this.custom.write] = vars.map(project);
    return out;
  }

  private async exec(
    stmts: readonly CompiledStmt[],
    input: unknown,
    vars: unknown[],
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
        await this.exec(chosen, input, vars);
      } else {
        try {
          await this.exec(st.body, input, vars);
        } catch (err) {
          vars.push({ a: `caught ${describeError(err)}` });
        }
      }
    }
  }
}

function source(src: Src, input: unknown, vars: readonly unknown[]): unknown {
  if (src.from === "input" || vars.length === 0) return input;
  return vars[src.v % vars.length];
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
