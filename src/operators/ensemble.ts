import { joinOrAbort } from "../core/cancel.js";
import { type CallContext, type ChildCallOptions, cancelOf } from "../operator/context.js";
import { combineEffects, type Effects } from "../operator/effects.js";
import { ALL as ALL_KEYS, type StepKeys, unionReads } from "../operator/keys.js";
import type { Lowering, Ref } from "../operator/lowering.js";
import { type AnyOperator, callOperatorFrom, Operator } from "../operator/operator.js";
import { operatorList, optionalFunction } from "./validate.js";

/** Turns the members' outputs (in member order) into the ensemble's output. */
export type Aggregate<R, O> = (outputs: R[]) => O | PromiseLike<O>;

export interface EnsembleOptions<I, R, O> {
  /**
   * The members, all run on the same input at once. The same stochastic operator may appear
   * several times: each occurrence is its own call with its own sample.
   */
  operators: readonly Operator<I, R>[];
  /** @default outputs => ({ responses: outputs }) */
  aggregate?: Aggregate<R, O>;
  /** @default "ensemble" */
  name?: string;
}

/**
 * Runs every member on the same input concurrently and aggregates their outputs, by
 * default into `{ responses: outputs }` in member order. The first failure aborts the
 * other members and is rethrown unchanged. Open for subclassing (e.g. a uniform ensemble
 * of one model).
 *
 * @example
 * const vote = new EnsembleOperator({ operators: [modelA, modelB, modelC] });
 * await vote({ prompt }); // { responses: [a, b, c] }
 */
export class EnsembleOperator<I = unknown, R = unknown, O = { responses: R[] }> extends Operator<
  I,
  O
> {
  readonly operators: readonly Operator<I, R>[];
  readonly aggregate: Aggregate<R, O> | undefined;
  override readonly effects: Effects;

  constructor(options: EnsembleOptions<I, R, O>) {
    super();
    this.name = options.name ?? "ensemble";
    this.operators = operatorList(
      options.operators,
      "EnsembleOperator",
      this.name,
    ) as readonly Operator<I, R>[];
    this.aggregate = optionalFunction(options.aggregate, "EnsembleOperator", "aggregate");
    this.effects = combineEffects(this.operators.map((op) => op.effects));
  }

  forward(input: I, ctx: CallContext): Promise<O> {
    const members = this.operators as readonly AnyOperator[];
    // Each member a child of `ctx` (the context this forward runs in), without a lookup.
    // One options object for every member: calls only read it.
    // The members' controller, not its signal: Node makes that only when a member reads it.
    let options: ChildCallOptions | undefined;
    return joinOrAbort(
      members.length,
      cancelOf(undefined, ctx),
      (i, cancel) => {
        options ??= { cancel };
        return callOperatorFrom(members[i]!, ctx, input, options) as Promise<R>;
      },
      (outputs) => this.combine(outputs),
    );
  }

  /** The members' outputs, in member order, as the ensemble's output. */
  combine(outputs: R[]): O | PromiseLike<O> {
    if (this.aggregate) return this.aggregate(outputs);
    return { responses: outputs } as O;
  }

  /** Reads what its members read; writes `responses` only, unless an aggregate decides. */
  stepKeys(keysOf: (op: AnyOperator) => StepKeys): StepKeys {
    const reads = unionReads(this.operators.map((m) => keysOf(m as AnyOperator).reads));
    return { reads, writes: this.aggregate ? ALL_KEYS : new Set(["responses"]) };
  }

  lower(b: Lowering, input: Ref): Ref {
    const outputs = this.operators.map((op, i) =>
      b.child(op as AnyOperator, input, { order: `p${i}` }),
    );
    return b.collect(outputs, (values) => this.combine(values as R[]), !this.aggregate);
  }
}
