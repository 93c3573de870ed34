import { AsyncLocalStorage } from "node:async_hooks";
import type { Budget } from "../core/budget.js";
import { type Cancel, NEVER_ABORTED, signalOf } from "../core/cancel.js";
import { type CallInfo, type CallObserver, combineObservers } from "./observer.js";
import type { AnyOperator } from "./operator.js";

/**
 * A hook that sees every operator call made while it is installed (the JIT's tracer and
 * speculation use it). Returning a promise answers the call instead of running it.
 */
export interface CallInterceptor {
  intercept(call: InterceptedCall): Promise<unknown> | undefined;
}

export interface InterceptedCall {
  readonly operator: AnyOperator;
  readonly input: unknown;
  /** The operator whose `forward` made this call; undefined for a root call. */
  readonly parent: AnyOperator | undefined;
  readonly path: string;
  /** The signal the call was made with. */
  readonly signal: AbortSignal;
  /** Runs the call for real (validation, budget, forward), bypassing this interceptor. */
  readonly run: () => Promise<unknown>;
}

/** Receives the time leaf calls spent waiting for a budget slot. */
export interface WaitMeter {
  waited(ms: number): void;
}

/** What `forward` receives, and what child calls inherit through AsyncLocalStorage. */
export interface CallContext {
  /**
   * Aborts when the call should stop. In the context `forward` receives it is a getter (the
   * signal is made on first read, as most calls never read it), so an object spread of the
   * context (`{ ...ctx }`) does not carry it: pass `ctx` itself, or `ctx.signal` by name.
   */
  readonly signal: AbortSignal;
  /**
   * How the call is cancelled: `signal` itself, or the controller it comes from, whose
   * signal is only made when `signal` is read (most calls never read it). @internal
   */
  readonly cancel?: Cancel | undefined;
  /** Operator path from the root call: `pipeline/operators[1]/judge`. */
  readonly path: string;
  readonly budget: Budget;
  /** The operator running; undefined in a scope opened outside any operator. */
  readonly operator: AnyOperator | undefined;
  readonly interceptor: CallInterceptor | undefined;
  readonly meter: WaitMeter | undefined;
  /** Observers of every call in this scope (stats, usage, spans, timelines); see observer.ts. */
  readonly observer: CallObserver | undefined;
  /** The running call as observers know it; set only while an observer is installed. */
  readonly call: CallInfo | undefined;
  /**
   * The state of the jitted plan running this call (the JIT's `RunEnv`), carried in the one
   * call context rather than a store of its own; opaque below the JIT.
   */
  readonly plan: object | undefined;
  /**
   * Whether this (leaf) call still holds its budget slot. @internal The call's first child call
   * clears it and gives the slot back: a leaf that calls operators is a composite after all.
   */
  readonly slot?: { held: boolean } | undefined;
  /** Runs leaf calls elsewhere (see LeafExecutor); undefined runs them in this process. */
  readonly executor?: LeafExecutor | undefined;
}

/**
 * Runs some leaf calls somewhere else (another process, another machine): the distributed
 * layer's hook. `accepts` says which (by name and effects — effectful calls should stay in
 * the caller's process); `run` resolves to the output `forward` would have produced, or
 * rejects with its error. Install one with `withExecutor`.
 */
export interface LeafExecutor {
  accepts(operator: AnyOperator): boolean;
  run(operator: AnyOperator, input: unknown, ctx: CallContext): Promise<unknown>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** What this library's composites hand their children: a controller, not yet a signal. @internal */
export interface ChildCallOptions extends CallOptions {
  readonly cancel?: Cancel;
}

/** How a call made with `options` as a child of `parent` is cancelled. @internal */
export function cancelOf(
  options: CallOptions | undefined,
  parent: CallContext | undefined,
): Cancel {
  return (
    (options as ChildCallOptions | undefined)?.cancel ??
    options?.signal ??
    parent?.cancel ??
    parent?.signal ??
    NEVER_ABORTED
  );
}

const storage = new AsyncLocalStorage<CallContext>();

export function currentContext(): CallContext | undefined {
  return storage.getStore();
}

export function runInContext<T>(ctx: CallContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** `op.forward(input, ctx)` run inside `ctx`, with no closure per call. @internal */
export function forwardInContext<I, O>(
  ctx: CallContext,
  op: { forward(input: I, ctx: CallContext): O | Promise<O> },
  input: I,
): O | Promise<O> {
  return storage.run(ctx, callForward, op, input, ctx);
}

function callForward<I, O>(
  op: { forward(input: I, ctx: CallContext): O | Promise<O> },
  input: I,
  ctx: CallContext,
): O | Promise<O> {
  return op.forward(input, ctx);
}

/**
 * Runs `fn` so that every operator call it makes sees a different budget, signal,
 * interceptor or meter, keeping the rest of the current context.
 */
export function withScope<T>(scope: Partial<Omit<CallContext, "operator">>, fn: () => T): T {
  const outer = storage.getStore();
  // Not a spread of `outer`: a CallScope keeps `signal` behind a getter, which spreads drop.
  if (outer) return storage.run(deriveContext(outer, scope), fn);
  const cancel = scope.signal ?? scope.cancel;
  return storage.run({ ...ROOT_FIELDS, ...scope, cancel } as CallContext, fn);
}

const ROOT_FIELDS = {
  operator: undefined,
  path: "",
  interceptor: undefined,
  meter: undefined,
  observer: undefined,
  call: undefined,
  plan: undefined,
} as const;

/** The context of a call made outside any operator: nothing but a signal and a budget. */
export function rootContext(signal: Cancel, budget: Budget): CallContext {
  const none = undefined;
  return new CallScope(signal, "", budget, none, none, none, none, none, none, none, none);
}

/**
 * Runs `fn` with `observer` receiving the events of every operator call it makes, beside
 * any observer already installed around it.
 */
export function withObserver<T>(observer: CallObserver, fn: () => T): T {
  const outer = storage.getStore();
  return withScope({ observer: combineObservers(outer?.observer, observer) }, fn);
}

/** Runs `fn` with `executor` taking the leaf calls it accepts. */
export function withExecutor<T>(executor: LeafExecutor, fn: () => T): T {
  return withScope({ executor }, fn);
}

/**
 * `ctx` with some fields changed, as one `CallScope`: object spreads on this path are slow,
 * make contexts polymorphic (measured on warm jitted calls) and would read the signal.
 */
export function deriveContext(ctx: CallContext, changes: Partial<CallContext>): CallContext {
  return new CallScope(
    changes.signal ?? changes.cancel ?? ctx.cancel ?? ctx.signal,
    changes.path ?? ctx.path,
    changes.budget ?? ctx.budget,
    "operator" in changes ? changes.operator : ctx.operator,
    "interceptor" in changes ? changes.interceptor : ctx.interceptor,
    "meter" in changes ? changes.meter : ctx.meter,
    "observer" in changes ? changes.observer : ctx.observer,
    "call" in changes ? changes.call : ctx.call,
    "plan" in changes ? changes.plan : ctx.plan,
    "executor" in changes ? changes.executor : ctx.executor,
    "slot" in changes ? changes.slot : ctx.slot,
  );
}

/**
 * Every context this library makes: its signal is made when first read (`cancel` is what it
 * comes from), since most calls never read theirs and Node takes about 6 µs to build one.
 * One class, so every context has one shape. @internal
 */
export class CallScope implements CallContext {
  constructor(
    readonly cancel: Cancel,
    readonly path: string,
    readonly budget: Budget,
    readonly operator: AnyOperator | undefined,
    readonly interceptor: CallInterceptor | undefined,
    readonly meter: WaitMeter | undefined,
    readonly observer: CallObserver | undefined,
    readonly call: CallInfo | undefined,
    readonly plan: object | undefined,
    readonly executor: LeafExecutor | undefined,
    readonly slot: { held: boolean } | undefined,
  ) {}

  get signal(): AbortSignal {
    return signalOf(this.cancel);
  }
}
