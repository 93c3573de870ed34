/**
 * LLMCompiler (Kim et al. 2023, "An LLM Compiler for Parallel Function Calling") seen from
 * the other side: the ReAct-style agent written the plain way, one `await` after another,
 * and `jit()` finding the parallel function calls that LLMCompiler's planner writes out.
 *
 *   npx tsx examples/papers/llmcompiler.ts
 *
 * Two of the paper's tasks. HotpotQA comparison questions ("Which magazine was started
 * first, A or B?"): two independent Wikipedia look-ups, then a comparison; the paper reports
 * 1.80× over ReAct. Movie Recommendation: eight independent look-ups (four liked movies and
 * four options), then a pick; 3.74×. For each subject the agent asks the model which page
 * to search (a ReAct thought and action), then searches; none of those steps needs another
 * subject's result, and the trace strategy sees that on the first call.
 *
 * One simplification, stated: the subjects come with the question (a comparison question
 * names both, a recommendation question lists its movies), and a step's thought reads only
 * the question and its subject, as the steps of LLMCompiler's plan do. A ReAct prompt that
 * also fed every earlier observation into the next thought would make each step depend on
 * the one before, and then there is nothing to run at once, for a JIT or anyone.
 *
 * The model and Wikipedia are simulated (no key, no network): a scripted model that answers
 * in the reply format it is asked for, and a pure search operator over a small corpus, both
 * with a set latency: per-call times at the paper's scale in seconds, divided by 25 (see
 * `PAPER_SCALE` for how they were chosen).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import {
  type CallContext,
  type ChatRequest,
  jit,
  LLMOperator,
  ModelRegistry,
  Operator,
  SimulatedProvider,
} from "ember-xcs";
import { z } from "zod";
import {
  MAGAZINES,
  MOVIES,
  type Movie,
  magazineQuestion,
  movieQuestion,
} from "./llmcompiler-data.js";

export interface ReActInput {
  question: string;
  /** What the question is about: the entities to compare, or the movies it names. */
  subjects: string[];
}

export interface ReActOutput {
  answer: string;
  observations: string[];
}

const Action = z.object({ thought: z.string(), query: z.string() });
const Final = z.object({ thought: z.string(), answer: z.string() });

/** A read-only Wikipedia search: pure, so the JIT may start it as soon as its query exists. */
export class WikiSearch extends Operator<{ query: string }, { observation: string }> {
  override readonly effects = "pure";

  constructor(
    private readonly pages: ReadonlyMap<string, string>,
    /** Simulated network time of one search. */
    readonly latencyMs: number,
  ) {
    super();
    this.name = "search";
  }

  async forward(input: { query: string }, ctx: CallContext) {
    await sleep(this.latencyMs, undefined, { signal: ctx.signal });
    const page = this.pages.get(input.query);
    return { observation: page ?? `Could not find [${input.query}].` };
  }
}

/**
 * The agent as it would be written without a JIT: for each subject a thought (the model
 * names the page to search), the search, the observation noted; then the final answer
 * from all observations.
 */
export class ReActAgent extends Operator<ReActInput, ReActOutput> {
  readonly thought: LLMOperator<z.infer<typeof Action>, "action">;
  readonly search: WikiSearch;
  readonly finish: LLMOperator<z.infer<typeof Final>, "final">;

  constructor(options: { models: ModelRegistry; search: WikiSearch; task: string }) {
    super();
    this.name = "react";
    // Typed as plain strings: the task's wording is part of each prompt.
    const thoughtPrompt: string = `${options.task}\nQuestion: {question}\nSubject to look up next: {subject}\nThought: which Wikipedia page should be searched for it?`;
    const finishPrompt: string = `${options.task}\nQuestion: {question}\nObservations: {observations}\nThought: answer the question from the observations.`;
    this.thought = new LLMOperator({
      name: "thought",
      model: options.models.get("sim:thought"),
      prompt: thoughtPrompt,
      outputKey: "action",
      outputSchema: Action,
      temperature: 0,
    });
    this.search = options.search;
    this.finish = new LLMOperator({
      name: "finish",
      model: options.models.get("sim:finish"),
      prompt: finishPrompt,
      outputKey: "final",
      outputSchema: Final,
      temperature: 0,
    });
  }

  async forward(input: ReActInput, ctx: CallContext): Promise<ReActOutput> {
    const observations: string[] = [];
    for (const subject of input.subjects) {
      const { action } = await this.thought(
        { question: input.question, subject },
        { signal: ctx.signal },
      );
      const { observation } = await this.search({ query: action.query }, { signal: ctx.signal });
      observations.push(observation);
    }
    const { final } = await this.finish(
      { question: input.question, observations },
      { signal: ctx.signal },
    );
    return { answer: final.answer, observations };
  }
}

/** Per-call latencies in ms. */
export interface ReActLatency {
  thoughtMs: number;
  searchMs: number;
  finishMs: number;
}

/**
 * Our assumption, at the paper's scale (GPT-3.5-class model, Wikipedia over the network):
 * one ReAct step (thought and action) takes 0.78 s; the search and final-answer times are
 * then set so that the sequential loop and its critical path (all thoughts at once, each
 * search after its thought, then the answer: the shape of LLMCompiler's planner, parallel
 * executor and joiner) stand in the paper's ratio: HotpotQA 2 × (0.78 + 2.39) + 0.78 = 7.12 s
 * against 0.78 + 2.39 + 0.78 = 3.95 s (1.80×); Movie 8 × (0.78 + 1.36) + 3.33 = 20.47 s
 * against 0.78 + 1.36 + 3.33 = 5.47 s (3.74×). Divided by 25 and rounded to whole ms.
 */
export const PAPER_SCALE: { hotpotqa: ReActLatency; movie: ReActLatency } = {
  hotpotqa: { thoughtMs: 31, searchMs: 96, finishMs: 31 },
  movie: { thoughtMs: 31, searchMs: 54, finishMs: 133 },
};

/** A task: the agent, its simulated model, the i-th question, and the critical-path bound. */
export interface ReActTask {
  readonly agent: ReActAgent;
  readonly provider: SimulatedProvider;
  input(i: number): ReActInput;
  readonly boundMs: number;
  readonly sequentialMs: number;
}

export function hotpotQA(latency: ReActLatency = PAPER_SCALE.hotpotqa): ReActTask {
  const pages = new Map(
    MAGAZINES.map((m) => [
      `${m.name} (magazine)`,
      `${m.name} is an American magazine, first published in ${m.year}.`,
    ]),
  );
  return task(latency, pages, "Compare two magazines by their founding year.", magazineQuestion, 2);
}

export function movieRecommendation(latency: ReActLatency = PAPER_SCALE.movie): ReActTask {
  const pages = new Map(
    MOVIES.map((m: Movie) => [
      `${m.title} (film)`,
      `${m.title} is a ${m.year} film. Genres: ${m.genres.join(", ")}.`,
    ]),
  );
  return task(
    latency,
    pages,
    "Recommend the option most similar to the movies the user liked.",
    movieQuestion,
    8,
  );
}

function task(
  latency: ReActLatency,
  pages: Map<string, string>,
  wording: string,
  question: (i: number) => ReActInput,
  subjects: number,
): ReActTask {
  const provider = new SimulatedProvider({
    modelLatency: { thought: latency.thoughtMs, finish: latency.finishMs },
    reply: scriptedReply,
  });
  const models = new ModelRegistry().register("sim", provider);
  const search = new WikiSearch(pages, latency.searchMs);
  const step = latency.thoughtMs + latency.searchMs;
  return {
    agent: new ReActAgent({ models, search, task: wording }),
    provider,
    input: question,
    boundMs: step + latency.finishMs,
    sequentialMs: subjects * step + latency.finishMs,
  };
}

/**
 * The simulated model's side of the conversation: a thought names the subject's page; the
 * final answer compares founding years, or counts the genres each option shares with the
 * liked movies. It reads only what the prompt carries, as a real model would.
 */
function scriptedReply(request: ChatRequest): string {
  const prompt = request.messages.map((m) => m.content).join("\n");
  if (request.model === "thought") {
    const subject = /Subject to look up next: (.*)/.exec(prompt)?.[1] ?? "";
    const query = prompt.includes("magazine") ? `${subject} (magazine)` : `${subject} (film)`;
    return JSON.stringify({ thought: `I need to search ${subject}.`, query });
  }
  const observations = JSON.parse(/Observations: (\[.*\])/.exec(prompt)?.[1] ?? "[]") as string[];
  return JSON.stringify(
    prompt.includes("magazine") ? compareYears(observations) : pickMovie(observations),
  );
}

function compareYears(observations: string[]): { thought: string; answer: string } {
  const found = observations.map((o) => ({
    name: /^(.*) is an American magazine/.exec(o)?.[1] ?? "?",
    year: Number(/first published in (\d+)/.exec(o)?.[1] ?? Number.NaN),
  }));
  const [a, b] = found;
  if (!a || !b) return { thought: "Not enough observations.", answer: "unknown" };
  const first = a.year <= b.year ? a : b;
  return { thought: `${a.year} (${a.name}) vs ${b.year} (${b.name}).`, answer: first.name };
}

function pickMovie(observations: string[]): { thought: string; answer: string } {
  const films = observations.map((o) => ({
    title: /^(.*) is a \d+ film/.exec(o)?.[1] ?? "?",
    genres: (/Genres: (.*)\.$/.exec(o)?.[1] ?? "").split(", "),
  }));
  const liked = new Set(films.slice(0, 4).flatMap((f) => f.genres));
  const scored = films.slice(4).map((f) => ({
    title: f.title,
    shared: f.genres.filter((g) => liked.has(g)).length,
  }));
  const best = scored.reduce((x, y) => (y.shared > x.shared ? y : x));
  return { thought: `${best.title} shares ${best.shared} genres.`, answer: best.title };
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

async function main(): Promise<void> {
  for (const [label, make] of [
    ["HotpotQA (paper: 1.80× over ReAct)", hotpotQA],
    ["Movie Recommendation (paper: 3.74× over ReAct)", movieRecommendation],
  ] as const) {
    const { agent, input, boundMs, sequentialMs } = make();
    const fast = jit(agent);
    // Warm both sides up first: the first jitted call runs as written, recording the calls,
    // and the first eager one pays for cold code; neither is timed.
    await agent(input(101));
    await fast(input(100));
    console.log(`\n${label}`);
    for (const i of make === hotpotQA ? [0, 1] : [0]) {
      const eager = await timed(() => agent(input(i)));
      const jitted = await timed(() => fast(input(i)));
      const same = JSON.stringify(eager.value) === JSON.stringify(jitted.value);
      console.log(`  Q: ${input(i).question}`);
      console.log(`  A: ${jitted.value.answer}   (same as eager: ${same ? "yes" : "NO"})`);
      console.log(
        `     eager ${eager.ms.toFixed(0)} ms (calls add up to ${sequentialMs} ms) · jit ${jitted.ms.toFixed(0)} ms (critical path ${boundMs} ms) · ${(eager.ms / jitted.ms).toFixed(2)}×`,
      );
    }
    console.log(`\n${fast.explain().plan}`);
  }
}

// Runs when executed, not when imported (bench/anchors and the tests import the workload).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
