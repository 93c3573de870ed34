import type { AnyOperator } from "./operator.js";

/** A value in a plan being built: the plan's input or a node's output. */
export type Ref = string;

export interface ChildOptions {
  /**
   * The child's place in eager order: `s3` is step 3 (after steps 0–2 finish), `p1` member 1
   * of a group run concurrently. A plan that overlaps steps uses it to fail as eager fails.
   */
  readonly order: string;
  /**
   * The composite requires the child's output to be an object: what its error calls the
   * output and the field it names (`operators[2]`), exactly as `forward` would throw it.
   */
  readonly check?: { readonly what: string; readonly field: string };
}

/** Runs the composite's `index`-th child (in `lower`'s `children` order) on `input`. */
export type RunChild = (index: number, input: unknown, signal: AbortSignal) => Promise<unknown>;

/** The checks a Sequence-like composite makes: its input, and each step's output. */
export interface StepChecks {
  readonly input: string;
  readonly step: string;
}

/**
 * What a composite lowers itself onto: the plan builder, seen from the composite's own
 * place (paths, call sites and eager order are the builder's business). Each method is one
 * semantic a composite's `forward` has; the builder decides how to run it (fused, reordered
 * by proven keys, memoized), never what it means.
 */
export interface Lowering {
  /** A child `forward` calls, on `input`: lowered in turn if it is a composite. */
  child(op: AnyOperator, input: Ref, options: ChildOptions): Ref;
  /** The composite's own check that its input is an object (`what`: e.g. "parallel input"). */
  requireRecord(input: Ref, what: string): Ref;
  /** The shallow merge of objects, later keys winning. */
  merge(parts: readonly Ref[]): Ref;
  /**
   * `combine` over the parts' values, in order (an aggregate). `record`: it always returns a
   * plain object, so a later object check of it can be skipped.
   */
  collect(parts: readonly Ref[], combine: (values: unknown[]) => unknown, record: boolean): Ref;
  /** Steps run in order, each output (an object) merged into everything so far. */
  accumulate(steps: readonly AnyOperator[], input: Ref, checks: StepChecks): Ref;
  /** Steps run in order, each output the next step's input. */
  pipe(steps: readonly AnyOperator[], input: Ref): Ref;
  /**
   * A decision made at run time (a branch, a retry, items of a map): one node that runs
   * `run`, which runs the planned `children` as it decides (`path`: the composite's path in
   * this run, for its errors).
   */
  control(
    name: string,
    input: Ref,
    children: readonly AnyOperator[],
    run: (input: unknown, signal: AbortSignal, child: RunChild, path: string) => Promise<unknown>,
  ): Ref;
}

/** A composite that can say what its `forward` does as a plan. */
export interface Lowerable {
  lower(b: Lowering, input: Ref): Ref;
}

/**
 * `op` as a Lowerable, if its `lower` describes the `forward` it runs: a subclass that
 * overrides `forward` without its own `lower` is a custom operator, and so is one with a
 * specification to check (the plan would skip the check).
 */
export function lowerableOf(op: AnyOperator): (AnyOperator & Lowerable) | undefined {
  const lowerable = typeof (op as Partial<Lowerable>).lower === "function";
  return lowerable && describes(op, "lower") ? (op as AnyOperator & Lowerable) : undefined;
}

/**
 * Whether what `op` says of itself in `member` (a plan, its keys, that it fuses) describes
 * the `forward` it runs: the class that defines the member also defines (or inherits
 * unchanged) the forward `op` has, and no specification is checked on the way in.
 */
export function describes(op: AnyOperator, member: string): boolean {
  if (!(member in op) || op.specification !== undefined) return false;
  let owner: object | null = Object.getPrototypeOf(op);
  while (owner && !Object.hasOwn(owner, member)) owner = Object.getPrototypeOf(owner);
  return owner !== null && (owner as { forward?: unknown }).forward === op.forward;
}

type Primitive = Exclude<keyof Lowering, "child">;

/**
 * Which primitive a composite's plan ends in (`accumulate` for a Sequence, `collect` for an
 * Ensemble, …), found by lowering it onto a builder that only records: so an analysis can ask
 * what a composite *is* without knowing its class. Undefined for anything not lowerable.
 */
export function loweredAs(op: AnyOperator): Primitive | undefined {
  const composite = lowerableOf(op);
  if (!composite) return undefined;
  let n = 0;
  const ref = (what: string) => `${what}#${n++}`;
  const recorder: Lowering = {
    child: () => ref("child"),
    requireRecord: () => ref("requireRecord"),
    merge: () => ref("merge"),
    collect: () => ref("collect"),
    accumulate: () => ref("accumulate"),
    pipe: () => ref("pipe"),
    control: () => ref("control"),
  };
  const out = composite.lower(recorder, "input");
  const what = out.slice(0, out.indexOf("#"));
  return what === "child" || what === "" ? undefined : (what as Primitive);
}
