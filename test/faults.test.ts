/**
 * Faults, eagerly and in every JIT mode: transient and permanent failures under Retry,
 * timeouts, leaves that hang until aborted, fail-fast, continueOnError, caller aborts and
 * speculated calls that miss. After every run: no unhandled rejection, no timer left, no
 * call still in flight, no listener left on a signal that outlives the run.
 */
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { afterEach, beforeEach, test } from "node:test";
import {
  AbortError,
  type AnyOperator,
  type CallContext,
  callOperator,
  EnsembleOperator,
  Graph,
  getJitStats,
  jit,
  MapOperator,
  Operator,
  ParallelOperator,
  RetryOperator,
  resetJit,
  SequenceOperator,
  TimeoutError,
} from "../src/index.js";
import { FailingLeaf, HangingLeaf, Probe, rejectionOf, sleep } from "./fakes.js";

const MODES = ["auto", "structural", "trace", "enhanced"] as const;
type Way = "eager" | (typeof MODES)[number];
const WAYS: readonly Way[] = ["eager", ...MODES];

const leaks: unknown[] = [];
const onLeak = (reason: unknown) => leaks.push(reason);
let timersBefore = 0;

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

beforeEach(() => {
  leaks.length = 0;
  process.on("unhandledRejection", onLeak);
  timersBefore = timers();
});

afterEach(async () => {
  // A turn for anything aborted to settle; then nothing may be left behind.
  await new Promise((r) => setImmediate(r));
  process.off("unhandledRejection", onLeak);
  resetJit();
  assert.deepEqual(leaks, [], "unhandled rejections");
  assert.equal(timers(), timersBefore, "timers left behind");
});

/** Calls `op` eagerly or through `jit` in a mode. */
function runner(
  way: Way,
  op: AnyOperator,
): (input: unknown, signal?: AbortSignal) => Promise<unknown> {
  const target = way === "eager" ? op : (jit(op, { mode: way }) as unknown as AnyOperator);
  return (input, signal) => callOperator(target, input, signal ? { signal } : undefined);
}

/** Fails its first `failures` calls (a 503 from an API), then answers; counts every call. */
class Flaky extends Operator<{ q: string }, { answer: string }> {
  calls = 0;
  inFlight = 0;
  constructor(readonly failures: number) {
    super();
    this.name = "flaky";
  }
  async forward(input: { q: string }, ctx: CallContext) {
    this.calls++;
    this.inFlight++;
    try {
      await sleep(1, ctx.signal);
      if (this.calls <= this.failures) throw new Error(`503 on attempt ${this.calls}`);
      return { answer: `${input.q}!` };
    } finally {
      this.inFlight--;
    }
  }
}

function retried(failures: number) {
  const flaky = new Flaky(failures);
  const seq = new SequenceOperator({
    name: "ask",
    operators: [
      new MapOperator({ inputKey: "q", outputKey: "topic", fn: (q: string) => q.toUpperCase() }),
      new RetryOperator({ operator: flaky, maxAttempts: 3, retryDelayMs: 1, backoff: "linear" }),
    ],
  });
  return { flaky, seq };
}

for (const way of WAYS) {
  test(`faults (${way}): a transient failure is retried to success with eager's attempts`, async () => {
    const { flaky, seq } = retried(2);
    const run = runner(way, seq as AnyOperator);
    assert.deepEqual(await run({ q: "tides" }), { q: "tides", topic: "TIDES", answer: "tides!" });
    assert.equal(flaky.calls, 3);
    assert.equal(flaky.inFlight, 0);
    // The next call succeeds at once: the flaky API has recovered.
    assert.deepEqual(await run({ q: "moon" }), { q: "moon", topic: "MOON", answer: "moon!" });
    assert.equal(flaky.calls, 4);
  });

  test(`faults (${way}): a permanent failure gives up after maxAttempts with the last error`, async () => {
    const { flaky, seq } = retried(99);
    const run = runner(way, seq as AnyOperator);
    const err = await rejectionOf(run({ q: "tides" }));
    assert.ok(err instanceof Error);
    assert.equal(err.message, "503 on attempt 3");
    assert.equal(flaky.calls, 3);
    assert.equal(flaky.inFlight, 0);
  });

  test(`faults (${way}): the first failure aborts a hanging sibling and starts nothing after it`, async () => {
    const hang = new HangingLeaf("hang");
    const boom = new Error("member failed");
    const probe = new Probe();
    const after = new MapOperator({
      name: "after",
      fn: (i: object) => {
        probe.enter("after");
        return { ...i, after: true };
      },
    });
    const seq = new SequenceOperator({
      name: "pipeline",
      operators: [
        new ParallelOperator({ operators: [hang, new FailingLeaf(boom, 1)] }),
        after as AnyOperator,
      ],
    });
    const run = runner(way, seq as AnyOperator);
    assert.equal(await rejectionOf(run({ q: "x" })), boom);
    await new Promise((r) => setImmediate(r));
    assert.equal(hang.started, 1);
    assert.ok(hang.abortReason instanceof AbortError, String(hang.abortReason));
    assert.equal(probe.calls, 0);
  });

  test(`faults (${way}): a caller's abort reaches every hanging leaf and rejects with its reason`, async () => {
    const a = new HangingLeaf("a");
    const b = new HangingLeaf("b");
    const seq = new SequenceOperator({
      operators: [
        new MapOperator({ inputKey: "q", outputKey: "p", fn: async (q: string) => `${q}?` }),
        new EnsembleOperator({ operators: [a, b] }),
      ],
    });
    const run = runner(way, seq as AnyOperator);
    const controller = new AbortController();
    const reason = new Error("user pressed stop");
    const pending = run({ q: "x" }, controller.signal);
    await sleep(2);
    controller.abort(reason);
    assert.equal(await rejectionOf(pending), reason);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([a.started, b.started], [1, 1]);
    assert.equal(a.abortReason, reason);
    assert.equal(b.abortReason, reason);
  });

  test(`faults (${way}): a timeout signal stops a leaf that never settles`, async () => {
    const hang = new HangingLeaf("hang");
    const seq = new SequenceOperator({
      operators: [new MapOperator({ inputKey: "q", outputKey: "p", fn: (q: string) => q }), hang],
    });
    const run = runner(way, seq as AnyOperator);
    // AbortSignal.timeout()'s timer does not keep the process alive; this one does.
    const controller = new AbortController();
    setTimeout(() => controller.abort(new DOMException("3 ms passed", "TimeoutError")), 3);
    const signal = controller.signal;
    const err = await rejectionOf(run({ q: "x" }, signal));
    assert.equal(err, signal.reason);
    assert.equal((err as Error).name, "TimeoutError");
    assert.equal(hang.abortReason, signal.reason);
  });

  test(`faults (${way}): 300 calls sharing one long-lived signal leave no listener on it`, async () => {
    const { flaky, seq } = retried(0);
    const fan = new SequenceOperator({
      operators: [seq as AnyOperator, new EnsembleOperator({ operators: [seq, seq] })],
    });
    const run = runner(way, fan as AnyOperator);
    const controller = new AbortController();
    for (let i = 0; i < 300; i++) await run({ q: `q${i % 7}` }, controller.signal);
    assert.equal(getEventListeners(controller.signal, "abort").length, 0);
    assert.equal(flaky.calls, 900);
    assert.equal(flaky.inFlight, 0);
  });
}

test("faults: a graph node past nodeTimeoutMs fails with a TimeoutError naming it and its limit", async () => {
  const hang = new HangingLeaf("ask");
  const graph = new Graph()
    .addNode("prep", new MapOperator({ fn: (i: object) => ({ ...i, ready: true }) }))
    .addNode("ask", hang)
    .addEdge("prep", "ask");
  const err = await rejectionOf(graph.run({ q: "x" }, { nodeTimeoutMs: 2 }));
  assert.ok(err instanceof TimeoutError);
  assert.equal(err.path, "ask");
  assert.equal(err.limitMs, 2);
  assert.equal(err.message, "[timeout] at ask: exceeded 2 ms");
  assert.equal(hang.abortReason, err);
});

test("faults: a run past timeoutMs fails with a TimeoutError and aborts its running nodes", async () => {
  const hang = new HangingLeaf("ask");
  const graph = new Graph().addNode("ask", hang);
  const err = await rejectionOf(graph.run({ q: "x" }, { timeoutMs: 2 }));
  assert.ok(err instanceof TimeoutError);
  assert.equal(err.message, "[timeout] exceeded 2 ms");
  assert.equal(hang.abortReason, err);
});

test("faults: continueOnError reports ok, error and skipped (naming the blocker) for every node", async () => {
  const boom = new Error("judge is down");
  const graph = new Graph()
    .addNode("draft", new MapOperator({ fn: (i: { q: string }) => ({ draft: `${i.q}.` }) }))
    .addNode("judge", new FailingLeaf(boom, 1))
    .addNode("polish", new MapOperator({ fn: (i: object) => ({ ...i, polished: true }) }))
    .addNode("publish", new MapOperator({ fn: (i: object) => ({ ...i, published: true }) }))
    .addNode("count", new MapOperator({ fn: (i: { draft: string }) => ({ n: i.draft.length }) }))
    .addEdge("draft", "judge")
    .addEdge("judge", "polish")
    .addEdge("polish", "publish")
    .addEdge("draft", "count");
  const results = await graph.run({ q: "tides" }, { continueOnError: true });
  assert.deepEqual(results, {
    draft: { status: "ok", value: { draft: "tides." } },
    judge: { status: "error", error: boom },
    polish: { status: "skipped", blockedBy: "judge" },
    publish: { status: "skipped", blockedBy: "judge" },
    count: { status: "ok", value: { n: 6 } },
  });
});

/** A pure leaf that hangs until aborted on the input it is told to, else answers at once. */
class Picky extends Operator<{ q: string }, string> {
  override effects = "pure" as const;
  hangOn: string | undefined;
  started: string[] = [];
  aborted: unknown[] = [];
  async forward(input: { q: string }, ctx: CallContext) {
    this.started.push(input.q);
    if (input.q !== this.hangOn) return `picky(${input.q})`;
    return new Promise<string>((_, reject) => {
      ctx.signal.addEventListener("abort", () => {
        this.aborted.push(ctx.signal.reason);
        reject(ctx.signal.reason);
      });
    });
  }
}

class Shout extends Operator<{ q: string; alt: string }, string> {
  readonly picky = new Picky();
  async forward(input: { q: string; alt: string }) {
    // Built by formatting; on the traced call it happens to equal `alt`, so the trace
    // derives it from `input.alt`: a wrong wiring that the guard must catch.
    return this.picky({ q: input.q.toUpperCase() });
  }
}

test("faults (trace): a started call whose guard misses is aborted and its result never used", async () => {
  const shout = new Shout();
  const fast = jit(shout, { mode: "trace" });
  assert.equal(await fast({ q: "x", alt: "X" }), "picky(X)");
  // Call 2 starts picky({ q: input.alt }) early; forward asks for "Y" instead.
  shout.picky.hangOn = "X";
  assert.equal(await fast({ q: "y", alt: "X" }), "picky(Y)");
  assert.deepEqual(shout.picky.started, ["X", "X", "Y"]);
  assert.equal(shout.picky.aborted.length, 1);
  assert.ok(shout.picky.aborted[0] instanceof AbortError);
  assert.equal((shout.picky.aborted[0] as Error).message, "[aborted] speculation missed");
  const stats = getJitStats(fast);
  assert.equal(stats.speculationMisses, 1);
  assert.equal(stats.speculationHits, 0);
  assert.equal(stats.executions, 2);
});
