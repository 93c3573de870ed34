import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type CallInfo,
  configure,
  MapOperator,
  ParallelOperator,
  RunRecorder,
  record,
  SequenceOperator,
  withObserver,
} from "../src/index.js";
import { FailingLeaf, FakeLeaf, Probe } from "./fakes.js";
import { Speculating } from "./observe-fakes.js";

const placeholder = new MapOperator({ fn: (x: unknown) => x });
let nextId = 1000;
function info(name: string, parent?: CallInfo, leaf = true): CallInfo {
  return {
    id: nextId++,
    parentId: parent?.id,
    path: parent ? `${parent.path}/${name}` : name,
    name,
    operator: placeholder,
    effects: "pure",
    leaf,
  };
}

/** Feeds a recorder events at chosen times (its clock reads 100 at the start). */
function scripted() {
  let clock = 100;
  const recorder = new RunRecorder({ now: () => clock });
  const at = (ms: number) => 100 + ms;
  return {
    recorder,
    start: (c: CallInfo, ms: number, waitMs = 0) => {
      if (waitMs > 0) recorder.waited(c, waitMs);
      recorder.callStarted(c, at(ms));
    },
    end: (c: CallInfo, ms: number) => recorder.callFinished(c, at(ms), { ok: true, output: 1 }),
    finishAt: (ms: number) => {
      clock = at(ms);
      return recorder.finish();
    },
  };
}

test("recorder: bound is the earliest finish under the observed order, waits excluded", () => {
  const s = scripted();
  const root = info("root", undefined, false);
  const a = info("a", root);
  const b = info("b", root);
  const c = info("c", root);
  const e = info("e", root);
  const d = info("d", root);
  s.start(root, 0);
  s.start(a, 0);
  s.end(a, 10);
  s.start(b, 10); // requested after a ended: depends on a
  s.start(c, 15, 5); // requested at 10 too, waited 5 for a slot: also after a only
  s.end(c, 20);
  s.start(e, 30, 18); // requested at 12, while b ran: held back by the budget, not by b
  s.end(b, 30);
  s.start(d, 31); // requested after b and c ended
  s.end(d, 36);
  s.end(e, 40);
  s.end(root, 40);
  const run = s.finishAt(42);

  assert.equal(run.wallMs, 42);
  // a 0–10, b 10–30, c 10–15, e 10–20 (not 30–40), d 30–35, root finishes with d.
  assert.equal(run.boundMs, 35);
  const byName = new Map(run.calls.map((x) => [x.name, x]));
  assert.deepEqual(
    ["a", "b", "c", "e", "d"].map((n) => [byName.get(n)!.boundStartMs, byName.get(n)!.boundEndMs]),
    [
      [0, 10],
      [10, 30],
      [10, 15],
      [10, 20],
      [30, 35],
    ],
  );
  assert.deepEqual(run.criticalPath, [a.id, b.id, d.id]);
  assert.deepEqual(
    run.calls.filter((x) => x.critical).map((x) => x.name),
    ["root", "a", "b", "d"],
  );
  assert.equal(byName.get("c")!.waitMs, 5);
  assert.equal(byName.get("c")!.startMs, 15);
  assert.equal(run.totals.waitMs, 23);
  assert.equal(run.totals.childlessCalls, 5);
});

test("recorder: sequential roots chain, concurrent roots do not; nesting counts no own time", () => {
  const s = scripted();
  const r1 = info("r1", undefined, false);
  const inner = info("inner", r1, false);
  const x = info("x", inner);
  const r2 = info("r2");
  const r3 = info("r3");
  s.start(r1, 0);
  s.start(inner, 2); // own work of r1 before its child: not counted
  s.start(x, 2);
  s.end(x, 12);
  s.end(inner, 14);
  s.end(r1, 20);
  s.start(r2, 25); // after r1 ended: chained
  s.start(r3, 26); // while r2 runs: concurrent
  s.end(r2, 30);
  s.end(r3, 50);
  const run = s.finishAt(50);
  // r1 = x's 10 ms; r2 starts at 10, r3 also at 10 (r2 had not ended at 26) and takes 24.
  assert.equal(run.boundMs, 34);
  assert.deepEqual(run.criticalPath, [x.id, r3.id]);
});

test("recorder: records a real run's tree, paths, effects and outcomes", async () => {
  const probe = new Probe();
  const leaf = (name: string) =>
    new FakeLeaf({ probe, name, delayMs: 2, fn: (i: { v: number }) => ({ [name]: i.v }) });
  const pipeline = new SequenceOperator({
    name: "pipe",
    operators: [
      new MapOperator({ name: "inc", fn: (i: { v: number }) => ({ v: i.v + 1 }) }),
      new ParallelOperator({ name: "fan", operators: [leaf("l1"), leaf("l2"), leaf("l3")] }),
    ],
  });
  const { value, record: run } = await record(() => pipeline({ v: 1 }), { label: "demo" });
  assert.deepEqual(value, { v: 2, l1: 2, l2: 2, l3: 2 });
  assert.equal(run.label, "demo");
  assert.deepEqual(
    run.calls.map((c) => [c.path, c.name, c.leaf, c.status]),
    [
      ["pipe", "pipe", false, "ok"],
      ["pipe/operators[0]", "inc", true, "ok"],
      ["pipe/operators[1]", "fan", false, "ok"],
      ["pipe/operators[1]/operators[0]", "l1", true, "ok"],
      ["pipe/operators[1]/operators[1]", "l2", true, "ok"],
      ["pipe/operators[1]/operators[2]", "l3", true, "ok"],
    ],
  );
  const id = (path: string) => run.calls.find((c) => c.path === path)!.id;
  assert.deepEqual(
    run.calls.map((c) => c.parentId),
    [
      undefined,
      id("pipe"),
      id("pipe"),
      id("pipe/operators[1]"),
      id("pipe/operators[1]"),
      id("pipe/operators[1]"),
    ],
  );
  for (const c of run.calls) assert.ok(c.startMs >= 0 && c.endMs >= c.startMs, c.path);
  assert.ok(run.boundMs <= run.wallMs, "the bound never exceeds the wall time");
  // One chain: inc, then one of the three concurrent leaves.
  assert.equal(run.criticalPath.length, 2);
  assert.equal(run.criticalPath[0], id("pipe/operators[0]"));
  assert.equal(run.totals.calls, 6);
  assert.doesNotThrow(() => JSON.stringify(run));
});

test("recorder: a failing run keeps its record through finish(), errors by name", async () => {
  const failing = new SequenceOperator({
    name: "pipe",
    operators: [new FailingLeaf(new RangeError("bad value"), 0, "boom")],
  });
  const recorder = new RunRecorder();
  await assert.rejects(() => withObserver(recorder, () => failing({})), /bad value/);
  const run = recorder.finish();
  assert.deepEqual(
    run.calls.map((c) => [c.name, c.status, c.error?.name]),
    [
      ["pipe", "error", "RangeError"],
      ["boom", "error", "RangeError"],
    ],
  );
  assert.equal(run.totals.failedCalls, 2);
});

test("recorder: combines with an outer observer and records budget waits", async () => {
  const probe = new Probe();
  const leaves = [0, 1, 2].map(
    (i) => new FakeLeaf({ probe, name: `w${i}`, delayMs: 3, fn: () => ({ [`w${i}`]: i }) }),
  );
  const fan = new ParallelOperator({ name: "fan", operators: leaves });
  const outerStarts: string[] = [];
  configure({ maxConcurrency: 1 });
  try {
    const recorder = new RunRecorder();
    await withObserver({ callStarted: (c) => outerStarts.push(c.name) }, () =>
      withObserver(recorder, () => fan({})),
    );
    const run = recorder.finish();
    assert.deepEqual(outerStarts, ["fan", "w0", "w1", "w2"]);
    assert.equal(run.calls.length, 4);
    // One slot: two of the three leaves waited for it.
    assert.equal(run.calls.filter((c) => c.waitMs > 0).length, 2);
    assert.equal(probe.peakInFlight, 1);
    // Held back by the budget, not by each other: the bound runs them side by side.
    const leafCalls = run.calls.filter((c) => c.leaf);
    assert.deepEqual(
      leafCalls.map((c) => c.boundStartMs),
      [0, 0, 0].map(() => leafCalls[0]!.boundStartMs),
    );
  } finally {
    configure({ maxConcurrency: 64 });
  }
});

test("recorder: usage goes to the calling call, speculations link to their calls", async () => {
  const { record: run } = await record(() => new Speculating()({ q: "hi" }));
  assert.equal(run.totals.unattributedCostUsd, 0, "every request was made inside a call");
  const early = run.calls.find((c) => c.name === "early")!;
  const unused = run.calls.find((c) => c.name === "unused")!;
  assert.deepEqual(
    [early.promptTokens, early.completionTokens, early.costUsd, early.model, early.requests],
    [10, 2, 0.01, "sim:fast", 1],
  );
  assert.equal(early.speculation, "claimed");
  assert.equal(unused.speculation, "wasted");
  assert.deepEqual(
    run.speculations.map((s) => [s.name, s.outcome, s.callId, s.costUsd]),
    [
      ["early", "claimed", early.id, 0.01],
      ["unused", "wasted", unused.id, 0.03],
    ],
  );
  assert.equal(run.totals.claimed, 1);
  assert.equal(run.totals.wasted, 1);
  assert.equal(run.totals.wastedCostUsd, 0.03);
  assert.equal(run.totals.wastedTokens, 32);
  assert.equal(run.totals.promptTokens, 40);
  assert.equal(run.totals.requests, 2);
});

test("recorder: a child that outlives its parent does not hold the parent's dependants up", () => {
  const s = scripted();
  const p = info("p", undefined, false);
  const detached = info("detached", p);
  const quick = info("quick", p);
  const next = info("next");
  s.start(p, 0);
  s.start(detached, 0);
  s.start(quick, 0);
  s.end(quick, 5);
  s.end(p, 6); // returns while `detached` still runs (an unclaimed early start)
  s.start(next, 7);
  s.end(next, 10);
  s.end(detached, 30);
  const run = s.finishAt(30);
  // next waits for p, which finished with quick (5), not with detached (30): 5 + 3 = 8.
  assert.equal(run.calls.find((c) => c.name === "next")!.boundEndMs, 8);
  // The bound is still the whole work: detached runs 30 from the start.
  assert.equal(run.boundMs, 30);
  assert.deepEqual(run.criticalPath, [detached.id]);
  assert.ok(run.boundMs <= run.wallMs);
});

/** Random runs that obey what real ones do: a call is requested after its caller started. */
const runs = fc
  .array(
    fc.record({
      parent: fc.nat(),
      request: fc.integer({ min: 0, max: 40 }),
      wait: fc.integer({ min: 0, max: 10 }),
      duration: fc.integer({ min: 0, max: 30 }),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((specs) => {
    const calls: { parent: number; request: number; start: number; end: number }[] = [];
    specs.forEach((spec, i) => {
      const parent = i === 0 || spec.parent % 3 === 0 ? -1 : spec.parent % i;
      const from = parent === -1 ? 0 : calls[parent]!.start;
      const request = from + spec.request;
      const start = request + spec.wait;
      calls.push({ parent, request, start, end: start + spec.duration });
    });
    // A parent ends after its children, except now and then (a detached early start).
    for (let i = calls.length - 1; i > 0; i--) {
      const p = calls[i]!.parent;
      if (p !== -1 && i % 5 !== 0) calls[p]!.end = Math.max(calls[p]!.end, calls[i]!.end);
    }
    return calls;
  });

test("recorder: the bound never exceeds what really happened (property)", () => {
  fc.assert(
    fc.property(runs, (calls) => {
      const s = scripted();
      const infos: CallInfo[] = [];
      const order = calls
        .map((_, i) => i)
        .sort((a, b) => calls[a]!.start - calls[b]!.start || a - b);
      // Events in time order, ends before starts at the same time; parents start first.
      const events = calls.flatMap((c, i) => [
        { at: c.start, kind: 1, i },
        { at: c.end, kind: 0, i },
      ]);
      events.sort(
        (a, b) => a.at - b.at || a.kind - b.kind || order.indexOf(a.i) - order.indexOf(b.i),
      );
      for (const e of events) {
        const c = calls[e.i]!;
        if (e.kind === 1) {
          infos[e.i] = info(`c${e.i}`, c.parent === -1 ? undefined : infos[c.parent]);
          s.start(infos[e.i]!, c.start, c.start - c.request);
        } else if (infos[e.i]) s.end(infos[e.i]!, c.end);
      }
      const wall = Math.max(...calls.map((c) => c.end));
      const run = s.finishAt(wall);
      assert.ok(run.boundMs <= run.wallMs + 1e-9, `bound ${run.boundMs} > wall ${run.wallMs}`);
      for (const rc of run.calls) {
        assert.ok(rc.boundStartMs <= rc.startMs - rc.waitMs + 1e-9, `${rc.name} starts too late`);
        assert.ok(rc.boundEndMs <= rc.endMs + 1e-9, `${rc.name} ends too late`);
      }
      const childless = run.calls.filter((c) => !run.calls.some((k) => k.parentId === c.id));
      const longest = Math.max(...childless.map((c) => c.endMs - c.startMs));
      assert.ok(run.boundMs >= longest - 1e-9, "the bound covers the longest piece of work");
    }),
    { seed: 13, numRuns: 300 },
  );
});
