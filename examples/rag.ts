/**
 * Retrieval-augmented generation on the simulated model: the question is searched as asked,
 * as a rewritten search query and through a drafted answer (HyDE); the passages found are
 * merged into one context and the answer is written from it. Eagerly each step waits for the
 * one before; jitted, the plan sees which steps read which keys and runs the independent
 * ones together: three searches' worth of waiting becomes about one.
 *
 *   npx tsx examples/rag.ts
 */
import {
  getJitStats,
  jit,
  LLMOperator,
  MapOperator,
  models,
  record,
  SequenceOperator,
  SimulatedProvider,
} from "ember-xcs";

// Every simulated model call takes 60 ms, so the timings below are easy to read.
models.register("sim", new SimulatedProvider({ seed: 1, latency: 60 }));

const corpus = [
  "Rayleigh scattering: shorter (blue) wavelengths of sunlight scatter more off air molecules.",
  "At sunset light crosses more atmosphere, so blue is scattered away and reds remain.",
  "Vaccines show the immune system a harmless piece of a pathogen so it makes antibodies.",
  "Memory B and T cells let the immune system respond faster the second time.",
  "A CPU's clock speed is limited by heat: power grows with frequency and voltage squared.",
  "Signals need time to cross a chip; longer wires and more transistors add delay.",
];

/** A small keyword index standing in for a vector store: 50 ms per search, like a network hop. */
async function search(text: string): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const words = new Set(text.toLowerCase().match(/[a-z]{4,}/g) ?? []);
  return corpus
    .map((passage) => ({
      passage,
      score: (passage.toLowerCase().match(/[a-z]{4,}/g) ?? []).filter((w) => words.has(w)).length,
    }))
    .filter((hit) => hit.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, 2)
    .map((hit) => hit.passage);
}

const rag = new SequenceOperator({
  name: "rag",
  operators: [
    // Keyed steps (inputKey/outputKey, the LLM's {keys}): the JIT proves which are independent.
    new MapOperator({
      name: "search_question",
      effects: "pure",
      inputKey: "question",
      outputKey: "byQuestion",
      fn: search,
    }),
    new LLMOperator({
      name: "draft",
      model: "sim:fast",
      temperature: 0,
      prompt: "Write a short passage that would answer: {question}",
      outputKey: "draft",
    }),
    new LLMOperator({
      name: "rewrite",
      model: "sim:fast",
      temperature: 0,
      prompt: "Rewrite as a search query with the key terms: {question}",
      outputKey: "query",
    }),
    new MapOperator({
      name: "search_query",
      effects: "pure",
      inputKey: "query",
      outputKey: "byQuery",
      fn: search,
    }),
    new MapOperator({
      name: "search_draft",
      effects: "pure",
      inputKey: "draft",
      outputKey: "byDraft",
      fn: search,
    }),
    new MapOperator({
      name: "context",
      fn: (i: { byQuestion: string[]; byQuery: string[]; byDraft: string[] }) => {
        const passages = [...new Set([...i.byQuestion, ...i.byQuery, ...i.byDraft])];
        return { sources: passages, context: passages.map((p, n) => `[${n + 1}] ${p}`).join("\n") };
      },
    }),
    new LLMOperator({
      name: "answer",
      model: "sim:fast",
      temperature: 0,
      prompt: "Answer from the context only.\nContext:\n{context}\nQuestion: {question}",
      outputKey: "answer",
    }),
  ],
});

const questions = ["Why is the sky blue?", "How do vaccines train the immune system?"];
const fast = jit(rag);
await fast({ question: "What limits the speed of a CPU?" }); // compiles the plan once

for (const question of questions) {
  const eager = await record(() => rag({ question }));
  const jitted = await record(() => fast({ question }));
  const out = jitted.value as { answer: string; sources: string[] };
  console.log(`\n${question}\n  answer: ${out.answer}`);
  console.log(`  sources: ${out.sources.length} passages`);
  for (const source of out.sources) console.log(`    - ${source}`);
  console.log(
    `  eager ${eager.record.wallMs.toFixed(0)} ms, jit ${jitted.record.wallMs.toFixed(0)} ms (bound ${jitted.record.boundMs.toFixed(0)} ms)`,
  );
}
const stats = getJitStats(fast);
console.log(`\njit: strategy ${stats.strategy}, ${stats.compilations} compilation`);
console.log(
  fast
    .explain()
    .text.split("\n")
    .find((l) => l.startsWith("parallel groups")),
);
