import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphError, OperatorError, ValidationError } from "../src/core/errors.js";
import { InlineOperator } from "../src/engine/inline.js";
import { Graph } from "../src/index.js";
import type { CallContext } from "../src/operator/context.js";
import { Operator } from "../src/operator/operator.js";
import { rejectionOf } from "./fakes.js";

/** An async leaf that records the input it was given and returns `output`. */
class Record_ extends Operator<unknown, unknown> {
  override effects = "pure" as const;
  readonly seen: unknown[] = [];
  constructor(
    name: string,
    readonly output: (input: unknown) => unknown,
  ) {
    super();
    this.name = name;
  }
  async forward(input: unknown, _ctx: CallContext): Promise<unknown> {
    this.seen.push(input);
    await Promise.resolve();
    return this.output(input);
  }
}

const constant = (name: string, value: unknown) => new Record_(name, () => value);

test("every root receives the graph input itself", async () => {
  const a = new Record_("a", () => 1);
  const b = new Record_("b", () => 2);
  const input = { question: "why" };
  const result = await new Graph().addNode("a", a).addNode("b", b).run(input);
  assert.equal(a.seen[0], input);
  assert.equal(b.seen[0], input);
  assert.deepEqual(result, { a: 1, b: 2 });
});

test("a node with one plain in-edge gets that output as is, not a copy", async () => {
  const made = { text: "draft" };
  const a = constant("a", made);
  const b = new Record_("b", (i) => i);
  const result = await new Graph().addNode("a", a).addNode("b", b).addEdge("a", "b").run({});
  assert.equal(b.seen[0], made);
  assert.equal(result.b, made);
});

test("several in-edges merge outputs in edge order, later keys winning, into a fresh object", async () => {
  const first = { x: "first", onlyFirst: 1 };
  const second = { x: "second", onlySecond: 2 };
  const join = new Record_("join", (i) => i);
  const graph = new Graph()
    .addNode("p", constant("p", first))
    .addNode("q", constant("q", second))
    .addNode("join", join)
    .addEdge("q", "join")
    .addEdge("p", "join");
  const result = await graph.run({});
  assert.deepEqual(result, { join: { x: "first", onlySecond: 2, onlyFirst: 1 } });
  assert.notEqual(join.seen[0], first);
  assert.deepEqual(first, { x: "first", onlyFirst: 1 });
});

test("keyed edges: fromKey+toKey moves a value, toKey nests a whole output, fromKey merges a part", async () => {
  const join = new Record_("join", (i) => i);
  const graph = new Graph()
    .addNode("ask", constant("ask", { text: "42", meta: { model: "m", tokens: 3 } }))
    .addNode("score", constant("score", 0.9))
    .addNode("join", join)
    .addEdge("ask", "join", { fromKey: "text", toKey: "answer" })
    .addEdge("score", "join", { toKey: "score" })
    .addEdge("ask", "join", { fromKey: "meta" });
  const result = await graph.run({});
  assert.deepEqual(result, { join: { answer: "42", score: 0.9, model: "m", tokens: 3 } });
});

test("a single keyed in-edge still builds a fresh input", async () => {
  const b = new Record_("b", (i) => i);
  const graph = new Graph()
    .addNode("a", constant("a", "hello"))
    .addNode("b", b)
    .addEdge("a", "b", { toKey: "text" });
  assert.deepEqual(await graph.run({}), { b: { text: "hello" } });
});

test("merging a non-object is a node error naming the node and the edge", async () => {
  const graph = new Graph()
    .addNode("a", constant("a", { meta: "not an object" }))
    .addNode("b", constant("b", {}))
    .addNode("c", new Record_("c", (i) => i))
    .addEdge("a", "c", { fromKey: "meta" })
    .addEdge("b", "c");
  const error = await rejectionOf(graph.run({}));
  assert.ok(error instanceof OperatorError);
  assert.equal(error.code, "node_failed");
  assert.equal(error.path, "c");
  assert.ok(error.cause instanceof ValidationError);
  assert.equal(error.cause.code, "not_an_object");
  assert.equal(
    error.cause.message,
    '[not_an_object] at c: output key "meta" of "a" must be an object to merge, got string',
  );
});

test("merging keeps __proto__ as data and never touches a prototype", async () => {
  const hostile = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as object;
  const graph = new Graph()
    .addNode("a", constant("a", hostile))
    .addNode("b", constant("b", { other: 2 }))
    .addNode("merged", new Record_("merged", (i) => i))
    .addNode("keyed", new Record_("keyed", (i) => i))
    .addEdge("a", "merged")
    .addEdge("b", "merged")
    .addEdge("b", "keyed", { toKey: "__proto__" });
  const result = await graph.run({});
  const merged = result.merged as Record<string, unknown>;
  const keyed = result.keyed as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(merged), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(merged, "__proto__")?.value, { polluted: true });
  assert.deepEqual({ ...merged }, { ...hostile, other: 2 });
  assert.equal(Object.getPrototypeOf(keyed), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(keyed, "__proto__")?.value, { other: 2 });
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
});

test("run resolves to the sinks' outputs keyed by node id, or to the ids in outputs", async () => {
  const graph = new Graph()
    .addNode("a", new InlineOperator("a", () => ({ n: 1 })))
    .addNode("b", new InlineOperator("b", (i) => ({ n: (i as { n: number }).n + 1 })))
    .addNode("c", new InlineOperator("c", (i) => ({ n: (i as { n: number }).n * 10 })))
    .addNode("side", new InlineOperator("side", () => "side"))
    .addEdge("a", "b")
    .addEdge("b", "c");
  assert.deepEqual(await graph.run({}), { c: { n: 20 }, side: "side" });
  assert.deepEqual(await graph.run({}, { outputs: ["b", "a"] }), { b: { n: 2 }, a: { n: 1 } });
  const error = await rejectionOf(graph.run({}, { outputs: ["b", "zz"] }));
  assert.ok(error instanceof GraphError);
  assert.equal(error.code, "missing_node");
  assert.deepEqual(error.nodes, ["zz"]);
});

test("an empty graph resolves to an empty object", async () => {
  assert.deepEqual(await new Graph().run({ any: 1 }), {});
});

test("a node id of __proto__ is an own key of the result", async () => {
  const graph = new Graph().addNode("__proto__", new InlineOperator("p", () => 5));
  const result = await graph.run({});
  assert.equal(Object.getPrototypeOf(result), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(result, "__proto__")?.value, 5);
});
