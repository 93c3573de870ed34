/**
 * Skeleton-of-Thought (Ning et al. 2023, "Skeleton-of-Thought: Prompting LLMs for Efficient
 * Parallel Generation"): ask the model for a short skeleton of the answer, then have it
 * expand each point, and join the expansions. The paper sends the expansions in parallel
 * and reports up to 2.39× over normal generation. Here the operator is written as anyone
 * would write it first, one expansion after another; `jit()` traces it once and from then
 * on starts every expansion as soon as the skeleton is there.
 *
 *   npx tsx examples/papers/skeleton-of-thought.ts
 *
 * The model is simulated: a scripted model that writes a five-point skeleton and a sentence
 * or two per point, with a set latency (the paper's scale divided by 10, see `PAPER_SCALE`).
 */
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

export type SoTInput = { question: string };
export type SoTOutput = { answer: string; points: string[] };

const Skeleton = z.object({ points: z.array(z.string()) });

export class SkeletonOfThought extends Operator<SoTInput, SoTOutput> {
  readonly skeleton: LLMOperator<z.infer<typeof Skeleton>, "skeleton", string>;
  readonly expand: LLMOperator<string, "text", string>;

  constructor(models: ModelRegistry) {
    super();
    this.name = "sot";
    const skeletonPrompt: string =
      "Give only the skeleton of an answer: 3 to 10 points of 3 to 5 words each.\nQuestion: {question}";
    const expandPrompt: string =
      "Question: {question}\nSkeleton: {points}\nWrite point {index} ({point}) in one or two sentences, nothing else.";
    this.skeleton = new LLMOperator({
      name: "skeleton",
      model: models.get("sim:skeleton"),
      prompt: skeletonPrompt,
      outputKey: "skeleton",
      outputSchema: Skeleton,
      temperature: 0,
    });
    this.expand = new LLMOperator({
      name: "expand",
      model: models.get("sim:expand"),
      prompt: expandPrompt,
      outputKey: "text",
      temperature: 0,
    });
  }

  async forward(input: SoTInput, ctx: CallContext): Promise<SoTOutput> {
    const { skeleton } = await this.skeleton(input, { signal: ctx.signal });
    const parts: string[] = [];
    for (const [i, point] of skeleton.points.entries()) {
      const { text } = await this.expand(
        { question: input.question, points: skeleton.points, index: i + 1, point },
        { signal: ctx.signal },
      );
      parts.push(`${i + 1}. ${point}: ${text}`);
    }
    return { answer: parts.join("\n"), points: skeleton.points };
  }
}

/** Per-call latencies in ms. */
export interface SoTLatency {
  skeletonMs: number;
  expandMs: number;
}

/**
 * At the paper's scale: the skeleton 1.5 s (a long instruction, a short list), each of five
 * expansions 0.8 s. One after another that is 1.5 + 5 × 0.8 = 5.5 s; with the expansions at
 * once, 1.5 + 0.8 = 2.3 s: 2.39×, the paper's best figure. Divided by 10.
 */
export const PAPER_SCALE: SoTLatency = { skeletonMs: 150, expandMs: 80 };
const POINTS = 5;

export interface SoTTask {
  readonly operator: SkeletonOfThought;
  readonly provider: SimulatedProvider;
  input(i: number): SoTInput;
  readonly boundMs: number;
  readonly sequentialMs: number;
}

export function skeletonOfThought(latency: SoTLatency = PAPER_SCALE): SoTTask {
  const provider = new SimulatedProvider({
    modelLatency: { skeleton: latency.skeletonMs, expand: latency.expandMs },
    reply: scriptedReply,
  });
  return {
    operator: new SkeletonOfThought(new ModelRegistry().register("sim", provider)),
    provider,
    input: (i) => ({ question: questionFor(i) }),
    boundMs: latency.skeletonMs + latency.expandMs,
    sequentialMs: latency.skeletonMs + POINTS * latency.expandMs,
  };
}

const TOPICS = ["sleep", "focus", "public speaking", "writing", "memory", "running", "cooking"];
const ASKS = ["How can I improve my", "What helps with", "How do beginners get better at"];

/** The i-th question, all different for i < 21 · 3 (then they repeat with a number). */
function questionFor(i: number): string {
  const topic = TOPICS[i % TOPICS.length]!;
  const ask = ASKS[Math.floor(i / TOPICS.length) % ASKS.length]!;
  const round = Math.floor(i / (TOPICS.length * ASKS.length));
  return `${ask} ${topic}${round > 0 ? ` (take ${round + 1})` : ""}?`;
}

const STEPS = [
  "Set one clear goal",
  "Build a daily routine",
  "Start smaller than you think",
  "Measure your progress",
  "Learn from one expert",
  "Ask for feedback",
  "Remove one distraction",
  "Rest and review weekly",
];

/** The scripted model: five points for the question's topic, then a sentence or two per point. */
function scriptedReply(request: ChatRequest): string {
  const prompt = request.messages.map((m) => m.content).join("\n");
  const question = /Question: (.*)/.exec(prompt)?.[1] ?? "";
  const topic = TOPICS.find((t) => question.includes(t)) ?? "it";
  if (request.model === "skeleton") {
    // Five of the eight, a different five per topic, in order.
    const skip = TOPICS.indexOf(topic) % STEPS.length;
    const points = STEPS.filter((_, k) => (k - skip + STEPS.length) % STEPS.length < POINTS);
    return JSON.stringify({ points });
  }
  const point = /Write point \d+ \((.*)\)/.exec(prompt)?.[1] ?? "";
  return `For ${topic}, ${point.toLowerCase()}. Small, steady steps beat rare big efforts.`;
}

async function main(): Promise<void> {
  const { operator, input, boundMs, sequentialMs } = skeletonOfThought();
  const fast = jit(operator);
  // Warm both sides up first: the first jitted call runs as written, recording the calls,
  // and the first eager one pays for cold code; neither is timed.
  await operator(input(101));
  await fast(input(100));
  console.log("Skeleton-of-Thought (paper: up to 2.39× over normal generation)");
  for (const i of [0, 1]) {
    let started = performance.now();
    const eager = await operator(input(i));
    const eagerMs = performance.now() - started;
    started = performance.now();
    const jitted = await fast(input(i));
    const jitMs = performance.now() - started;
    const same = JSON.stringify(eager) === JSON.stringify(jitted);
    console.log(`\n  Q: ${input(i).question}   (same as eager: ${same ? "yes" : "NO"})`);
    console.log(jitted.answer.replace(/^/gm, "     "));
    console.log(
      `     eager ${eagerMs.toFixed(0)} ms (calls add up to ${sequentialMs} ms) · jit ${jitMs.toFixed(0)} ms (critical path ${boundMs} ms) · ${(eagerMs / jitMs).toFixed(2)}×`,
    );
  }
  console.log(`\n${fast.explain().plan}`);
}

// Runs when executed, not when imported (bench/anchors and the tests import the workload).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
