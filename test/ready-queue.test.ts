import assert from "node:assert/strict";
import { test } from "node:test";
import { Budget } from "../src/core/budget.js";
import { OptionError } from "../src/core/errors.js";
import { InlineOperator } from "../src/engine/inline.js";
import { runGraph } from "../src/engine/ready-queue.js";
import { Graph } from "../src/index.js";
import {
  type CallContext,
  currentContext,
  withObserver,
  withScope,
} from "../src/operator/context.js";
import { type AnyOperator, Operator } from "../src/operator/operator.js";
import { FakeLeaf, FanOut, HangingLeaf, Probe, rejectionOf } from "./fakes.js";

type Tagged = { tags: string[] };

/** A FakeLeaf that appends its name to `input.tags` (merging inputs keeps the others). */
function tagger(probe: Probe, name: string, delayMs: number): AnyOperator {
  return new FakeLeaf<Tagged, Tagged>({
    probe,
    name,
    delayMs,
    fn: (input) => ({ tags: [...(input.tags ?? []), name] }),
  }) as AnyOperator;
}

function interval(probe: Probe, name: string): { start: number; end: number } {
  const found = probe.intervals.find((i) => i.name === name);
  assert.ok(found, `${name} ran`);
  return found;
}

test("dataflow: D starts as soon as C is done, before slow B ends (asymmetric diamond)", async () => {
  const probe = new Probe();
  // B finishes only once D has: a wave-by-wave scheduler would never start D (and hang).
  let dDone: () => void = () => {};
  const dFinished = new Promise<void>((resolve) => {
    dDone = resolve;
  });
  class SlowB extends Operator<Tagged, Tagged> {
    override readonly name = "B";
    async forward(input: Tagged) {
      const t = probe.enter("B");
      await dFinished;
      probe.exit("B", t);
      return { tags: [...(input.tags ?? []), "B"] };
    }
  }
  const d = new FakeLeaf<Tagged, Tagged>({
    probe,
    name: "D",
    fn: (input) => {
      queueMicrotask(dDone);
      return { tags: [...(input.tags ?? []), "D"] };
    },
  }) as AnyOperator;
  const graph = new Graph()
    .addNode("A", tagger(probe, "A", 1))
    .addNode("B", new SlowB() as AnyOperator)
    .addNode("C", tagger(probe, "C", 1))
    .addNode("D", d)
    .addNode("E", tagger(probe, "E", 1))
    .addEdge("A", "B")
    .addEdge("A", "C")
    .addEdge("C", "D")
    .addEdge("B", "E")
    .addEdge("D", "E");
  const result = await graph.run({ tags: [] });
  assert.deepEqual(probe.log, ["A", "B", "C", "D", "E"]);
  assert.ok(interval(probe, "D").start < interval(probe, "B").end, "D started while B ran");
  assert.ok(interval(probe, "D").end < interval(probe, "B").end, "D finished while B ran");
  assert.equal(probe.peakInFlight, 2);
  // E merges B's then D's output: D's tags win.
  assert.deepEqual(result, { E: { tags: ["A", "C", "D", "E"] } });
});

test("independent nodes run at the same time", async () => {
  const probe = new Probe();
  const graph = new Graph();
  for (const id of ["p", "q", "r", "s"]) graph.addNode(id, tagger(probe, id, 5));
  await graph.run({ tags: [] });
  assert.equal(probe.peakInFlight, 4);
  assert.equal(probe.calls, 4);
});

test("sequential scheduler: same results, one node at a time, in topological order", async () => {
  const build = (probe: Probe) =>
    new Graph()
      .addNode("A", tagger(probe, "A", 1))
      .addNode("B", tagger(probe, "B", 3))
      .addNode("C", tagger(probe, "C", 1))
      .addNode("D", tagger(probe, "D", 1))
      .addNode("E", tagger(probe, "E", 1))
      .addEdge("A", "B")
      .addEdge("A", "C")
      .addEdge("C", "D")
      .addEdge("B", "E")
      .addEdge("D", "E");
  const parallelProbe = new Probe();
  const parallel = await build(parallelProbe).run({ tags: [] });
  const probe = new Probe();
  const graph = build(probe);
  const sequential = await graph.run({ tags: [] }, { scheduler: "sequential" });
  assert.deepEqual(sequential, parallel);
  assert.equal(probe.peakInFlight, 1);
  assert.equal(parallelProbe.peakInFlight, 2);
  assert.deepEqual(probe.log, [...graph.topologicalOrder()]);
  for (let i = 1; i < probe.intervals.length; i++) {
    assert.ok(probe.intervals[i]!.start > probe.intervals[i - 1]!.end);
  }
});

test("maxConcurrency holds for leaves nested inside a node: 10 fan-out members, peak 3", async () => {
  const probe = new Probe();
  const members = Array.from(
    { length: 10 },
    (_, i) => new FakeLeaf({ probe, name: `m${i}`, delayMs: 2, fn: (x: unknown) => i + Number(x) }),
  );
  const graph = new Graph().addNode("vote", new FanOut(members as Operator<unknown, unknown>[]));
  const result = await graph.run(100, { maxConcurrency: 3 });
  assert.deepEqual(result, { vote: [100, 101, 102, 103, 104, 105, 106, 107, 108, 109] });
  assert.equal(probe.calls, 10);
  assert.equal(probe.peakInFlight, 3);
});

test("maxConcurrency covers parallel nodes together and nested graph runs", async () => {
  const probe = new Probe();
  const leaf = (name: string) => new FakeLeaf({ probe, name, delayMs: 2, fn: (x: unknown) => x });
  const leaves = (n: number) => Array.from({ length: n }, (_, i) => leaf(`l${i}`));
  class InnerGraph extends Operator<unknown, unknown> {
    override effects = "pure" as const;
    readonly graph = new Graph().addNode("fan", new FanOut(leaves(6)));
    forward(input: unknown) {
      return this.graph.run(input);
    }
  }
  const graph = new Graph()
    .addNode("left", new FanOut(leaves(6)))
    .addNode("right", new InnerGraph() as AnyOperator);
  await graph.run("x", { maxConcurrency: 2 });
  assert.equal(probe.calls, 12);
  assert.equal(probe.peakInFlight, 2);
});

test("without maxConcurrency a run uses the enclosing budget", async () => {
  const probe = new Probe();
  const members = Array.from(
    { length: 6 },
    (_, i) => new FakeLeaf({ probe, name: `m${i}`, delayMs: 2, fn: (x: unknown) => x }),
  );
  const graph = new Graph().addNode("fan", new FanOut(members as Operator<unknown, unknown>[]));
  const budget = new Budget(4);
  await withScope({ budget }, () => graph.run(1));
  assert.equal(probe.peakInFlight, 4);
  assert.equal(budget.peakInFlight, 4);
  probe.reset();
  await graph.run(1);
  assert.equal(probe.peakInFlight, 6);
});

test("inline nodes run synchronously within the run call", () => {
  const seen: string[] = [];
  const step = (name: string) =>
    new InlineOperator(name, (i) => {
      seen.push(name);
      return (i as number) + 1;
    });
  const graph = new Graph()
    .addNode("a", step("a"))
    .addNode("b", step("b"))
    .addNode("c", step("c"))
    .addEdge("a", "b")
    .addEdge("b", "c");
  const pending = graph.run(0);
  assert.deepEqual(seen, ["a", "b", "c"]); // before any await
  return pending.then((result) => assert.deepEqual(result, { c: 3 }));
});

test("inline nodes between async nodes receive and pass on their outputs", async () => {
  const probe = new Probe();
  const graph = new Graph()
    .addNode("ask", new FakeLeaf({ probe, delayMs: 1, fn: (i: { q: string }) => `${i.q}!` }))
    .addNode("wrap", new InlineOperator("wrap", (text) => ({ text })))
    .addNode("shout", new FakeLeaf({ probe, delayMs: 1, fn: (i: { text: string }) => i.text }))
    .addEdge("ask", "wrap")
    .addEdge("wrap", "shout");
  assert.deepEqual(await graph.run({ q: "hi" }), { shout: "hi!" });
  assert.equal(probe.calls, 2);
});

test("a long inline chain runs without deep recursion", async () => {
  const graph = new Graph();
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    graph.addNode(`n${i}`, new InlineOperator("inc", (x) => (x as number) + 1));
    if (i > 0) graph.addEdge(`n${i - 1}`, `n${i}`);
  }
  assert.deepEqual(await graph.run(0), { [`n${n - 1}`]: n });
});

test("nodes run with the run's signal and budget in their context", async () => {
  const seen: { signal?: AbortSignal; limit?: number }[] = [];
  class Look extends Operator<unknown, unknown> {
    override effects = "pure" as const;
    forward(_input: unknown, ctx: CallContext) {
      seen.push({ signal: ctx.signal, limit: currentContext()?.budget.limit });
      return 1;
    }
  }
  const controller = new AbortController();
  await new Graph().addNode("look", new Look()).run({}, { signal: controller.signal });
  await new Graph().addNode("look", new Look()).run({}, { maxConcurrency: 5 });
  assert.notEqual(seen[0]?.signal, controller.signal); // a linked signal, aborted with it
  assert.equal(seen[0]?.signal?.aborted, false);
  assert.equal(seen[1]?.limit, 5);
});

test("observer: started and finished once per node, with budget wait time", async () => {
  const probe = new Probe();
  const events: string[] = [];
  const waits = new Map<string, number>();
  const times = new Map<string, number>();
  // What the leaf calls themselves reported waiting, through the call observer.
  const leafWaits = new Map<string, number>();
  const graph = new Graph()
    .addNode("first", new FakeLeaf({ probe, name: "first", delayMs: 5, fn: () => ({}) }))
    .addNode("second", new FakeLeaf({ probe, name: "second", delayMs: 1, fn: () => ({}) }))
    .addNode("glue", new InlineOperator("glue", (x) => x))
    .addEdge("second", "glue");
  await withObserver({ waited: (call, ms) => leafWaits.set(call.name, ms) }, () =>
    runGraph(
      graph,
      {},
      {
        maxConcurrency: 1,
        observer: {
          nodeStarted: (id) => events.push(`start ${id}`),
          nodeFinished: (id, ms, waitMs) => {
            events.push(`end ${id}`);
            times.set(id, ms);
            waits.set(id, waitMs);
          },
        },
      },
    ),
  );
  assert.deepEqual(events, [
    "start first",
    "start second",
    "end first",
    "end second",
    "start glue",
    "end glue",
  ]);
  // Both leaves started at once, but second's body ran only after first's had ended: it
  // waited for first's slot (order by logical ticks, not by a clock).
  assert.ok(interval(probe, "second").start > interval(probe, "first").end);
  assert.equal(waits.get("first"), 0);
  assert.equal(waits.get("glue"), 0);
  // The node reports exactly the wait its leaf call reported, and the wait is part of its time.
  assert.equal(waits.get("second"), leafWaits.get("second") ?? 0);
  assert.deepEqual(
    [...leafWaits.keys()].filter((name) => name !== "second"),
    [],
  );
  for (const [id, ms] of times) assert.ok(ms >= waits.get(id)!, `${id}: time includes its wait`);
});

test("bad options are refused before anything runs", async () => {
  const probe = new Probe();
  const graph = new Graph().addNode("a", tagger(probe, "a", 1));
  const cases: object[] = [
    { scheduler: "waves" },
    { maxConcurrency: 0 },
    { timeoutMs: -1 },
    { nodeTimeoutMs: "5" },
    { errors: "loud" },
    { retries: 3 },
  ];
  for (const options of cases) {
    const error = await rejectionOf(runGraph(graph, {}, options));
    assert.ok(error instanceof OptionError, JSON.stringify(options));
  }
  const unknown = await rejectionOf(runGraph(graph, {}, { retries: 3 } as object));
  assert.equal(
    (unknown as Error).message,
    '[unknown_option] graph run: unknown option "retries"; expected one of "scheduler" | "maxConcurrency" | ' +
      '"signal" | "timeoutMs" | "nodeTimeoutMs" | "continueOnError" | "outputs"',
  );
  assert.equal(probe.calls, 0);
});

test("a graph run inside an operator call links to that call's signal", async () => {
  const inner = new Graph().addNode("hang", new HangingLeaf());
  class Outer extends Operator<unknown, unknown> {
    override effects = "effectful" as const;
    forward(input: unknown) {
      return inner.run(input);
    }
  }
  const controller = new AbortController();
  const call = new Outer()({}, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("user cancelled")), 1);
  const error = await rejectionOf(call);
  assert.equal((error as Error).message, "user cancelled");
});
