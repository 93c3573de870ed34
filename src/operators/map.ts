import { OptionError } from "../core/errors.js";
import type { CallContext } from "../operator/context.js";
import { EFFECTS, type Effects } from "../operator/effects.js";
import { ALL, type StepKeys } from "../operator/keys.js";
import { isPromiseLike, requireRecord } from "../operator/objects.js";
import { Operator } from "../operator/operator.js";
import { optionalKey, requireFunction } from "./validate.js";

const AsyncFunction = (async () => {}).constructor;

/** The input a map takes: the value itself, or an object holding it under `inputKey`. */
export type MapInput<A, IK extends string | undefined> = IK extends string
  ? { [K in IK]: A } & Record<string, unknown>
  : A;

/** The output a map gives: the result itself, or `{ [outputKey]: result }`. */
export type MapOutput<R, OK extends string | undefined> = OK extends string ? { [K in OK]: R } : R;

export interface MapOptions<A, R, IK extends string | undefined, OK extends string | undefined> {
  /** Applied to `input[inputKey]`, or to the whole input when there is no `inputKey`. */
  fn: (value: A) => R | PromiseLike<R>;
  /** Read this key of the input instead of the whole input. */
  inputKey?: IK;
  /** Wrap the result as `{ [outputKey]: result }`. */
  outputKey?: OK;
  /** @default "map" */
  name?: string;
  /** Declare `"stochastic"` or `"effectful"` when `fn` is not a pure function. @default "pure" */
  effects?: Effects;
}

/**
 * Applies a function to the input (or to one key of it). Pure by default, so the JIT may
 * fuse runs of sync maps into one function and deduplicate identical calls.
 *
 * @example
 * const double = new MapOperator({ fn: (i: { value: number }) => ({ value: i.value * 2 }) });
 * await double({ value: 5 }); // { value: 10 }
 * const len = new MapOperator({ fn: (s: string) => s.length, inputKey: "text", outputKey: "n" });
 * await len({ text: "abc" }); // { n: 3 }
 */
export class MapOperator<
  A = unknown,
  R = unknown,
  IK extends string | undefined = undefined,
  OK extends string | undefined = undefined,
> extends Operator<MapInput<A, IK>, MapOutput<R, OK>> {
  readonly fn: (value: A) => R | PromiseLike<R>;
  readonly inputKey: IK;
  readonly outputKey: OK;
  override readonly effects: Effects;

  constructor(options: MapOptions<A, R, IK, OK>) {
    super();
    this.name = options.name ?? "map";
    this.fn = requireFunction(options.fn, "MapOperator", "fn");
    optionalKey(options.inputKey, "MapOperator", "inputKey");
    optionalKey(options.outputKey, "MapOperator", "outputKey");
    this.inputKey = options.inputKey as IK;
    this.outputKey = options.outputKey as OK;
    this.effects = options.effects ?? "pure";
    if (!EFFECTS.includes(this.effects)) {
      throw new OptionError("invalid_option", {
        where: "MapOperator",
        what: "effects is",
        got: this.effects,
        valid: EFFECTS,
      });
    }
  }

  forward(input: MapInput<A, IK>, ctx: CallContext): MapOutput<R, OK> | Promise<MapOutput<R, OK>> {
    return this.applyTo(input, ctx.path);
  }

  /**
   * The map's work without a call: key read, `fn`, key wrap. Sync when `fn` is, so fused
   * maps cost no promise per step. `path` names the operator in a bad-input error.
   */
  applyTo(
    input: MapInput<A, IK>,
    path: string = this.name,
  ): MapOutput<R, OK> | Promise<MapOutput<R, OK>> {
    const arg =
      this.inputKey === undefined
        ? input
        : requireRecord(input, "not_an_object", path, "map input", this.name)[this.inputKey];
    const result = this.fn(arg as A);
    if (isPromiseLike(result)) return Promise.resolve(result).then((r) => this.wrap(r));
    return this.wrap(result);
  }

  /** Reads only `inputKey` and writes only `outputKey`, when they are set. */
  stepKeys(): StepKeys {
    return {
      reads: this.inputKey === undefined ? ALL : new Set([this.inputKey]),
      writes: this.outputKey === undefined ? ALL : new Set([this.outputKey]),
    };
  }

  /**
   * Whether its work can run inside a fused synchronous loop: no specification to check, and
   * `fn` not declared async (one that returns a promise anyway is still handled, just slower).
   */
  get fusable(): boolean {
    return this.specification === undefined && !(this.fn instanceof AsyncFunction);
  }

  private wrap(result: R): MapOutput<R, OK> {
    if (this.outputKey === undefined) return result as MapOutput<R, OK>;
    // A computed key defines an own property, so an outputKey of "__proto__" stays data.
    return { [this.outputKey]: result } as MapOutput<R, OK>;
  }
}
