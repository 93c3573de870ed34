/**
 * Type-level tests: `npm run typecheck` compiles this file, so each `@ts-expect-error` must
 * still be an error (an unused one fails the check) and each `same<...>()` must still hold.
 * The runtime test only confirms the values agree with the types.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { jit } from "../src/jit/jit.js";
import { LLMOperator } from "../src/models/llm.js";
import type { TemplateKeys } from "../src/models/template.js";
import { tool } from "../src/models/tools.js";
import type { Operator } from "../src/operator/operator.js";
import { EnsembleOperator } from "../src/operators/ensemble.js";
import { MapOperator } from "../src/operators/map.js";
import { ParallelOperator } from "../src/operators/parallel.js";
import { SequenceOperator } from "../src/operators/sequence.js";

/** Compiles only when A and B are the same type. */
type Same<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function same<A, B>(_proof: Same<A, B>): void {}
/** Type-checks a call without making it. */
function typeOnly(_call: () => unknown): void {}

type In<Op> = Op extends Operator<infer I, unknown> ? I : never;
type Out<Op> = Op extends Operator<never, infer O> ? O : never;

const double = new MapOperator({ fn: (i: { value: number }) => ({ value: i.value * 2 }) });
const label = new MapOperator({ fn: (i: { value: number }) => ({ label: `#${i.value}` }) });
const shout = new MapOperator({
  fn: (i: { label: string }) => ({ label: i.label.toUpperCase(), loud: true }),
});

// Sequence: each step's output merged over the accumulator, later keys winning.
const seq = new SequenceOperator({ operators: [double, label, shout] });
same<Out<typeof seq>, { value: number; label: string; loud: boolean }>(true);
// Its input is what the steps read that no earlier step wrote: `label` comes from a step.
same<In<typeof seq>, { value: number }>(true);
// @ts-expect-error value must be a number
typeOnly(() => seq({ value: "5" }));
// @ts-expect-error value is required
typeOnly(() => seq({}));

// A later step overriding a key's type: the later type wins.
const stringify = new MapOperator({ fn: (i: { value: number }) => ({ value: String(i.value) }) });
const overridden = new SequenceOperator({ operators: [double, stringify] });
same<Out<typeof overridden>, { value: string }>(true);

// Parallel: every child gets the same input; outputs merge over it in list order.
const both = new ParallelOperator({ operators: [label, double] });
same<Out<typeof both>, { value: number; label: string }>(true);
same<In<typeof both>, { value: number }>(true);

// An untyped list gives plain objects, as before.
const untyped = new SequenceOperator({ operators: [double, label] as Operator<never, unknown>[] });
same<Out<typeof untyped>, Record<string, unknown>>(true);

// Ensemble: `{ responses: O[] }`, or what the aggregate returns.
const votes = new EnsembleOperator({ operators: [double, double] });
same<Out<typeof votes>, { responses: { value: number }[] }>(true);
const total = new EnsembleOperator({
  operators: [double, double],
  aggregate: (outs) => outs.reduce((sum, o) => sum + o.value, 0),
});
same<Out<typeof total>, number>(true);
// @ts-expect-error the aggregate gets the members' outputs, which have no `label`
new EnsembleOperator({ operators: [double], aggregate: (outs) => outs[0]?.label });

// jit keeps the types of what it wraps.
const fastSeq = jit(seq);
same<Out<typeof fastSeq>, Out<typeof seq>>(true);
same<In<typeof fastSeq>, In<typeof seq>>(true);
const fastTotal = jit(total);
same<Out<typeof fastTotal>, number>(true);
// @ts-expect-error a jitted sequence checks its input like the original
typeOnly(() => fastSeq({ value: "5" }));

// Template keys: from the prompt literal, `{{` and JSON braces read nothing.
same<TemplateKeys<"Q: {question} in {lang}">, "question" | "lang">(true);
same<TemplateKeys<'{user.name} {{literal}} {"json": 1}'>, "user">(true);
const ask = new LLMOperator({
  model: "sim:fast",
  system: "Answer in {lang}.",
  prompt: "Q: {question}",
});
typeOnly(() => ask({ question: "2+2?", lang: "en", extra: 1 }));
// @ts-expect-error lang (from the system template) is missing
typeOnly(() => ask({ question: "2+2?" }));
const chat = new LLMOperator({
  model: "sim:fast",
  messages: [
    { role: "user", content: "My name is {name}." },
    { role: "assistant", content: "Hello!" },
  ],
  prompt: "What is my name?",
});
// @ts-expect-error name (from a message template) is missing
typeOnly(() => chat({}));
// An LLM step's output flows into a sequence's type.
const qa = new SequenceOperator({
  operators: [label, new LLMOperator({ model: "sim:fast", prompt: "{label}" })],
});
same<Out<typeof qa>, { value: number; label: string; response: string }>(true);

// Tools: `execute` gets the zod-inferred arguments.
tool({
  name: "add",
  description: "adds",
  parameters: z.object({ a: z.number(), b: z.number() }),
  // @ts-expect-error a is a number, not a string
  execute: ({ a }: { a: string }) => a,
});

test("composite types agree with runtime values", async () => {
  assert.deepEqual(await seq({ value: 5 }), { value: 10, label: "#10", loud: true });
  assert.deepEqual(await both({ value: 2 }), { value: 4, label: "#2" });
  assert.equal(await fastTotal({ value: 1 }), 4);
  assert.deepEqual(await overridden({ value: 3 }), { value: "6" });
});
