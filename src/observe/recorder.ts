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
  CallStatus,
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

/** Usage of the model requests one call made itself; kept only for calls that made some. */
interface UsageEntry {
  requests: number;
  model: string | undefined;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

interface SpecEntry {
  readonly spec: SpeculationInfo;
  readonly at: number;
  outcome: SpeculationOutcome;
  resolvedAt: number | undefined;
  callId: number | undefined;
  /** The position of that call in the recorder's columns. */
  callIndex: number;
}

const RUNNING = 0;
const OK = 1;
const ERROR = 2;
const STATUS: readonly CallStatus[] = ["running", "ok", "error"];

/**
 * The recorded calls as columns (typed arrays and plain arrays, grown by doubling): a run of
 * 100,000 calls keeps a few arrays rather than 100,000 objects the collector must trace.
 * Rarely set fields (errors, usage, early starts) live in maps by position.
 */
class CallColumns {
  length = 0;
  ids = new Float64Array(256);
  parents = new Int32Array(256);
  starts = new Float64Array(256);
  ends = new Float64Array(256);
  waits = new Float64Array(256);
  status = new Uint8Array(256);
  leaf = new Uint8Array(256);
  readonly names: string[] = [];
  readonly paths: string[] = [];
  readonly effects: Effects[] = [];
  readonly errors = new Map<number, RecordedError>();
  readonly usage = new Map<number, UsageEntry>();
  readonly speculation = new Map<number, SpecEntry>();

  add(call: CallInfo, parent: number, start: number, waitMs: number): number {
    const i = this.length;
    if (i === this.ids.length) this.grow();
    this.ids[i] = call.id;
    this.parents[i] = parent;
    this.starts[i] = start;
    this.ends[i] = start;
    this.waits[i] = waitMs;
    this.status[i] = RUNNING;
    this.leaf[i] = call.leaf ? 1 : 0;
    this.names.push(call.name);
    this.paths.push(call.path);
    this.effects.push(call.effects);
    this.length = i + 1;
    return i;
  }

  private grow(): void {
    const n = this.ids.length * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.ids = f64(this.ids);
    this.starts = f64(this.starts);
    this.ends = f64(this.ends);
    this.waits = f64(this.waits);
    const parents = new Int32Array(n);
    parents.set(this.parents);
    this.parents = parents;
    const status = new Uint8Array(n);
    status.set(this.status);
    this.status = status;
    const leaf = new Uint8Array(n);
    leaf.set(this.leaf);
    this.leaf = leaf;
  }
}

/**
 * Call id → position. Ids come from one process-wide counter and a recorder sees them in
 * (nearly) increasing order, so positions sit in an array indexed by `id - base`; an id
 * below the base (a call that began before the first one recorded) goes to a map.
 */
class IdIndex {
  private base = -1;
  private slots = new Int32Array(1024);
  private readonly below = new Map<number, number>();

  set(id: number, index: number): void {
    if (this.base === -1) this.base = id;
    const at = id - this.base;
    if (at < 0) {
      this.below.set(id, index);
      return;
    }
    if (at >= this.slots.length) {
      let n = this.slots.length * 2;
      while (n <= at) n *= 2;
      const slots = new Int32Array(n);
      slots.set(this.slots);
      this.slots = slots;
    }
    this.slots[at] = index + 1;
  }

  /** The position of call `id`, or -1 when it was not recorded. */
  get(id: number): number {
    const at = id - this.base;
    if (this.base === -1) return -1;
    if (at < 0) return this.below.get(id) ?? -1;
    if (at >= this.slots.length) return -1;
    return this.slots[at]! - 1;
  }
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
  private readonly calls = new CallColumns();
  private readonly byId = new IdIndex();
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
    const parent = call.parentId === undefined ? -1 : this.byId.get(call.parentId);
    const index = this.calls.add(call, parent, at, waitMs);
    this.byId.set(call.id, index);
    const link = this.links.started(call);
    if (link) {
      link.data.callId = call.id;
      link.data.callIndex = index;
      this.calls.speculation.set(index, link.data);
    }
  }

  callFinished(call: CallInfo, at: number, outcome: CallOutcome): void {
    const index = this.byId.get(call.id);
    if (index === -1) return;
    this.calls.ends[index] = at;
    if (outcome.ok) this.calls.status[index] = OK;
    else {
      this.calls.status[index] = ERROR;
      this.calls.errors.set(index, describeError(outcome.error));
    }
  }

  usage(call: CallInfo | undefined, report: UsageReport): void {
    const index = call ? this.byId.get(call.id) : -1;
    let into: Omit<UsageEntry, "model"> = this.loose;
    if (index !== -1) {
      let entry = this.calls.usage.get(index);
      if (!entry) {
        entry = { requests: 0, model: undefined, promptTokens: 0, completionTokens: 0, costUsd: 0 };
        this.calls.usage.set(index, entry);
      }
      entry.model = report.model;
      into = entry;
    }
    into.requests++;
    into.promptTokens += report.promptTokens;
    into.completionTokens += report.completionTokens;
    into.costUsd += report.costUsd;
  }

  speculated(spec: SpeculationInfo, at: number): void {
    const entry: SpecEntry = {
      spec,
      at,
      outcome: "pending",
      resolvedAt: undefined,
      callId: undefined,
      callIndex: -1,
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
    const c = this.calls;
    const n = c.length;
    const ends = new Float64Array(n);
    const requests = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ends[i] = c.status[i] === RUNNING ? Math.max(c.starts[i]!, until) : c.ends[i]!;
      requests[i] = c.starts[i]! - c.waits[i]!;
    }
    const bound = computeBound({
      count: n,
      parents: c.parents.subarray(0, n),
      requestMs: requests,
      startMs: c.starts.subarray(0, n),
      endMs: ends,
    });
    const origin = this.origin;
    const recorded: RecordedCall[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const parent = c.parents[i]!;
      const usage = c.usage.get(i);
      recorded[i] = {
        id: c.ids[i]!,
        parentId: parent === -1 ? undefined : c.ids[parent]!,
        name: c.names[i]!,
        path: c.paths[i]!,
        effects: c.effects[i]!,
        leaf: c.leaf[i] === 1,
        startMs: c.starts[i]! - origin,
        endMs: ends[i]! - origin,
        waitMs: c.waits[i]!,
        status: STATUS[c.status[i]!]!,
        error: c.errors.get(i),
        requests: usage?.requests ?? 0,
        model: usage?.model,
        promptTokens: usage?.promptTokens ?? 0,
        completionTokens: usage?.completionTokens ?? 0,
        costUsd: usage?.costUsd ?? 0,
        speculation: c.speculation.get(i)?.outcome,
        critical: bound.critical[i] === 1,
        // The bound's schedule starts at the run's start, like the recorded times.
        boundStartMs: bound.startMs[i]!,
        boundEndMs: bound.endMs[i]!,
      };
    }
    const t = (at: number) => at - origin;
    const speculations = this.speculationRecords(recorded, t);
    return {
      version: 1,
      label: this.label,
      startedAt: this.startedAt.toISOString(),
      wallMs: until - origin,
      boundMs: bound.boundMs,
      criticalPath: bound.criticalPath.map((i) => c.ids[i]!),
      calls: recorded,
      speculations,
      totals: this.totals(recorded, speculations),
    };
  }

  private speculationRecords(
    calls: readonly RecordedCall[],
    t: (at: number) => number,
  ): RecordedSpeculation[] {
    const subtree = this.specs.length > 0 ? subtreeUsage(calls, this.calls.parents) : undefined;
    return this.specs.map((s) => {
      const own = s.callIndex === -1 ? undefined : subtree?.[s.callIndex];
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
    const parents = this.calls.parents;
    for (let i = 0; i < calls.length; i++) if (parents[i] !== -1) hasChildren[parents[i]!] = 1;
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i]!;
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
  parents: Int32Array,
): { promptTokens: number; completionTokens: number; costUsd: number }[] {
  const sums = calls.map((c) => ({
    promptTokens: c.promptTokens,
    completionTokens: c.completionTokens,
    costUsd: c.costUsd,
  }));
  // Children start after their parents, so one backward pass adds every subtree into its root.
  for (let i = calls.length - 1; i >= 0; i--) {
    const p = parents[i]!;
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
