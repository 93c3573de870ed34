import { z } from "zod";
import type { CallContext } from "../operator/context.js";
import type { Effects } from "../operator/effects.js";
import { Operator } from "../operator/operator.js";
import { checkModel, checkSampling, checkString } from "./options.js";
import { type ModelRef, resolveModel } from "./registry.js";
import { jsonInstruction, parseStructured, responseSchemaFor } from "./structured.js";
import { fillTemplate, templateKeys } from "./template.js";
import type { ChatMessage, ResponseSchema } from "./types.js";

/** What LLM operators take: an object whose keys fill the prompt's `{placeholders}`. */
export type LLMInput = Record<string, unknown>;

export interface LLMOperatorOptions<T, K extends string> {
  /** A model id (`"openai:gpt-4o-mini"`, `"sim:fast"`) looked up in `models` at call time, or a Model. */
  model: ModelRef;
  /** The user message, with `{key}` placeholders filled from the input (`{{` for a literal brace). */
  prompt: string;
  /** An optional system message (a template too). */
  system?: string;
  /** Omitted: the provider's default. 0 makes the simulated provider deterministic. */
  temperature?: number;
  maxTokens?: number;
  /** @default "response" */
  outputKey?: K;
  /** Ask for JSON matching this schema; the reply is parsed and validated against it. */
  outputSchema?: z.ZodType<T>;
  /** @default "llm" */
  name?: string;
}

/**
 * One model call. The prompt template is filled from the input (a missing key is a
 * `ValidationError` before anything is sent), the reply is returned under `outputKey`, parsed
 * and validated first when there is an `outputSchema`. Effects: stochastic, so the JIT may
 * start it early but never shares one reply between two calls.
 *
 * @example
 * const ask = new LLMOperator({ model: "sim:fast", prompt: "Q: {question}\nA:", temperature: 0 });
 * await ask({ question: "2+2?" }); // { response: "…" }
 *
 * const rate = new LLMOperator({ model: "openai:gpt-4o-mini", prompt: "Rate: {text}",
 *   outputKey: "rating", outputSchema: z.object({ score: z.number().int().min(1).max(5) }) });
 * await rate({ text: "great" }); // { rating: { score: 5 } }
 */
export class LLMOperator<T = string, K extends string = "response"> extends Operator<
  LLMInput,
  { [P in K]: T }
> {
  override readonly effects: Effects = "stochastic";
  readonly model: ModelRef;
  readonly prompt: string;
  readonly system: string | undefined;
  readonly temperature: number | undefined;
  readonly maxTokens: number | undefined;
  readonly outputKey: K;
  readonly outputSchema: z.ZodType<T> | undefined;
  private readonly responseSchema: ResponseSchema | undefined;

  constructor(options: LLMOperatorOptions<T, K>) {
    super();
    checkModel("LLMOperator", options.model);
    checkString("LLMOperator", "prompt", options.prompt, true);
    checkString("LLMOperator", "outputKey", options.outputKey, false);
    checkSampling("LLMOperator", options);
    this.name = options.name ?? "llm";
    this.model = options.model;
    this.prompt = options.prompt;
    this.system = options.system;
    this.temperature = options.temperature;
    this.maxTokens = options.maxTokens;
    this.outputKey = options.outputKey ?? ("response" as K);
    this.outputSchema = options.outputSchema;
    this.responseSchema = options.outputSchema
      ? responseSchemaFor(options.outputSchema, this.outputKey)
      : undefined;
    // Declared keys let the JIT prove which steps are independent; values stay unchecked here
    // (a missing key gets the clearer missing_template_key error from the template).
    const reads = [...templateKeys(this.prompt), ...templateKeys(this.system ?? "")];
    const topKeys = [...new Set(reads.map((key) => key.split(".")[0] ?? key))];
    this.specification = {
      input: z.object(Object.fromEntries(topKeys.map((key) => [key, z.unknown().optional()]))),
      output: z.object({ [this.outputKey]: z.unknown() }),
    };
  }

  async forward(input: LLMInput, ctx: CallContext): Promise<{ [P in K]: T }> {
    const messages: ChatMessage[] = [];
    if (this.system !== undefined) {
      messages.push({ role: "system", content: fillTemplate(this.system, input, ctx.path) });
    }
    let prompt = fillTemplate(this.prompt, input, ctx.path);
    if (this.responseSchema) prompt += jsonInstruction(this.responseSchema);
    messages.push({ role: "user", content: prompt });
    const reply = await resolveModel(this.model).complete(
      {
        messages,
        temperature: this.temperature,
        maxTokens: this.maxTokens,
        responseSchema: this.responseSchema,
      },
      ctx,
    );
    const value = this.outputSchema
      ? parseStructured(reply.text, this.outputSchema, ctx.path)
      : (reply.text as T);
    return { [this.outputKey]: value } as { [P in K]: T };
  }
}
