/**
 * Streaming: every operator, a jitted one too, has `op.stream(input)`, an async iterable of
 * the model's text as it arrives (`token`, with the path of the call it came from), each
 * request's `usage`, and last the `output`. Breaking out of the loop aborts the call.
 *
 *   npx tsx examples/streaming.ts
 */
import { jit, LLMOperator, MapOperator, SequenceOperator } from "ember-xcs";

const explain = new SequenceOperator({
  name: "explain",
  operators: [
    new MapOperator({ fn: (i: { question: string }) => ({ question: i.question.trim() }) }),
    new LLMOperator({
      name: "answer",
      model: "sim:fast",
      system: "Answer in one sentence.",
      prompt: "Q: {question}",
      outputKey: "answer",
    }),
  ],
});
const fast = jit(explain);

let tokens = 0;
process.stdout.write("streamed: ");
for await (const event of fast.stream({ question: " Why do we stream replies? " })) {
  if (event.type === "token") {
    tokens++;
    process.stdout.write(event.text); // as each delta arrives
  }
  if (event.type === "usage") {
    process.stdout.write(`\nusage of ${event.path}: ${event.completionTokens} tokens`);
  }
  if (event.type === "output") console.log(`\noutput: ${JSON.stringify(event.value)}`);
}
console.log(`${tokens} text chunks`);

// Stop early: breaking out aborts the call (its model request included).
let first = "";
for await (const event of fast.stream({ question: "What makes a good first token?" })) {
  if (event.type === "token") {
    first = event.text;
    break;
  }
}
console.log(`stopped after the first chunk: "${first}"`);
