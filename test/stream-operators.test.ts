import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { jit } from "../src/jit/jit.js";
import { LLMOperator } from "../src/models/llm.js";
import { withUsage } from "../src/models/usage.js";
import type { CallContext } from "../src/operator/context.js";
import { type AnyOperator, callOperator, Operator } from "../src/operator/operator.js";
import type { StreamEvent } from "../src/operator/stream.js";
import { EnsembleOperator } from "../src/operators/ensemble.js";
import { MapOperator } from "../src/operators/map.js";
import { SequenceOperator } from "../src/operators/sequence.js";
import { type FakeServer, gate, registerOpenAI, startFakeOpenAI } from "./fake-servers.js";

// Each request's reply is held after its first delta until the test opens that request's gate,
// so "both calls streamed a token before either finished" is a fact about the wire, not timing.
let server: FakeServer;
let model: string;
const gates = new Map<string, ReturnType<typeof gate>>();

function gateFor(word: string): ReturnType<typeof gate> {
  let g = gates.get(word);
  if (!g) {
    g = gate();
    gates.set(word, g);
  }
  return g;
}

before(async () => {
  server = await startFakeOpenAI((request) => {
    const messages = request.body.messages as { content: string }[];
    const word = /word (\w+)/.exec(messages.at(-1)?.content ?? "")?.[1] ?? "none";
    return {
      chunks: [`${word}-1 `, `${word}-2`],
      hold: { after: 1, until: gateFor(word).promise },
      usage: { prompt: 4, completion: 2 },
    };
  });
  model = `${registerOpenAI(server)}:gpt-test`;
});
after(() => server.close());

function pair(): EnsembleOperator<{ a: string; b: string }, { response: string }> {
  const left = new LLMOperator({ model, prompt: "word {a}", name: "left" });
  const right = new LLMOperator({ model, prompt: "word {b}", name: "right" });
  return new EnsembleOperator<{ a: string; b: string }, { response: string }>({
    operators: [left, right],
    name: "pair",
  });
}

/**
 * Reads the stream of `op` until both calls have sent their first token (both replies are
 * held then), opens both gates and reads the rest.
 */
async function interleaved(
  op: AnyOperator,
  a: string,
  b: string,
): Promise<{ before: StreamEvent<unknown>[]; all: StreamEvent<unknown>[] }> {
  const all: StreamEvent<unknown>[] = [];
  let before: StreamEvent<unknown>[] = [];
  const stream = (op as unknown as Operator<unknown, unknown>).stream({ a, b });
  for await (const event of stream) {
    all.push(event);
    const tokens = all.filter((e) => e.type === "token");
    if (tokens.length === 2 && before.length === 0) {
      before = [...all];
      gateFor(a).open();
      gateFor(b).open();
    }
  }
  return { before, all };
}

function tokenTexts(events: StreamEvent<unknown>[]): string[] {
  return events.flatMap((e) => (e.type === "token" ? [`${e.path}: ${e.text}`] : []));
}

test("op.stream on an eager ensemble: both calls' tokens arrive while both replies are held", async () => {
  const { before, all } = await interleaved(pair() as unknown as AnyOperator, "e1", "e2");
  assert.deepEqual(tokenTexts(before).sort(), [
    "pair/operators[0]: e1-1 ",
    "pair/operators[1]: e2-1 ",
  ]);
  assert.ok(before.every((e) => e.type === "token"));
  const last = all.at(-1);
  assert.deepEqual(last, {
    type: "output",
    value: { responses: [{ response: "e1-1 e1-2" }, { response: "e2-1 e2-2" }] },
  });
  const usages = all.filter((e) => e.type === "usage");
  assert.equal(usages.length, 2);
  assert.ok(usages.every((u) => u.type === "usage" && u.promptTokens === 4 && u.ok));
  assert.equal(all.filter((e) => e.type === "output").length, 1);
});

for (const mode of ["auto", "structural", "trace", "enhanced"] as const) {
  test(`op.stream on jit(ensemble, { mode: "${mode}" }): the plan keeps the observer, tokens interleave`, async () => {
    const fast = jit(pair(), { mode });
    const { before, all } = await interleaved(
      fast as unknown as AnyOperator,
      `${mode}a`,
      `${mode}b`,
    );
    assert.deepEqual(tokenTexts(before).sort(), [
      `pair/operators[0]: ${mode}a-1 `,
      `pair/operators[1]: ${mode}b-1 `,
    ]);
    assert.deepEqual(all.at(-1), {
      type: "output",
      value: {
        responses: [{ response: `${mode}a-1 ${mode}a-2` }, { response: `${mode}b-1 ${mode}b-2` }],
      },
    });
    assert.equal(all.filter((e) => e.type === "usage").length, 2);
  });
}

test("op.stream on a jitted pipeline: the final LLM step's tokens come before the output, usage counted once", async () => {
  const pipeline = new SequenceOperator({
    operators: [
      new MapOperator({ fn: (i: { q: string }) => ({ a: `${i.q}x`, b: "unused" }) }),
      new LLMOperator({ model, prompt: "word {a}", name: "answer" }),
    ],
  });
  const fast = jit(pipeline);
  const held = gateFor("px");
  const seen: string[] = [];
  const { records } = await withUsage(async () => {
    for await (const event of fast.stream({ q: "p" })) {
      seen.push(event.type);
      if (event.type === "token" && seen.length === 1) {
        assert.equal(event.path, "sequence/operators[1]");
        held.open();
      }
      if (event.type === "output") assert.equal(event.value.response, "px-1 px-2");
    }
  });
  assert.deepEqual(seen, ["token", "token", "usage", "output"]);
  assert.equal(records.length, 1);
});

test("op.stream: an error is thrown from the iterator, after the events before it", async () => {
  const boom = new MapOperator({
    name: "boom",
    fn: (): { x: number } => {
      throw new Error("step failed");
    },
  });
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const event of boom.stream({})) seen.push(event.type);
    })(),
    /step failed/,
  );
  assert.deepEqual(seen, []);
});

test("op.stream: breaking out aborts the running call (its signal fires) and waits for it", async () => {
  let aborted = false;
  class Slow extends Operator<{ n: number }, { n: number }> {
    forward(_input: { n: number }, ctx: CallContext): Promise<{ n: number }> {
      return new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          aborted = true;
          reject(ctx.signal.reason);
        });
      });
    }
  }
  const ask = new LLMOperator({ model, prompt: "word {w}" });
  class Both extends Operator<{ w: string }, unknown> {
    readonly ask = ask;
    readonly slow = new Slow();
    async forward(input: { w: string }, ctx: CallContext): Promise<unknown> {
      return Promise.all([
        callOperator(this.ask as unknown as AnyOperator, input, { signal: ctx.signal }),
        callOperator(this.slow as unknown as AnyOperator, { n: 1 }, { signal: ctx.signal }),
      ]);
    }
  }
  for await (const event of new Both().stream({ w: "brk" })) {
    assert.equal(event.type, "token");
    break;
  }
  assert.equal(aborted, true, "the call was aborted before the loop's break completed");
  gateFor("brk").open();
});

// A call the JIT starts early and then discards runs under a gate: its tokens and usage are
// held until claimed, and dropped when wasted, so the stream shows only eager's calls.
test("op.stream on jit(custom, trace): a wasted speculative call yields no events", async () => {
  const branchServer = await startFakeOpenAI((request) => {
    const last = (request.body.messages as { content: string }[]).at(-1)?.content ?? "";
    if (last.startsWith("first"))
      return { chunks: last.includes("yes") ? ["go ", "on"] : ["st", "op"] };
    return { chunks: ["second"], latencyMs: 30 };
  });
  try {
    const m = `${registerOpenAI(branchServer)}:m`;
    class Branchy extends Operator<{ q: string }, { out: string }> {
      readonly one = new LLMOperator({ model: m, prompt: "first {q}" });
      readonly two = new LLMOperator({ model: m, prompt: "second {response}" });
      async forward(input: { q: string }): Promise<{ out: string }> {
        const a = await this.one(input);
        if (a.response === "go on") return { out: (await this.two(a)).response };
        return { out: a.response };
      }
    }
    const fast = jit(new Branchy(), { mode: "trace" });
    for await (const _ of fast.stream({ q: "yes" })) {
      // The traced run takes the branch.
    }
    const paths: string[] = [];
    for await (const event of fast.stream({ q: "no" })) {
      if (event.type !== "output") paths.push(`${event.type} ${event.path}`);
    }
    assert.deepEqual(paths, ["token Branchy/one", "token Branchy/one", "usage Branchy/one"]);
  } finally {
    await branchServer.close();
  }
});
