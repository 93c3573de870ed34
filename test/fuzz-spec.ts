/**
 * Random operator programs for differential fuzzing, as plain data (so fast-check can
 * shrink them): nested built-in composites, keyed and unkeyed maps, custom operators that
 * await their children in scripted orders with glue and data-dependent branches, mutate
 * their input and their children's outputs, and call themselves; seeded stochastic leaves,
 * effectful leaves that write a log and effectful leaves that append to their input (chat
 * memory). test/fuzz-build.ts turns a spec into operators; test/fuzz-check.ts runs one
 * eagerly and jitted and compares.
 *
 * Mutation is of top-level keys only (`obj[key] = …`, an append builds a new array): the
 * JIT guards and memoizes by structured copies (DESIGN §7), so a nested array a pure call's
 * output shares with its input is shared in eager execution and not in a jitted one. A
 * program that pushed into such an array would test aliasing no copy can keep, not the JIT.
 */
import fc from "fast-check";
import type { Effects } from "../src/operator/effects.js";
import { freshen, isRecordValue, mutates, sanitize } from "./fuzz-sanitize.js";

export const KEYS = ["a", "b", "c", "d", "e"] as const;
export type Key = (typeof KEYS)[number];

/** 0: a microtask, 1: setImmediate, 2–3: a timer of that many ms. */
export type Delay = 0 | 1 | 2 | 3;

/** `when` 1 fails always, 2 or 3 when the hash of what was read is divisible by it. */
export interface Fail {
  readonly when: 1 | 2 | 3;
  /** "value" returns a number (a bad Sequence/Parallel step); "string" throws a non-Error. */
  readonly how: "error" | "type" | "string" | "value";
}

export type Spec =
  | {
      readonly t: "map";
      readonly fn: "sync" | "async" | "thenable";
      readonly stochastic: boolean;
      /** Keyed when set: reads `input[inKey]`, returns `{ [write]: … }` through outputKey. */
      readonly inKey: Key | null;
      readonly reads: readonly Key[];
      /** Unkeyed only: read this key too when the first read's hash is odd. */
      readonly condRead: Key | null;
      readonly write: Key;
      /** Unkeyed only: return `{ ...input, [write]: … }`. */
      readonly spread: boolean;
      readonly fail: Fail | null;
    }
  | {
      readonly t: "leaf";
      readonly effects: Effects;
      readonly inKey: Key | null;
      readonly write: Key;
      readonly delay: Delay;
      /** A zod specification (input keyed by inKey, output by write). */
      readonly zod: boolean;
      readonly fail: Fail | null;
    }
  | { readonly t: "flaky"; readonly failures: 1 | 2; readonly write: Key; readonly delay: Delay }
  /**
   * Effectful, writes the log and appends an entry to its input's array under `key` (chat
   * memory), before or (`late`) after its pause; returns `{ [write]: … }` or `{}`.
   */
  | {
      readonly t: "append";
      readonly key: Key;
      readonly write: Key | null;
      readonly delay: Delay;
      readonly late: boolean;
    }
  /** A MostCommonOperator over `responses` (fails when there are none), writing `write`. */
  | { readonly t: "vote"; readonly write: Key }
  /** A VerifierOperator of `inKey` (whole input when null); one condition may throw. */
  | {
      readonly t: "verify";
      readonly inKey: Key | null;
      readonly write: Key;
      readonly throws: boolean;
    }
  | { readonly t: "seq"; readonly steps: readonly Spec[] }
  | { readonly t: "par"; readonly members: readonly Spec[] }
  | {
      readonly t: "ens";
      readonly members: readonly Spec[];
      readonly agg: "none" | "pick" | "async";
      readonly write: Key;
      /** Every member is the first one, one instance (an ensemble of one model). */
      readonly same: boolean;
    }
  | { readonly t: "box"; readonly steps: readonly Spec[]; readonly prim: boolean }
  | { readonly t: "branch"; readonly on: Key; readonly async: boolean; yes: Spec; no: Spec }
  | { readonly t: "retry"; readonly body: Spec; readonly attempts: 1 | 2 | 3 }
  | {
      readonly t: "mr";
      readonly from: Key;
      readonly item: Spec;
      readonly limit: 1 | 2 | null;
      readonly write: Key;
    }
  | {
      readonly t: "custom";
      readonly script: readonly Stmt[];
      /** Declare the children's combined effects instead of the default "effectful". */
      readonly declare: boolean;
      readonly keepInput: boolean;
      readonly write: Key;
    };

/** Where a custom operator's glue takes a value from: its input or an earlier result. */
export type Src =
  | { readonly from: "input" }
  | { readonly from: "var"; readonly v: number }
  /** The latest result (the input before any). */
  | { readonly from: "last" };

export type Expr =
  | { readonly e: "same"; readonly src: Src }
  | { readonly e: "pick"; readonly src: Src; readonly key: Key; readonly as: Key }
  | { readonly e: "hash"; readonly src: Src; readonly as: Key }
  | { readonly e: "merge"; readonly src: Src };

export interface Call {
  readonly kid: Spec;
  readonly arg: Expr;
}

export type Stmt =
  | { readonly s: "call"; readonly call: Call; readonly times: 1 | 2 }
  /** Starts every call at once, then awaits them in `order` (a permutation). */
  | { readonly s: "all"; readonly calls: readonly Call[]; readonly order: readonly number[] }
  | {
      readonly s: "if";
      readonly on: Src;
      readonly yes: readonly Stmt[];
      readonly no: readonly Stmt[];
    }
  | { readonly s: "try"; readonly body: readonly Stmt[] }
  /**
   * Mutates `target` in place when it is an object: sets `key`, or appends to the array
   * under it. On the input, the caller sees it (the custom operator is then effectful); on
   * a result, the next call given that result (`same` of it) sees it.
   */
  | {
      readonly s: "mutate";
      readonly target: Src;
      readonly key: Key;
      readonly how: "set" | "append";
    }
  /** Chat memory: `append` on the object at `on`, then `reply` on that same object. */
  | { readonly s: "chat"; readonly on: Src; readonly append: Spec; readonly reply: Spec }
  /**
   * Calls this very operator on `arg` with `key` set to a depth one less than its own:
   * the input's `key` when it is an integer 0–3, else a hash of it mod 4; none at depth 0.
   */
  | { readonly s: "self"; readonly key: Key; readonly arg: Expr };

export interface Variant {
  readonly preserveStochasticity: boolean;
  readonly recursive: boolean;
  readonly maxConcurrency: 1 | 2 | 4 | null;
  /** Retraces allowed before a traced target runs eagerly for good (null: the default). */
  readonly maxRecompiles: 0 | 1 | null;
  readonly forceTrace: boolean;
  readonly sampleInput: boolean;
}

export interface Program {
  readonly root: Spec;
  readonly inputs: readonly unknown[];
  readonly variant: Variant;
}

// ---------------------------------------------------------------------------------------
// Arbitraries

const key = fc.constantFrom<Key>(...KEYS);
/** A key `keyed` times in `keyed + 1`, else null. */
const optKey = (keyed: number): fc.Arbitrary<Key | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 1 }, { arbitrary: key, weight: keyed });
const delay = fc.constantFrom<Delay>(0, 1, 2, 3);
const fail: fc.Arbitrary<Fail | null> = fc.option(
  fc.record({
    when: fc.constantFrom<1 | 2 | 3>(1, 2, 3, 3),
    how: fc.constantFrom<Fail["how"]>("error", "error", "type", "string", "value"),
  }),
  { freq: 3 },
);

const mapArb: fc.Arbitrary<Spec> = fc.record({
  t: fc.constant("map" as const),
  fn: fc.constantFrom<"sync" | "async" | "thenable">("sync", "sync", "async", "thenable"),
  stochastic: fc.boolean(),
  inKey: optKey(1),
  reads: fc.uniqueArray(key, { minLength: 1, maxLength: 2 }),
  condRead: optKey(1),
  write: key,
  spread: fc.boolean(),
  fail,
});

const leafArb: fc.Arbitrary<Spec> = fc.record({
  t: fc.constant("leaf" as const),
  effects: fc.constantFrom<Effects>("pure", "stochastic", "stochastic", "effectful"),
  inKey: optKey(2),
  write: key,
  delay,
  zod: fc.boolean(),
  fail,
});

const flakyArb: fc.Arbitrary<Spec> = fc.record({
  t: fc.constant("flaky" as const),
  failures: fc.constantFrom<1 | 2>(1, 2),
  write: key,
  delay,
});

const voteArb: fc.Arbitrary<Spec> = fc.record({ t: fc.constant("vote" as const), write: key });

const verifyArb: fc.Arbitrary<Spec> = fc.record({
  t: fc.constant("verify" as const),
  inKey: optKey(2),
  write: key,
  throws: fc.boolean(),
});

const appendArb = fc.record({
  t: fc.constant("append" as const),
  key,
  write: optKey(1),
  delay,
  late: fc.boolean(),
});

const leafSpec = fc.oneof(
  { arbitrary: mapArb, weight: 4 },
  { arbitrary: leafArb, weight: 4 },
  { arbitrary: appendArb, weight: 1 },
  { arbitrary: flakyArb, weight: 1 },
  { arbitrary: voteArb, weight: 1 },
  { arbitrary: verifyArb, weight: 1 },
);

const srcArb = (maxVar: number): fc.Arbitrary<Src> =>
  fc.oneof(
    { arbitrary: fc.constant<Src>({ from: "input" }), weight: 2 },
    { arbitrary: fc.nat(maxVar).map((v): Src => ({ from: "var", v })), weight: 2 },
    { arbitrary: fc.constant<Src>({ from: "last" }), weight: 1 },
  );

const exprArb: fc.Arbitrary<Expr> = fc.oneof(
  srcArb(3).map((src): Expr => ({ e: "same", src })),
  fc.record({ e: fc.constant("pick" as const), src: srcArb(3), key, as: key }),
  fc.record({ e: fc.constant("hash" as const), src: srcArb(3), as: key }),
  srcArb(3).map((src): Expr => ({ e: "merge", src })),
);

/**
 * A custom operator that calls itself between calls of pure leaves (and mutates only its
 * own results): declared, it is pure, so the JIT may dedupe, memoize and start it early;
 * undeclared, it is effectful. Random scripts rarely have only pure children.
 */
const pureLeafArb: fc.Arbitrary<Spec> = fc.oneof(
  mapArb.map((m): Spec => (m.t === "map" ? { ...m, stochastic: false } : m)),
  leafArb.map((l): Spec => (l.t === "leaf" ? { ...l, effects: "pure" } : l)),
  verifyArb,
);
const pureStmtArb: fc.Arbitrary<Stmt> = fc.oneof(
  {
    arbitrary: fc.record({
      s: fc.constant("call" as const),
      call: fc.record({ kid: pureLeafArb, arg: exprArb }),
      times: fc.constantFrom<1 | 2>(1, 1, 2),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      s: fc.constant("mutate" as const),
      target: fc.constantFrom<Src>({ from: "last" }, { from: "var", v: 0 }),
      key,
      how: fc.constantFrom<"set" | "append">("set", "append"),
    }),
    weight: 1,
  },
);
const pureRecursionArb: fc.Arbitrary<Spec> = fc.record({
  t: fc.constant("custom" as const),
  script: fc
    .tuple(
      fc.array(pureStmtArb, { maxLength: 2 }),
      fc.record({ s: fc.constant("self" as const), key, arg: exprArb }),
      fc.array(pureStmtArb, { minLength: 1, maxLength: 2 }),
    )
    .map(([before, self, after]): Stmt[] => [...before, self, ...after]),
  declare: fc.boolean(),
  keepInput: fc.boolean(),
  write: key,
});

const arbs = new Map<number, fc.Arbitrary<Spec>>();

/** A program tree at most `depth` composites deep. */
export function specArb(depth: number): fc.Arbitrary<Spec> {
  const known = arbs.get(depth);
  if (known) return known;
  if (depth <= 0) return leafSpec;
  const sub = specArb(depth - 1);
  const list = fc.array(sub, { minLength: 1, maxLength: 3 });
  const made: fc.Arbitrary<Spec> = fc.oneof(
    { arbitrary: leafSpec, weight: 3 },
    {
      arbitrary: fc.record({
        t: fc.constant("seq" as const),
        steps: fc.array(sub, { minLength: 0, maxLength: 4 }),
      }),
      weight: 4,
    },
    { arbitrary: fc.record({ t: fc.constant("par" as const), members: list }), weight: 2 },
    {
      arbitrary: fc.record({
        t: fc.constant("ens" as const),
        members: list,
        agg: fc.constantFrom<"none" | "pick" | "async">("none", "none", "pick", "async"),
        write: key,
        same: fc.boolean(),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({ t: fc.constant("box" as const), steps: list, prim: fc.boolean() }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        t: fc.constant("branch" as const),
        on: key,
        async: fc.boolean(),
        yes: sub,
        no: sub,
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        t: fc.constant("retry" as const),
        body: sub,
        attempts: fc.constantFrom<1 | 2 | 3>(1, 2, 3, 3),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        t: fc.constant("mr" as const),
        from: key,
        item: sub,
        limit: fc.constantFrom<1 | 2 | null>(1, 2, null),
        write: key,
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        t: fc.constant("custom" as const),
        script: scriptArb(depth),
        declare: fc.boolean(),
        keepInput: fc.boolean(),
        write: key,
      }),
      weight: 3,
    },
    { arbitrary: pureRecursionArb, weight: 1 },
  );
  arbs.set(depth, made);
  return made;
}

function scriptArb(depth: number): fc.Arbitrary<Stmt[]> {
  const call = fc.record({ kid: specArb(depth - 1), arg: exprArb });
  const simple: fc.Arbitrary<Stmt> = fc.oneof(
    {
      arbitrary: fc.record({
        s: fc.constant("mutate" as const),
        target: srcArb(3),
        key,
        how: fc.constantFrom<"set" | "append">("set", "append"),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        s: fc.constant("chat" as const),
        on: srcArb(3),
        append: appendArb,
        reply: specArb(depth - 1),
      }),
      weight: 1,
    },
    { arbitrary: fc.record({ s: fc.constant("self" as const), key, arg: exprArb }), weight: 1 },
    {
      arbitrary: fc.record({
        s: fc.constant("call" as const),
        call,
        times: fc.constantFrom<1 | 2>(1, 1, 1, 2),
      }),
      weight: 4,
    },
    {
      arbitrary: fc.array(call, { minLength: 2, maxLength: 3 }).chain((calls) =>
        fc
          .shuffledSubarray(
            calls.map((_, i) => i),
            { minLength: calls.length, maxLength: calls.length },
          )
          .map((order): Stmt => ({ s: "all", calls, order })),
      ),
      weight: 2,
    },
  );
  const nested: fc.Arbitrary<Stmt> = fc.oneof(
    simple,
    fc.record({
      s: fc.constant("if" as const),
      on: srcArb(3),
      yes: fc.array(simple, { minLength: 0, maxLength: 2 }),
      no: fc.array(simple, { minLength: 0, maxLength: 2 }),
    }),
    fc.record({
      s: fc.constant("try" as const),
      body: fc.array(simple, { minLength: 1, maxLength: 2 }),
    }),
  );
  return fc.array(nested, { minLength: 1, maxLength: 4 });
}

type Slot = "int" | "str" | "arr" | "obj" | "odd" | "none";
const slot = fc.constantFrom<Slot>("int", "str", "arr", "obj", "odd", "none");
/** Values JSON cannot tell apart from others: NaN and Infinity print as null. */
const ODD: readonly unknown[] = [null, Number.NaN, undefined, Number.POSITIVE_INFINITY, -0, 0];
const shapeArb = fc.tuple(slot, slot, slot, slot, slot);

function materialize(shape: readonly Slot[], values: readonly number[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  shape.forEach((s, i) => {
    const v = values[i] ?? 0;
    const k = KEYS[i]!;
    if (s === "int") out[k] = v;
    else if (s === "str") out[k] = `s${v}`;
    else if (s === "arr") out[k] = Array.from({ length: Math.abs(v) % 4 }, (_, j) => v + j);
    else if (s === "obj") out[k] = { x: v };
    else if (s === "odd") out[k] = ODD[Math.abs(v) % ODD.length];
  });
  return out;
}

const BAD_INPUTS: readonly unknown[] = [null, 7, "text", [1, 2], undefined];

/** The first input again with each odd value swapped for one JSON prints the same. */
function jsonTwin(input: Record<string, unknown>): Record<string, unknown> {
  const twin: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    if (v === null) twin[k] = Number.NaN;
    else if (typeof v === "number" && !Number.isFinite(v)) twin[k] = null;
    else if (Object.is(v, 0)) twin[k] = -0;
    else twin[k] = v;
  }
  return twin;
}

/**
 * Two to six inputs: several of one shape, some of another, maybe an exact repeat, maybe
 * the first with JSON-equal but different values.
 */
const inputsArb: fc.Arbitrary<unknown[]> = fc
  .record({
    shapes: fc.tuple(shapeArb, shapeArb),
    picks: fc.array(
      fc.record({
        shape: fc.nat(1),
        values: fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 5, maxLength: 5 }),
      }),
      { minLength: 2, maxLength: 4 },
    ),
    repeat: fc.boolean(),
    twin: fc.boolean(),
    bad: fc.option(fc.nat(BAD_INPUTS.length - 1), { freq: 4 }),
  })
  .map(({ shapes, picks, repeat, twin, bad }) => {
    const inputs: unknown[] = picks.map((p) => materialize(shapes[p.shape]!, p.values));
    if (repeat) inputs.push(structuredClone(inputs[0]));
    if (twin) inputs.push(jsonTwin(inputs[0] as Record<string, unknown>));
    if (bad !== null) inputs.splice(1, 0, BAD_INPUTS[bad]);
    return inputs;
  });

const variantArb: fc.Arbitrary<Variant> = fc.record({
  preserveStochasticity: fc.boolean(),
  recursive: fc.oneof(
    { arbitrary: fc.constant(true), weight: 4 },
    { arbitrary: fc.constant(false), weight: 1 },
  ),
  maxConcurrency: fc.constantFrom<1 | 2 | 4 | null>(null, null, null, 1, 2, 4),
  maxRecompiles: fc.constantFrom<0 | 1 | null>(null, null, 0, 1),
  forceTrace: fc.oneof(
    { arbitrary: fc.constant(false), weight: 9 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
  sampleInput: fc.oneof(
    { arbitrary: fc.constant(false), weight: 4 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
});

/** A whole program: a tree at most `depth` deep, its inputs and the jit options to use. */
export function programArb(depth = 3): fc.Arbitrary<Program> {
  return fc
    .record({ root: specArb(depth), inputs: inputsArb, variant: variantArb })
    .map(({ root, inputs, variant }) => {
      const sane = sanitize(root, true);
      const clean = mutates(sane) ? freshen(sane) : sane;
      // Only Sequence and Parallel check their input before anything else runs; any other
      // root would hand a bad input to concurrent members that race to report it.
      const checks = clean.t === "seq" || clean.t === "par";
      const kept = checks ? inputs : inputs.filter(isRecordValue);
      return { root: clean, inputs: kept.length > 0 ? kept : [{}], variant };
    });
}
