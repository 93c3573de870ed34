import { onAbort } from "../core/cancel.js";
import { SpeculationMissed } from "../core/errors.js";
import { defaultScheduler } from "../engine/configure.js";
import type { CallInterceptor, InterceptedCall } from "../operator/context.js";
import type { CallObserver, SpeculationInfo } from "../operator/observer.js";
import type { AnyOperator } from "../operator/operator.js";
import { evaluate } from "./derive.js";
import { guardEqual } from "./guard.js";
import { snapshot } from "./snapshot.js";
import { SpeculativeObserver } from "./speculative-observer.js";
import { canStartEarly, type TracedCall } from "./traced-call.js";

interface Started {
  /** A copy of the input as it was when the call started: what the guard compares with. */
  readonly snapshot: unknown;
  /** Holds the call's events until it is claimed (see speculative-observer.ts). */
  readonly gate: SpeculativeObserver | undefined;
  readonly promise: Promise<unknown>;
  readonly controller: AbortController;
  claimed: boolean;
}

/** What one speculative run observed, for stats and adaptation. */
export interface RunReport {
  hits: number;
  misses: number;
  /** Sites whose started call was not taken (guard failed or never asked for). */
  missedSites: number[];
  hitSites: number[];
  /** Calls `forward` made at sites the trace never saw. */
  unrecorded: string[];
  /** Calls not started early because their input could not be evaluated or copied. */
  underivable: number;
}

/**
 * One call of a traced operator: starts every predictable call as soon as its inputs exist
 * and hands a started call to `forward` only when it asks for the same site with an equal
 * input. Anything else runs as `forward` asks; nothing recorded is ever replayed.
 */
export class Speculation implements CallInterceptor {
  private readonly started: (Started | undefined)[] = [];
  private readonly outputs: unknown[] = [];
  private readonly done = new Set<number>();
  private readonly occurrences = new Map<AnyOperator, number>();
  private unsubscribe: (() => void) | undefined;
  readonly report: RunReport = {
    hits: 0,
    misses: 0,
    missedSites: [],
    hitSites: [],
    unrecorded: [],
    underivable: 0,
  };

  constructor(
    private readonly target: AnyOperator,
    private readonly calls: readonly TracedCall[],
    private readonly sites: Map<AnyOperator, number[]>,
    private readonly disabled: ReadonlySet<number>,
    private readonly input: unknown,
    private readonly signal: AbortSignal,
    /** Runs a call of `operator` as `target`'s forward would (same context and path). */
    private readonly startChild: (
      k: number,
      operator: AnyOperator,
      input: unknown,
      signal: AbortSignal,
      observer: CallObserver | undefined,
    ) => Promise<unknown>,
    private readonly runChild: (call: InterceptedCall) => Promise<unknown>,
    /** Told of every call started early, and whether `forward` claimed it or it was wasted. */
    private readonly observer?: CallObserver,
  ) {}

  private info(k: number): SpeculationInfo {
    const call = this.calls[k]!;
    return { site: call.site, path: call.path, name: call.operator.name };
  }

  /** Starts every call whose inputs exist now. */
  startReady(): void {
    // The sequential scheduler (a debugging aid) runs one call at a time: nothing early.
    if (this.signal.aborted || defaultScheduler() === "sequential") return;
    this.calls.forEach((call, k) => {
      if (this.started[k] || this.done.has(k) || this.disabled.has(k) || !canStartEarly(call))
        return;
      // Recursion runs as eager runs it: starting the target early would re-enter this plan.
      if (call.operator === this.target) return;
      if (!call.deps.every((d) => this.done.has(d))) return;
      this.start(k, call);
    });
  }

  private start(k: number, call: TracedCall): void {
    let input: unknown;
    try {
      input = evaluate(call.derivation!, [this.input, ...this.outputs]);
    } catch {
      this.report.underivable++;
      return;
    }
    const copy = snapshot(input);
    if (!copy) {
      this.report.underivable++;
      return;
    }
    // One subscription on the run's signal aborts every started call.
    this.unsubscribe ??= onAbort(this.signal, this.abortStarted);
    const controller = new AbortController();
    const gate = this.observer ? new SpeculativeObserver(this.observer, this.info(k)) : undefined;
    const promise = this.startChild(k, call.operator, input, controller.signal, gate);
    // Its output lets the calls that depend on it start at once, without waiting for
    // forward to ask; if forward then asks with another input, their guards miss. A started
    // call that is never taken must not surface its error anywhere.
    promise.then(
      (output) => {
        if (!this.done.has(k)) this.finished(k, output);
      },
      () => {},
    );
    this.started[k] = { snapshot: copy.value, gate, promise, controller, claimed: false };
    this.observer?.speculated?.(this.info(k), performance.now());
  }

  private readonly abortStarted = (): void => {
    for (const started of this.started) started?.controller.abort(this.signal.reason);
  };

  intercept(call: InterceptedCall): Promise<unknown> | undefined {
    if (call.parent !== this.target) return undefined;
    const occurrence = this.occurrences.get(call.operator) ?? 0;
    this.occurrences.set(call.operator, occurrence + 1);
    const k = this.sites.get(call.operator)?.[occurrence];
    if (k === undefined) {
      this.report.unrecorded.push(`${call.path}#${occurrence}`);
      return this.runChild(call);
    }
    const started = this.started[k];
    let running: Promise<unknown>;
    if (started && !started.claimed && call.signal.aborted) {
      // Eager would refuse to start this call: so does a claim, whatever was started.
      this.discard(k, started);
      running = Promise.reject(call.signal.reason);
    } else if (started && !started.claimed && safeEqual(call.input, started.snapshot)) {
      started.claimed = true;
      this.report.hits++;
      this.report.hitSites.push(k);
      this.observer?.claimed?.(this.info(k), performance.now());
      started.gate?.claim();
      running = started.promise;
    } else {
      if (started && !started.claimed) this.discard(k, started);
      running = this.runChild(call);
    }
    running.then(
      (output) => this.finished(k, output),
      () => {},
    );
    return running;
  }

  private finished(k: number, output: unknown): void {
    this.outputs[k] = output;
    this.done.add(k);
    this.startReady();
  }

  private discard(k: number, started: Started): void {
    started.claimed = true;
    started.gate?.waste(performance.now());
    started.controller.abort(new SpeculationMissed());
    this.report.misses++;
    this.report.missedSites.push(k);
  }

  /**
   * Aborts started calls `forward` never took and detaches them: the result never waits
   * for them (one that ignores its signal could hold it back forever), and their outcome
   * was already silenced when they started.
   */
  finish(): void {
    this.started.forEach((started, k) => {
      if (started && !started.claimed) this.discard(k, started);
    });
    this.unsubscribe?.();
  }
}

function safeEqual(a: unknown, b: unknown): boolean {
  try {
    return guardEqual(a, b);
  } catch {
    return false;
  }
}
