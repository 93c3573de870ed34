import { z } from "zod";
import { allOrAbort } from "../core/cancel.js";
import { OperatorError, OptionError } from "../core/errors.js";
import type { CallContext, CallOptions } from "../operator/context.js";
import type { Effects } from "../operator/effects.js";
import { type AnyOperator, callOperator, Operator } from "../operator/operator.js";
import {
  checkConversation,
  conversationKeys,
  fillConversation,
  type MessageTemplate,
} from "./messages.js";
import { type Completion, sendRequest } from "./model.js";
import { checkModel, checkPositiveInteger, checkSampling } from "./options.js";
import { type ModelRef, resolveModel } from "./registry.js";
import type { TemplateInput } from "./template.js";
import { TemplateReads } from "./template-check.js";
import {
  type Tool,
  type ToolCallInput,
  type ToolCallOutput,
  ToolOperator,
  toolFailure,
} from "./tools.js";
import type { ChatMessage, ToolCall, ToolSchema } from "./types.js";

export interface ToolLoopOptions<K extends string, P extends string = string> {
  /** A model id or a Model, as for `LLMOperator`. */
  model: ModelRef;
  /** The tools the model may call (made with `tool()`); names must be distinct. */
  // biome-ignore lint/suspicious/noExplicitAny: a tool's argument type is contravariant in execute; any tool fits here.
  tools: readonly Tool<any, unknown>[];
  /** The task, a template filled from the input; sent after `messages`. */
  prompt?: P;
  system?: P;
  messages?: readonly MessageTemplate<P>[];
  /**
   * Model turns at most. A model that still asks for tools on the last turn fails the call
   * with a `max_steps_exceeded` error instead of looping on. @default 8
   */
  maxSteps?: number;
  /**
   * A tool that throws (or gets arguments that do not match its parameters): `"return"` sends
   * the error text back to the model as the tool's result, so it can recover; `"throw"` fails
   * the call with a `tool_failed` error (aborting the other tools of that turn).
   * @default "return"
   */
  onToolError?: "return" | "throw";
  temperature?: number;
  maxTokens?: number;
  /** @default "response" */
  outputKey?: K;
  /** @default "agent" */
  name?: string;
}

/** What the loop returns: the final answer, the whole conversation, and how many turns it took. */
export type ToolLoopOutput<K extends string> = { [Q in K]: string } & {
  /** Every message, tool calls and results included: continue a conversation from it. */
  readonly messages: readonly ChatMessage[];
  /** Model turns made. */
  readonly steps: number;
};

/** One model turn, as an operator call (it holds a budget slot and observers see it). */
class ModelTurn extends Operator<{ messages: readonly ChatMessage[] }, Completion> {
  override readonly effects: Effects = "stochastic";
  constructor(
    private readonly owner: {
      model: ModelRef;
      schemas: readonly ToolSchema[];
      temperature: number | undefined;
      maxTokens: number | undefined;
    },
  ) {
    super();
    this.name = "model";
  }

  forward(input: { messages: readonly ChatMessage[] }, ctx: CallContext): Promise<Completion> {
    return sendRequest(
      resolveModel(this.owner.model),
      {
        messages: input.messages,
        tools: this.owner.schemas,
        temperature: this.owner.temperature,
        maxTokens: this.owner.maxTokens,
      },
      ctx,
    );
  }
}

/**
 * An agent: the model answers, or asks for tools; the tools it asks for in one turn run
 * concurrently (each as an operator call, under the global concurrency budget), their results
 * go back in the order the model listed the calls, and the model goes on, until it answers
 * without tools or `maxSteps` turns are spent.
 *
 * @example
 * const agent = new ToolLoopOperator({
 *   model: "sim:fast",
 *   tools: [weather],
 *   prompt: "What should I wear in {city} today?",
 * });
 * const { response, steps } = await agent({ city: "Paris" });
 */
export class ToolLoopOperator<
  K extends string = "response",
  P extends string = string,
> extends Operator<TemplateInput<P>, ToolLoopOutput<K>> {
  readonly model: ModelRef;
  readonly prompt: string | undefined;
  readonly system: string | undefined;
  readonly messages: readonly MessageTemplate[];
  readonly maxSteps: number;
  readonly onToolError: "return" | "throw";
  readonly outputKey: K;
  /** The model's turns, as the child `turn`. */
  readonly turn: ModelTurn;
  /** The keys the templates read, checked on the input as the caller passed it. */
  private readonly reads: TemplateReads;
  /** One operator per tool, by name: paths read `agent/tools[weather]`. */
  readonly tools: Readonly<Record<string, ToolOperator>>;

  constructor(options: ToolLoopOptions<K, P>) {
    super();
    const owner = "ToolLoopOperator";
    checkModel(owner, options.model);
    checkConversation(owner, options);
    checkSampling(owner, options);
    checkPositiveInteger(owner, "maxSteps", options.maxSteps);
    const mode = options.onToolError ?? "return";
    if (mode !== "return" && mode !== "throw") {
      throw new OptionError("invalid_option", {
        where: owner,
        what: "onToolError is",
        got: mode,
        valid: ["return", "throw"],
      });
    }
    if (!Array.isArray(options.tools) || options.tools.length === 0) {
      throw new OptionError("invalid_option", {
        where: owner,
        what: "tools is",
        got: options.tools,
        valid: ["a non-empty array of tool(...) definitions"],
      });
    }
    const tools: Record<string, ToolOperator> = Object.create(null);
    for (const t of options.tools) {
      if (typeof t?.schema?.name !== "string") {
        throw new OptionError("invalid_option", {
          where: `${owner} tools`,
          what: "holds",
          got: t,
          valid: ["tools made with tool({ name, description, parameters, execute })"],
        });
      }
      if (t.name in tools) {
        throw new OptionError("invalid_option", {
          where: `${owner} tools`,
          what: "has two tools named",
          got: t.name,
          valid: ["distinct names"],
        });
      }
      tools[t.name] = new ToolOperator(t);
    }
    this.name = options.name ?? "agent";
    this.model = options.model;
    this.prompt = options.prompt;
    this.system = options.system;
    this.messages = options.messages ? [...options.messages] : [];
    this.maxSteps = options.maxSteps ?? 8;
    this.onToolError = mode;
    this.outputKey = options.outputKey ?? ("response" as K);
    // A plain record (null prototype is not plain to child discovery), so copied into one.
    this.tools = { ...tools };
    this.turn = new ModelTurn({
      model: options.model,
      schemas: options.tools.map((t) => t.schema),
      temperature: options.temperature,
      maxTokens: options.maxTokens,
    });
    // Declared input keys let the JIT prove which steps are independent, as for LLMOperator.
    this.reads = new TemplateReads(conversationKeys(this));
    const topKeys = [...new Set(conversationKeys(this).map((key) => key.split(".")[0] ?? key))];
    this.specification = {
      input: z.object(Object.fromEntries(topKeys.map((key) => [key, z.unknown().optional()]))),
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
  ): Promise<ToolLoopOutput<K>> {
    return this.reads.guard(this as unknown as AnyOperator, input, path, parent, options, () =>
      super.execute(input, path, parent, options),
    );
  }

  async forward(input: TemplateInput<P>, ctx: CallContext): Promise<ToolLoopOutput<K>> {
    const messages: ChatMessage[] = fillConversation(this, input, ctx.path);
    for (let step = 1; ; step++) {
      const reply = (await callOperator(
        this.turn,
        { messages },
        { signal: ctx.signal },
      )) as Completion;
      const calls = reply.toolCalls ?? [];
      messages.push(
        calls.length > 0
          ? { role: "assistant", content: reply.text, toolCalls: calls }
          : { role: "assistant", content: reply.text },
      );
      if (calls.length === 0) {
        return { [this.outputKey]: reply.text, messages, steps: step } as ToolLoopOutput<K>;
      }
      if (step >= this.maxSteps) {
        throw new OperatorError("max_steps_exceeded", {
          path: ctx.path,
          detail: `the model still asked for tools (${calls
            .map((c) => c.name)
            .join(
              ", ",
            )}) after ${this.maxSteps} turns; raise maxSteps (now ${this.maxSteps}) or change the prompt`,
        });
      }
      // All calls of a turn at once; results are kept in the model's order, not finish order.
      const results = await allOrAbort(calls.length, ctx.signal, (i, signal) =>
        this.runTool(calls[i]!, signal, ctx.path),
      );
      calls.forEach((call, i) => {
        const result = results[i]!;
        messages.push({
          role: "tool",
          toolCallId: call.id,
          name: call.name,
          content: result.content,
          ...(result.isError ? { isError: true } : {}),
        });
      });
    }
  }

  private async runTool(
    call: ToolCall,
    signal: AbortSignal,
    path: string,
  ): Promise<{ content: string; isError: boolean }> {
    const op = Object.hasOwn(this.tools, call.name) ? this.tools[call.name] : undefined;
    if (!op) {
      const known = Object.keys(this.tools).join(", ");
      const err = new Error(`no tool named ${JSON.stringify(call.name)}; the tools are ${known}`);
      if (this.onToolError === "throw") throw toolFailure(path, call.name, err);
      return { content: `Error: ${err.message}`, isError: true };
    }
    const input: ToolCallInput = { id: call.id, arguments: call.arguments };
    try {
      const out = (await callOperator(op, input, { signal })) as ToolCallOutput;
      return { content: out.content, isError: false };
    } catch (err) {
      if (signal.aborted) throw err;
      if (this.onToolError === "throw")
        throw toolFailure(`${path}/tools[${call.name}]`, call.name, err);
      return {
        content: `Error: ${err instanceof Error ? err.message : String(err)}`,
        isError: true,
      };
    }
  }
}

/** `new ToolLoopOperator(options)`, for the agent-shaped call sites. */
export function agent<K extends string = "response", P extends string = string>(
  options: ToolLoopOptions<K, P>,
): ToolLoopOperator<K, P> {
  return new ToolLoopOperator(options);
}
