/**
 * ember-xcs quickstart: a compound pipeline run eagerly and jitted on fresh inputs.
 * Uses the simulated model unless OPENAI_API_KEY / OPENAI_BASE_URL point at a real one.
 * Both sides are warmed up on a question of their own before the timed runs, so the speedup
 * printed is the JIT's, not a lazy import's or a first connection's.
 * Every call is recorded; the run's timeline is written to ./quickstart-timeline.html.
 *
 *   npm start
 */
import {
  type CallContext,
  defaultModelId,
  getJitStats,
  jit,
  LLMOperator,
  MapOperator,
  MostCommonOperator,
  models,
  Operator,
  RunRecorder,
  SequenceOperator,
  SimulatedProvider,
  UniformEnsemble,
  withObserver,
  writeTimeline,
} from "ember-xcs";

const model = defaultModelId();
// Sees every operator call below: the timeline written at the end is drawn from it.
const recorder = new RunRecorder({ label: "npm start" });
const simulated = model.startsWith("sim:");

/** A fresh simulated provider per side, same seed: eager and jitted see the same samples. */
function freshModel(): void {
  if (simulated)
    models.register("sim", new SimulatedProvider({ seed: 7, latency: { medianMs: 60, sigma: 0 } }));
}

// Three independent steps, each reading only `question` (their prompts declare it), then an
// ensemble of five samples that reads all three, then a vote.
const ask = (outputKey: string, prompt: string) =>
  new LLMOperator({ model, prompt, outputKey, temperature: 0, maxTokens: 60 });

const pipeline = new SequenceOperator({
  name: "qa",
  operators: [
    ask("facts", "List the key facts needed to answer: {question}"),
    ask("angle", "Suggest an unusual angle on: {question}"),
    ask("risks", "What could go wrong when answering: {question}"),
    new UniformEnsemble({
      count: 5,
      model,
      temperature: 0.7,
      maxTokens: 40,
      prompt:
        "Question: {question}\nFacts: {facts}\nAngle: {angle}\nRisks: {risks}\nAnswer briefly.",
    }),
    // Samples word their answers differently; the vote is on each one's first clause.
    new MapOperator({
      name: "lead_clause",
      inputKey: "responses",
      outputKey: "responses",
      fn: (rs: string[]) => rs.map((r) => r.split(/[.;:\n]/)[0]!.trim()),
    }),
    new MostCommonOperator(),
  ],
});

const questions = [
  "Why is the sky blue?",
  "How do vaccines train the immune system?",
  "What limits the speed of a CPU?",
];

/** Not one of the timed questions: it pays the first call's costs, outside the timing. */
const warmUpQuestion = "What makes bread rise?";

async function runAll(run: (input: { question: string }) => Promise<unknown>) {
  await run({ question: warmUpQuestion });
  const started = performance.now();
  const outputs = [];
  for (const question of questions) {
    outputs.push(await withObserver(recorder, () => run({ question })));
  }
  return { outputs, ms: performance.now() - started };
}

console.log(
  `model: ${models.get(model).label}${simulated ? " — simulated, no API key needed" : ""}`,
);

freshModel();
const eager = await runAll((input) => pipeline(input));
freshModel();
const fast = jit(pipeline);
const jitted = await runAll((input) => fast(input));

const same = JSON.stringify(eager.outputs) === JSON.stringify(jitted.outputs);
for (const [i, q] of questions.entries()) {
  const answer = (jitted.outputs[i] as { final_answer: string }).final_answer;
  console.log(`\n${q}\n  vote: ${answer}`);
}
console.log(`\nresults identical to eager: ${same ? "yes" : "no (a real model samples anew)"}`);
console.log(
  `eager  ${eager.ms.toFixed(0)} ms for ${questions.length} questions (each side warmed up first)`,
);
console.log(`jitted ${jitted.ms.toFixed(0)} ms  (${(eager.ms / jitted.ms).toFixed(2)}× faster)`);

const stats = getJitStats(fast);
console.log(
  `\njit stats: strategy ${stats.strategy}, compilations ${stats.compilations}, cache hits ${stats.cacheHits}, executions ${stats.executions}`,
);
console.log(`\n${fast.explain().text}`);

// Part two: a custom operator written the natural way, one await after another. The
// trace strategy records its calls once, then starts the independent ones together while
// forward still runs for real; forward takes a started call only when its input matches.
class Brief extends Operator<{ topic: string }, { brief: string }> {
  readonly summary = ask("summary", "Summarize: {topic}");
  readonly counter = ask("counter", "Give the strongest counterargument about: {topic}");
  readonly example = ask("example", "Give one concrete example of: {topic}");

  async forward(input: { topic: string }, ctx: CallContext) {
    const s = await this.summary(input, { signal: ctx.signal });
    const c = await this.counter(input, { signal: ctx.signal });
    const e = await this.example(input, { signal: ctx.signal });
    return { brief: [s.summary, c.counter, e.example].join(" / ") };
  }
}

const brief = new Brief();
const topics = ["tides", "compilers", "photosynthesis", "bridges"];
freshModel();
const briefEager = await runAllTopics((input) => brief(input));
freshModel();
const briefFast = jit(brief);
const briefJitted = await runAllTopics((input) => briefFast(input));
const briefStats = getJitStats(briefFast);
console.log(`\ncustom operator ${brief.name}: three awaits in turn, ${topics.length} fresh topics`);
console.log(
  `  results identical to eager: ${JSON.stringify(briefEager.outputs) === JSON.stringify(briefJitted.outputs) ? "yes" : "no"}`,
);
console.log(`  eager  ${briefEager.ms.toFixed(0)} ms`);
console.log(
  `  jitted ${briefJitted.ms.toFixed(0)} ms  (${(briefEager.ms / briefJitted.ms).toFixed(2)}× faster; traced on the warm-up call)`,
);
console.log(
  `  strategy ${briefStats.strategy}, speculation hits ${briefStats.speculationHits}, misses ${briefStats.speculationMisses}, compilations ${briefStats.compilations}`,
);
console.log(`\n${briefFast.explain().plan}`);

const run = recorder.finish();
const timeline = writeTimeline(run, "quickstart-timeline.html");
console.log(
  `\ntimeline: ${timeline}\n  ${run.calls.length} calls, wall ${run.wallMs.toFixed(0)} ms, bound ${run.boundMs.toFixed(0)} ms (open it in a browser)`,
);

async function runAllTopics(run: (input: { topic: string }) => Promise<unknown>) {
  // The jitted side's warm-up is also its trace: the timed calls all run from the plan.
  await run({ topic: "rivers" });
  const started = performance.now();
  const outputs = [];
  for (const topic of topics) outputs.push(await withObserver(recorder, () => run({ topic })));
  return { outputs, ms: performance.now() - started };
}
