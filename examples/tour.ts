// The README's tour, as a file: `npx tsx examples/tour.ts`.
import { getJitStats, jit, LLMOperator, SequenceOperator } from "ember-xcs";

// "sim:fast" is the seeded simulated model: no API key, replies built from the prompt.
const ask = (outputKey: string, prompt: string) =>
  new LLMOperator({ model: "sim:fast", temperature: 0, prompt, outputKey });
const qa = new SequenceOperator({
  name: "qa",
  operators: [
    ask("facts", "List the key facts needed to answer: {question}"),
    ask("risks", "What could go wrong when answering: {question}"),
    ask("answer", "Question: {question}\nFacts: {facts}\nRisks: {risks}\nAnswer briefly."),
  ],
});
const eager = await qa({ question: "Why is the sky blue?" }); // three calls, one after another
const fast = jit(qa); // the same operator, compiled: `facts` and `risks` run together
const jitted = await fast({ question: "Why is the sky blue?" });
console.log(jitted.answer, jitted.answer === eager.answer); // the same answer
console.log(fast.explain().text); // the plan, its parallel groups, why this strategy
console.log(getJitStats(fast).strategy); // "structural"
