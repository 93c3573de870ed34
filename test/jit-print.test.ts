/** Printed plans are part of the interface (explain(), EMBER_DEBUG): pinned exactly. */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  EnsembleOperator,
  jit,
  MapOperator,
  Operator,
  resetJit,
  SequenceOperator,
} from "../src/index.js";

afterEach(() => resetJit());

test("print: a structural plan, node by node, with its groups", async () => {
  const qa = new SequenceOperator({
    name: "qa",
    operators: [
      new MapOperator({
        name: "a",
        inputKey: "question",
        outputKey: "a",
        fn: async (q: string) => `a(${q})`,
      }),
      new MapOperator({
        name: "b",
        inputKey: "question",
        outputKey: "b",
        fn: async (q: string) => `b(${q})`,
      }),
      new MapOperator({
        name: "join",
        fn: (i: Record<string, string>) => ({ all: `${i.a}|${i.b}` }),
      }),
    ],
  });
  const fast = jit(qa, { mode: "structural" });
  await fast({ question: "q" });
  assert.equal(
    fast.explain().text,
    [
      "strategy: structural (mode structural)",
      "plan structural for qa",
      "  n0 = check[glue]  qa  ← input",
      "  n1 = a[pure]  qa/operators[0]  ← n0",
      "  n2 = b[pure]  qa/operators[1]  ← n0",
      "  n3 = merge[glue]  qa  ← {0: n0, 1: n1, 2: n2}",
      "  n4 = join[pure]  qa/operators[2]  ← n3",
      "  out n4",
      "  3 calls · width 2 · depth 4",
      "parallel groups: [qa/operators[0], qa/operators[1]]",
    ].join("\n"),
  );
});

test("print: a trace plan, before and after its capture", async () => {
  class Two extends Operator<{ q: string }, unknown> {
    override readonly name = "two";
    readonly left = new MapOperator({ name: "left", fn: async (i: { q: string }) => ({ l: i.q }) });
    readonly right = new MapOperator({
      name: "right",
      fn: async (i: { l: string }) => ({ r: i.l }),
    });
    async forward(i: { q: string }) {
      const l = await this.left(i);
      return this.right({ l: `${l.l}!` });
    }
  }
  const fast = jit(new Two(), { mode: "trace" });
  assert.equal(fast.explain().text, "strategy: trace (mode trace)\nplan trace for two · untraced");
  await fast({ q: "x" });
  assert.equal(
    fast.explain().text,
    [
      "strategy: trace (mode trace)",
      "plan trace for two · speculating",
      "  c0 = left[pure]  two/left#0  ← input  · early",
      '  c1 = right[pure]  two/right#0  ← {l: "x!"}  · early once a run confirms its constants',
      "guards: two/left#0: handed over only for the same site and an input deep-equal to input as it was when started; " +
        'two/right#0: handed over only for the same site and an input deep-equal to {l: "x!"} as it was when started',
    ].join("\n"),
  );
});

test("explain: parallel groups for enhanced and trace plans too", async () => {
  class Two extends Operator<{ q: string }, unknown> {
    readonly a = new MapOperator({ name: "a", fn: async (i: { q: string }) => `${i.q}a` });
    readonly b = new MapOperator({ name: "b", fn: async (i: { q: string }) => `${i.q}b` });
    async forward(input: { q: string }) {
      return [await this.a(input), await this.b(input)];
    }
  }
  const traced = jit(new Two(), { mode: "trace" });
  await traced({ q: "x" });
  assert.deepEqual(traced.explain().parallelGroups, [["Two/a", "Two/b"]]);
  const ens = new EnsembleOperator({ operators: [new Two(), new Two()] });
  const enhanced = jit(ens, { mode: "enhanced" });
  await enhanced({ q: "y" });
  assert.equal(enhanced.explain().parallelGroups.length, 1);
  assert.equal(enhanced.explain().parallelGroups[0]!.length, 2);
});
