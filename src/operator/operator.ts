import { AsyncResource } from "node:async_hooks";
import { type Budget, getGlobalBudget, type SlotWaiter } from "../core/budget.js";
import { type Cancel, signalOf } from "../core/cancel.js";
import { ValidationError } from "../core/errors.js";
import { type Child, discoverChildren } from "./children.js";
import {
  type CallContext,
  type CallOptions,
  CallScope,
  cancelOf,
  currentContext,
  deriveContext,
  forwardInContext,
  type InterceptedCall,
} from "./context.js";
import type { Effects } from "./effects.js";
import { noteErrorPath } from "./error-path.js";
import { type CallInfo, newCallId } from "./observer.js";
import { checkSchema, type Specification } from "./specification.js";
import { type StreamEvent, streamCall } from "./stream.js";

/** Any operator, whatever its input and output types (used for children and collections). */
export type AnyOperator = Operator<never, unknown>;

/** The call signature every operator instance has: `await op(input, { signal })`. */
export interface Operator<I, O> {
  (input: I, options?: CallOptions): Promise<O>;
}

// Per-instance caches live outside the instance: the base constructor returns a function,
// so fields it initialised on `this` would be lost.
const childrenCache = new WeakMap<object, Child[]>();
const childNames = new WeakMap<object, Map<object, string>>();

/**
 * The base of every operator. Instances are callable; a call validates the input against
 * the specification, runs `forward` in a context its child calls inherit, and validates
 * the output. Leaf operators (no children) hold one slot of the concurrency budget while
 * they run; composites hold none while they wait for their children.
 *
 * @example
 * class Shout extends Operator<{ text: string }, { text: string }> {
 *   override readonly effects = "pure";
 *   forward(input: { text: string }) { return { text: input.text.toUpperCase() }; }
 * }
 * await new Shout()({ text: "hi" }); // { text: "HI" }
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merge gives instances their call signature.
export abstract class Operator<I, O> {
  /** Used as the root of operator paths. @default the class name */
  declare name: string;
  /** @default "effectful" for user operators */
  declare effects: Effects;
  declare specification?: Specification;

  constructor() {
    // The instance *is* this function: subclass fields land on it once it is returned.
    const call = (input: I, options?: CallOptions): Promise<O> => self.invoke(input, options);
    const self = call as unknown as this;
    Object.setPrototypeOf(call, new.target.prototype);
    // Redefined, not deleted: deleting a property sends the function to dictionary mode,
    // which made every field read on every operator several times slower.
    Object.defineProperty(call, "name", {
      value: new.target.name,
      writable: true,
      enumerable: false,
      configurable: true,
    });
    // biome-ignore lint/correctness/noConstructorReturn: instances are callable by design.
    return self;
  }

  /** The work of the operator. May be sync or async. */
  abstract forward(input: I, ctx: CallContext): O | Promise<O>;

  /** Operators held in own fields, found once on first use. */
  children(): readonly Child[] {
    let found = childrenCache.get(this);
    if (!found) {
      found = discoverChildren(this, isOperator);
      childrenCache.set(this, found);
    }
    return found;
  }

  /** A leaf makes no operator calls of its own; it holds a budget slot while it runs. */
  isLeaf(): boolean {
    return this.children().length === 0;
  }

  /** Calls the operator; the same as `op(input, options)`. */
  invoke(input: I, options?: CallOptions): Promise<O> {
    return this.invokeFrom(currentContext(), input, options);
  }

  /**
   * Calls the operator as a child of `parent` without entering `parent` first: what a
   * scheduler that holds the context already (the engine, a plan) uses to save a scope.
   * @internal
   */
  invokeFrom(parent: CallContext | undefined, input: I, options?: CallOptions): Promise<O> {
    const path = parent?.operator
      ? `${parent.path}/${childName(parent.operator, this)}`
      : this.name;
    const interceptor = parent?.interceptor;
    if (interceptor) {
      const call: InterceptedCall = {
        operator: this as unknown as AnyOperator,
        input,
        parent: parent.operator,
        path,
        signal: signalOf(cancelOf(options, parent)),
        // The call runs as its own: the interceptor sees the calls `forward` makes, never
        // those of its children (a recursive call's own children have the same parent).
        run: () =>
          this.execute(
            input,
            path,
            deriveContext(parent, { interceptor: undefined }),
            options,
          ) as Promise<unknown>,
      };
      const answer = interceptor.intercept(call);
      if (answer) return answer as Promise<O>;
    }
    return this.execute(input, path, parent, options);
  }

  /**
   * Calls the operator and yields its model tokens and usage as they happen, then
   * `{ type: "output", value }`; see stream.ts. Breaking out of the loop aborts the call.
   */
  stream(input: I, options?: CallOptions): AsyncIterable<StreamEvent<O>> {
    return streamCall((signal) => this.invoke(input, { ...options, signal }), options?.signal);
  }

  /**
   * Runs one call once interception is settled; the JIT's wrapper overrides it. Not `async`:
   * every promise costs an AsyncLocalStorage hook, so a composite adds no promise to what
   * `forward` makes, a leaf one (the reaction that releases its slot), or two when it queued
   * for the slot. Failures before `forward` still reject, never throw: `op(input)` always
   * returns a promise.
   */
  protected execute(
    input: I,
    path: string,
    parent: CallContext | undefined,
    options: CallOptions | undefined,
  ): Promise<O> {
    try {
      // Not a signal yet when an ensemble calls its members: most never read theirs.
      const signal = cancelOf(options, parent);
      signal.throwIfAborted();
      const spec = this.specification;
      const checked = spec?.input
        ? (checkSchema(spec.input, input, "invalid_input", path, this.name) as I)
        : input;
      const budget: Budget = parent?.budget ?? getGlobalBudget();
      const leaf = this.isLeaf();
      // A "leaf" that turns out to call operators (one calling itself, say) is a composite after
      // all: it gives its slot back before its first call, or deep recursion would deadlock.
      const held = parent?.slot;
      if (held?.held) {
        held.held = false;
        parent!.budget.release();
      }
      // A free slot is taken synchronously: no promise, no extra turn of the microtask queue.
      if (leaf && !budget.tryAcquire()) {
        return new Promise<O>((resolve, reject) =>
          budget.enqueue(
            new QueuedCall(this, checked, path, parent, signal, budget, resolve, reject),
          ),
        );
      }
      return startCall(this, checked, path, parent, signal, budget, leaf, 0, undefined);
    } catch (error) {
      // The innermost call a throw escapes names the step; the error itself is untouched.
      noteErrorPath(error, path);
      return Promise.reject(error);
    }
  }

  /** This call as observers see it; `jitted` marks a jitted operator's own call. */
  protected callInfo(
    path: string,
    parent: CallContext | undefined,
    leaf: boolean,
    jitted?: true,
  ): CallInfo {
    return {
      id: newCallId(),
      parentId: parent?.call?.id,
      path,
      name: this.name,
      operator: this as unknown as AnyOperator,
      effects: this.effects,
      leaf,
      jitted,
    };
  }
}

Object.defineProperty(Operator.prototype, "effects", {
  value: "effectful",
  writable: true,
  configurable: true,
});

/** Where a queued call's outcome goes: the promise its caller already holds. */
interface Settle<O> {
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Runs `forward` once the call holds its slot (a leaf) and reports it to observers. A module
 * function, not a method: a subclass's own `start` cannot shadow it. With `settle` the
 * outcome goes there and the returned promise is only the reaction (it never rejects).
 */
function startCall<I, O>(
  op: Operator<I, O>,
  checked: I,
  path: string,
  parent: CallContext | undefined,
  signal: Cancel,
  budget: Budget,
  leaf: boolean,
  waitedMs: number,
  settle: Settle<O> | undefined,
): Promise<O> {
  const observer = parent?.observer;
  const call =
    observer && observer.callEvents !== false
      ? (op as unknown as CallInfoSource).callInfo(path, parent, leaf)
      : undefined;
  if (call) {
    if (waitedMs > 0) observer!.waited?.(call, waitedMs);
    observer!.callStarted?.(call, performance.now());
  }
  // Shared by reference with any scope copied from this context, so it is released once. A
  // queued call is its own slot record (one object fewer).
  const slot = leaf ? (settle instanceof QueuedCall ? settle : { held: true }) : undefined;
  const ctx: CallContext = new CallScope(
    signal,
    path,
    budget,
    op as unknown as AnyOperator,
    parent?.interceptor,
    parent?.meter,
    observer,
    call,
    parent?.plan,
    parent?.executor,
    slot,
  );
  let raw: O | Promise<O>;
  try {
    const executor = leaf ? parent?.executor : undefined;
    // A leaf call another process may run (a BullMQ worker, say) goes there instead of
    // into `forward`; validation, budget and observers stay here, in the caller's process.
    raw = executor?.accepts(op as unknown as AnyOperator)
      ? (executor.run(op as unknown as AnyOperator, checked, ctx) as Promise<O>)
      : forwardInContext(ctx, op, checked);
  } catch (error) {
    // Settled through the same reactions as a rejection: the slot is released a turn later,
    // never inside this call, so a queue of calls failing at once cannot recurse.
    raw = Promise.reject(error);
  }
  const outputSchema = op.specification?.output;
  // Nothing to do once `forward` settles but note where a failure escaped (errorPath): its
  // own promise is the call's, with one reaction that runs only on failure.
  if (!call && !slot && !outputSchema && !settle) {
    const running = Promise.resolve(raw);
    running.then(undefined, (error: unknown) => noteErrorPath(error, path));
    return running;
  }
  return Promise.resolve(raw).then(
    (value) => {
      let output: O;
      try {
        output = outputSchema
          ? (checkSchema(outputSchema, value, "invalid_output", path, op.name) as O)
          : value;
        if (call) observer!.callFinished?.(call, performance.now(), { ok: true, output });
      } catch (error) {
        if (call) observer!.callFinished?.(call, performance.now(), { ok: false, error });
        if (slot?.held) budget.release();
        if (!settle) throw error;
        settle.reject(error);
        return undefined as O;
      }
      if (slot?.held) budget.release();
      if (!settle) return output;
      settle.resolve(output);
      return undefined as O;
    },
    (error: unknown) => {
      noteErrorPath(error, path);
      try {
        if (call) observer!.callFinished?.(call, performance.now(), { ok: false, error });
      } finally {
        if (slot?.held) budget.release();
      }
      if (!settle) throw error;
      settle.reject(error);
      return undefined as O;
    },
  );
}

interface CallInfoSource {
  callInfo(path: string, parent: CallContext | undefined, leaf: boolean): CallInfo;
}

/**
 * A leaf call waiting for a budget slot: the budget starts it from inside `release()`, and
 * as an AsyncResource it runs `forward` in its caller's async context (every store, the
 * app's own too), as resuming an `await` would — one object instead of promises and closures.
 */
class QueuedCall<I, O> extends AsyncResource implements SlotWaiter, Settle<O> {
  private readonly queuedAt = performance.now();
  /** Whether the call still holds its slot, once started (see `CallContext.slot`). */
  held = true;

  constructor(
    private readonly op: Operator<I, O>,
    private readonly input: I,
    private readonly path: string,
    private readonly parent: CallContext | undefined,
    readonly signal: Cancel,
    private readonly budget: Budget,
    readonly resolve: (value: O) => void,
    readonly reject: (error: unknown) => void,
  ) {
    super("ember-xcs.slot");
  }

  granted(): void {
    this.runInAsyncScope(this.begin, this);
  }

  denied(reason: unknown): void {
    this.reject(reason);
  }

  private begin(): void {
    try {
      const ms = performance.now() - this.queuedAt;
      this.parent?.meter?.waited(ms);
      startCall(
        this.op,
        this.input,
        this.path,
        this.parent,
        this.signal,
        this.budget,
        true,
        ms,
        this,
      );
    } catch (error) {
      this.budget.release();
      this.reject(error);
    }
  }
}

export function isOperator(value: unknown): value is AnyOperator {
  return value instanceof Operator;
}

/** Throws a named error when something that should be an operator is not one. */
export function assertOperator(value: unknown, where: string): asserts value is AnyOperator {
  if (!isOperator(value)) {
    const got = value === null ? "null" : typeof value;
    throw new ValidationError("not_an_operator", {
      path: where,
      detail: `expected an Operator, got ${got}`,
    });
  }
}

/** The path a call of `op` made under `parent` gets: the parent's path plus the field name. */
export function callPath(parent: CallContext | undefined, op: object): string {
  if (!parent?.operator) return (op as { name: string }).name;
  return `${parent.path}/${childName(parent.operator, op)}`;
}

/**
 * The field name under which `parent` holds `child`, or the child's own name. A jitted
 * operator standing in for its `original` takes the original's place. A child held in
 * several fields (an ensemble of one model) is named by the first, whichever it runs as.
 */
export function childName(parent: AnyOperator, child: object): string {
  let names = childNames.get(parent);
  if (!names) {
    names = new Map();
    for (const c of parent.children()) if (!names.has(c.operator)) names.set(c.operator, c.name);
    childNames.set(parent, names);
  }
  const found = names.get(child);
  if (found !== undefined) return found;
  const original = (child as { original?: unknown }).original;
  if (original !== undefined && names.has(original as object))
    return names.get(original as object)!;
  return (child as { name: string }).name;
}

/** Calls an operator of unknown input type; the one place that widens the input. */
export function callOperator(
  op: AnyOperator,
  input: unknown,
  options?: CallOptions,
): Promise<unknown> {
  return (op as unknown as Operator<unknown, unknown>).invoke(input, options);
}

/** `callOperator` as a child of `parent`, without entering it first. @internal */
export function callOperatorFrom(
  op: AnyOperator,
  parent: CallContext | undefined,
  input: unknown,
  options?: CallOptions,
): Promise<unknown> {
  return (op as unknown as Operator<unknown, unknown>).invokeFrom(parent, input, options);
}
