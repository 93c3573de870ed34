import { Budget, getGlobalBudget } from "../core/budget.js";
import { type Cancel, type LinkedController, linkedController } from "../core/cancel.js";
import { AbortError, OperatorError, TimeoutError } from "../core/errors.js";
import type { Graph } from "../graph/graph.js";
import type { NodeResult } from "../graph/results.js";
import { setGraphRunner } from "../graph/run-options.js";
import {
  type CallContext,
  type ChildCallOptions,
  currentContext,
  deriveContext,
  rootContext,
  type WaitMeter,
} from "../operator/context.js";
import { callOperatorFrom } from "../operator/operator.js";
import { defaultScheduler } from "./configure.js";
import {
  checkRunOptions,
  type EngineOptions,
  type NodeInvoker,
  type RunObserver,
  reportedNodes,
} from "./run-options.js";
import { startDeadline } from "./timeout.js";
import { buildInput, type WiredNode, type Wiring, wiringOf } from "./wiring.js";

export type { EngineOptions, RunObserver, RunOptions } from "./run-options.js";

/**
 * Runs `graph` on the dataflow ready-queue: a node starts the moment its last predecessor
 * finishes, never in level-by-level waves. InlineOperator nodes run synchronously in the
 * loop; other nodes are operator calls under the run's budget and signal. Fails fast by
 * default: the first error aborts running nodes, starts nothing new, and rejects with
 * OperatorError("node_failed") whose `cause` is the node's error.
 */
export function runGraph(
  graph: Graph,
  input: unknown,
  options: EngineOptions & { continueOnError: true },
): Promise<Record<string, NodeResult>>;
export function runGraph(
  graph: Graph,
  input: unknown,
  options?: EngineOptions,
): Promise<Record<string, unknown>>;
export function runGraph(
  graph: Graph,
  input: unknown,
  options: EngineOptions = {},
): Promise<Record<string, unknown>> {
  let run: GraphRun;
  try {
    checkRunOptions(options);
    const wiring = wiringOf(graph);
    run = new GraphRun(wiring, input, options, reportedNodes(wiring, options));
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise((resolve, reject) => run.start(resolve, reject));
}

const NOTHING = () => {};

class GraphRun {
  private readonly nodes: readonly WiredNode[];
  private readonly order: readonly number[];
  private readonly outputs: unknown[];
  private readonly waiting: Int32Array;
  private readonly ready: Int32Array;
  private head = 0;
  private tail = 0;
  private cursor = 0;
  private inFlight = 0;
  private settled = 0;
  private done = false;
  private readonly sequential: boolean;
  private readonly wrapErrors: boolean;
  private readonly results: NodeResult[] | undefined;
  private readonly blockedBy: (string | undefined)[] | undefined;
  private readonly nodeTimeoutMs: number | undefined;
  private readonly nodeDeadlines: (() => void)[] | undefined;
  private readonly observer: RunObserver | undefined;
  private readonly invoke: NodeInvoker | undefined;
  private readonly precedes: ((a: string, b: string) => boolean) | undefined;
  /** In ordered mode: the failure eager execution would report, as far as known. */
  private candidate: { index: number; error: unknown } | undefined;
  /** In ordered mode: each running node's own controller, so it can be aborted alone. */
  private readonly nodeLinks: (LinkedController | undefined)[] | undefined;
  /** The context every node's call runs in: the caller's, with the run's budget and signal. */
  private readonly scope: CallContext;
  private readonly controller: LinkedController;
  private readonly unlink: () => void;
  private clearRunDeadline = NOTHING;
  private resolve: (value: Record<string, unknown>) => void = NOTHING;
  private reject: (reason: unknown) => void = NOTHING;

  constructor(
    wiring: Wiring,
    private readonly input: unknown,
    private readonly options: EngineOptions,
    private readonly reported: readonly number[],
  ) {
    const count = wiring.nodes.length;
    this.nodes = wiring.nodes;
    this.order = wiring.order;
    this.outputs = new Array(count);
    this.waiting = wiring.predecessorCounts.slice();
    this.ready = new Int32Array(count);
    this.sequential = (options.scheduler ?? defaultScheduler()) === "sequential";
    this.wrapErrors = options.errors !== "raw";
    if (options.continueOnError) {
      this.results = new Array(count);
      this.blockedBy = new Array(count);
    }
    this.nodeTimeoutMs = options.nodeTimeoutMs;
    if (options.nodeTimeoutMs !== undefined) this.nodeDeadlines = new Array(count);
    this.observer = options.observer;
    this.invoke = options.invoke;
    const ordered = options.precedes !== undefined && !this.wrapErrors && !options.continueOnError;
    this.precedes = ordered ? options.precedes : undefined;
    if (ordered) this.nodeLinks = new Array(count);
    const outer = currentContext();
    const enclosing = outer?.budget ?? getGlobalBudget();
    const budget =
      options.maxConcurrency === undefined
        ? enclosing
        : new Budget(options.maxConcurrency, enclosing);
    const link = linkedController(options.signal ?? outer?.cancel ?? outer?.signal);
    this.controller = link.controller;
    this.unlink = link.dispose;
    // The run's controller, not its signal: Node makes that only if a node reads it.
    const cancel = link.controller;
    this.scope = outer ? deriveContext(outer, { cancel, budget }) : rootContext(cancel, budget);
  }

  start(resolve: (value: Record<string, unknown>) => void, reject: (reason: unknown) => void) {
    this.resolve = resolve;
    this.reject = reject;
    const controller = this.controller;
    if (controller.aborted) {
      this.stop(controller.reason ?? new AbortError());
      return;
    }
    this.unsubscribe = controller.subscribe(this.onAbort);
    const timeoutMs = this.options.timeoutMs;
    if (timeoutMs !== undefined) {
      this.clearRunDeadline = startDeadline(timeoutMs, () =>
        this.stop(new TimeoutError("", timeoutMs)),
      );
    }
    for (let i = 0; i < this.waiting.length; i++) {
      if (this.waiting[i] === 0) this.ready[this.tail++] = i;
    }
    if (this.nodes.length === 0) {
      this.finish();
      return;
    }
    try {
      this.drain();
    } catch (err) {
      this.stop(err);
    }
  }

  private unsubscribe: (() => void) | undefined;

  /** The caller aborted `options.signal`: reject with its reason, as given. */
  private readonly onAbort = (): void => {
    this.stop(this.controller.reason ?? new AbortError());
  };

  /** Starts every node that may start now; inline nodes run to completion right here. */
  private drain(): void {
    while (!this.done) {
      let index: number;
      if (this.sequential) {
        if (this.inFlight > 0 || this.cursor === this.order.length) break;
        index = this.order[this.cursor++]!;
      } else {
        if (this.head === this.tail) break;
        index = this.ready[this.head++]!;
      }
      if (this.candidate && !this.comesBefore(index, this.candidate.index)) continue;
      this.runNode(index);
    }
    if (this.candidate && !this.done && this.inFlight === 0) {
      this.stop(this.candidate.error, new AbortError("an earlier step failed"));
    }
  }

  private comesBefore(a: number, b: number): boolean {
    return this.precedes!(this.nodes[a]!.id, this.nodes[b]!.id);
  }

  /**
   * Ordered mode: `index` failed. It becomes the reported failure unless an earlier one
   * comes before it; nodes that do not come before the reported failure are aborted.
   */
  private orderedFailure(index: number, error: unknown): void {
    if (this.candidate && !this.comesBefore(index, this.candidate.index)) return;
    this.candidate = { index, error };
    const links = this.nodeLinks!;
    for (let j = 0; j < links.length; j++) {
      const link = links[j];
      if (link && j !== index && !this.comesBefore(j, index)) {
        link.abort(new AbortError("an earlier step failed", { cause: error }));
      }
    }
  }

  private runNode(index: number): void {
    const node = this.nodes[index]!;
    const blocker = this.blockedBy?.[index];
    if (blocker !== undefined) {
      this.results![index] = { status: "skipped", blockedBy: blocker };
      this.block(index, blocker);
      this.release(index);
      return;
    }
    let input: unknown;
    try {
      input = buildInput(node, this.input, this.outputs, this.nodes);
    } catch (err) {
      this.failed(index, err, false);
      return;
    }
    if (node.inlineFn === undefined) {
      this.startCall(index, node, input);
      return;
    }
    if (this.observer) {
      this.runObservedInline(index, node, input);
      return;
    }
    let output: unknown;
    try {
      output = node.inlineFn(input);
    } catch (err) {
      this.failed(index, err, false);
      return;
    }
    this.inlineDone(index, output);
  }

  /**
   * An inline function may still return a promise (a map whose function turned out async,
   * an aggregate): the node then settles when it does, like a call.
   */
  private inlineDone(index: number, output: unknown): void {
    if (!(output instanceof Promise)) {
      this.succeeded(index, output);
      return;
    }
    this.inFlight++;
    output.then(
      (value) => this.inlineSettled(index, true, value),
      (err: unknown) => this.inlineSettled(index, false, err),
    );
  }

  private inlineSettled(index: number, ok: boolean, value: unknown): void {
    if (this.done) return;
    this.inFlight--;
    try {
      if (ok) this.succeeded(index, value);
      else this.failed(index, value, false);
      this.drain();
    } catch (err) {
      this.stop(err);
    }
  }

  private runObservedInline(index: number, node: WiredNode, input: unknown): void {
    const observer = this.observer!;
    observer.nodeStarted?.(node.id);
    const startedAt = performance.now();
    let output: unknown;
    try {
      output = node.inlineFn!(input);
    } catch (err) {
      observer.nodeFinished?.(node.id, performance.now() - startedAt, 0);
      this.failed(index, err, false);
      return;
    }
    observer.nodeFinished?.(node.id, performance.now() - startedAt, 0);
    this.inlineDone(index, output);
  }

  private startCall(index: number, node: WiredNode, input: unknown): void {
    this.inFlight++;
    let signal: Cancel = this.controller;
    // One record per call and inline callbacks, no named closure: under tsx (esbuild
    // keepNames) each named closure costs a defineProperty, and this runs once per node.
    const state: NodeCallState = { finished: false, startedAt: 0, waitMs: 0, link: undefined };
    if (this.nodeLinks && this.nodeTimeoutMs === undefined) {
      state.link = linkedController(signal);
      signal = state.link.controller;
      this.nodeLinks[index] = state.link.controller;
    }
    if (this.nodeTimeoutMs !== undefined) {
      const limitMs = this.nodeTimeoutMs;
      const nodeLink = linkedController(signal);
      state.link = nodeLink;
      signal = nodeLink.controller;
      if (this.nodeLinks) this.nodeLinks[index] = nodeLink.controller;
      this.nodeDeadlines![index] = startDeadline(limitMs, () => {
        const error = new TimeoutError(node.id, limitMs);
        nodeLink.controller.abort(error);
        this.settle(index, node, state, false, error, true);
      });
    }
    if (this.observer) {
      this.observer.nodeStarted?.(node.id);
      state.startedAt = performance.now();
    }
    let call: Promise<unknown>;
    try {
      call = this.call(node, input, signal, (ms) => {
        state.waitMs += ms;
      });
    } catch (err) {
      call = Promise.reject(err);
    }
    call.then(
      (output) => this.settle(index, node, state, true, output, false),
      (err: unknown) => this.settle(index, node, state, false, err, false),
    );
  }

  /** A node's call ended; `timedOut` marks its own deadline, whose TimeoutError is never wrapped. */
  private settle(
    index: number,
    node: WiredNode,
    state: NodeCallState,
    ok: boolean,
    value: unknown,
    timedOut: boolean,
  ): void {
    if (state.finished) return;
    state.finished = true;
    if (state.link) {
      this.nodeDeadlines?.[index]?.();
      if (this.nodeLinks) this.nodeLinks[index] = undefined;
      state.link.dispose();
    }
    if (this.done) return;
    this.inFlight--;
    // Runs in a promise callback: anything thrown here (an observer) must end the run,
    // not become an unhandled rejection.
    try {
      this.observer?.nodeFinished?.(node.id, performance.now() - state.startedAt, state.waitMs);
      if (ok) this.succeeded(index, value);
      else this.failed(index, value, timedOut);
      this.drain();
    } catch (err) {
      this.stop(err);
    }
  }

  /**
   * Calls the node's operator in the run's scope, so leaf calls nested anywhere inside it
   * take slots from the run's budget and see its signal. (withScope would build the same
   * context per node; one built per run, in CallContext's own key order, keeps the hot
   * path monomorphic: about 0.05 µs per node instead of 2.)
   */
  private call(
    node: WiredNode,
    input: unknown,
    signal: Cancel,
    onWait: (ms: number) => void,
  ): Promise<unknown> {
    let scope = this.scope;
    if (signal !== scope.cancel) scope = deriveContext(scope, { cancel: signal });
    if (this.observer) {
      const outer = scope.meter;
      const meter: WaitMeter = {
        waited(ms) {
          onWait(ms);
          outer?.waited(ms);
        },
      };
      scope = deriveContext(scope, { meter });
    }
    // The call is made as a child of the run's scope, handed over rather than entered: one
    // AsyncLocalStorage scope per call (the operator's own), not two.
    const invoke = this.invoke;
    if (invoke) return invoke(node.id, node.operator, input, signal, scope);
    const options: ChildCallOptions = { cancel: signal };
    return callOperatorFrom(node.operator, scope, input, options);
  }

  private succeeded(index: number, output: unknown): void {
    this.outputs[index] = output;
    if (this.results) this.results[index] = { status: "ok", value: output };
    this.release(index);
  }

  private failed(index: number, error: unknown, timedOut: boolean): void {
    const id = this.nodes[index]!.id;
    if (this.precedes && !timedOut) {
      this.orderedFailure(index, error);
      return;
    }
    if (this.results) {
      this.results[index] = { status: "error", error };
      this.block(index, id);
      this.release(index);
      return;
    }
    if (timedOut) {
      this.stop(error);
      return;
    }
    const reason = new AbortError(`graph node "${id}" failed`, { cause: error });
    this.stop(
      this.wrapErrors ? new OperatorError("node_failed", { path: id, cause: error }) : error,
      reason,
    );
  }

  /** Marks the successors of a failed or skipped node as skipped, naming the failed node. */
  private block(index: number, blocker: string): void {
    for (const next of this.nodes[index]!.successors) this.blockedBy![next] ??= blocker;
  }

  /** A node has settled: successors waiting on nothing else become ready. */
  private release(index: number): void {
    for (const next of this.nodes[index]!.successors) {
      if (--this.waiting[next]! === 0) this.ready[this.tail++] = next;
    }
    if (++this.settled === this.nodes.length) this.finish();
  }

  private finish(): void {
    this.done = true;
    this.cleanup();
    const source: readonly unknown[] = this.results ?? this.outputs;
    this.resolve(Object.fromEntries(this.reported.map((i) => [this.nodes[i]!.id, source[i]])));
  }

  /**
   * Ends the run with `error`: aborts running nodes with `reason`, starts nothing new,
   * rejects. A timeout is its own reason, so an aborted node rejects with the TimeoutError.
   */
  private stop(error: unknown, reason: unknown = error): void {
    if (this.done) return;
    this.done = true;
    this.cleanup();
    this.controller.abort(reason);
    this.reject(error);
  }

  private cleanup(): void {
    this.clearRunDeadline();
    this.unsubscribe?.();
    this.unlink();
    if (this.nodeDeadlines) for (const clear of this.nodeDeadlines) clear?.();
  }
}

/** What one node's call in flight keeps until it settles (once). */
interface NodeCallState {
  finished: boolean;
  startedAt: number;
  waitMs: number;
  link: ReturnType<typeof linkedController> | undefined;
}

// Graph.run is a facade over this engine; the graph layer cannot import it (it sits below).
setGraphRunner((graph, input, options) => runGraph(graph, input, options));
