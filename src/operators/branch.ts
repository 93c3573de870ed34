import { childPath } from "../core/paths.js";
import type { CallContext } from "../operator/context.js";
import { combineEffects, type Effects } from "../operator/effects.js";
import { assertOperator, callOperator, Operator } from "../operator/operator.js";
import { requireFunction } from "./validate.js";

export interface BranchOptions<I, O> {
  /** Chooses the branch; may be async. Should be free of side effects. */
  predicate: (input: I) => boolean | PromiseLike<boolean>;
  // NoInfer: the input type comes from the predicate, so a branch typed loosely (input
  // unknown) still fits instead of widening the whole branch's input to unknown.
  /** Runs when the predicate holds. */
  ifTrue: Operator<NoInfer<I>, O>;
  /** Runs when it does not. */
  ifFalse: Operator<NoInfer<I>, O>;
  /** @default "branch" */
  name?: string;
}

/**
 * Runs `ifTrue` or `ifFalse` on the input, as the predicate decides. Only the chosen branch
 * runs; its output is returned as is.
 *
 * @example
 * const route = new BranchOperator({ predicate: (i: { n: number }) => i.n > 0, ifTrue: pos, ifFalse: neg });
 */
export class BranchOperator<I = unknown, O = unknown> extends Operator<I, O> {
  readonly predicate: (input: I) => boolean | PromiseLike<boolean>;
  readonly ifTrue: Operator<I, O>;
  readonly ifFalse: Operator<I, O>;
  override readonly effects: Effects;

  constructor(options: BranchOptions<I, O>) {
    super();
    this.name = options.name ?? "branch";
    this.predicate = requireFunction(options.predicate, "BranchOperator", "predicate");
    assertOperator(options.ifTrue, childPath(this.name, "ifTrue"));
    assertOperator(options.ifFalse, childPath(this.name, "ifFalse"));
    this.ifTrue = options.ifTrue;
    this.ifFalse = options.ifFalse;
    this.effects = combineEffects([this.ifTrue.effects, this.ifFalse.effects]);
  }

  async forward(input: I, ctx: CallContext): Promise<O> {
    const chosen = (await this.predicate(input)) ? this.ifTrue : this.ifFalse;
    return (await callOperator(chosen, input, { signal: ctx.signal })) as O;
  }
}
