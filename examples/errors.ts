/**
 * Errors and aborts: what a failure looks like to the caller.
 *
 * - A bad input is a ValidationError with a code, the operator path and what was given:
 *   a prompt's missing `{key}` lists the keys the input had, and names a near miss.
 * - An error thrown by your own code reaches you as the very object you threw, eagerly and
 *   jitted; `errorPath(err)` says which step threw it.
 * - A call takes an AbortSignal: aborting it (or a timeout) stops the model calls in flight.
 * - Over a dataset, `continueOnError` gives one result per item instead of the first error.
 *
 *   npx tsx examples/errors.ts
 */
import {
  errorPath,
  jit,
  LLMOperator,
  MapOperator,
  models,
  pmap,
  SequenceOperator,
  SimulatedProvider,
  ValidationError,
} from "ember-xcs";

models.register("sim", new SimulatedProvider({ seed: 5, latency: 200 }));

// 1. A near-miss key: the prompt reads {context}, the caller passed `ctx`.
const answer = new LLMOperator({
  name: "answer",
  model: "sim:fast",
  prompt: "Context: {context}\nQuestion: {question}",
});
try {
  // @ts-expect-error the prompt's {keys} type the input, so TypeScript flags this already
  await answer({ question: "Why is the sky blue?", ctx: "Rayleigh scattering" });
} catch (err) {
  if (!(err instanceof ValidationError)) throw err;
  console.log(`1. ${err.code} at ${err.path}\n   ${err.message}`);
}

// 2. Your own error, from step 3 of 4: the same object comes back, and errorPath names the step.
class PriceError extends RangeError {}
const quote = new SequenceOperator({
  name: "quote",
  operators: [
    new MapOperator({ name: "parse", fn: (i: { text: string }) => ({ amount: Number(i.text) }) }),
    new MapOperator({ name: "tax", fn: (i: { amount: number }) => ({ taxed: i.amount * 1.2 }) }),
    new MapOperator({
      name: "check",
      fn: (i: { taxed: number }) => {
        if (!(i.taxed > 0)) throw new PriceError(`price must be positive, got ${i.taxed}`);
        return { ok: true };
      },
    }),
    new MapOperator({ name: "format", fn: (i: { taxed: number }) => ({ label: `€${i.taxed}` }) }),
  ],
});
for (const [label, run] of [
  ["eager", quote],
  ["jit  ", jit(quote)],
] as const) {
  try {
    await run({ text: "-5" });
  } catch (err) {
    const same = err instanceof PriceError;
    console.log(
      `2. ${label}: ${same ? "PriceError" : String(err)} "${(err as Error).message}" from step ${errorPath(err) ?? "(not recorded)"}`,
    );
  }
}

// 3. Aborts: a signal stops the call and the model requests it started.
const slow = new LLMOperator({ name: "slow", model: "sim:fast", prompt: "Explain {topic}." });
const controller = new AbortController();
setTimeout(() => controller.abort(), 20);
try {
  await slow({ topic: "tides" }, { signal: controller.signal });
} catch (err) {
  console.log(`3. aborted: ${(err as Error).name} (the signal's reason, rethrown as it was)`);
}
try {
  await slow({ topic: "tides" }, { signal: AbortSignal.timeout(20) });
} catch (err) {
  console.log(`   timed out: ${(err as Error).name}`);
}

// 4. A dataset where some items fail: one result per item, in input order.
const parse = new MapOperator({
  name: "parse",
  fn: (i: { text: string }) => {
    const n = Number(i.text);
    if (Number.isNaN(n)) throw new TypeError(`not a number: "${i.text}"`);
    return { n };
  },
});
const results = await pmap(parse)([{ text: "1" }, { text: "two" }, { text: "3" }], {
  continueOnError: true,
});
console.log(
  `4. ${results.map((r) => (r.status === "ok" ? `ok ${r.value.n}` : `error ${(r.error as Error).message}`)).join(" · ")}`,
);
