import { AsyncLocalStorage } from "node:async_hooks";
import type { AnyOperator } from "../operator/operator.js";

/** One model call, as the ledger records it (successful or not). */
export interface UsageRecord {
  /** Model id: `openai:gpt-4o-mini`. */
  readonly model: string;
  /** True when the simulated provider answered; printed results say "simulated". */
  readonly simulated: boolean;
  /** Operator path of the calling operator, as in `CallContext.path`: `qa/vote/operators[1]`. */
  readonly path: string;
  /** The calling operator, when the call was made from one. */
  readonly operator: AnyOperator | undefined;
  /** False when the call failed after its retries (tokens are then 0). */
  readonly ok: boolean;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** From the price table; 0 when the model has no price (then `priced` is false). */
  readonly costUsd: number;
  readonly priced: boolean;
  /** Requests sent for this call, retries included. */
  readonly attempts: number;
  /** Time spent waiting for provider limits (concurrency, requests or tokens per minute). */
  readonly queueMs: number;
  /** From the call's start to its end, queue and retries included. */
  readonly durationMs: number;
  /** Answered by the response cache: nothing was sent, so no tokens and no cost. */
  readonly cached?: boolean;
  /** Started early by the JIT and never claimed: counted apart from failures. */
  readonly wasted?: boolean;
}

/** Sums over a set of records. */
export interface UsageTotals {
  calls: number;
  failedCalls: number;
  /** Calls the JIT started early that nobody claimed (not failures; a miss can cost a request). */
  wastedCalls: number;
  attempts: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
  /** Calls of models missing from the price table: their cost is not in `costUsd`. */
  unpricedCalls: number;
  simulatedCalls: number;
  queueMs: number;
}

/** Receives every record as it is made; the JIT uses `path` to attribute usage to plan nodes. */
export type UsageListener = (record: UsageRecord) => void;

export function emptyTotals(): UsageTotals {
  return {
    calls: 0,
    failedCalls: 0,
    wastedCalls: 0,
    attempts: 0,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    costUsd: 0,
    unpricedCalls: 0,
    simulatedCalls: 0,
    queueMs: 0,
  };
}

/** Adds one record to `totals` in place; the one place totals change. */
export function addRecord(totals: UsageTotals, r: UsageRecord): void {
  totals.calls++;
  if (r.wasted) totals.wastedCalls++;
  else if (!r.ok) totals.failedCalls++;
  totals.attempts += r.attempts;
  totals.promptTokens += r.promptTokens;
  totals.completionTokens += r.completionTokens;
  totals.totalTokens += r.promptTokens + r.completionTokens;
  totals.costUsd += r.costUsd;
  if (!r.priced) totals.unpricedCalls++;
  if (r.simulated) totals.simulatedCalls++;
  totals.queueMs += r.queueMs;
}

/** Sums any list of records (a run's, or one path's). */
export function sumRecords(records: Iterable<UsageRecord>): UsageTotals {
  const totals = emptyTotals();
  for (const r of records) addRecord(totals, r);
  return totals;
}

/**
 * Running totals of model usage: overall, per model id and per operator. It keeps sums, not
 * records, so a long-lived process does not grow; to see records, subscribe or use `withUsage`.
 *
 * @example
 * usage.total();                 // { calls: 12, promptTokens: 3400, costUsd: 0.0021, ... }
 * usage.forOperator(ensemble);   // the ensemble's members' calls
 * const stop = usage.subscribe((r) => console.log(r.path, r.promptTokens));
 */
export class UsageLedger {
  private totals = emptyTotals();
  private byModel = new Map<string, UsageTotals>();
  private byOperator = new WeakMap<object, UsageTotals>();
  private readonly listeners = new Set<UsageListener>();

  record(r: UsageRecord): void {
    addRecord(this.totals, r);
    addRecord(getOrCreate(this.byModel, r.model), r);
    if (r.operator) {
      let own = this.byOperator.get(r.operator);
      if (!own) {
        own = emptyTotals();
        this.byOperator.set(r.operator, own);
      }
      addRecord(own, r);
    }
    for (const listener of this.listeners) {
      // A broken listener (a debug printer, say) must not fail the model call that reported.
      try {
        listener(r);
      } catch (err) {
        process.emitWarning(
          `usage listener threw: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }

  /** Everything recorded since the start (or the last `reset`). A copy. */
  total(): UsageTotals {
    return { ...this.totals };
  }

  /** Calls of one model id. */
  forModel(modelId: string): UsageTotals {
    return { ...(this.byModel.get(modelId) ?? emptyTotals()) };
  }

  /** Model ids seen so far, each with its totals. */
  models(): Map<string, UsageTotals> {
    return new Map([...this.byModel].map(([id, t]) => [id, { ...t }]));
  }

  /**
   * Calls made by `op` and by the operators it holds (its `children()`, recursively): for an
   * ensemble, its members' calls.
   */
  forOperator(op: AnyOperator): UsageTotals {
    const totals = emptyTotals();
    const seen = new Set<object>();
    const visit = (node: AnyOperator) => {
      if (seen.has(node)) return;
      seen.add(node);
      const own = this.byOperator.get(node);
      if (own) mergeTotals(totals, own);
      for (const child of node.children()) visit(child.operator);
    };
    visit(op);
    return totals;
  }

  /** Calls `listener` with every later record; returns the function that unsubscribes. */
  subscribe(listener: UsageListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Forgets all totals (listeners stay). */
  reset(): void {
    this.totals = emptyTotals();
    this.byModel = new Map();
    this.byOperator = new WeakMap();
  }
}

function getOrCreate(map: Map<string, UsageTotals>, key: string): UsageTotals {
  let totals = map.get(key);
  if (!totals) {
    totals = emptyTotals();
    map.set(key, totals);
  }
  return totals;
}

function mergeTotals(into: UsageTotals, from: UsageTotals): void {
  for (const key of Object.keys(into) as (keyof UsageTotals)[]) into[key] += from[key];
}

/** The process-wide ledger every model call reports to. */
export const usage = new UsageLedger();

/** What `withUsage` returns: the callback's result, the records it caused and their sums. */
export interface UsageScopeResult<T> {
  readonly result: T;
  readonly usage: UsageTotals;
  readonly records: readonly UsageRecord[];
}

const scopes = new AsyncLocalStorage<readonly UsageRecord[][]>();

/**
 * Runs `fn` and collects the usage of every model call it makes, however deeply nested and
 * however concurrent (the scope follows async calls through AsyncLocalStorage). Scopes nest:
 * a call counts in every enclosing scope, and always in the global `usage` ledger. If `fn`
 * throws, the error propagates unchanged (its calls still count in the global ledger).
 *
 * @example
 * const { result, usage: run } = await withUsage(() => qa({ question: "2+2?" }));
 * run.costUsd; // this run's cost only
 */
export async function withUsage<T>(fn: () => T | Promise<T>): Promise<UsageScopeResult<T>> {
  const records: UsageRecord[] = [];
  const result = await collectUsage(records, fn);
  return { result, usage: sumRecords(records), records };
}

/**
 * Runs `fn` with `records` as one more enclosing scope: every model call it makes is pushed
 * there too, whether `fn` succeeds or fails (the JIT attributes them to plan nodes).
 */
export function collectUsage<T>(records: UsageRecord[], fn: () => T): T {
  const outer = scopes.getStore() ?? [];
  return scopes.run([...outer, records], fn);
}

/** Reports one call to the global ledger and every enclosing `withUsage` scope. */
export function recordUsage(record: UsageRecord): void {
  for (const scope of scopes.getStore() ?? []) scope.push(record);
  usage.record(record);
}

/**
 * One line for printing totals; it says "simulated" whenever simulated calls are included.
 *
 * @example
 * formatUsage(usage.total()); // "3 calls · 300 prompt + 60 completion tokens · $0.001200"
 */
export function formatUsage(totals: UsageTotals): string {
  const parts = [
    `${totals.calls} ${totals.calls === 1 ? "call" : "calls"}`,
    `${totals.promptTokens} prompt + ${totals.completionTokens} completion tokens`,
    `$${totals.costUsd.toFixed(6)}`,
  ];
  if (totals.attempts > totals.calls) parts.push(`${totals.attempts - totals.calls} retries`);
  if (totals.failedCalls > 0) parts.push(`${totals.failedCalls} failed`);
  if (totals.wastedCalls > 0) parts.push(`${totals.wastedCalls} wasted (started early, unused)`);
  if (totals.unpricedCalls > 0) parts.push(`${totals.unpricedCalls} unpriced`);
  if (totals.queueMs > 0) parts.push(`queued ${totals.queueMs.toFixed(1)} ms`);
  if (totals.simulatedCalls > 0) {
    parts.push(
      totals.simulatedCalls === totals.calls ? "simulated" : `${totals.simulatedCalls} simulated`,
    );
  }
  return parts.join(" · ");
}
