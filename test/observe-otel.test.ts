import assert from "node:assert/strict";
import { test } from "node:test";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type Span,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import {
  type CallInfo,
  EnsembleOperator,
  jit,
  LLMOperator,
  MapOperator,
  OtelObserver,
  ParallelOperator,
  RunRecorder,
  SequenceOperator,
  withObserver,
} from "../src/index.js";
import { FailingLeaf, HangingLeaf } from "./fakes.js";
import { Priced, Speculating } from "./observe-fakes.js";

/** Counts spans started and ended, so a test can prove none is left open. */
class OpenSpans implements SpanProcessor {
  readonly live = new Set<Span>();
  onStart(span: Span): void {
    this.live.add(span);
  }
  onEnd(span: ReadableSpan): void {
    this.live.delete(span as Span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function setup() {
  const exporter = new InMemorySpanExporter();
  const open = new OpenSpans();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter), open],
  });
  const observer = new OtelObserver({ tracer: provider.getTracer("test") });
  return { exporter, open, observer, spans: () => exporter.getFinishedSpans() };
}

const ms = (t: readonly [number, number]) => t[0] * 1000 + t[1] / 1e6;
const callId = (s: ReadableSpan) => s.attributes["ember.call_id"] as number;

const ask = (key: string) =>
  new LLMOperator({ model: "sim:fast", prompt: `${key}: {q}`, outputKey: key, temperature: 0 });

test("otel: one span per call, parented by the caller across nesting and a jit boundary", async () => {
  const { observer, open, spans } = setup();
  const recorder = new RunRecorder();
  const pipeline = new SequenceOperator({
    name: "pipe",
    operators: [
      new MapOperator({ name: "prep", fn: (i: { q: string }) => ({ q: `${i.q}?` }) }),
      new ParallelOperator({
        name: "fan",
        operators: [
          new EnsembleOperator({ name: "vote", operators: [ask("x"), ask("y")] }),
          jit(new SequenceOperator({ name: "inner", operators: [ask("a"), ask("b")] })),
        ],
      }),
    ],
  });
  await withObserver(recorder, () => withObserver(observer, () => pipeline({ q: "why" })));
  const run = recorder.finish();
  const all = spans();

  assert.equal(all.length, run.calls.length, "one span per recorded call");
  assert.equal(open.live.size, 0);
  assert.equal(observer.openSpans, 0);
  assert.equal(new Set(all.map((s) => s.spanContext().traceId)).size, 1, "one trace per run");
  const bySpanId = new Map(all.map((s) => [s.spanContext().spanId, s]));
  for (const call of run.calls) {
    const span = all.find((s) => callId(s) === call.id)!;
    assert.equal(span.name, call.name);
    assert.equal(span.attributes["ember.path"], call.path);
    assert.equal(span.attributes["ember.name"], call.name);
    assert.equal(span.attributes["ember.effects"], call.effects);
    const parent = span.parentSpanContext ? bySpanId.get(span.parentSpanContext.spanId) : undefined;
    assert.equal(parent ? callId(parent) : undefined, call.parentId, `parent of ${call.path}`);
  }
  const root = all.find((s) => s.attributes["ember.run"] === true)!;
  assert.equal(root.name, "pipe");
  assert.equal(root.parentSpanContext, undefined);
  // Three levels under the run: pipe → fan → vote → the LLM calls.
  const depth = (s: ReadableSpan): number => {
    const p = s.parentSpanContext && bySpanId.get(s.parentSpanContext.spanId);
    return p ? 1 + depth(p) : 0;
  };
  const llm = all.filter(
    (s) => s.attributes["ember.effects"] === "stochastic" && s.attributes["ember.leaf"],
  );
  assert.equal(llm.length, 4);
  assert.deepEqual(
    llm.map((s) => [s.attributes["ember.path"], depth(s)]).sort(),
    [
      ["pipe/operators[1]/operators[0]/operators[0]", 3],
      ["pipe/operators[1]/operators[0]/operators[1]", 3],
      // The jitted sequence is a span of its own; its plan's calls run under it.
      ["pipe/operators[1]/operators[1]/operators[0]", 3],
      ["pipe/operators[1]/operators[1]/operators[1]", 3],
    ].sort(),
  );
  for (const s of all) {
    assert.ok(s.ended);
    const parent = s.parentSpanContext && bySpanId.get(s.parentSpanContext.spanId);
    if (parent)
      assert.ok(ms(s.startTime) >= ms(parent.startTime), `${s.name} starts in its parent`);
  }
});

test("otel: a root span nests under an explicit parent context, no context manager needed", async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("test");
  const request = tracer.startSpan("http request");
  const observer = new OtelObserver({
    tracer,
    parentContext: trace.setSpan(context.active(), request),
  });
  await withObserver(observer, () => new Priced("p", 1)({ q: "x" }));
  request.end();
  const [p, outer] = exporter.getFinishedSpans();
  assert.equal(outer!.name, "http request");
  assert.equal(p!.parentSpanContext?.spanId, request.spanContext().spanId);
});

test("otel: usage becomes GenAI attributes on the call that made the request", async () => {
  const { observer, spans } = setup();
  await withObserver(observer, () => new Speculating()({ q: "hi" }));
  const early = spans().find((s) => s.name === "early")!;
  assert.equal(early.attributes["gen_ai.request.model"], "fast");
  assert.equal(early.attributes["gen_ai.provider.name"], "sim");
  assert.equal(early.attributes["gen_ai.usage.input_tokens"], 10);
  assert.equal(early.attributes["gen_ai.usage.output_tokens"], 2);
  assert.equal(early.attributes["ember.cost_usd"], 0.01);
  assert.equal(early.events.filter((e) => e.name === "gen_ai.request").length, 1);
  const root = spans().find((s) => s.name === "Speculating")!;
  assert.equal(root.attributes["gen_ai.usage.input_tokens"], undefined, "not on the caller");
});

test("otel: speculation marks the early calls and counts them on the run span", async () => {
  const { observer, spans } = setup();
  await withObserver(observer, () => new Speculating()({ q: "hi" }));
  const byName = new Map(spans().map((s) => [s.name, s]));
  const early = byName.get("early")!;
  const unused = byName.get("unused")!;
  assert.equal(early.attributes["ember.speculated"], true);
  assert.equal(unused.attributes["ember.speculated"], true);
  assert.equal(early.attributes["ember.speculation.site"], "spec/early#0");
  const root = byName.get("Speculating")!;
  assert.equal(root.attributes["ember.speculated_calls"], 2);
  assert.equal(root.attributes["ember.claimed_calls"], 1);
  assert.equal(root.attributes["ember.wasted_calls"], 1);
});

test("otel: observer methods called directly (the events the models layer and JIT send)", () => {
  const { observer, spans } = setup();
  const op = new MapOperator({ fn: (x: unknown) => x });
  const call = (id: number, name: string, parentId?: number): CallInfo => ({
    id,
    parentId,
    name,
    path: parentId ? `run/${name}` : name,
    operator: op,
    effects: "stochastic",
    leaf: parentId !== undefined,
  });
  const run = call(9001, "run");
  const llm = call(9002, "llm", 9001);
  const spec = { site: "run/llm#0", path: "run/llm", name: "llm" };
  observer.callStarted(run, 10);
  observer.speculated(spec, 11);
  observer.waited(llm, 4);
  observer.callStarted(llm, 15);
  for (const [i, o] of [
    [120, 30],
    [80, 20],
  ] as const) {
    observer.usage(llm, {
      model: "openai:gpt-4o-mini",
      path: "",
      ok: true,
      promptTokens: i,
      completionTokens: o,
      costUsd: 0.001,
      simulated: false,
    });
  }
  observer.wasted(spec, 40);
  observer.callFinished(llm, 41, { ok: false, error: new DOMException("stop", "AbortError") });
  observer.callFinished(run, 50, { ok: true, output: 1 });
  const [child, parent] = spans();
  assert.deepEqual(
    {
      model: child!.attributes["gen_ai.request.model"],
      provider: child!.attributes["gen_ai.provider.name"],
      input: child!.attributes["gen_ai.usage.input_tokens"],
      output: child!.attributes["gen_ai.usage.output_tokens"],
      wait: child!.attributes["ember.wait_ms"],
      speculated: child!.attributes["ember.speculated"],
      wasted: child!.attributes["ember.wasted"],
      aborted: child!.attributes["ember.aborted"],
    },
    {
      model: "gpt-4o-mini",
      provider: "openai",
      input: 200,
      output: 50,
      wait: 4,
      speculated: true,
      wasted: true,
      aborted: true,
    },
  );
  // A wasted early call that the JIT aborted is not a failure.
  assert.equal(child!.status.code, SpanStatusCode.UNSET);
  assert.equal(parent!.attributes["ember.wasted_calls"], 1);
  assert.equal(child!.parentSpanContext?.spanId, parent!.spanContext().spanId);
  // Observer times are performance.now(); span times are on the epoch.
  assert.ok(Math.abs(ms(child!.endTime) - ms(child!.startTime) - 26) < 0.01);
});

test("otel: a failing run records the exception, sets error status and ends every span", async () => {
  const { observer, open, spans } = setup();
  const pipeline = new SequenceOperator({
    name: "pipe",
    operators: [new Priced("ok", 1), new FailingLeaf(new RangeError("bad value"), 1, "boom")],
  });
  await assert.rejects(() => withObserver(observer, () => pipeline({ q: "x" })), /bad value/);
  assert.equal(open.live.size, 0);
  assert.equal(observer.openSpans, 0);
  const byName = new Map(spans().map((s) => [s.name, s]));
  for (const name of ["boom", "pipe"]) {
    const s = byName.get(name)!;
    assert.equal(s.status.code, SpanStatusCode.ERROR, name);
    assert.equal(s.status.message, "bad value");
    const exception = s.events.find((e) => e.name === "exception")!;
    assert.equal(exception.attributes?.["exception.type"], "RangeError");
  }
  assert.equal(byName.get("ok")!.status.code, SpanStatusCode.UNSET);
});

test("otel: an aborted run ends every span, the hanging ones included", async () => {
  const { observer, open, spans } = setup();
  const hangs = [new HangingLeaf("h1"), new HangingLeaf("h2")];
  const fan = new ParallelOperator({ name: "fan", operators: hangs });
  const controller = new AbortController();
  const running = withObserver(observer, () => fan({}, { signal: controller.signal }));
  while (hangs.some((h) => h.started === 0)) await new Promise((r) => setImmediate(r));
  assert.equal(open.live.size, 3, "run and both leaves are open while they hang");
  controller.abort(new Error("user stopped"));
  await assert.rejects(running, /user stopped/);
  assert.equal(open.live.size, 0);
  assert.equal(observer.openSpans, 0);
  assert.equal(spans().length, 3);
  for (const s of spans()) assert.equal(s.status.code, SpanStatusCode.ERROR, s.name);
});

test("otel: endAll ends spans of calls that will never report", () => {
  const { observer, open, spans } = setup();
  const op = new MapOperator({ fn: (x: unknown) => x });
  observer.callStarted(
    {
      id: 9100,
      parentId: undefined,
      name: "lost",
      path: "lost",
      operator: op,
      effects: "pure",
      leaf: true,
    },
    1,
  );
  assert.equal(open.live.size, 1);
  observer.endAll(5);
  assert.equal(open.live.size, 0);
  assert.equal(spans()[0]!.attributes["ember.unfinished"], true);
});

test("otel: LLMOperator requests carry GenAI usage attributes", async () => {
  const { observer, spans } = setup();
  await withObserver(observer, () => ask("a")({ q: "why" }));
  const [span] = spans();
  assert.equal(span!.attributes["gen_ai.request.model"], "fast");
  assert.ok((span!.attributes["gen_ai.usage.input_tokens"] as number) > 0);
  assert.ok((span!.attributes["gen_ai.usage.output_tokens"] as number) > 0);
});
