import { childPath } from "../core/paths.js";
import type { CallContext } from "../operator/context.js";
import { combineEffects, type Effects } from "../operator/effects.js";
import type { Lowering, Ref } from "../operator/lowering.js";
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
    const chosen = (await this.arm(input)) === 0 ? this.ifTrue : this.ifFalse;
    return (await callOperator(chosen, input, { signal: ctx.signal })) as O;
  }

  /** Which arm runs: 0 for `ifTrue`, 1 for `ifFalse`. */
  async arm(input: I): Promise<0 | 1> {
    return (await this.predicate(input)) ? 0 : 1;
  }

  lower(b: Lowering, input: Ref): Ref {
    return b.control("branch", input, [this.ifTrue, this.ifFalse], async (value, signal, run) =>
      run(await this.arm(value as I), value, signal),
    );
  }
}
