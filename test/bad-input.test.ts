/**
 * Hostile input, eagerly and in every JIT mode: each gives eager's result or eager's typed
 * error (class, code, operator path, message), nothing is corrupted (the next good call
 * works) and the counters stay exact.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { z } from "zod";
import {
  type AnyOperator,
  type CallContext,
  callOperator,
  EnsembleOperator,
  Graph,
  GraphError,
  getJitStats,
  JitCache,
  jit,
  MapOperator,
  Operator,
  OptionError,
  resetJit,
  SequenceOperator,
  TimeoutError,
  ValidationError,
} from "../src/index.js";
import { rejectionOf } from "./fakes.js";

afterEach(() => resetJit());

const MODES = ["auto", "structural", "trace", "enhanced"] as const;
type Q = { q: string };

/** A model call with a specification: its input must hold a string `q`. */
class Ask extends Operator<Q, { answer: string }> {
  override effects = "stochastic" as const;
  constructor(name: string) {
    super();
    this.name = name;
    this.specification = {
      input: z.object({ q: z.string() }),
      output: z.object({ answer: z.string() }),
    };
  }
  async forward(input: Q) {
    await new Promise((r) => setImmediate(r));
    return { answer: `${input.q}!` };
  }
}

/** A custom operator (traced in trace mode): two calls, the second built from the first. */
class Both extends Operator<Q & { topic?: unknown }, { a: string; b: string }> {
  readonly ask = new Ask("ask");
  readonly check = new Ask("check");
  async forward(input: Q & { topic?: unknown }) {
    const a = await this.ask({ q: input.q });
    const b = await this.check({ q: a.answer });
    return { a: a.answer, b: b.answer };
  }
}

const pipeline = (): AnyOperator =>
  new SequenceOperator({
    name: "pipeline",
    operators: [
      new MapOperator({ inputKey: "q", outputKey: "topic", fn: async (q: unknown) => typeof q }),
      new Both(),
      new EnsembleOperator({
        operators: [
          new MapOperator({ fn: async (i: { topic: string; a: string }) => i.topic.length }),
          new MapOperator({ fn: async (i: { topic: string; a: string }) => i.a.length }),
        ],
      }),
    ],
  }) as AnyOperator;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

async function outcome(op: AnyOperator, input: unknown): Promise<Outcome> {
  try {
    return { ok: true, value: await callOperator(op, input) };
  } catch (error) {
    return { ok: false, error };
  }
}

function describe(error: unknown) {
  if (!(error instanceof Error)) return { thrown: error };
  const { code, path } = error as { code?: unknown; path?: unknown };
  return { type: error.constructor.name, code, path, message: error.message };
}

/**
 * Runs `input` eagerly and in every mode on fresh pipelines; each mode must give eager's
 * outcome, then answer a good input, with one execution counted per call.
 */
async function sameEverywhere(input: () => unknown): Promise<Outcome> {
  const want = await outcome(pipeline(), input());
  for (const mode of MODES) {
    const fast = jit(pipeline(), { mode }) as unknown as AnyOperator;
    const got = await outcome(fast, input());
    assert.equal(got.ok, want.ok, mode);
    if (!got.ok && !want.ok) assert.deepEqual(describe(got.error), describe(want.error), mode);
    if (got.ok && want.ok) assert.deepEqual(got.value, want.value, mode);
    assert.deepEqual(await callOperator(fast, { q: "good" }), {
      q: "good",
      topic: "string",
      a: "good!",
      b: "good!!",
      responses: [6, 5],
    });
    assert.equal(getJitStats(fast).executions, 2, `${mode}: executions`);
  }
  return want;
}

async function failsWith(input: () => unknown, expected: Record<string, unknown>) {
  const want = await sameEverywhere(input);
  assert.equal(want.ok, false);
  if (!want.ok) assert.deepEqual(describe(want.error), expected);
}

test("bad input: null, primitives and arrays are refused with a ValidationError naming the operator", async () => {
  for (const [input, got] of [
    [null, "null"],
    [undefined, "undefined"],
    [7, "number"],
    ["text", "string"],
    [true, "boolean"],
    [[1, 2], "array"],
  ] as const) {
    await failsWith(() => input, {
      type: "ValidationError",
      code: "not_an_object",
      path: "pipeline",
      message: `[not_an_object] at pipeline: sequence input must be an object, got ${got}`,
    });
  }
});

test("bad input: a schema violation names the operator path and the key", async () => {
  const want = await sameEverywhere(() => ({ q: 42 }));
  assert.equal(want.ok, false);
  const error = (want as { error: unknown }).error;
  assert.ok(error instanceof ValidationError);
  assert.equal(error.code, "invalid_input");
  assert.equal(error.path, "pipeline/operators[1]/ask");
  assert.deepEqual(
    error.issues.map((i) => i.path),
    [["q"]],
  );
  assert.match(error.message, /^\[invalid_input\] at pipeline\/operators\[1\]\/ask: q: /);
});

test("bad input: a getter that throws fails the call with its error, counted as one execution", async () => {
  const input = () =>
    Object.defineProperty({}, "q", {
      enumerable: true,
      get() {
        throw new RangeError("q is not readable");
      },
    });
  await failsWith(input, {
    type: "RangeError",
    code: undefined,
    path: undefined,
    message: "q is not readable",
  });
});

test("bad input: cyclic, 10,000-deep and frozen inputs give eager's results", async () => {
  const cyclic = () => {
    const o: Record<string, unknown> = { q: "loop" };
    o.self = o;
    return o;
  };
  // One deep value, shared: results then hold it by reference (Sequence merges shallowly),
  // so comparing them never walks 10,000 levels.
  let nested: unknown = "bottom";
  for (let i = 0; i < 10_000; i++) nested = { nested };
  const deep = () => ({ q: "deep", nested });
  const frozen = () => Object.freeze({ q: "ice", inner: Object.freeze({ x: [1, 2] }) });
  for (const input of [cyclic, deep, frozen]) {
    const want = await sameEverywhere(input);
    assert.equal(want.ok, true);
    assert.equal((want as { value: { b: string } }).value.b, `${input().q}!!`);
  }
});

test("bad input: a 100,000-key input gives eager's result in every mode", async () => {
  const wide = () => {
    const o: Record<string, unknown> = { q: "wide" };
    for (let i = 0; i < 100_000; i++) o[`k${i}`] = i;
    return o;
  };
  const want = await sameEverywhere(wide);
  assert.equal(want.ok, true);
  assert.equal(Object.keys((want as { value: object }).value).length, 100_005);
});

test("bad input: __proto__, constructor and prototype keys stay data and change no prototype", async () => {
  const hostile = () =>
    JSON.parse('{"q":"p","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}');
  const want = await sameEverywhere(hostile);
  assert.equal(want.ok, true);
  const value = (want as { value: Record<string, unknown> }).value;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(value, "__proto__")?.value, { polluted: true });
  assert.deepEqual(value.constructor, { prototype: { x: 1 } });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal((Object.prototype as Record<string, unknown>).x, undefined);
});

test("bad input: BigInt and Symbol values pass through, and explain() still prints the plan", async () => {
  const tag = Symbol("tag");
  const want = await sameEverywhere(() => ({ q: "big", n: 10n, tag }));
  assert.equal(want.ok, true);
  assert.equal((want as { value: { n: bigint } }).value.n, 10n);
  assert.equal((want as { value: { tag: symbol } }).value.tag, tag);
  // A BigInt constant in a traced call used to make explain() throw.
  class Counts extends Operator<{ q: string }, unknown> {
    readonly count = new Ask("count");
    async forward(input: { q: string }) {
      return [input.q, await this.count({ q: `${10n}` }), { big: 10n }];
    }
  }
  class Big extends Operator<{ n: bigint }, string> {
    override effects = "pure" as const;
    forward(input: { n: bigint }) {
      return `${input.n}`;
    }
  }
  class UsesBig extends Operator<{ q: string }, unknown> {
    readonly big = new Big();
    async forward(input: { q: string }) {
      return [input.q, await this.big({ n: 10n })];
    }
  }
  for (const op of [new Counts(), new UsesBig()]) {
    const fast = jit(op as AnyOperator, { mode: "trace" });
    await callOperator(fast as unknown as AnyOperator, { q: "a" });
    await callOperator(fast as unknown as AnyOperator, { q: "b" });
    assert.match(fast.explain().text, /plan trace/);
  }
});

test("bad options: jit() refuses each with an OptionError listing what is valid, and no state changes", async () => {
  const op = pipeline();
  const cases: [unknown, RegExp][] = [
    [{ mode: "fast" }, /unknown mode "fast"; expected one of "auto" \| "trace"/],
    [{ speed: 3 }, /unknown option "speed"; expected one of "mode"/],
    [{ recursive: "yes" }, /option recursive must be a boolean/],
    [{ maxConcurrency: 0 }, /maxConcurrency must be an integer >= 1, got 0/],
    [{ maxConcurrency: 1.5 }, /maxConcurrency must be an integer >= 1, got 1.5/],
    [{ maxConcurrency: "2" }, /maxConcurrency must be an integer >= 1, got "2"/],
    [{ maxRecompiles: -1 }, /maxRecompiles must be an integer >= 0, got -1/],
    [{ cache: {} }, /option cache must be a JitCache/],
    [null, /options must be an object, got null/],
    [[], /options must be an object/],
    ["trace", /options must be an object, got "trace"/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => jit(op as never, options as never),
      (e: unknown) => e instanceof OptionError && e instanceof TypeError && message.test(e.message),
      String(JSON.stringify(options)),
    );
  }
  for (const target of [42, null, undefined, "op", {}]) {
    assert.throws(() => jit(target as never), OptionError);
  }
  assert.throws(() => new JitCache({ maxEntries: 0 }), OptionError);
  assert.equal(getJitStats().compilations, 0);
  const fast = jit(op as never, { mode: "structural" }) as unknown as AnyOperator;
  assert.equal(((await callOperator(fast, { q: "ok" })) as { b: string }).b, "ok!!");
  assert.equal(getJitStats(fast).executions, 1);
});

test("bad graphs: a cycle or a missing node is a GraphError naming the nodes; the graph still runs once fixed", async () => {
  const id = (name: string) =>
    new MapOperator({ name, fn: (i: object) => ({ ...i, [name]: true }) });
  const graph = new Graph().addNode("plan", id("plan")).addNode("draft", id("draft"));
  graph.addEdge("plan", "draft").addEdge("draft", "plan");
  const cycle = await rejectionOf(graph.run({}));
  assert.ok(cycle instanceof GraphError);
  assert.equal(cycle.message, "[graph_cycle] cycle: plan → draft → plan");
  assert.deepEqual(cycle.nodes, ["plan", "draft", "plan"]);
  assert.throws(
    () => graph.addEdge("draft", "ghost"),
    (e: unknown) =>
      e instanceof GraphError &&
      e.code === "missing_node" &&
      e.message === '[missing_node] edge draft → ghost: no node "ghost"',
  );
  const missing = await rejectionOf(
    new Graph().addNode("a", id("a")).run({}, { outputs: ["nope"] }),
  );
  assert.ok(missing instanceof GraphError);
  assert.equal(missing.message, '[missing_node] outputs: no node "nope" in the graph');
  const fixed = new Graph().addNode("plan", id("plan")).addNode("draft", id("draft"));
  fixed.addEdge("plan", "draft");
  assert.deepEqual(await fixed.run({}), { draft: { plan: true, draft: true } });
});

/** A forward that misbehaves as `how` says. */
class Misbehaves extends Operator<unknown, unknown> {
  override effects = "pure" as const;
  constructor(readonly how: "reject" | "string" | "undefined" | "never") {
    super();
    this.name = "misbehaves";
  }
  forward(_input: unknown, ctx: CallContext): unknown {
    if (this.how === "reject") return Promise.reject(new TypeError("rejected by forward"));
    if (this.how === "string") throw "a plain string";
    if (this.how === "undefined") throw undefined;
    // Never settles, and ignores its signal too.
    void ctx;
    return new Promise(() => {});
  }
}

test("bad operators: a rejected promise or a thrown non-Error reaches the caller unchanged in every mode", async () => {
  for (const how of ["reject", "string", "undefined"] as const) {
    const build = () =>
      new SequenceOperator({
        name: "pipeline",
        operators: [
          new MapOperator({ inputKey: "q", outputKey: "k", fn: async (q: unknown) => q }),
          new Misbehaves(how),
        ],
      }) as AnyOperator;
    const want = await rejectionOf(callOperator(build(), { q: "x" }));
    for (const mode of MODES) {
      const fast = jit(build() as never, { mode }) as unknown as AnyOperator;
      for (let i = 0; i < 2; i++) {
        const got = await rejectionOf(callOperator(fast, { q: "x" }));
        assert.deepEqual(describe(got), describe(want), `${how} ${mode}`);
      }
      assert.equal(getJitStats(fast).executions, 2);
    }
  }
});

test("bad operators: a forward that never settles is stopped by a node timeout naming it", async () => {
  const graph = new Graph()
    .addNode("prep", new MapOperator({ fn: (i: object) => ({ ...i, ready: true }) }))
    .addNode("stuck", new Misbehaves("never"))
    .addEdge("prep", "stuck");
  const err = await rejectionOf(graph.run({ q: "x" }, { nodeTimeoutMs: 3 }));
  assert.ok(err instanceof TimeoutError);
  assert.equal(err.message, "[timeout] at stuck: exceeded 3 ms");
  assert.equal(err.path, "stuck");
  assert.equal(err.limitMs, 3);
  // The same graph answers once the node behaves.
  const ok = new Graph().addNode(
    "prep",
    new MapOperator({ fn: (i: object) => ({ ...i, ready: true }) }),
  );
  assert.deepEqual(await ok.run({ q: "x" }, { nodeTimeoutMs: 3 }), {
    prep: { q: "x", ready: true },
  });
});
