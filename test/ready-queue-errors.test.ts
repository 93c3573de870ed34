import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { test } from "node:test";
import { AbortError, OperatorError, TimeoutError } from "../src/core/errors.js";
import { InlineOperator } from "../src/engine/inline.js";
import { runGraph } from "../src/engine/ready-queue.js";
import { Graph } from "../src/index.js";
import { Operator } from "../src/operator/operator.js";
import { FailingLeaf, FakeLeaf, HangingLeaf, Probe, rejectionOf, sleep } from "./fakes.js";

const echo = (probe: Probe, name: string, delayMs = 1) =>
  new FakeLeaf({ probe, name, delayMs, fn: (x: unknown) => x });

test("fail fast: the first error aborts running nodes, starts nothing new, rejects wrapped", async () => {
  const probe = new Probe();
  const boom = new Error("429 Too Many Requests");
  const hang = new HangingLeaf();
  const graph = new Graph()
    .addNode("bad", new FailingLeaf(boom, 2))
    .addNode("hang", hang)
    .addNode("after", echo(probe, "after"))
    .addNode("afterHang", echo(probe, "afterHang"))
    .addEdge("bad", "after")
    .addEdge("hang", "afterHang");
  const error = await rejectionOf(graph.run({}));
  assert.ok(error instanceof OperatorError);
  assert.equal(error.code, "node_failed");
  assert.equal(error.path, "bad");
  assert.equal(error.cause, boom);
  assert.equal(error.message, "[node_failed] at bad: 429 Too Many Requests");
  assert.equal(hang.started, 1);
  assert.ok(hang.abortReason instanceof AbortError);
  assert.equal(hang.abortReason.cause, boom);
  assert.equal(probe.calls, 0);
});

test('errors: "raw" rejects with the node\'s own error object', async () => {
  const boom = new TypeError("bad prompt");
  const graph = new Graph().addNode("bad", new FailingLeaf(boom)).addNode("ok", new HangingLeaf());
  assert.equal(await rejectionOf(runGraph(graph, {}, { errors: "raw" })), boom);
});

test("a throwing inline node fails the run like any node", async () => {
  const boom = new RangeError("no");
  const graph = new Graph()
    .addNode("a", new InlineOperator("a", () => 1))
    .addNode(
      "b",
      new InlineOperator("b", () => {
        throw boom;
      }),
    )
    .addEdge("a", "b");
  const error = await rejectionOf(graph.run({}));
  assert.ok(error instanceof OperatorError);
  assert.equal(error.path, "b");
  assert.equal(error.cause, boom);
});

test("continueOnError: ok, error and skipped per node; skipped names the failed node", async () => {
  const probe = new Probe();
  const boom = new Error("boom");
  const graph = new Graph()
    .addNode("a", new InlineOperator("a", () => ({ a: 1 })))
    .addNode("b", new FailingLeaf(boom, 1))
    .addNode("c", echo(probe, "c"))
    .addNode("d", echo(probe, "d"))
    .addNode("e", echo(probe, "e"))
    .addNode("f", echo(probe, "f"))
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addEdge("c", "d")
    .addEdge("a", "e")
    .addEdge("a", "f")
    .addEdge("b", "f");
  const expected = {
    a: { status: "ok", value: { a: 1 } },
    b: { status: "error", error: boom },
    c: { status: "skipped", blockedBy: "b" },
    d: { status: "skipped", blockedBy: "b" },
    e: { status: "ok", value: { a: 1 } },
    f: { status: "skipped", blockedBy: "b" },
  };
  assert.deepEqual(await graph.run({}, { continueOnError: true }), expected);
  assert.deepEqual(probe.log, ["e"]);
  const sequential = await graph.run({}, { continueOnError: true, scheduler: "sequential" });
  assert.deepEqual(sequential, expected);
  const picked = await graph.run({}, { continueOnError: true, outputs: ["d", "e"] });
  assert.deepEqual(picked, { d: expected.d, e: expected.e });
});

test("timeoutMs: the run rejects with a TimeoutError and aborts running nodes", async () => {
  const probe = new Probe();
  const hang = new HangingLeaf();
  const graph = new Graph()
    .addNode("quick", echo(probe, "quick"))
    .addNode("hang", hang)
    .addNode("next", echo(probe, "next"))
    .addEdge("hang", "next");
  const error = await rejectionOf(graph.run({}, { timeoutMs: 15 }));
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.path, "");
  assert.equal(error.limitMs, 15);
  assert.equal(hang.abortReason, error);
  assert.deepEqual(probe.log, ["quick"]);
});

test("nodeTimeoutMs: a slow node fails the run with a TimeoutError naming it", async () => {
  const probe = new Probe();
  const hang = new HangingLeaf();
  const graph = new Graph().addNode("quick", echo(probe, "quick")).addNode("stuck", hang);
  const error = await rejectionOf(graph.run({}, { nodeTimeoutMs: 10 }));
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.path, "stuck");
  assert.equal(error.limitMs, 10);
  assert.equal(error.message, "[timeout] at stuck: exceeded 10 ms");
  assert.equal(hang.abortReason, error);
  assert.equal(probe.calls, 1);
});

test("nodeTimeoutMs with continueOnError: the slow node errors, the rest go on", async () => {
  const probe = new Probe();
  const graph = new Graph()
    .addNode("quick", echo(probe, "quick"))
    .addNode("stuck", new HangingLeaf())
    .addNode("after", echo(probe, "after"))
    .addEdge("stuck", "after");
  const results = await graph.run({}, { nodeTimeoutMs: 10, continueOnError: true });
  assert.deepEqual(results.quick, { status: "ok", value: {} });
  assert.equal(results.stuck?.status, "error");
  const error = results.stuck?.status === "error" ? results.stuck.error : undefined;
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.path, "stuck");
  assert.deepEqual(results.after, { status: "skipped", blockedBy: "stuck" });
});

test("aborting options.signal rejects with its reason and aborts running nodes", async () => {
  const hang = new HangingLeaf();
  const graph = new Graph().addNode("hang", hang);
  const controller = new AbortController();
  const reason = new Error("user pressed stop");
  const pending = graph.run({}, { signal: controller.signal });
  await Promise.resolve();
  controller.abort(reason);
  assert.equal(await rejectionOf(pending), reason);
  assert.equal(hang.abortReason, reason);
});

test("an already aborted signal rejects before any node starts", async () => {
  const probe = new Probe();
  const graph = new Graph().addNode("a", echo(probe, "a"));
  const reason = new Error("too late");
  assert.equal(await rejectionOf(graph.run({}, { signal: AbortSignal.abort(reason) })), reason);
  assert.equal(probe.calls, 0);
});

/** Rejects a few ms later whatever its signal says: a node that ignores cancellation. */
class LateFailer extends Operator<unknown, never> {
  override effects = "effectful" as const;
  async forward(): Promise<never> {
    await sleep(5);
    throw new Error("late");
  }
}

/** Never settles and never looks at its signal. */
class Deaf extends Operator<unknown, never> {
  override effects = "effectful" as const;
  forward(): Promise<never> {
    return new Promise<never>(() => {});
  }
}

test("no unhandled rejections, no timers and no abort listeners are left behind", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const longLived = new AbortController().signal;
  const before = timers();
  try {
    const probe = new Probe();
    const failing = new Graph()
      .addNode("bad", new FailingLeaf(new Error("x"), 1))
      .addNode("late", new LateFailer())
      .addNode("deaf", new Deaf())
      .addNode("hang", new HangingLeaf())
      .addNode("slow", echo(probe, "slow", 20));
    const ok = new Graph().addNode("a", echo(probe, "a")).addNode("b", echo(probe, "b"));
    const runs: Promise<unknown>[] = [
      failing.run({}, { signal: longLived, timeoutMs: 1000, nodeTimeoutMs: 1000 }),
      failing.run({}, { signal: longLived, continueOnError: true, nodeTimeoutMs: 10 }),
      failing.run({}, { signal: longLived, timeoutMs: 8 }),
      failing.run({}, { signal: longLived, scheduler: "sequential", nodeTimeoutMs: 1000 }),
      ok.run({}, { signal: longLived, timeoutMs: 1000, nodeTimeoutMs: 1000 }),
    ];
    await Promise.allSettled(runs);
    await sleep(30); // let ignored nodes settle late
    assert.deepEqual(unhandled, []);
    assert.equal(timers(), before);
    assert.equal(getEventListeners(longLived, "abort").length, 0);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});

test("an observer that throws ends the run with its error instead of an unhandled rejection", async () => {
  const probe = new Probe();
  const broken = new Error("observer bug");
  const graph = new Graph()
    .addNode("a", echo(probe, "a"))
    .addNode("b", echo(probe, "b"))
    .addEdge("a", "b");
  const observer = {
    nodeFinished: () => {
      throw broken;
    },
  };
  assert.equal(await rejectionOf(runGraph(graph, {}, { observer })), broken);
  assert.deepEqual(probe.log, ["a"]);
});
