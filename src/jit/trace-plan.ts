import { named } from "../core/paths.js";
import { Graph } from "../graph/graph.js";
import { printGraph } from "../graph/render.js";
import {
  type CallContext,
  currentContext,
  deriveContext,
  type InterceptedCall,
  withScope,
} from "../operator/context.js";
import { type AnyOperator, callOperator, callOperatorFrom } from "../operator/operator.js";
import { debugLevel, debugPrint } from "./debug.js";
import { formatDerivation } from "./derive.js";
import { Lifecycle } from "./lifecycle.js";
import type { Plan } from "./plan.js";
import type { RunEnv } from "./run-env.js";
import { type RunReport, Speculation, speculationGraph } from "./speculation.js";
import { Recording } from "./trace-record.js";
import {
  canStartEarly,
  siteIndex,
  startsEarly,
  type TracedCall,
  yieldsConcurrency,
} from "./traced-call.js";

/** Consecutive guard misses at one site after which the plan is captured again. */
const SITE_MISS_LIMIT = 3;

/**
 * The trace strategy's plan for one input signature, on the one lifecycle (lifecycle.ts):
 * the first call runs for real while recording; later calls speculate from the recording
 * while `forward` runs for real; a plan that keeps meeting calls it never recorded, or whose
 * guards keep missing, is captured again, at most `maxRecompiles` times, then the target
 * runs eagerly for good.
 */
export class TracePlan implements Plan {
  readonly strategy = "trace";
  readonly shapeSensitive = true;
  readonly compilesOnRun = true;
  readonly notes: string[] = [];
  private life: Lifecycle | undefined;
  /** Auto found nothing to overlap in the capture: run as written. */
  private passthrough = false;
  private calls: readonly TracedCall[] = [];
  private sites = new Map<AnyOperator, number[]>();
  private readonly siteMisses: number[] = [];
  /** Sites captured again for their guard misses; a second round of misses disables them. */
  private readonly retracedFor = new Set<string>();
  private readonly disabledSites = new Set<string>();
  /** Indices (in the current recording) of the disabled sites. */
  private readonly disabled = new Set<number>();
  /** Indices (in the current recording) of calls whose constants a run confirmed. */
  private confirmed = new Set<number>();
  /** A trace started at jit() time for `sampleInput`; the first call waits for it. */
  pending: Promise<void> | undefined;

  constructor(
    readonly target: AnyOperator,
    /** Routes a direct child call (a nested custom or composite operator to its jitted form). */
    private readonly route: (op: AnyOperator) => AnyOperator,
    /** Whether auto chose this plan (it then gives way to pass-through when it gains nothing). */
    private readonly auto: boolean,
  ) {}

  /** The recording as the graph each speculative call runs on the engine's ready queue. */
  graph = new Graph();

  private lifecycle(env: RunEnv): Lifecycle {
    this.life ??= new Lifecycle(this.target.name, env.stats, env.options.maxRecompiles);
    return this.life;
  }

  /** Traces `input` now (its result is discarded); the first call waits for it. */
  prepare(input: unknown, env: RunEnv): Promise<void> {
    // The sample's own result or failure is no one's: a failure is caught here, at once,
    // or it would be an unhandled rejection (a crash) before the first call awaits it.
    const life = this.lifecycle(env);
    const step = life.next(false);
    const run =
      step === "capture" ? this.record(input, env, new AbortController().signal) : undefined;
    this.pending = (run ?? Promise.resolve()).then(
      () => {},
      () => {},
    );
    return this.pending;
  }

  async run(input: unknown, env: RunEnv, signal: AbortSignal): Promise<unknown> {
    if (this.pending) {
      const pending = this.pending;
      this.pending = undefined;
      await pending;
    }
    const step = this.lifecycle(env).next(env.options.forceTrace);
    if (step === "capture") return this.record(input, env, signal);
    if (step === "speculate" && !this.passthrough) return this.speculate(input, env, signal);
    return callOperator(this.target, input, { signal });
  }

  /** Runs the target for real while recording its calls; the plan is what it saw. */
  async record(input: unknown, env: RunEnv, signal: AbortSignal): Promise<unknown> {
    const recording = new Recording(this.target, input, (call) => this.runChild(call, env));
    try {
      return await withScope({ interceptor: recording }, () =>
        callOperator(this.target, input, { signal }),
      );
    } finally {
      this.adopt(recording.calls, env, recording.bookkeepingMs);
    }
  }

  private adopt(calls: TracedCall[], env: RunEnv, bookkeepingMs: number): void {
    const startedAt = performance.now();
    this.calls = calls;
    this.graph = speculationGraph(calls);
    this.confirmed = new Set();
    this.sites = siteIndex(calls);
    this.siteMisses.length = 0;
    this.disabled.clear();
    for (const [k, call] of calls.entries())
      if (this.disabledSites.has(call.site)) this.disabled.add(k);
    this.passthrough = this.auto && !yieldsConcurrency(calls);
    if (this.passthrough && this.notes.length === 0) {
      this.notes.push("auto: the trace shows no call that could start early; running as written");
    }
    const early = calls.filter((c) => canStartEarly(c) && c.operator !== this.target).length;
    this.lifecycle(env).captured({
      calls: calls.length,
      early,
      ms: bookkeepingMs + performance.now() - startedAt,
      strategy: this.passthrough ? "passthrough" : "trace",
    });
    // The recorded plan itself, under the capture line.
    if (debugLevel() >= 1) debugPrint(this.toString());
  }

  private async speculate(input: unknown, env: RunEnv, signal: AbortSignal): Promise<unknown> {
    const scope = currentContext()!;
    // Started calls run as `forward` would run them: from the target's own context.
    const asChild: CallContext = deriveContext(scope, {
      operator: this.target,
      path: env.basePath,
      interceptor: undefined,
    });
    // Concurrent calls share this plan, and one of them may retrace it while this one runs:
    // this run keeps to the recording it started from.
    const calls = this.calls;
    const session = new Speculation(
      this.target,
      calls,
      this.graph,
      this.sites,
      this.disabled,
      this.confirmed,
      input,
      signal,
      (k, op, childInput, childSignal, observer) => {
        const startedAt = performance.now();
        const from = observer ? deriveContext(asChild, { observer }) : asChild;
        const running = callOperatorFrom(this.route(op), from, childInput, {
          signal: childSignal,
        });
        const site = calls[k]!.path;
        const name = calls[k]!.operator.name;
        const record = () => this.ran(env, site, name, startedAt, "early");
        running.then(record, record);
        return running;
      },
      (call) => this.runChild(call, env),
      scope.observer,
    );
    session.start();
    try {
      return await withScope({ interceptor: session }, () =>
        callOperator(this.target, input, { signal }),
      );
    } finally {
      session.finish();
      this.adapt(session.report, env, calls);
    }
  }

  /** A call `forward` makes itself: run for real, routed to a jitted form where there is one. */
  private runChild(call: InterceptedCall, env: RunEnv): Promise<unknown> {
    const startedAt = performance.now();
    const routed = this.route(call.operator);
    const running =
      routed === call.operator
        ? call.run()
        : callOperatorFrom(
            routed,
            deriveContext(currentContext()!, { interceptor: undefined }),
            call.input,
            {
              signal: call.signal,
            },
          );
    const record = () => this.ran(env, call.path, call.operator.name, startedAt, "as called");
    running.then(record, record);
    return running;
  }

  /** One node's time: in the stats, and a line at EMBER_DEBUG >= 2. */
  private ran(env: RunEnv, path: string, name: string, startedAt: number, how: string): void {
    const ms = performance.now() - startedAt;
    env.stats.nodeRan(path, ms, 0, name);
    env.debugNodes?.push(`  ${named(name, path)}  ran ${ms.toFixed(2)} ms  ${how}`);
  }

  private adapt(report: RunReport, env: RunEnv, calls: readonly TracedCall[]): void {
    if (report.hits > 0) env.stats.speculated(true, report.hits);
    if (report.misses > 0) env.stats.speculated(false, report.misses);
    // Retraced meanwhile: this run's site numbers and surprises are about an old recording.
    if (calls !== this.calls) return;
    const life = this.lifecycle(env);
    for (const k of report.hitSites) this.siteMisses[k] = 0;
    for (const k of report.missedSites) {
      this.siteMisses[k] = (this.siteMisses[k] ?? 0) + 1;
      if (this.siteMisses[k]! < SITE_MISS_LIMIT || this.disabled.has(k)) continue;
      const site = this.calls[k]!.site;
      if (!this.retracedFor.has(site)) {
        // A fresh capture may find a better derivation (the input was built differently).
        this.retracedFor.add(site);
        life.miss("guard_miss", site);
      } else {
        // Missing again after a recapture: its input is not predictable; stop starting it.
        this.disabled.add(k);
        this.disabledSites.add(site);
        this.notes.push(
          `site ${site} missed ${SITE_MISS_LIMIT} times in a row after a retrace: no longer started early`,
        );
      }
    }
    if (report.unrecorded.length > 0) life.miss("unrecorded_call", report.unrecorded[0]!);
    if (life.fallbackReason && !this.notes.includes(life.fallbackReason)) {
      this.notes.push(life.fallbackReason);
    }
  }

  /** Calls started early together: those whose inputs exist at the same depth of the graph. */
  parallelGroups(): string[][] {
    const early = (k: number) =>
      startsEarly(this.calls[k]!, k, this.target, this.disabled, this.confirmed);
    return this.graph
      .waves()
      .map((wave) => wave.map((id) => Number(id.slice(1))).filter(early))
      .map((wave) => wave.map((k) => this.calls[k]!.path))
      .filter((group) => group.length > 1);
  }

  guards(): string[] {
    return this.calls.flatMap((call, k) =>
      startsEarly(call, k, this.target, this.disabled)
        ? [
            `${call.site}: handed over only for the same site and an input deep-equal to ${formatDerivation(call.derivation!)} as it was when started`,
          ]
        : [],
    );
  }

  toString(): string {
    const stage = this.passthrough ? "passthrough" : (this.life?.state ?? "untraced");
    return printGraph(this.graph, {
      title: `plan trace for ${this.target.name} · ${stage}`,
      node: (id) => {
        const k = Number(id.slice(1));
        const call = this.calls[k]!;
        const note = !startsEarly(call, k, this.target, this.disabled)
          ? "as called"
          : call.constant && !this.confirmed.has(k)
            ? "early once a run confirms its constants"
            : "early";
        const from = call.derivation ? formatDerivation(call.derivation) : "(not derivable)";
        return { tag: call.effects, where: call.site, from, note };
      },
      notes: this.notes,
    });
  }
}
