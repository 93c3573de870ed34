import { OptionError } from "../core/errors.js";
import type { CallContext } from "../operator/context.js";
import type { Effects } from "../operator/effects.js";
import { Operator } from "../operator/operator.js";
import { ModelOutputError } from "./errors.js";
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

export interface SelectorJudgeOptions extends JudgeOptions {
  /** @default "query" */
  queryKey?: string;
  /** @default "responses" */
  responsesKey?: string;
  /**
   * What to do when the model names no valid index (out of range, or not a number):
   * `"error"` throws a ModelOutputError with the raw reply; `"first"` picks candidate 0 and
   * sets `fallback: true`. @default "error"
   */
  onInvalidSelection?: "error" | "first";
  /** @default "selector_judge" */
  name?: string;
}

export interface SelectorJudgeOutput<T = unknown> {
  selected_index: number;
  /** The selected candidate itself, unchanged. */
  final_answer: T;
  reasoning: string;
  /** True when the model's choice was invalid and candidate 0 was taken instead. */
  fallback: boolean;
}

const INSTRUCTIONS =
  "You are given a question and numbered candidate answers. Choose the single best candidate.";

/**
 * Picks one of `responses` by index. The model answers `Selected: <index>`; an index outside
 * `0..n-1` is never used to read the list.
 *
 * @example
 * const pick = new SelectorJudgeOperator({ model: "sim:fast" });
 * await pick({ query: "2+2?", responses: ["5", "4"] }); // { selected_index: 1, final_answer: "4", … }
 */
export class SelectorJudgeOperator extends Operator<Record<string, unknown>, SelectorJudgeOutput> {
  override readonly effects: Effects = "stochastic";
  readonly model: ModelRef;
  readonly queryKey: string;
  readonly responsesKey: string;
  readonly onInvalidSelection: "error" | "first";
  private readonly options: JudgeOptions;

  constructor(options: SelectorJudgeOptions) {
    super();
    checkModel("SelectorJudgeOperator", options.model);
    checkSampling("SelectorJudgeOperator", options);
    const onInvalid = options.onInvalidSelection ?? "error";
    if (onInvalid !== "error" && onInvalid !== "first") {
      throw new OptionError("invalid_option", {
        where: "SelectorJudgeOperator",
        what: "onInvalidSelection is",
        got: onInvalid,
        valid: ["error", "first"],
      });
    }
    this.name = options.name ?? "selector_judge";
    this.model = options.model;
    this.queryKey = options.queryKey ?? "query";
    this.responsesKey = options.responsesKey ?? "responses";
    this.onInvalidSelection = onInvalid;
    this.options = { ...options };
  }

  async forward(input: Record<string, unknown>, ctx: CallContext): Promise<SelectorJudgeOutput> {
    const query = asText(readKey(input, this.queryKey, ctx.path));
    const candidates = readCandidates(input, this.responsesKey, ctx.path);
    const last = candidates.length - 1;
    const prompt = [
      this.options.instructions ?? INSTRUCTIONS,
      `Question: ${query}`,
      `Candidates:\n${formatCandidates(candidates)}`,
      `Reply in exactly this format:\nReasoning: <your reasoning>\nSelected: <a number from 0 to ${last}>`,
    ].join("\n\n");
    const text = await askModel(this.options, prompt, ctx);
    const lines = requireLines(text, ["Reasoning", "Selected"], ["Selected"], ctx.path);
    const reasoning = lines.get("Reasoning") ?? "";
    const digits = /-?\d+/.exec(lines.get("Selected") ?? "")?.[0];
    const index = digits === undefined ? Number.NaN : Number(digits);
    if (Number.isInteger(index) && index >= 0 && index <= last) {
      return { selected_index: index, final_answer: candidates[index], reasoning, fallback: false };
    }
    if (this.onInvalidSelection === "first") {
      return { selected_index: 0, final_answer: candidates[0], reasoning, fallback: true };
    }
    throw new ModelOutputError({
      path: ctx.path,
      rawText: text,
      detail: `selected ${digits ?? "no number"}, expected an index from 0 to ${last}`,
    });
  }
}
