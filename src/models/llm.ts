import { z } from "zod";
import type { CallContext, CallOptions } from "../operator/context.js";
import type { Effects } from "../operator/effects.js";
import { type AnyOperator, Operator } from "../operator/operator.js";
import {
  checkConversation,
  conversationKeys,
  fillConversation,
  type MessageTemplate,
} from "./messages.js";
import { sendRequest } from "./model.js";
import { checkModel, checkSampling, checkString } from "./options.js";
import { type ModelRef, resolveModel } from "./registry.js";
import { jsonInstruction, parseStructured, responseSchemaFor } from "./structured.js";
import type { TemplateInput } from "./template.js";
import { TemplateReads } from "./template-check.js";
import type { ModelRequest, ResponseSchema } from "./types.js";

/** What LLM operators take: an object whose keys fill the prompt's `{placeholders}`. */
export type LLMInput = Record<string, unknown>;

/**
 * `P` collects the template literals (prompt, system, message contents), so that the input
 * type names the keys they read: a missing key is a type error where TypeScript can see it.
 */
export interface LLMOperatorOptions<T, K extends string, P extends string = string> {
  /** A model id (`"openai:gpt-4o-mini"`, `"sim:fast"`) looked up in `models` at call time, or a Model. */
  model: ModelRef;
  /**
   * The user message, with `{key}` placeholders filled from the input (`{{` for a literal
   * brace). Sent after `messages`; one of the two is required.
   */
  prompt?: P;
  /** An optional system message (a template too), sent first. */
  system?: P;
  /** A multi-turn history (contents are templates), sent before `prompt`. */
  messages?: readonly MessageTemplate<P>[];
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
export class LLMOperator<
  T = string,
  K extends string = "response",
  P extends string = string,
> extends Operator<TemplateInput<P>, { [Q in K]: T }> {
  override readonly effects: Effects = "stochastic";
  readonly model: ModelRef;
  readonly prompt: string | undefined;
  readonly system: string | undefined;
  readonly messages: readonly MessageTemplate[];
  readonly temperature: number | undefined;
  readonly maxTokens: number | undefined;
  readonly outputKey: K;
  readonly outputSchema: z.ZodType<T> | undefined;
  private readonly responseSchema: ResponseSchema | undefined;
  /** The keys the templates read, checked on the input as the caller passed it. */
  private readonly reads: TemplateReads;

  constructor(options: LLMOperatorOptions<T, K, P>) {
    super();
    checkModel("LLMOperator", options.model);
    checkConversation("LLMOperator", options);
    checkString("LLMOperator", "outputKey", options.outputKey, false);
    checkSampling("LLMOperator", options);
    this.name = options.name ?? "llm";
    this.model = options.model;
    this.prompt = options.prompt;
    this.system = options.system;
    this.messages = options.messages ? [...options.messages] : [];
    this.temperature = options.temperature;
    this.maxTokens = options.maxTokens;
    this.outputKey = options.outputKey ?? ("response" as K);
    this.outputSchema = options.outputSchema;
    this.responseSchema = options.outputSchema
      ? responseSchemaFor(options.outputSchema, this.outputKey)
      : undefined;
    // Declared keys let the JIT prove which steps are independent; values stay unchecked here
    // (a missing key gets the clearer missing_template_key error from the template).
    this.reads = new TemplateReads(conversationKeys(this));
    const reads = conversationKeys(this);
    const topKeys = [...new Set(reads.map((key) => key.split(".")[0] ?? key))];
    this.specification = {
      input: z.object(Object.fromEntries(topKeys.map((key) => [key, z.unknown().optional()]))),
      output: z.object({ [this.outputKey]: z.unknown() }),
    };
  }

  // Checked before the specification strips the keys it does not declare, so the error lists
  // the keys the caller passed and a near miss shows (`ctx` for `{context}`), as a spec
  // failure would: before a slot is taken. A call a worker runs is checked there instead,
  // on the input it is sent.
  protected override execute(
    input: TemplateInput<P>,
    path: string,
    parent: CallContext | undefined,
    options: CallOptions | undefined,
  ): Promise<{ [Q in K]: T }> {
    return this.reads.guard(this as unknown as AnyOperator, input, path, parent, options, () =>
      super.execute(input, path, parent, options),
    );
  }

  async forward(input: TemplateInput<P>, ctx: CallContext): Promise<{ [Q in K]: T }> {
    const suffix = this.responseSchema ? jsonInstruction(this.responseSchema) : "";
    const request: ModelRequest = {
      messages: fillConversation(this, input, ctx.path, suffix),
      temperature: this.temperature,
      maxTokens: this.maxTokens,
      responseSchema: this.responseSchema,
    };
    const reply = await sendRequest(resolveModel(this.model), request, ctx);
    const value = this.outputSchema
      ? parseStructured(reply.text, this.outputSchema, ctx.path)
      : (reply.text as T);
    return { [this.outputKey]: value } as { [Q in K]: T };
  }
}
