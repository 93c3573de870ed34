import type { CallContext } from "../operator/context.js";
import type { Effects } from "../operator/effects.js";
import { Operator } from "../operator/operator.js";
import { ModelOutputError } from "./errors.js";
import { askModel, asText, type JudgeOptions, readKey, requireLines } from "./judge-common.js";
import { checkModel, checkSampling } from "./options.js";
import type { ModelRef } from "./registry.js";

export interface LLMVerifierOptions extends JudgeOptions {
  /** @default "query" */
  queryKey?: string;
  /** @default "answer" */
  answerKey?: string;
  /** @default "llm_verifier" */
  name?: string;
}

export interface LLMVerifierOutput {
  verdict: "correct" | "incorrect";
  /** `verdict === "correct"`, for branching. */
  passed: boolean;
  explanation: string;
  /** The model's corrected answer; the original answer when it gave none. */
  revised_answer: string;
}

const INSTRUCTIONS =
  "You check an answer to a question. Decide whether it is correct, explain why, and give a corrected answer if it is not.";

/**
 * Asks a model to check `{ query, answer }` and parses its `Verdict:`, `Explanation:` and
 * `Revised Answer:` lines. A verdict other than correct / incorrect is a `ModelOutputError`
 * with the raw reply. (For rule-based checks without a model, see `VerifierOperator`.)
 *
 * @example
 * const check = new LLMVerifierOperator({ model: "sim:fast" });
 * await check({ query: "2+2?", answer: "5" }); // { verdict: "incorrect", passed: false, … }
 */
export class LLMVerifierOperator extends Operator<Record<string, unknown>, LLMVerifierOutput> {
  override readonly effects: Effects = "stochastic";
  readonly model: ModelRef;
  readonly queryKey: string;
  readonly answerKey: string;
  private readonly options: JudgeOptions;

  constructor(options: LLMVerifierOptions) {
    super();
    checkModel("LLMVerifierOperator", options.model);
    checkSampling("LLMVerifierOperator", options);
    this.name = options.name ?? "llm_verifier";
    this.model = options.model;
    this.queryKey = options.queryKey ?? "query";
    this.answerKey = options.answerKey ?? "answer";
    this.options = { ...options };
  }

  async forward(input: Record<string, unknown>, ctx: CallContext): Promise<LLMVerifierOutput> {
    const query = asText(readKey(input, this.queryKey, ctx.path));
    const answer = asText(readKey(input, this.answerKey, ctx.path));
    const prompt = [
      this.options.instructions ?? INSTRUCTIONS,
      `Question: ${query}`,
      `Answer: ${answer}`,
      "Reply in exactly this format:\nVerdict: <correct or incorrect>\nExplanation: <why>\nRevised Answer: <the corrected answer, or the original answer if it is correct>",
    ].join("\n\n");
    const text = await askModel(this.options, prompt, ctx);
    const labels = ["Verdict", "Explanation", "Revised Answer"];
    const lines = requireLines(text, labels, ["Verdict"], ctx.path);
    const word = /^[^a-z]*([a-z]+)/i.exec(lines.get("Verdict") ?? "")?.[1]?.toLowerCase();
    if (word !== "correct" && word !== "incorrect") {
      throw new ModelOutputError({
        path: ctx.path,
        rawText: text,
        detail: `verdict ${JSON.stringify(lines.get("Verdict"))} is neither "correct" nor "incorrect"`,
      });
    }
    return {
      verdict: word,
      passed: word === "correct",
      explanation: lines.get("Explanation") ?? "",
      revised_answer: lines.get("Revised Answer") || answer,
    };
  }
}
