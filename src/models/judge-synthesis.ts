import type { CallContext } from "../operator/context.js";
import type { Effects } from "../operator/effects.js";
import { Operator } from "../operator/operator.js";
import {
  askModel,
  asText,
  formatCandidates,
  type JudgeOptions,
  readCandidates,
  readKey,
  requireLines,
} from "./judge-common.js";
import { checkModel, checkSampling } from "./options.js";
import type { ModelRef } from "./registry.js";

export interface JudgeSynthesisOptions extends JudgeOptions {
  /** @default "query" */
  queryKey?: string;
  /** @default "responses" */
  responsesKey?: string;
  /** @default "judge_synthesis" */
  name?: string;
}

export interface JudgeSynthesisOutput {
  reasoning: string;
  final_answer: string;
}

const INSTRUCTIONS =
  "You are given a question and several candidate answers. Weigh their agreements and disagreements, then write the best final answer.";

/**
 * Reads `{ query, responses }`, asks the model to reason over the candidates, and parses its
 * `Reasoning:` and `Final Answer:` lines (multi-line values kept whole). A reply without a
 * `Final Answer:` line is a `ModelOutputError` carrying the raw text.
 *
 * @example
 * const judge = new JudgeSynthesisOperator({ model: "sim:fast" });
 * await judge({ query: "2+2?", responses: ["4", "four", "5"] }); // { reasoning: "…", final_answer: "…" }
 */
export class JudgeSynthesisOperator extends Operator<
  Record<string, unknown>,
  JudgeSynthesisOutput
> {
  override readonly effects: Effects = "stochastic";
  readonly model: ModelRef;
  readonly queryKey: string;
  readonly responsesKey: string;
  private readonly options: JudgeOptions;

  constructor(options: JudgeSynthesisOptions) {
    super();
    checkModel("JudgeSynthesisOperator", options.model);
    checkSampling("JudgeSynthesisOperator", options);
    this.name = options.name ?? "judge_synthesis";
    this.model = options.model;
    this.queryKey = options.queryKey ?? "query";
    this.responsesKey = options.responsesKey ?? "responses";
    this.options = { ...options };
  }

  async forward(input: Record<string, unknown>, ctx: CallContext): Promise<JudgeSynthesisOutput> {
    const query = asText(readKey(input, this.queryKey, ctx.path));
    const candidates = readCandidates(input, this.responsesKey, ctx.path);
    const prompt = [
      this.options.instructions ?? INSTRUCTIONS,
      `Question: ${query}`,
      `Candidate answers:\n${formatCandidates(candidates)}`,
      "Reply in exactly this format:\nReasoning: <your reasoning>\nFinal Answer: <the final answer>",
    ].join("\n\n");
    const text = await askModel(this.options, prompt, ctx);
    const lines = requireLines(text, ["Reasoning", "Final Answer"], ["Final Answer"], ctx.path);
    return {
      reasoning: lines.get("Reasoning") ?? "",
      final_answer: lines.get("Final Answer") ?? "",
    };
  }
}
