import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { z } from "zod";
import {
  configure,
  ParallelOperator,
  type RunRecord,
  record,
  SequenceOperator,
  toTraceEvents,
  writeTraceEvents,
} from "../src/index.js";
import { FakeLeaf, Probe } from "./fakes.js";
import { Speculating } from "./observe-fakes.js";

// The Trace Event Format (Google's "Trace Event Format" document, JSON Object Format): an
// object with a traceEvents array; complete events carry ph "X", ts and dur in µs, pid and
// tid; instant events ph "i" with a scope s; metadata events ph "M" name processes and threads.
const id = z.number().int().nonnegative();
const args = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const complete = z.strictObject({
  name: z.string().min(1),
  cat: z.string().min(1),
  ph: z.literal("X"),
  ts: z.number().nonnegative(),
  dur: z.number().nonnegative(),
  pid: id,
  tid: id,
  args,
});
const instant = z.strictObject({
  name: z.string().min(1),
  cat: z.string().min(1),
  ph: z.literal("i"),
  s: z.enum(["g", "p", "t"]),
  ts: z.number().nonnegative(),
  pid: id,
  tid: id,
  args,
});
const metadata = z.strictObject({
  name: z.enum(["process_name", "thread_name", "thread_sort_index", "process_sort_index"]),
  ph: z.literal("M"),
  pid: id,
  tid: id,
  args: z.union([
    z.strictObject({ name: z.string() }),
    z.strictObject({ sort_index: z.number().int() }),
  ]),
});
const traceFile = z.strictObject({
  traceEvents: z.array(z.discriminatedUnion("ph", [complete, instant, metadata])),
  displayTimeUnit: z.enum(["ms", "ns"]),
  otherData: z.record(z.string(), z.union([z.string(), z.number()])),
});

async function concurrentRun(): Promise<RunRecord> {
  const probe = new Probe();
  const leaf = (name: string, delayMs: number) =>
    new FakeLeaf({ probe, name, delayMs, fn: () => ({ [name]: delayMs }) });
  const pipeline = new SequenceOperator({
    name: "pipe",
    operators: [
      new ParallelOperator({
        name: "fan",
        operators: [
          leaf("short", 2),
          new SequenceOperator({ name: "chain", operators: [leaf("c1", 3), leaf("c2", 3)] }),
          leaf("long", 8),
          leaf("queued", 2),
        ],
      }),
      new Speculating(),
    ],
  });
  // Three slots for four leaves: one queues, so the file has a queue event too.
  configure({ maxConcurrency: 3 });
  try {
    return (await record(() => pipeline({ q: "x" }), { label: "trace test" })).record;
  } finally {
    configure({ maxConcurrency: 64 });
  }
}

test("trace events: the file matches the format, one X event per call, named name (path)", async () => {
  const run = await concurrentRun();
  const file = traceFile.parse(JSON.parse(JSON.stringify(toTraceEvents(run))));
  const calls = file.traceEvents.filter(
    (e): e is z.infer<typeof complete> => e.ph === "X" && e.cat.split(",").includes("call"),
  );
  assert.equal(calls.length, run.calls.length);
  for (const c of run.calls) {
    const [event, ...more] = calls.filter((e) => e.args.id === c.id);
    assert.equal(more.length, 0, `one event for ${c.path}`);
    assert.equal(event!.name, c.path === c.name ? c.name : `${c.name} (${c.path})`);
    assert.ok(Math.abs(event!.ts - c.startMs * 1000) < 0.01);
    assert.ok(Math.abs(event!.dur - (c.endMs - c.startMs) * 1000) < 0.01);
  }
  const queued = file.traceEvents.filter((e) => e.ph === "X" && e.cat === "queue");
  assert.equal(queued.length, run.calls.filter((c) => c.waitMs > 0).length);
  assert.ok(queued.length >= 1);
  const instants = file.traceEvents.filter((e) => e.ph === "i").map((e) => e.name.split(":")[0]);
  assert.deepEqual(instants.sort(), ["claimed", "speculated", "speculated", "wasted"]);
  const threads = file.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name");
  assert.equal(threads.length, new Set(calls.map((e) => e.tid)).size);
});

test("trace events: events on one lane nest or follow each other, never partly overlap", async () => {
  const run = await concurrentRun();
  const events = toTraceEvents(run).traceEvents.filter((e) => e.ph === "X");
  const tids = new Set(events.map((e) => e.tid));
  assert.ok(tids.size > 1, "concurrent calls need more than one lane");
  for (const tid of tids) {
    const lane = events.filter((e) => e.tid === tid);
    for (const a of lane) {
      for (const b of lane) {
        if (a === b) continue;
        const [a0, a1, b0, b1] = [a.ts, a.ts + a.dur, b.ts, b.ts + b.dur];
        const disjoint = a1 <= b0 || b1 <= a0;
        const nested = (a0 <= b0 && b1 <= a1) || (b0 <= a0 && a1 <= b1);
        assert.ok(disjoint || nested, `${a.name} and ${b.name} collide on lane ${tid}`);
      }
    }
  }
  // A sequential chain's steps stay on their caller's lane when they fit there.
  const lane = (name: string) =>
    events.find((e) => e.cat !== "queue" && e.name.startsWith(`${name} `))?.tid;
  assert.equal(lane("c1"), lane("chain"));
});

test("trace events: writeTraceEvents writes the file, creating its directory", async () => {
  const run = await concurrentRun();
  const dir = mkdtempSync(join(tmpdir(), "ember-trace-"));
  try {
    const path = writeTraceEvents(run, join(dir, "nested", "run.trace.json"));
    const file = traceFile.parse(JSON.parse(readFileSync(path, "utf8")));
    assert.equal(file.otherData.calls, run.calls.length);
    assert.equal(file.otherData.boundMs, run.boundMs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
