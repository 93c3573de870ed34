/**
 * The paper workloads of examples/papers (and bench/anchors): jitted, each gives the same
 * result as eager on fresh inputs, with the same model requests and tool calls (no early
 * start wasted), and the JIT really overlapped the calls: every predicted call was started
 * early and claimed. Latencies are 0 here; nothing is timed.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  type AnyOperator,
  type CallObserver,
  getJitStats,
  jit,
  resetJit,
  withObserver,
} from "ember-xcs";
import { hotpotQA, movieRecommendation } from "../examples/papers/llmcompiler.js";
import { skeletonOfThought } from "../examples/papers/skeleton-of-thought.js";
import { ragPipeline } from "../examples/papers/teola-rag.js";

afterEach(() => resetJit());

interface Case {
  operator: AnyOperator;
  input(i: number): unknown;
  /** Model requests the workload's simulated provider received. */
  provider: { readonly requests: number };
  /** Names of maps the plan fuses into plain function calls. */
  fused?: string[];
}

/** Leaf calls by operator name: what ran, whoever started it. */
function leafCounter(): { observer: CallObserver; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const observer: CallObserver = {
    callStarted(call) {
      if (call.leaf) counts.set(call.name, (counts.get(call.name) ?? 0) + 1);
    },
  };
  return { observer, counts };
}

const call = (op: AnyOperator, input: unknown) =>
  (op as unknown as (i: unknown) => Promise<unknown>)(input);

/** Eager on inputs 0..n-1, then jitted (traced on another input first) on the same inputs. */
async function compare(c: Case, n: number) {
  const inputs = Array.from({ length: n }, (_, i) => c.input(i));
  const eager = leafCounter();
  const eagerBefore = c.provider.requests;
  const want = [];
  for (const input of inputs)
    want.push(await withObserver(eager.observer, () => call(c.operator, input)));
  const eagerRequests = c.provider.requests - eagerBefore;

  const fast = jit(c.operator);
  await call(fast, c.input(50));
  const jitted = leafCounter();
  const jitBefore = c.provider.requests;
  const got = [];
  for (const input of inputs)
    got.push(await withObserver(jitted.observer, () => call(fast, input)));
  assert.deepEqual(got, want);
  assert.equal(c.provider.requests - jitBefore, eagerRequests, "model requests");
  // A pure sync map fuses into the plan: a function call there, no operator call to observe.
  const costly = (counts: Map<string, number>) =>
    Object.fromEntries([...counts].filter(([name]) => !c.fused?.includes(name)));
  assert.deepEqual(costly(jitted.counts), costly(eager.counts), "leaf calls");
  return { fast, eagerRequests, leafCalls: Object.fromEntries(eager.counts) };
}

test("LLMCompiler HotpotQA: the ReAct loop jitted answers as eager, every call started early", async () => {
  const task = hotpotQA({ thoughtMs: 0, searchMs: 0, finishMs: 0 });
  const { fast, eagerRequests, leafCalls } = await compare({ ...task, operator: task.agent }, 4);
  assert.equal(eagerRequests, 4 * 3);
  assert.deepEqual(leafCalls, { thought: 8, search: 8, finish: 4 });
  const stats = getJitStats(fast);
  assert.equal(stats.strategy, "trace");
  assert.equal(stats.compilations, 1);
  // 2 thoughts, 2 searches and the answer of each of the 4 runs: all started before forward asked.
  assert.equal(stats.speculationHits, 4 * 5);
  assert.equal(stats.speculationMisses, 0);
});

test("LLMCompiler Movie Recommendation: eight look-ups in a loop, same picks jitted", async () => {
  const task = movieRecommendation({ thoughtMs: 0, searchMs: 0, finishMs: 0 });
  const { fast, eagerRequests, leafCalls } = await compare({ ...task, operator: task.agent }, 3);
  assert.equal(eagerRequests, 3 * 9);
  assert.deepEqual(leafCalls, { thought: 24, search: 24, finish: 3 });
  const stats = getJitStats(fast);
  assert.equal(stats.compilations, 1);
  assert.equal(stats.speculationHits, 3 * 17);
  assert.equal(stats.speculationMisses, 0);
});

test("Teola RAG chain: jitted as eager, indexing beside query expansion", async () => {
  const task = ragPipeline({
    embedBatchMs: 0,
    expandMs: 0,
    embedQueryMs: 0,
    searchMs: 0,
    rerankMs: 0,
    generateMs: 0,
  });
  const { fast, eagerRequests, leafCalls } = await compare(
    { ...task, operator: task.pipeline, fused: ["split"] },
    3,
  );
  assert.equal(eagerRequests, 3 * 2);
  assert.deepEqual(leafCalls, {
    split: 3,
    embed_chunks: 12,
    expand: 3,
    embed_query: 9,
    search: 9,
    rerank: 3,
    generate: 3,
  });
  const explained = fast.explain();
  assert.equal(explained.strategy, "enhanced");
  // Indexing and query expansion both hang off the split: neither waits for the other.
  const from = (name: string) =>
    new RegExp(`= ${name}\\[\\w+\\]\\s+\\S+\\s+← (\\S+)`).exec(explained.plan)?.[1];
  assert.equal(from("index"), "n0");
  assert.equal(from("expand"), "n0");
  assert.equal(from("retrieve"), "n3");
  assert.match(explained.plan, /n3 = merge\[glue\]\s+rag\s+← \{0: n0, 1: n1, 2: n2\}/);
  // The traced modules inside: 4 batch embeddings, and 3 × (embedding + search), per run.
  const totals = getJitStats();
  assert.equal(totals.speculationHits, 3 * (4 + 6));
  assert.equal(totals.speculationMisses, 0);
});

test("Skeleton-of-Thought: the expansions awaited in turn give the same answer jitted", async () => {
  const task = skeletonOfThought({ skeletonMs: 0, expandMs: 0 });
  const { fast, eagerRequests, leafCalls } = await compare({ ...task, operator: task.operator }, 3);
  assert.equal(eagerRequests, 3 * 6);
  assert.deepEqual(leafCalls, { skeleton: 3, expand: 15 });
  const stats = getJitStats(fast);
  assert.equal(stats.compilations, 1);
  // The skeleton call hits every run. The expansions' inputs are parsed out of the
  // skeleton's text: constants to the trace, confirmed by the first compared run (made as
  // written) and started early from the second on.
  assert.equal(stats.speculationHits, 3 + 2 * 5);
  assert.equal(stats.speculationMisses, 0);
});
