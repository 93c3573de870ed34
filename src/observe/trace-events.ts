import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { callLabel, type RecordedCall, type RunRecord } from "./run-record.js";

/**
 * The Trace Event Format read by chrome://tracing, Perfetto (ui.perfetto.dev) and Speedscope:
 * a JSON object with a `traceEvents` array. Times are microseconds.
 */
export interface TraceEventFile {
  readonly traceEvents: TraceEvent[];
  readonly displayTimeUnit: "ms";
  readonly otherData: Record<string, string | number>;
}

export type TraceEvent = CompleteEvent | InstantEvent | MetadataEvent;

/** `ph: "X"`: something that took `dur` µs from `ts`. */
export interface CompleteEvent {
  readonly name: string;
  readonly cat: string;
  readonly ph: "X";
  readonly ts: number;
  readonly dur: number;
  readonly pid: number;
  readonly tid: number;
  readonly args: Record<string, string | number | boolean | null>;
}

/** `ph: "i"`: a moment, on one thread (`s: "t"`) or across the process (`s: "p"`). */
export interface InstantEvent {
  readonly name: string;
  readonly cat: string;
  readonly ph: "i";
  readonly s: "t" | "p";
  readonly ts: number;
  readonly pid: number;
  readonly tid: number;
  readonly args: Record<string, string | number | boolean | null>;
}

/** `ph: "M"`: names a process or a thread. */
export interface MetadataEvent {
  readonly name: "process_name" | "thread_name" | "thread_sort_index";
  readonly ph: "M";
  readonly pid: number;
  readonly tid: number;
  readonly args: { readonly name: string } | { readonly sort_index: number };
}

const PID = 1;
const µs = (ms: number) => Math.round(ms * 1000 * 1000) / 1000;

/**
 * The record as trace events: one `X` event per call (`cat: "call"`), one more per queue wait
 * (`cat: "queue"`, just before its call), and instant events for the JIT's early starts and
 * their outcome. Calls are laid out on lanes (`tid`) so that events on one lane nest or follow
 * each other, never partly overlap: a call goes on its caller's lane when it fits there, else on
 * the first lane it fits. Names read `name (path)`.
 *
 * @example
 * writeFileSync("run.trace.json", JSON.stringify(toTraceEvents(run)));  // open in ui.perfetto.dev
 */
export function toTraceEvents(record: RunRecord): TraceEventFile {
  const lanes = assignLanes(record.calls);
  const laneOf = new Map<number, number>();
  const events: TraceEvent[] = [
    {
      name: "process_name",
      ph: "M",
      pid: PID,
      tid: 0,
      args: { name: record.label ? `ember-xcs: ${record.label}` : "ember-xcs run" },
    },
  ];
  for (let lane = 1; lane <= lanes.count; lane++) {
    events.push({
      name: "thread_name",
      ph: "M",
      pid: PID,
      tid: lane,
      args: { name: `lane ${lane}` },
    });
    events.push({
      name: "thread_sort_index",
      ph: "M",
      pid: PID,
      tid: lane,
      args: { sort_index: lane },
    });
  }
  record.calls.forEach((call, i) => {
    const tid = lanes.of[i]!;
    laneOf.set(call.id, tid);
    const label = callLabel(call);
    if (call.waitMs > 0) {
      events.push({
        name: `queued: ${label}`,
        cat: "queue",
        ph: "X",
        ts: µs(call.startMs - call.waitMs),
        // Ends exactly where the call's event starts: rounding each part apart could make
        // them overlap by a microsecond.
        dur: µs(call.startMs) - µs(call.startMs - call.waitMs),
        pid: PID,
        tid,
        args: { id: call.id, path: call.path },
      });
    }
    events.push({
      name: label,
      cat: call.leaf ? "call,leaf" : "call",
      ph: "X",
      ts: µs(call.startMs),
      dur: µs(call.endMs) - µs(call.startMs),
      pid: PID,
      tid,
      args: callArgs(call),
    });
  });
  for (const s of record.speculations) {
    const tid = s.callId === undefined ? undefined : laneOf.get(s.callId);
    const moments: [string, number | undefined][] = [
      ["speculated", s.atMs],
      [s.outcome, s.resolvedMs],
    ];
    for (const [what, at] of moments) {
      if (at === undefined || what === "pending") continue;
      events.push({
        name: `${what}: ${s.name} (${s.path})`,
        cat: "speculation",
        ph: "i",
        s: tid === undefined ? "p" : "t",
        ts: µs(at),
        pid: PID,
        tid: tid ?? 1,
        args: { site: s.site, callId: s.callId ?? null, costUsd: s.costUsd },
      });
    }
  }
  return {
    traceEvents: events,
    displayTimeUnit: "ms",
    otherData: {
      startedAt: record.startedAt,
      wallMs: record.wallMs,
      boundMs: record.boundMs,
      calls: record.totals.calls,
      costUsd: record.totals.costUsd,
      wastedCostUsd: record.totals.wastedCostUsd,
    },
  };
}

/** Writes `toTraceEvents(record)` to `path` (creating its directory); returns the path. */
export function writeTraceEvents(record: RunRecord, path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(toTraceEvents(record)));
  return path;
}

function callArgs(call: RecordedCall): CompleteEvent["args"] {
  return {
    id: call.id,
    parentId: call.parentId ?? null,
    path: call.path,
    effects: call.effects,
    status: call.status,
    error: call.error ? `${call.error.name}: ${call.error.message}` : null,
    waitMs: call.waitMs,
    model: call.model ?? null,
    promptTokens: call.promptTokens,
    completionTokens: call.completionTokens,
    costUsd: call.costUsd,
    speculation: call.speculation ?? null,
    critical: call.critical,
  };
}

/**
 * Lanes such that the calls on one lane nest or follow each other. A call occupies its queue
 * wait and its run; each lane keeps the stack of intervals still open at the current start.
 */
export function assignLanes(calls: readonly RecordedCall[]): { count: number; of: number[] } {
  const order = calls.map((_, i) => i);
  const from = (i: number) => calls[i]!.startMs - calls[i]!.waitMs;
  const to = (i: number) => calls[i]!.endMs;
  order.sort((a, b) => from(a) - from(b) || to(b) - to(a) || a - b);
  const index = new Map(calls.map((c, i) => [c.id, i]));
  const stacks: number[][] = [];
  const of = new Array<number>(calls.length);
  const fits = (lane: number, start: number, end: number) => {
    const stack = stacks[lane - 1]!;
    while (stack.length > 0 && stack[stack.length - 1]! <= start) stack.pop();
    return stack.length === 0 || stack[stack.length - 1]! >= end;
  };
  for (const i of order) {
    const start = from(i);
    const end = to(i);
    const parent = calls[i]!.parentId;
    const parentLane = parent === undefined ? undefined : of[index.get(parent)!];
    let lane = parentLane !== undefined && fits(parentLane, start, end) ? parentLane : 0;
    for (let l = 1; lane === 0 && l <= stacks.length; l++) if (fits(l, start, end)) lane = l;
    if (lane === 0) {
      stacks.push([]);
      lane = stacks.length;
    }
    stacks[lane - 1]!.push(end);
    of[i] = lane;
  }
  return { count: stacks.length, of };
}
