import { Operator } from "../operator/operator.js";

/**
 * A plain (async) function as an operator, so `jit(fn)` works. It may call operators, so
 * it is never treated as a leaf: it holds no budget slot while its calls run.
 */
export class FunctionOperator<I, O> extends Operator<I, O> {
  readonly fn: (input: I) => O | Promise<O>;

  constructor(fn: (input: I) => O | Promise<O>) {
    super();
    this.name = fn.name || "function";
    this.fn = fn;
  }

  override isLeaf(): boolean {
    return false;
  }

  forward(input: I): O | Promise<O> {
    return this.fn(input);
  }
}
