import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type CallInfo,
  configure,
  EnsembleOperator,
  MapOperator,
  Operator,
  pmap,
  RunRecorder,
  record,
  SequenceOperator,
} from "../src/index.js";

class Answer extends Operator<{ q: number }, { a: number }> {
  override readonly effects = "stochastic";
  async forward(input: { q: number }) {
    await Promise.resolve();
    return { a: input.q };
  }
}

test("recorder at scale: thousands of calls keep their tree, times and outcomes", async () => {
  configure({ maxConcurrency: 16 });
  try {
    const perItem = new SequenceOperator({
      operators: [
        new EnsembleOperator({ operators: [new Answer(), new Answer(), new Answer()] }),
        new MapOperator({ fn: (i: { responses: { a: number }[] }) => ({ n: i.responses.length }) }),
      ],
    });
    const items = Array.from({ length: 700 }, (_, q) => ({ q }));
    const { value, record: run } = await record(() => pmap(perItem, { maxConcurrency: 8 })(items));
    assert.equal(value.length, 700);
    // pmap + per item: sequence, ensemble, 3 answers, the map step.
    assert.equal(run.calls.length, 1 + 700 * 6);
    assert.equal(run.totals.calls, run.calls.length);
    assert.equal(run.totals.childlessCalls, 700 * 4);
    assert.equal(run.totals.failedCalls, 0);
    const byId = new Map(run.calls.map((c) => [c.id, c]));
    assert.equal(byId.size, run.calls.length);
    const [root] = run.calls;
    assert.equal(root!.parentId, undefined);
    assert.equal(root!.name, "pmap");
    const children = new Map<number, number>();
    for (const c of run.calls) {
      assert.equal(c.status, "ok");
      assert.ok(c.startMs <= c.endMs);
      if (c === root) continue;
      const parent = byId.get(c.parentId!)!;
      assert.ok(c.path.startsWith(`${parent.path}/`), `${c.path} under ${parent.path}`);
      assert.ok(parent.startMs <= c.startMs && c.endMs <= parent.endMs);
      children.set(parent.id, (children.get(parent.id) ?? 0) + 1);
    }
    for (const c of run.calls) {
      const expected = { pmap: 700, sequence: 2, ensemble: 3 }[c.name] ?? 0;
      assert.equal(children.get(c.id) ?? 0, expected, c.path);
    }
    assert.ok(run.boundMs <= run.wallMs);
    assert.ok(run.criticalPath.length >= 2);
  } finally {
    configure({ maxConcurrency: 64 });
  }
});

test("recorder: ids out of order, and parents recorded before the first call, still link", () => {
  const op = new MapOperator({ fn: (x: unknown) => x });
  const info = (id: number, parentId: number | undefined, name: string): CallInfo => ({
    id,
    parentId,
    path: name,
    name,
    operator: op,
    effects: "pure",
    leaf: false,
  });
  let clock = 0;
  const recorder = new RunRecorder({ now: () => clock });
  const outer = info(5_000, 4_000, "outer"); // its parent began before the recorder
  const early = info(4_990, 5_000, "early"); // a lower id than the first one recorded
  const late = info(9_000_000, 4_990, "late"); // far beyond: the index grows
  recorder.callStarted(outer, 1);
  recorder.callStarted(early, 2);
  recorder.callStarted(late, 3);
  recorder.usage(early, {
    model: "m",
    path: "early",
    ok: true,
    promptTokens: 3,
    completionTokens: 4,
    costUsd: 0.5,
    simulated: true,
  });
  recorder.callFinished(late, 4, { ok: false, error: new TypeError("bad") });
  recorder.callFinished(early, 5, { ok: true, output: 1 });
  clock = 7;
  const run = recorder.finish();
  const [a, b, c] = run.calls;
  assert.equal(a!.parentId, undefined);
  assert.equal(b!.parentId, 5_000);
  assert.equal(c!.parentId, 4_990);
  assert.equal(b!.promptTokens, 3);
  assert.equal(b!.model, "m");
  assert.equal(run.totals.costUsd, 0.5);
  assert.equal(run.totals.unattributedCostUsd, 0);
  assert.deepEqual(c!.error, { name: "TypeError", message: "bad" });
  assert.equal(a!.status, "running");
  assert.equal(a!.endMs, 7);
  assert.equal(run.totals.runningCalls, 1);
  assert.equal(run.totals.failedCalls, 1);
});
