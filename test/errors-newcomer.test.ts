import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { z } from "zod";
import {
  type AnyOperator,
  type CallContext,
  errorPath,
  jit,
  LLMOperator,
  MapOperator,
  Operator,
  ParallelOperator,
  resetJit,
  SequenceOperator,
  ToolLoopOperator,
  tool,
  ValidationError,
} from "../src/index.js";
import { nearest } from "../src/models/template-check.js";

afterEach(() => resetJit());

const MODES = ["eager", "auto", "structural", "trace", "enhanced"] as const;
type Mode = (typeof MODES)[number];

function runner(op: AnyOperator, mode: Mode): (input: unknown) => Promise<unknown> {
  const target = mode === "eager" ? op : jit(op, { mode });
  return (input) => (target as unknown as (i: unknown) => Promise<unknown>)(input);
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => assert.fail("expected a failure"),
    (e: unknown) => e,
  );
}

// --- missing template keys -------------------------------------------------------------

function askWithContext() {
  return new SequenceOperator({
    name: "qa",
    operators: [
      new MapOperator({
        name: "trim",
        inputKey: "question",
        outputKey: "question",
        fn: (q: string) => q.trim(),
      }),
      new LLMOperator({
        name: "answer",
        model: "sim:fast",
        temperature: 0,
        prompt: "Context: {context}\nQ: {question}",
      }),
    ],
  });
}

for (const mode of MODES) {
  test(`template (${mode}): the error lists the keys as passed and names the near miss`, async () => {
    const run = runner(askWithContext(), mode);
    // Three calls: the first jitted call may trace, the later ones run from the plan.
    for (let i = 0; i < 3; i++) {
      const err = await failure(() => run({ question: " why? ", ctx: "docs", lang: "en" }));
      assert.ok(err instanceof ValidationError, String(err));
      assert.equal(err.code, "missing_template_key");
      assert.equal(err.path, "qa/operators[1]");
      assert.equal(errorPath(err), "qa/operators[1]");
      // `ctx` and `lang` are not declared by the prompt, so the specification strips them
      // before forward; the message still shows them, as the caller passed them.
      assert.match(err.message, /prompt needs \{context\}; input has question, ctx, lang; /);
      assert.match(err.message, /did you mean `context`\? \(the input has `ctx`\)/);
    }
  });
}

test("template: no hint when no key is close, every missing key named once", async () => {
  const ask = new LLMOperator({ model: "sim:fast", prompt: "{context} {question}" });
  const err = await failure(() =>
    (ask as unknown as (i: unknown) => Promise<unknown>)({ zebra: 1 }),
  );
  assert.ok(err instanceof ValidationError);
  assert.match(err.message, /prompt needs \{context\}, \{question\}; input has zebra$/);
  assert.doesNotMatch(err.message, /did you mean/);
});

test("template: a near miss inside a nested key is named with its parent", async () => {
  const ask = new LLMOperator({ model: "sim:fast", prompt: "Hi {user.name}" });
  const err = await failure(() =>
    (ask as unknown as (i: unknown) => Promise<unknown>)({ user: { nmae: "Ada" } }),
  );
  assert.ok(err instanceof ValidationError);
  assert.match(err.message, /did you mean `user\.name`\? \(the input has `user\.nmae`\)/);
  assert.deepEqual(
    err.issues.map((i) => i.path),
    [["user", "name"]],
  );
});

test("template: a tool loop's prompt is checked on the input as passed too", async () => {
  const clock = tool({
    name: "clock",
    description: "The time",
    parameters: z.object({}),
    execute: async () => ({ now: "noon" }),
  });
  const agent = new ToolLoopOperator({ model: "sim:fast", tools: [clock], prompt: "Plan {query}" });
  const err = await failure(() =>
    (agent as unknown as (i: unknown) => Promise<unknown>)({ Query: "x" }),
  );
  assert.ok(err instanceof ValidationError);
  assert.match(err.message, /input has Query; did you mean `query`\? \(the input has `Query`\)/);
});

test("template: an aborted call fails with its abort, not with the template", async () => {
  const ask = new LLMOperator({ model: "sim:fast", prompt: "{context}" });
  const controller = new AbortController();
  controller.abort(new Error("stop"));
  const err = await failure(() =>
    (ask as unknown as (i: unknown, o: unknown) => Promise<unknown>)(
      { ctx: 1 },
      { signal: controller.signal },
    ),
  );
  assert.equal((err as Error).message, "stop");
});

test("nearest: the small near-miss rule", () => {
  assert.equal(nearest("context", ["question", "ctx"]), "ctx"); // abbreviation
  assert.equal(nearest("context", ["contxt"]), "contxt"); // one edit
  assert.equal(nearest("question", ["Question"]), "Question"); // case
  assert.equal(nearest("question", ["quest"]), "quest"); // prefix
  assert.equal(nearest("documents", ["docs", "doc"]), "docs"); // abbreviation, fewer edits
  assert.equal(nearest("context", ["zebra", "q", "answer"]), undefined);
  assert.equal(nearest("id", ["x"]), undefined);
  assert.equal(nearest("name", ["nmae"]), "nmae"); // a swap is one edit
  // The closest wins when several count.
  assert.equal(nearest("context", ["ctx", "contex"]), "contex");
});

// --- errorPath ---------------------------------------------------------------------------

class PriceError extends RangeError {}

/** Step 2 of 3 throws a fresh PriceError each call; the map kinds the JIT treats differently. */
function failingSequence(kind: "sync-pure" | "async-pure" | "effectful") {
  const fn =
    kind === "async-pure"
      ? async (_: { a: number }): Promise<{ b: number }> => {
          throw new PriceError("negative");
        }
      : (_: { a: number }): { b: number } => {
          throw new PriceError("negative");
        };
  return new SequenceOperator({
    name: "quote",
    operators: [
      new MapOperator({ name: "parse", fn: (i: { text: string }) => ({ a: Number(i.text) }) }),
      new MapOperator({ name: "check", effects: kind === "effectful" ? "effectful" : "pure", fn }),
      new MapOperator({ name: "format", fn: (i: { a: number }) => ({ label: String(i.a) }) }),
    ],
  });
}

/** A custom operator written with sequential awaits; its second call throws. */
class Checkout extends Operator<{ text: string }, { total: number }> {
  readonly price = new MapOperator({
    name: "price",
    effects: "pure",
    fn: (i: { text: string }) => ({ price: Number(i.text) }),
  });
  readonly validate = new MapOperator({
    name: "validate",
    effects: "pure",
    fn: (_: { text: string }): { ok: boolean } => {
      throw new PriceError("negative");
    },
  });
  async forward(input: { text: string }, ctx: CallContext) {
    const { price } = await this.price(input, { signal: ctx.signal });
    await this.validate(input, { signal: ctx.signal });
    return { total: price };
  }
}

/** A Sequence inside a Parallel inside a Sequence: the path names every level. */
function nested() {
  return new SequenceOperator({
    name: "outer",
    operators: [
      new ParallelOperator({
        operators: [
          new MapOperator({ name: "left", fn: (i: { q: string }) => ({ l: i.q }) }),
          new SequenceOperator({
            operators: [
              new MapOperator({ name: "r0", fn: (i: { q: string }) => ({ r: i.q }) }),
              new MapOperator({
                name: "r1",
                fn: async (_: { r: string }): Promise<{ s: string }> => {
                  throw new PriceError("deep");
                },
              }),
            ],
          }),
        ],
      }),
    ],
  });
}

const CASES: { label: string; build: () => AnyOperator; input: unknown; path: string }[] = [
  {
    label: "a sync pure map (fused by the JIT)",
    build: () => failingSequence("sync-pure"),
    input: { text: "-5" },
    path: "quote/operators[1]",
  },
  {
    label: "an async pure map",
    build: () => failingSequence("async-pure"),
    input: { text: "-5" },
    path: "quote/operators[1]",
  },
  {
    label: "an effectful map",
    build: () => failingSequence("effectful"),
    input: { text: "-5" },
    path: "quote/operators[1]",
  },
  {
    label: "a custom operator's second await",
    build: () => new Checkout(),
    input: { text: "-5" },
    path: "Checkout/validate",
  },
  {
    label: "a step nested three deep",
    build: nested,
    input: { q: "x" },
    path: "outer/operators[0]/operators[1]/operators[1]",
  },
];

for (const c of CASES) {
  for (const mode of MODES) {
    test(`errorPath (${mode}): ${c.label} throws the same object, and its path is read`, async () => {
      const run = runner(c.build(), mode);
      for (let i = 0; i < 3; i++) {
        const err = await failure(() => run(c.input));
        assert.ok(err instanceof PriceError, `call ${i}: ${String(err)}`);
        assert.equal(errorPath(err), c.path, `call ${i}`);
      }
    });
  }
}

test("errorPath: the error is the one thrown, untouched: no new own keys or symbols", async () => {
  const thrown = new PriceError("negative");
  const op = new SequenceOperator({
    name: "s",
    operators: [
      new MapOperator({
        name: "boom",
        fn: (): { x: number } => {
          throw thrown;
        },
      }),
    ],
  });
  const fresh = new PriceError("negative");
  const err = await failure(() => (op as unknown as (i: unknown) => Promise<unknown>)({}));
  assert.equal(err, thrown);
  assert.deepEqual(Reflect.ownKeys(thrown), Reflect.ownKeys(fresh));
  assert.equal(errorPath(err), "s/operators[0]");
});

test("errorPath: the innermost call wins; ember-xcs errors name their own operator; others are undefined", async () => {
  const shared = new PriceError("once");
  const first = new MapOperator({
    name: "first",
    fn: (): never => {
      throw shared;
    },
  });
  await failure(() => (first as unknown as (i: unknown) => Promise<unknown>)({}));
  // Thrown again elsewhere, it still names where it escaped first.
  const second = new SequenceOperator({
    name: "second",
    operators: [
      new MapOperator({
        fn: (): never => {
          throw shared;
        },
      }),
    ],
  });
  await failure(() => (second as unknown as (i: unknown) => Promise<unknown>)({}));
  assert.equal(errorPath(shared), "first");

  // A step returning a non-object: the Sequence raises it, about the step.
  const bad = new SequenceOperator({
    name: "seq",
    operators: [new MapOperator({ name: "nope", fn: () => 42 as unknown as object })],
  });
  const err = await failure(() => (bad as unknown as (i: unknown) => Promise<unknown>)({}));
  assert.ok(err instanceof ValidationError);
  assert.equal(errorPath(err), err.path);
  assert.match(err.path, /^seq\/operators\[0\]/);

  assert.equal(errorPath(new Error("never thrown by an operator")), undefined);
  assert.equal(errorPath("a string"), undefined);
  assert.equal(errorPath(undefined), undefined);
  // A user error's own `path` (Node's fs errors have one: a file) is not an operator path.
  const fsLike = Object.assign(new Error("ENOENT"), { path: "/tmp/missing" });
  assert.equal(errorPath(fsLike), undefined);
});

test("errorPath: a custom operator that throws in its own forward (after its children) is named, in every mode", async () => {
  class Custom extends Operator<{ q: string }, unknown> {
    readonly child = new MapOperator({
      name: "child",
      fn: async (i: { q: string }) => ({ a: i.q }),
    });
    async forward(i: { q: string }) {
      await this.child(i);
      throw new Error("custom failed");
    }
  }
  const op = new SequenceOperator({
    name: "outer",
    operators: [new MapOperator({ fn: (i: { q: string }) => i }), new Custom()],
  });
  for (const mode of MODES) {
    const run = runner(op, mode);
    for (let i = 0; i < 2; i++) {
      const err = await failure(() => run({ q: "x" }));
      assert.equal((err as Error).message, "custom failed", mode);
      assert.equal(errorPath(err), "outer/operators[1]", `${mode}, call ${i}`);
    }
  }
});
