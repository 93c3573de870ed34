import { Budget, getGlobalBudget } from "../core/budget.js";
import { NEVER_ABORTED, signalOf } from "../core/cancel.js";
import {
  type CallContext,
  type CallOptions,
  CallScope,
  type ChildCallOptions,
  cancelOf,
  deriveContext,
  runInContext,
} from "../operator/context.js";
import { type CallObserver, type CallOutcome, combineObservers } from "../operator/observer.js";
import { type AnyOperator, callOperatorFrom, Operator } from "../operator/operator.js";
import { debugLevel, debugPrint } from "./debug.js";
import { explainPlan, type JitExplanation } from "./explain.js";
import { Memo } from "./memo.js";
import { optionsKey, type ResolvedOptions } from "./options.js";
import { PassthroughPlan } from "./passthrough.js";
import type { Plan } from "./plan.js";
import type { CacheEntry } from "./plan-cache.js";
import { statsFor } from "./registry.js";
import type { RunEnv } from "./run-env.js";
import { peekRunEnv } from "./run-env.js";
import { type Selection, selectStrategy, strategyByName } from "./select.js";
import { signatureOf } from "./signature.js";
import type { JitStats, StatsRecorder } from "./stats.js";
import type { Strategy } from "./strategy.js";

/**
 * The operator `jit()` returns: called like the original, it finds (or compiles) the plan
 * for this input and runs it. Data flow of a call: plan lookup → compile on a miss →
 * run → stats.
 */
export class JitOperator<I = unknown, O = unknown> extends Operator<I, O> {
  /** The operator this one stands in for. */
  readonly original: Operator<I, O>;
  readonly options: ResolvedOptions;
  private readonly memo = new Memo();
  /** Credits model usage inside a call to the plan's nodes; one per operator, not per call. */
  private readonly usageObserver: CallObserver = {
    callEvents: false,
    usage: (_call, report) => statsFor(this.target).usedModel(report.path, report),
    wasted: (spec) => {
      if (spec.usage) statsFor(this.target).wastedCall(spec.usage);
    },
  };
  private selection: Selection | undefined;
  private lastPlan: Plan | undefined;
  private readonly nestedJit: (op: AnyOperator) => AnyOperator;

  constructor(
    original: Operator<I, O>,
    options: ResolvedOptions,
    nested: (op: AnyOperator) => AnyOperator,
  ) {
    super();
    this.name = original.name;
    this.effects = original.effects;
    this.original = original;
    this.options = options;
    this.nestedJit = nested;
    if (options.hasSampleInput) {
      const plan = this.planFor(options.sampleInput);
      const env = this.envFor(undefined, this.name, NEVER_ABORTED);
      this.prepared = plan.prepare?.(options.sampleInput, env) ?? Promise.resolve();
    }
  }

  /**
   * Settles when compiling for `sampleInput` is done: at once for structural plans; after
   * the sample's traced run in trace mode (which runs at jit() time, in the background).
   */
  ready(): Promise<void> {
    return this.prepared;
  }

  private prepared: Promise<void> = Promise.resolve();

  /** The strategy this operator's plans come from ("passthrough" when none pays). */
  get strategy(): string {
    return this.resolveStrategy().name;
  }

  forward(): never {
    throw new Error("ember-xcs internal: JitOperator runs through execute()");
  }

  stats(): JitStats {
    return statsFor(this.target).snapshot(this.options.cache.entriesFor(this.target));
  }

  explain(): JitExplanation {
    // Before any call: a plan that ignores the input's shape is compiled into the cache (the
    // first call then reuses it); a shape-sensitive one is shown uncaptured and counts nothing.
    const plan =
      this.lastPlan ?? (this.shapeSensitive() ? this.compile() : this.planFor(undefined));
    return explainPlan(plan, this.selectionText(), this.stats());
  }

  /**
   * A call of a plan that runs its target as written, with nobody intercepting or following
   * calls, skips the lookup (and the path an operator call computes): the cached entry,
   * still held by the cache, is the plan any input gets. Everything else goes through
   * `execute`.
   */
  override invokeFrom(
    parent: CallContext | undefined,
    input: I,
    options?: CallOptions,
  ): Promise<O> {
    const entry = this.reusable;
    // An aborted call, or one printed per node, is rare: execute() handles it as it would. An
    // entry the cache let go (evicted, cleared) is looked up there: a miss, compiled again.
    if (
      entry === undefined ||
      parent?.interceptor !== undefined ||
      watches(parent) ||
      debugLevel() >= 2 ||
      cancelOf(options, parent).aborted ||
      !this.options.cache.refresh(entry)
    ) {
      return super.invokeFrom(parent, input, options);
    }
    const stats = statsFor(this.target);
    stats.cacheHit();
    return this.runAsWritten(parent, input, options, stats, performance.now());
  }

  /**
   * The entry of a passthrough plan that fits every input (no budget of its own, not keyed by
   * shape, not recompiled per call), once one has been looked up or compiled.
   */
  private reusable: CacheEntry | undefined;

  /**
   * Not `async`: a jitted call that runs its target as written (a passthrough plan, nobody
   * watching calls) adds one reaction to the target's promise, no promise chain of its own.
   */
  protected override execute(
    input: I,
    path: string,
    parent: CallContext | undefined,
    callOptions: CallOptions | undefined,
  ): Promise<O> {
    const cancel = cancelOf(callOptions, parent);
    const startedAt = performance.now();
    const stats = statsFor(this.target);
    const hitsBefore = stats.cacheHits;
    let plan: Plan;
    try {
      cancel.throwIfAborted();
      plan = this.planFor(input);
    } catch (err) {
      // Reading the input's shape can throw (a getter): still a call, counted as one.
      if (!cancel.aborted) stats.executed(performance.now() - startedAt);
      return Promise.reject(err);
    }
    // Nothing planned and nothing of this call's own to hold (no budget, no per-node debug).
    const asWritten = this.runsAsWritten(plan) && debugLevel() < 2;
    if (asWritten && !watches(parent)) {
      // The original as a child of our caller, with no state of this call's own (the hot path
      // of a dataset run whose items gain nothing from a plan).
      const from = parent?.interceptor ? deriveContext(parent, { interceptor: undefined }) : parent;
      const options: ChildCallOptions = { cancel };
      return this.runAsWritten(from, input, options, stats, startedAt);
    }
    const signal = signalOf(cancel);
    return this.runPlan(plan, asWritten, input, path, parent, signal, startedAt, hitsBefore);
  }

  private runAsWritten(
    from: CallContext | undefined,
    input: I,
    options: CallOptions | undefined,
    stats: StatsRecorder,
    startedAt: number,
  ): Promise<O> {
    const running = callOperatorFrom(this.target, from, input, options) as Promise<O>;
    // Inline callbacks, not a named const: under tsx (esbuild keepNames) a named closure
    // costs a defineProperty per call.
    running.then(
      () => stats.executed(performance.now() - startedAt),
      () => stats.executed(performance.now() - startedAt),
    );
    return running;
  }

  private async runPlan(
    plan: Plan,
    asWritten: boolean,
    input: I,
    path: string,
    parent: CallContext | undefined,
    signal: AbortSignal,
    startedAt: number,
    hitsBefore: number,
  ): Promise<O> {
    const stats = statsFor(this.target);
    if (asWritten) {
      // Nothing planned, but observers follow calls: they see the jitted call, with the
      // original's under it.
      const observer = parent?.observer;
      const call =
        observer && observer.callEvents !== false
          ? this.callInfo(path, parent, false, true)
          : undefined;
      const from =
        parent && (parent.interceptor || call)
          ? deriveContext(parent, { interceptor: undefined, ...(call ? { call } : {}) })
          : parent;
      if (call) observer!.callStarted?.(call, performance.now());
      try {
        const output = (await callOperatorFrom(this.target, from, input, { signal })) as O;
        if (call) observer!.callFinished?.(call, performance.now(), { ok: true, output });
        return output;
      } catch (error) {
        if (call) observer!.callFinished?.(call, performance.now(), { ok: false, error });
        throw error;
      } finally {
        stats.executed(performance.now() - startedAt);
      }
    }
    const debugNodes = debugLevel() >= 2 ? [] : undefined;
    const env: RunEnv = { ...this.envFor(parent, path, signal), debugNodes };
    const limit = this.options.maxConcurrency;
    // A budget only narrows the one around it: under the caller's, or the global one.
    const budget =
      limit === undefined ? parent?.budget : new Budget(limit, parent?.budget ?? getGlobalBudget());
    // Calls inside the plan belong to the plan, not to an interceptor of our caller; model
    // usage inside it is credited to its nodes through an observer, in the same one scope.
    const observer = parent?.observer
      ? combineObservers(parent.observer, this.usageObserver)
      : this.usageObserver;
    // Observers that follow calls see the jitted call as one, with the plan's calls under it.
    const call =
      parent?.observer && parent.observer.callEvents !== false
        ? this.callInfo(path, parent, false, true)
        : parent?.call;
    // Built from `parent` itself, not from whatever scope is current: a plan or the engine may
    // call us as a child of a context they hold without entering it (invokeFrom).
    const scope: CallContext = new CallScope(
      parent ? cancelOf(undefined, parent) : signal,
      parent?.path ?? "",
      budget ?? parent?.budget ?? getGlobalBudget(),
      parent?.operator,
      undefined,
      parent?.meter,
      observer,
      call,
      env,
      parent?.executor,
      parent?.slot,
    );
    if (call && call !== parent?.call) observer.callStarted?.(call, performance.now());
    let outcome: CallOutcome = { ok: false, error: undefined };
    try {
      const output = (await runInContext(scope, () => plan.run(input, env, signal))) as O;
      outcome = { ok: true, output };
      return output;
    } catch (error) {
      outcome = { ok: false, error };
      throw error;
    } finally {
      if (call && call !== parent?.call) observer.callFinished?.(call, performance.now(), outcome);
      const ms = performance.now() - startedAt;
      stats.executed(ms);
      if (debugNodes) {
        const cached = stats.cacheHits > hitsBefore ? "cache hit" : "compiled";
        const head = `run ${this.name} #${stats.executions} · ${cached} · ${ms.toFixed(2)} ms · ${plan.strategy}`;
        debugPrint([head, ...debugNodes].join("\n"));
      }
    }
  }

  private envFor(parent: CallContext | undefined, path: string, signal: AbortSignal): RunEnv {
    return {
      signal,
      basePath: path,
      callerOperator: parent?.operator,
      callerPath: parent?.path ?? "",
      options: this.options,
      stats: statsFor(this.target),
      memo: this.memo,
      occurrences: peekRunEnv()?.occurrences ?? new Map(),
      debugNodes: undefined,
    };
  }

  /** Cache lookup, or compile on a miss; `forceTrace` compiles every time. */
  private planFor(input: unknown): Plan {
    const stats = statsFor(this.target);
    const strategy = this.resolveStrategy();
    const key = this.cacheKey(strategy, input);
    const cache = this.options.cache;
    if (!this.options.forceTrace) {
      const cached = cache.entry(this.target, key);
      if (cached) {
        stats.cacheHit();
        this.lastPlan = cached.plan;
        this.keep(cached, strategy);
        return cached.plan;
      }
    }
    stats.cacheMiss();
    const plan = this.compile();
    this.keep(cache.set(this.target, key, plan), strategy);
    return plan;
  }

  /** Keeps a passthrough plan's entry for calls to reuse without a lookup (see invokeFrom). */
  private keep(entry: CacheEntry, strategy: Strategy | { name: string }): void {
    const fits =
      this.runsAsWritten(entry.plan) && !this.options.forceTrace && !isShapeSensitive(strategy);
    this.reusable = fits ? entry : undefined;
  }

  /** A plan with nothing planned, and no budget of this operator's own to hold around it. */
  private runsAsWritten(plan: Plan): boolean {
    return plan instanceof PassthroughPlan && this.options.maxConcurrency === undefined;
  }

  private compile(): Plan {
    const stats = statsFor(this.target);
    const strategy = this.resolveStrategy();
    const startedAt = performance.now();
    const plan: Plan =
      "compile" in strategy
        ? strategy.compile({ target: this.target, options: this.options, nested: this.nestedJit })
        : new PassthroughPlan(this.target, [this.selectionText()]);
    const ms = performance.now() - startedAt;
    // A plan that compiles on its first run (a trace) counts that compilation itself.
    if (!plan.compilesOnRun) stats.compiled(ms, plan.strategy);
    this.lastPlan = plan;
    if (debugLevel() >= 1) {
      debugPrint(
        `jit ${this.name}: compiled in ${ms.toFixed(2)} ms · ${this.selectionText()}\n${plan.toString()}`,
      );
    }
    return plan;
  }

  private cacheKey(strategy: Strategy | { name: string }, input: unknown): string {
    // Options and strategy are fixed once chosen: the key's base is built once.
    if (this.keyBase === undefined || this.keyStrategy !== strategy) {
      this.keyBase = `${strategy.name}|${optionsKey(this.options)}`;
      this.keyStrategy = strategy;
    }
    return this.shapeSensitive() ? `${this.keyBase}|${signatureOf(input)}` : this.keyBase;
  }

  private keyBase: string | undefined;
  private keyStrategy: Strategy | { name: string } | undefined;

  private shapeSensitive(): boolean {
    return isShapeSensitive(this.resolveStrategy());
  }

  private get target(): AnyOperator {
    return this.original as unknown as AnyOperator;
  }

  private resolveStrategy(): Strategy | { name: "passthrough" } {
    const mode = this.options.mode;
    if (mode !== "auto") return strategyByName(mode)!;
    this.selection ??= selectStrategy(this.target, this.options);
    if (this.selection.selected === "passthrough") return PASSTHROUGH;
    return strategyByName(this.selection.selected)!;
  }

  private selectionText(): string {
    if (this.options.mode !== "auto") return `mode ${this.options.mode}`;
    this.selection ??= selectStrategy(this.target, this.options);
    const s = this.selection;
    return `auto → ${s.selected}: ${s.reason}`;
  }
}

function isShapeSensitive(strategy: Strategy | { name: string }): boolean {
  return (strategy as { shapeSensitive?: boolean }).shapeSensitive === true;
}

/** Whether observers follow the calls made under `parent` (they must see the jitted call). */
function watches(parent: CallContext | undefined): boolean {
  const observer = parent?.observer;
  return observer !== undefined && observer.callEvents !== false;
}

/** The pseudo-strategy of targets with nothing to gain (one object, so keys can be cached). */
const PASSTHROUGH = { name: "passthrough" } as const;
