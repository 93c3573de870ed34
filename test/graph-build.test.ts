import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphError, OptionError, ValidationError } from "../src/core/errors.js";
import { InlineOperator } from "../src/engine/inline.js";
import { Graph } from "../src/index.js";
import type { AnyOperator } from "../src/operator/operator.js";
import { FakeLeaf, Probe, rejectionOf } from "./fakes.js";

const op = (name: string): AnyOperator => new InlineOperator(name, (x) => x) as AnyOperator;

/** a → b, a → c, b → d, c → d, with the diamond's nodes named after their ids. */
function diamond(): Graph {
  return new Graph()
    .addNode("a", op("A"))
    .addNode("b", op("B"))
    .addNode("c", op("C"))
    .addNode("d", op("D"))
    .addEdge("a", "b")
    .addEdge("a", "c")
    .addEdge("b", "d")
    .addEdge("c", "d");
}

test("addNode and addEdge chain; accessors keep insertion order", () => {
  const graph = diamond();
  assert.deepEqual([...graph.nodes.keys()], ["a", "b", "c", "d"]);
  assert.equal(graph.nodes.get("c")?.name, "C");
  assert.deepEqual(
    graph.edges.map((e) => `${e.from}>${e.to}`),
    ["a>b", "a>c", "b>d", "c>d"],
  );
  assert.deepEqual(graph.predecessors("d"), ["b", "c"]);
  assert.deepEqual(graph.successors("a"), ["b", "c"]);
  assert.deepEqual(graph.roots(), ["a"]);
  assert.deepEqual(graph.sinks(), ["d"]);
});

test("edges keep only the keys given, and repeated edges list a neighbour once", () => {
  const graph = new Graph()
    .addNode("a", op("A"))
    .addNode("b", op("B"))
    .addEdge("a", "b", { fromKey: "text" })
    .addEdge("a", "b", { toKey: "copy" });
  assert.deepEqual(graph.edges, [
    { from: "a", to: "b", fromKey: "text" },
    { from: "a", to: "b", toKey: "copy" },
  ]);
  assert.equal(Object.isFrozen(graph.edges[0]), true);
  assert.deepEqual(graph.predecessors("b"), ["a"]);
  assert.deepEqual(graph.successors("a"), ["b"]);
});

test("a duplicate node id is a GraphError naming the id", () => {
  const graph = new Graph().addNode("draft", op("A"));
  const error = catchError(() => graph.addNode("draft", op("B")));
  assert.ok(error instanceof GraphError);
  assert.equal(error.code, "duplicate_node");
  assert.deepEqual(error.nodes, ["draft"]);
  assert.equal(error.message, '[duplicate_node] node "draft" is already in the graph');
});

test("an edge to or from an unknown node is a GraphError naming the missing ids", () => {
  const graph = new Graph().addNode("a", op("A"));
  const error = catchError(() => graph.addEdge("a", "ghost"));
  assert.ok(error instanceof GraphError);
  assert.equal(error.code, "missing_node");
  assert.deepEqual(error.nodes, ["ghost"]);
  assert.equal(error.message, '[missing_node] edge a → ghost: no node "ghost"');
  const both = catchError(() => graph.addEdge("x", "y"));
  assert.ok(both instanceof GraphError);
  assert.deepEqual(both.nodes, ["x", "y"]);
  assert.equal(graph.edges.length, 0);
});

test("asking about an unknown node is a GraphError", () => {
  const error = catchError(() => new Graph().predecessors("nope"));
  assert.ok(error instanceof GraphError);
  assert.equal(error.code, "missing_node");
  assert.deepEqual(error.nodes, ["nope"]);
});

test("a node that is not an operator, or an edge key that is not a string, is refused", () => {
  const notOp = catchError(() => new Graph().addNode("a", (() => 1) as unknown as AnyOperator));
  assert.ok(notOp instanceof ValidationError);
  assert.equal(notOp.code, "not_an_operator");
  const graph = new Graph().addNode("a", op("A")).addNode("b", op("B"));
  const badKey = catchError(() => graph.addEdge("a", "b", { fromKey: 3 as unknown as string }));
  assert.ok(badKey instanceof OptionError);
  assert.equal(badKey.code, "invalid_option");
});

test("a cycle is a GraphError listing the cycle from its earliest-added node", async () => {
  const graph = new Graph()
    .addNode("start", op("S"))
    .addNode("plan", op("P"))
    .addNode("draft", op("D"))
    .addNode("check", op("C"))
    .addNode("after", op("X"))
    .addEdge("start", "plan")
    .addEdge("plan", "draft")
    .addEdge("draft", "check")
    .addEdge("check", "plan")
    .addEdge("check", "after");
  const error = catchError(() => graph.topologicalOrder());
  assert.ok(error instanceof GraphError);
  assert.equal(error.code, "graph_cycle");
  assert.deepEqual(error.nodes, ["plan", "draft", "check", "plan"]);
  assert.equal(error.message, "[graph_cycle] cycle: plan → draft → check → plan");
  const fromRun = await rejectionOf(graph.run({}));
  assert.ok(fromRun instanceof GraphError);
  assert.equal(fromRun.message, error.message);
});

test("a self-loop is a cycle of one node", () => {
  const graph = new Graph().addNode("a", op("A")).addEdge("a", "a");
  const error = catchError(() => graph.waves());
  assert.ok(error instanceof GraphError);
  assert.deepEqual(error.nodes, ["a", "a"]);
  assert.equal(error.message, "[graph_cycle] cycle: a → a");
});

test("topologicalOrder takes the earliest-added ready node first", () => {
  const graph = new Graph()
    .addNode("x", op("X"))
    .addNode("late", op("L"))
    .addNode("y", op("Y"))
    .addNode("z", op("Z"))
    .addEdge("z", "late")
    .addEdge("x", "y");
  assert.deepEqual(graph.topologicalOrder(), ["x", "y", "z", "late"]);
  assert.deepEqual(diamond().topologicalOrder(), ["a", "b", "c", "d"]);
});

test("topologicalOrder follows later edges (its cache is per revision)", () => {
  const graph = new Graph().addNode("a", op("A")).addNode("b", op("B"));
  assert.deepEqual(graph.topologicalOrder(), ["a", "b"]);
  graph.addEdge("b", "a");
  assert.deepEqual(graph.topologicalOrder(), ["b", "a"]);
});

test("waves group nodes by depth, a node one past its latest predecessor", () => {
  const graph = diamond().addNode("e", op("E")).addNode("f", op("F")).addEdge("a", "f");
  graph.addEdge("f", "d");
  assert.deepEqual(graph.waves(), [["a", "e"], ["b", "c", "f"], ["d"]]);
  const chain = new Graph()
    .addNode("a", op("A"))
    .addNode("b", op("B"))
    .addNode("c", op("C"))
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addEdge("a", "c");
  assert.deepEqual(chain.waves(), [["a"], ["b"], ["c"]]);
  assert.deepEqual(new Graph().waves(), []);
});

test("criticalPath is the heaviest root-to-sink path and its length", () => {
  const graph = diamond();
  assert.deepEqual(graph.criticalPath({ a: 10, b: 100, c: 30, d: 5 }), {
    path: ["a", "b", "d"],
    lengthMs: 115,
  });
  assert.deepEqual(graph.criticalPath({ a: 10, b: 1, c: 30, d: 5 }), {
    path: ["a", "c", "d"],
    lengthMs: 45,
  });
  // Missing durations count 0; a tie goes to the earlier predecessor.
  assert.deepEqual(graph.criticalPath({ d: 7 }), { path: ["a", "b", "d"], lengthMs: 7 });
  assert.deepEqual(new Graph().criticalPath({}), { path: [], lengthMs: 0 });
});

test("criticalPath can end at any sink", () => {
  const graph = new Graph()
    .addNode("a", op("A"))
    .addNode("short", op("S"))
    .addNode("long", op("L"))
    .addEdge("a", "short")
    .addEdge("a", "long");
  assert.deepEqual(graph.criticalPath({ a: 1, short: 2, long: 50 }), {
    path: ["a", "long"],
    lengthMs: 51,
  });
});

test("toMermaid renders nodes as id[name] and labels keyed edges", () => {
  const probe = new Probe();
  const llm = new FakeLeaf({ probe, name: "Llm", fn: (x: unknown) => x });
  const graph = new Graph()
    .addNode("ask", llm as AnyOperator)
    .addNode("judge", op("Judge"))
    .addNode("vote", op("Most Common (3)"))
    .addNode("end", op("Done"))
    .addEdge("ask", "judge")
    .addEdge("ask", "judge", { fromKey: "text", toKey: "answer" })
    .addEdge("ask", "vote", { fromKey: "scores" })
    .addEdge("judge", "vote", { toKey: "verdict" })
    .addEdge("vote", "end");
  assert.equal(
    graph.toMermaid(),
    [
      "flowchart TD",
      "  ask[Llm]",
      "  judge[Judge]",
      '  vote["Most Common (3)"]',
      "  n3[Done]",
      "  ask --> judge",
      "  ask -->|text → answer| judge",
      "  ask -->|scores| vote",
      "  judge -->|→ verdict| vote",
      "  vote --> n3",
    ].join("\n"),
  );
});

test("toString prints one stable line per node with how its input is built", () => {
  const probe = new Probe();
  const llm = new FakeLeaf({ probe, name: "llm", effects: "stochastic", fn: (x: unknown) => x });
  const graph = new Graph()
    .addNode("a", llm as AnyOperator)
    .addNode("b", op("pick"))
    .addNode("c", op("join"))
    .addEdge("a", "b")
    .addEdge("a", "c")
    .addEdge("b", "c", { fromKey: "text", toKey: "question" })
    .addEdge("b", "c", { fromKey: "my key" });
  assert.equal(
    graph.toString(),
    [
      "graph · 3 nodes · 4 edges",
      "  a = llm[stochastic]  ← input",
      "  b = pick[pure]  ← a",
      '  c = join[pure]  ← {...a, question: b.text, ...b["my key"]}',
      "  out {c}",
    ].join("\n"),
  );
  assert.equal(String(graph), graph.toString());
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error, but none was thrown");
}
