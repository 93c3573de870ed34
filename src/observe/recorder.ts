import { withObserver } from "../operator/context.js";
import type { Effects } from "../operator/effects.js";
import type {
  CallInfo,
  CallObserver,
  CallOutcome,
  SpeculationInfo,
  UsageReport,
} from "../operator/observer.js";
import { computeBound } from "./bound.js";
import type {
  RecordedCall,
  RecordedError,
  RecordedSpeculation,
  RunRecord,
  RunTotals,
  SpeculationOutcome,
} from "./run-record.js";
import { SpeculationLinks } from "./speculation-links.js";

export interface RunRecorderOptions {
  /** Shown in timelines and trace files. */
  label?: string;
  /**
   * The clock for the run's start and finish, in `performance.now()` milliseconds (the
   * clock observer events use). @default performance.now
   */
  now?: () => number;
}

/** What the recorder keeps per call while the run goes on: a few numbers and strings. */
interface CallEntry {
  readonly id: number;
  readonly parentId: number | undefined;
  /** Positions in the recorder's list, so a snapshot needs no id lookups. */
  readonly index: number;
  readonly parentIndex: number;
  readonly name: string;
  readonly path: string;
  readonly effects: Effects;
  readonly leaf: boolean;
  readonly start: number;
  readonly waitMs: number;
  end: number;
  status: "ok" | "error" | "running";
  error: RecordedError | undefined;
  requests: number;
  model: string | undefined;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  speculation: SpecEntry | undefined;
}

interface SpecEntry {
  readonly spec: SpeculationInfo;
  readonly at: number;
  outcome: SpeculationOutcome;
  resolvedAt: number | undefined;
  callId: number | undefined;
}

/** Error messages are cut here so a record stays proportional to its number of calls. */
const MAX_MESSAGE = 500;

/**
 * An observer that records a run: every call with its parent, times, queue wait, outcome
 * and the usage of the model requests it made, plus the JIT's early starts and what became
 * of them. Install it with `withObserver` (or use `record`), then take `toRecord()`.
 * Memory is a small fixed amount per call and per early start.
 *
 * @example
 * const recorder = new RunRecorder();
 * try { await withObserver(recorder, () => pipeline(input)); }
 * finally { writeTimeline(recorder.finish(), "run.html"); }
 */
export class RunRecorder implements CallObserver {
  private readonly now: () => number;
  private readonly label: string | undefined;
  private readonly origin: number;
  private readonly startedAt = new Date();
  private finishedAt: number | undefined;
  private readonly calls: CallEntry[] = [];
  private readonly byId = new Map<number, CallEntry>();
  // `waited` comes right before the same call's `callStarted`; the map is for any other order.
  private waitId = -1;
  private waitMs = 0;
  private readonly waits = new Map<number, number>();
  private readonly specs: SpecEntry[] = [];
  private readonly links = new SpeculationLinks<SpecEntry>();
  private readonly loose = { requests: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };

  constructor(options: RunRecorderOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.label = options.label;
    this.origin = this.now();
  }

  waited(call: CallInfo, ms: number): void {
    if (this.waitId !== -1) this.waits.set(this.waitId, this.waitMs);
    this.waitId = call.id;
    this.waitMs = ms;
  }

  callStarted(call: CallInfo, at: number): void {
    let waitMs = 0;
    if (this.waitId === call.id) {
      waitMs = this.waitMs;
      this.waitId = -1;
    } else if (this.waits.size > 0) {
      waitMs = this.waits.get(call.id) ?? 0;
      this.waits.delete(call.id);
    }
    // A caller started before the recorder was installed is outside the run: this call is a root.
    const parent = call.parentId === undefined ? undefined : this.byId.get(call.parentId);
    const entry: CallEntry = {
      id: call.id,
      parentId: parent?.id,
      index: this.calls.length,
      parentIndex: parent ? parent.index : -1,
      name: call.name,
      path: call.path,
      effects: call.effects,
      leaf: call.leaf,
      start: at,
      waitMs,
      end: at,
      status: "running",
      error: undefined,
      requests: 0,
      model: undefined,
      promptTokens: 0,
      completionTokens: 0,
      costUsd: 0,
      speculation: undefined,
    };
    const link = this.links.started(call);
    if (link) {
      link.data.callId = call.id;
      entry.speculation = link.data;
    }
    this.calls.push(entry);
    this.byId.set(call.id, entry);
  }

  callFinished(call: CallInfo, at: number, outcome: CallOutcome): void {
    const entry = this.byId.get(call.id);
    if (!entry) return;
    entry.end = at;
    if (outcome.ok) entry.status = "ok";
    else {
      entry.status = "error";
      entry.error = describeError(outcome.error);
    }
  }

  usage(call: CallInfo | undefined, report: UsageReport): void {
    const entry = call ? this.byId.get(call.id) : undefined;
    const into = entry ?? this.loose;
    into.requests++;
    into.promptTokens += report.promptTokens;
    into.completionTokens += report.completionTokens;
    into.costUsd += report.costUsd;
    if (entry) entry.model = report.model;
  }

  speculated(spec: SpeculationInfo, at: number): void {
    const entry: SpecEntry = {
      spec,
      at,
      outcome: "pending",
      resolvedAt: undefined,
      callId: undefined,
    };
    this.specs.push(entry);
    this.links.speculated(spec, entry);
  }

  claimed(spec: SpeculationInfo, at: number): void {
    this.resolve(spec, at, "claimed");
  }

  wasted(spec: SpeculationInfo, at: number): void {
    this.resolve(spec, at, "wasted");
  }

  private resolve(spec: SpeculationInfo, at: number, outcome: SpeculationOutcome): void {
    const link = this.links.resolve(spec);
    if (!link) return;
    link.data.outcome = outcome;
    link.data.resolvedAt = at;
  }

  /** Marks the run finished now (later events are still recorded) and returns its record. */
  finish(): RunRecord {
    if (this.finishedAt === undefined) this.finishedAt = this.now();
    return this.toRecord();
  }

  /** A snapshot of everything recorded so far; calls still running end at the snapshot. */
  toRecord(): RunRecord {
    const until = this.finishedAt ?? this.now();
    const calls = this.calls;
    const endOf = (c: CallEntry) => (c.status === "running" ? Math.max(c.start, until) : c.end);
    const bound = computeBound({
      count: calls.length,
      parent: (i) => calls[i]!.parentIndex,
      requestMs: (i) => calls[i]!.start - calls[i]!.waitMs,
      startMs: (i) => calls[i]!.start,
      endMs: (i) => endOf(calls[i]!),
    });
    const t = (at: number) => at - this.origin;
    const recorded: RecordedCall[] = calls.map((c, i) => ({
      id: c.id,
      parentId: c.parentId,
      name: c.name,
      path: c.path,
      effects: c.effects,
      leaf: c.leaf,
      startMs: t(c.start),
      endMs: t(endOf(c)),
      waitMs: c.waitMs,
      status: c.status,
      error: c.error,
      requests: c.requests,
      model: c.model,
      promptTokens: c.promptTokens,
      completionTokens: c.completionTokens,
      costUsd: c.costUsd,
      speculation: c.speculation?.outcome,
      critical: bound.critical[i] === 1,
      // The bound's schedule starts at the run's start, like the recorded times.
      boundStartMs: bound.startMs[i]!,
      boundEndMs: bound.endMs[i]!,
    }));
    const speculations = this.speculationRecords(recorded, t);
    return {
      version: 1,
      label: this.label,
      startedAt: this.startedAt.toISOString(),
      wallMs: until - this.origin,
      boundMs: bound.boundMs,
      criticalPath: bound.criticalPath.map((i) => calls[i]!.id),
      calls: recorded,
      speculations,
      totals: this.totals(recorded, speculations),
    };
  }

  private speculationRecords(
    calls: readonly RecordedCall[],
    t: (at: number) => number,
  ): RecordedSpeculation[] {
    const subtree = this.specs.length > 0 ? subtreeUsage(calls, this.calls) : undefined;
    return this.specs.map((s) => {
      const at = s.callId === undefined ? undefined : this.byId.get(s.callId)?.index;
      const own = at === undefined ? undefined : subtree?.[at];
      return {
        site: s.spec.site,
        path: s.spec.path,
        name: s.spec.name,
        atMs: t(s.at),
        outcome: s.outcome,
        resolvedMs: s.resolvedAt === undefined ? undefined : t(s.resolvedAt),
        callId: s.callId,
        promptTokens: own?.promptTokens ?? 0,
        completionTokens: own?.completionTokens ?? 0,
        costUsd: own?.costUsd ?? 0,
      };
    });
  }

  private totals(
    calls: readonly RecordedCall[],
    speculations: readonly RecordedSpeculation[],
  ): RunTotals {
    const sum = {
      calls: calls.length,
      childlessCalls: 0,
      failedCalls: 0,
      runningCalls: 0,
      requests: this.loose.requests,
      promptTokens: this.loose.promptTokens,
      completionTokens: this.loose.completionTokens,
      costUsd: this.loose.costUsd,
      unattributedCostUsd: this.loose.costUsd,
      waitMs: 0,
      speculated: speculations.length,
      claimed: 0,
      wasted: 0,
      wastedCostUsd: 0,
      wastedTokens: 0,
    };
    const hasChildren = new Uint8Array(calls.length);
    for (const e of this.calls) if (e.parentIndex !== -1) hasChildren[e.parentIndex] = 1;
    for (const [i, c] of calls.entries()) {
      if (hasChildren[i] === 0) sum.childlessCalls++;
      if (c.status === "error" && c.speculation !== "wasted") sum.failedCalls++;
      if (c.status === "running") sum.runningCalls++;
      sum.requests += c.requests;
      sum.promptTokens += c.promptTokens;
      sum.completionTokens += c.completionTokens;
      sum.costUsd += c.costUsd;
      sum.waitMs += c.waitMs;
    }
    for (const s of speculations) {
      if (s.outcome === "claimed") sum.claimed++;
      if (s.outcome === "wasted") {
        sum.wasted++;
        sum.wastedCostUsd += s.costUsd;
        sum.wastedTokens += s.promptTokens + s.completionTokens;
      }
    }
    return sum;
  }
}

/** Each call's usage plus that of every call under it, by index. */
function subtreeUsage(
  calls: readonly RecordedCall[],
  entries: readonly CallEntry[],
): { promptTokens: number; completionTokens: number; costUsd: number }[] {
  const sums = calls.map((c) => ({
    promptTokens: c.promptTokens,
    completionTokens: c.completionTokens,
    costUsd: c.costUsd,
  }));
  // Children start after their parents, so one backward pass adds every subtree into its root.
  for (let i = calls.length - 1; i >= 0; i--) {
    const p = entries[i]!.parentIndex;
    if (p === -1) continue;
    const into = sums[p]!;
    const from = sums[i]!;
    into.promptTokens += from.promptTokens;
    into.completionTokens += from.completionTokens;
    into.costUsd += from.costUsd;
  }
  return sums;
}

function describeError(error: unknown): RecordedError {
  const name = error instanceof Error ? error.name : typeof error;
  const raw = error instanceof Error ? error.message : String(error);
  const message = raw.length > MAX_MESSAGE ? `${raw.slice(0, MAX_MESSAGE)}…` : raw;
  return { name, message };
}

/** What `record` returns: the callback's value and the record of the run it made. */
export interface Recorded<T> {
  readonly value: T;
  readonly record: RunRecord;
}

/**
 * Runs `fn` under a new `RunRecorder` and returns its value with the run's record. If `fn`
 * throws, the error propagates unchanged; to keep the record of a failing run, install a
 * `RunRecorder` yourself and call `finish()` in a `finally`.
 *
 * @example
 * const { value, record: run } = await record(() => jit(pipeline)({ question }));
 * console.log(`${run.calls.length} calls, ${run.wallMs} ms, bound ${run.boundMs} ms`);
 */
export async function record<T>(
  fn: () => T | Promise<T>,
  options: RunRecorderOptions = {},
): Promise<Recorded<T>> {
  const recorder = new RunRecorder(options);
  const value = await withObserver(recorder, fn);
  return { value, record: recorder.finish() };
}
