import { type Cancel, onAbort } from "../core/cancel.js";
import { SpeculationMissed } from "../core/errors.js";
import { defaultScheduler } from "../engine/configure.js";
import { runGraph } from "../engine/ready-queue.js";
import type { NodeInvoker } from "../engine/run-options.js";
import { Graph } from "../graph/graph.js";
import type { CallInterceptor, InterceptedCall } from "../operator/context.js";
import type { CallObserver, SpeculationInfo } from "../operator/observer.js";
import type { AnyOperator } from "../operator/operator.js";
import { evaluate } from "./derive.js";
import { guardEqual } from "./guard.js";
import { snapshot } from "./snapshot.js";
import { SpeculativeObserver } from "./speculative-observer.js";
import { canStartEarly, startsEarly, type TracedCall } from "./traced-call.js";

/**
 * The plan graph of a recording: node `c<k>` is traced call k, with an edge from every call
 * its input is derived from. Edges carry outputs under their index (`toKey`), so any output
 * (a string too) can feed a node; the node itself reads its inputs through its derivation.
 */
export function speculationGraph(calls: readonly TracedCall[]): Graph {
  const graph = new Graph();
  calls.forEach((call, k) => {
    graph.addNode(`c${k}`, call.operator);
  });
  calls.forEach((call, k) => {
    for (const d of call.deps) graph.addEdge(`c${d}`, `c${k}`, { toKey: String(d) });
  });
  return graph;
}

interface Started {
  /** A copy of the input as it was when the call started: what the guard compares with. */
  readonly snapshot: unknown;
  /** Holds the call's events until it is claimed (see speculative-observer.ts). */
  readonly gate: SpeculativeObserver | undefined;
  readonly promise: Promise<unknown>;
  readonly controller: AbortController;
  claimed: boolean;
  /** Aborted unclaimed: whatever it still returns is no one's. */
  wasted: boolean;
}

/** How far a traced call has come in this run, whoever made it (the graph or `forward`). */
const PENDING = 0;
/** `forward` has made the call itself: its node only waits for it. */
const ASKED = 1;
const OK = 2;
const FAILED = 3;

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

/** Starts one traced call early; `observer` is its gate (undefined when no one listens). */
export type StartCall = (
  k: number,
  operator: AnyOperator,
  input: unknown,
  signal: AbortSignal,
  observer: CallObserver | undefined,
) => Promise<unknown>;

/**
 * One call of a traced operator. The recording's calls are nodes of a graph run on the
 * engine's ready queue (the one scheduler): a node is ready when the calls its input is
 * derived from have finished, and then starts its call early if it may (pure or
 * stochastic, input derivable and copyable, not the plan's own target, site enabled).
 * Every other node waits for `forward` to make the call itself. `forward` runs for real
 * beside the graph and is handed a started call only for the same site and an input equal
 * to the one the call started with; nothing recorded is ever replayed.
 */
export class Speculation implements CallInterceptor {
  private readonly started: (Started | undefined)[] = [];
  private readonly outputs: unknown[] = [];
  private readonly state: Uint8Array;
  /** Settles node k's graph call: with the output of whoever finished the call first. */
  private readonly settleNode: (((ok: boolean, value: unknown) => void) | undefined)[] = [];
  private readonly occurrences = new Map<AnyOperator, number>();
  private closed = false;
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
    private readonly graph: Graph,
    private readonly sites: Map<AnyOperator, number[]>,
    private readonly disabled: ReadonlySet<number>,
    /**
     * Calls with constants in their derivation that a run has confirmed: forward made the
     * call with exactly the input the derivation predicted. Only those start early.
     */
    private readonly confirmed: Set<number>,
    private readonly input: unknown,
    private readonly signal: AbortSignal,
    /** Runs a call of `operator` as `target`'s forward would (same context and path). */
    private readonly startChild: StartCall,
    private readonly runChild: (call: InterceptedCall) => Promise<unknown>,
    /** Told of every call started early, and whether `forward` claimed it or it was wasted. */
    private readonly observer?: CallObserver,
  ) {
    this.state = new Uint8Array(calls.length);
  }

  private info(k: number): SpeculationInfo {
    const call = this.calls[k]!;
    return { site: call.site, path: call.path, name: call.operator.name };
  }

  /** Puts the recording's graph on the ready queue; its roots start at once. */
  start(): void {
    // The sequential scheduler (a debugging aid) runs one call at a time: nothing early.
    if (this.signal.aborted || defaultScheduler() === "sequential") return;
    // Node failures are its business alone (continueOnError): a node that fails or misses
    // only keeps its dependents from starting early; the run's outcome is forward's.
    runGraph(this.graph, this.input, {
      continueOnError: true,
      // The run's result is no one's: nothing to collect at its end.
      outputs: [],
      signal: this.signal,
      invoke: this.node,
    }).catch(() => {});
  }

  private startable(k: number, call: TracedCall): boolean {
    return startsEarly(call, k, this.target, this.disabled, this.confirmed);
  }

  /**
   * The engine's call of node `c<k>`: the traced call started early, or a wait for
   * forward's own call. A started call is the node's promise itself, so the engine hears of
   * its output before `forward` does and starts the calls that depend on it first.
   */
  private readonly node: NodeInvoker = (id, operator, _input, signal) => {
    const k = Number(id.slice(1));
    if (this.state[k] === OK) return Promise.resolve(this.outputs[k]);
    if (this.state[k] === FAILED || this.closed) return Promise.reject(new SpeculationMissed());
    const call = this.calls[k]!;
    if (this.state[k] === PENDING && this.startable(k, call)) {
      const started = this.startEarly(k, operator, signal);
      if (started) return started;
    }
    return new Promise<unknown>((resolve, reject) => {
      this.settleNode[k] = (ok, value) => (ok ? resolve(value) : reject(value));
    });
  };

  private startEarly(
    k: number,
    operator: AnyOperator,
    runSignal: Cancel,
  ): Promise<unknown> | undefined {
    let input: unknown;
    try {
      input = evaluate(this.calls[k]!.derivation!, [this.input, ...this.outputs]);
    } catch {
      this.report.underivable++;
      return undefined;
    }
    const copy = snapshot(input);
    if (!copy) {
      this.report.underivable++;
      return undefined;
    }
    // One subscription on the run's signal aborts every started call (not one per call).
    this.unsubscribe ??= onAbort(runSignal, () => this.abortStarted(runSignal.reason));
    const controller = new AbortController();
    const gate = this.observer ? new SpeculativeObserver(this.observer, this.info(k)) : undefined;
    const promise = this.startChild(k, operator, input, controller.signal, gate);
    const started: Started = {
      snapshot: copy.value,
      gate,
      promise,
      controller,
      claimed: false,
      wasted: false,
    };
    this.started[k] = started;
    this.observer?.speculated?.(this.info(k), performance.now());
    // Its output lets the calls that depend on it start at once, without waiting for
    // forward to ask; if forward then asks with another input, their guards miss. A started
    // call that fails or is discarded fails its node: its dependents are not started early.
    promise.then(
      (output) => {
        if (this.state[k] !== OK && !started.wasted) this.outputs[k] = output;
      },
      () => {},
    );
    return promise;
  }

  private abortStarted(reason: unknown): void {
    for (const started of this.started) started?.controller.abort(reason);
  }

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
    if (this.state[k] === PENDING) this.state[k] = ASKED;
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
      else if (!started) this.confirm(k, call.input);
      running = this.runChild(call);
    }
    running.then(
      (output) => this.finished(k, true, output),
      (err: unknown) => this.finished(k, false, err),
    );
    return running;
  }

  /**
   * A call with constants in its derivation, made by forward itself: if its input is what
   * the derivation predicts from this run's values, the constants hold and later runs may
   * start it early. (A value forward computed is a constant that fails here, so it is never
   * started early with a stale value, which would waste a request on every run.)
   */
  private confirm(k: number, input: unknown): void {
    const call = this.calls[k]!;
    if (!call.constant || this.confirmed.has(k) || !canStartEarly(call)) return;
    let predicted: unknown;
    try {
      predicted = evaluate(call.derivation!, [this.input, ...this.outputs]);
    } catch {
      return;
    }
    if (safeEqual(input, predicted)) this.confirmed.add(k);
  }

  /** Call k finished (early or as forward made it): its dependents may start. */
  private finished(k: number, ok: boolean, value: unknown): void {
    if (ok) this.outputs[k] = value;
    if (this.state[k] !== OK) this.state[k] = ok ? OK : FAILED;
    const settle = this.settleNode[k];
    if (settle) {
      this.settleNode[k] = undefined;
      settle(ok, value);
    }
  }

  private discard(k: number, started: Started): void {
    started.claimed = true;
    started.wasted = true;
    started.gate?.waste(performance.now());
    started.controller.abort(new SpeculationMissed());
    this.report.misses++;
    this.report.missedSites.push(k);
  }

  /**
   * Aborts started calls `forward` never took and detaches them: the result never waits
   * for them (one that ignores its signal could hold it back forever), and their outcome
   * was already silenced when they started. Nodes still waiting end as misses, so the
   * graph run ends and nothing starts after forward has returned.
   */
  finish(): void {
    this.closed = true;
    this.started.forEach((started, k) => {
      if (started && !started.claimed) this.discard(k, started);
    });
    this.unsubscribe?.();
    let missed: SpeculationMissed | undefined;
    this.settleNode.forEach((settle, k) => {
      if (!settle) return;
      this.settleNode[k] = undefined;
      missed ??= new SpeculationMissed();
      settle(false, missed);
    });
  }
}

function safeEqual(a: unknown, b: unknown): boolean {
  try {
    return guardEqual(a, b);
  } catch {
    return false;
  }
}
