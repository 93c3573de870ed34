import { z } from "zod";
import { OperatorError, OptionError, ValidationError } from "../core/errors.js";
import type { CallContext } from "../operator/context.js";
import type { Effects } from "../operator/effects.js";
import { Operator } from "../operator/operator.js";
import { issuesOf } from "../operator/specification.js";
import type { ToolSchema } from "./types.js";

/** What a tool's `execute` receives beside its arguments. */
export interface ToolContext {
  /** Aborts when the agent's call does (a failing sibling tool, the caller's signal). */
  readonly signal: AbortSignal;
  /** The tool call's operator path: `agent/tools[weather]`. */
  readonly path: string;
  /** The id the model gave this call. */
  readonly callId: string;
}

/** A function the model may call, with zod-typed arguments. */
export interface Tool<A = unknown, R = unknown> {
  readonly name: string;
  readonly description: string;
  readonly parameters: z.ZodType<A>;
  execute(args: A, ctx: ToolContext): R | PromiseLike<R>;
  /** How the JIT may treat a call. @default "effectful" (never repeated, reordered or started early) */
  readonly effects: Effects;
  /** The tool as providers see it (name, description, JSON schema of the parameters). */
  readonly schema: ToolSchema;
}

export interface ToolDefinition<S extends z.ZodType, R> {
  /** Letters, digits, `_` and `-`, at most 64 characters. */
  name: string;
  /** What the tool does, for the model: when to call it and what it returns. */
  description: string;
  /** The arguments, as a zod object; the model's arguments are validated against it. */
  parameters: S;
  /** Runs the tool. A string result goes back to the model as it is, anything else as JSON. */
  execute: (args: z.infer<S>, ctx: ToolContext) => R | PromiseLike<R>;
  /** @default "effectful" */
  effects?: Effects;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Defines a tool. Its parameters are a zod object: the model is shown their JSON schema,
 * and what it sends is parsed and validated before `execute` runs, which receives it typed.
 *
 * @example
 * const weather = tool({
 *   name: "weather",
 *   description: "Current temperature in a city, in °C",
 *   parameters: z.object({ city: z.string() }),
 *   execute: async ({ city }) => ({ city, celsius: await lookUp(city) }),
 * });
 */
export function tool<S extends z.ZodType, R>(
  definition: ToolDefinition<S, R>,
): Tool<z.infer<S>, R> {
  const { name, description, parameters, execute } = definition;
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new OptionError("invalid_option", {
      where: "tool()",
      what: "name is",
      got: name,
      valid: ["1 to 64 letters, digits, '_' or '-'"],
    });
  }
  if (typeof description !== "string" || description === "") {
    throw new OptionError("invalid_option", {
      where: `tool(${name})`,
      what: "description is",
      got: description,
      valid: ["a non-empty string"],
    });
  }
  if (!(parameters instanceof z.ZodType) || typeof execute !== "function") {
    throw new OptionError("invalid_option", {
      where: `tool(${name})`,
      what: "parameters / execute are",
      got: typeof execute === "function" ? parameters : execute,
      valid: ["parameters: a zod object schema", "execute: a function"],
    });
  }
  const json = z.toJSONSchema(parameters) as Record<string, unknown>;
  const { $schema: _dialect, ...schema } = json;
  if (schema.type !== "object") {
    throw new OptionError("invalid_option", {
      where: `tool(${name})`,
      what: "parameters must describe an object; got a schema of type",
      got: schema.type,
      valid: ["z.object({ ... })"],
    });
  }
  return {
    name,
    description,
    parameters: parameters as z.ZodType<z.infer<S>>,
    execute,
    effects: definition.effects ?? "effectful",
    schema: { name, description, parameters: schema },
  };
}

/** What a tool call operator takes: the model's call. */
export interface ToolCallInput {
  readonly id: string;
  /** JSON text, as the model wrote it. */
  readonly arguments: string;
}

/** What goes back to the model: the result as text. */
export interface ToolCallOutput {
  readonly content: string;
}

/**
 * One tool as an operator, so that each call of it is an operator call: it holds a slot of
 * the concurrency budget, observers and stats see it, and its path names the tool.
 */
export class ToolOperator<A = unknown, R = unknown> extends Operator<
  ToolCallInput,
  ToolCallOutput
> {
  readonly tool: Tool<A, R>;

  constructor(t: Tool<A, R>) {
    super();
    this.tool = t;
    this.name = t.name;
    this.effects = t.effects;
  }

  async forward(input: ToolCallInput, ctx: CallContext): Promise<ToolCallOutput> {
    let raw: unknown;
    try {
      raw = input.arguments.trim() === "" ? {} : JSON.parse(input.arguments);
    } catch (err) {
      throw new ValidationError("invalid_input", {
        path: ctx.path,
        detail: `tool ${this.tool.name}: arguments are not JSON (${
          err instanceof Error ? err.message : String(err)
        }): ${input.arguments.slice(0, 200)}`,
        cause: err,
      });
    }
    const parsed = this.tool.parameters.safeParse(raw);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      throw new ValidationError("invalid_input", {
        path: ctx.path,
        issues,
        detail: `tool ${this.tool.name}: arguments do not match its parameters (${issues
          .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
          .join("; ")})`,
        cause: parsed.error,
      });
    }
    const result = await this.tool.execute(parsed.data, {
      signal: ctx.signal,
      path: ctx.path,
      callId: input.id,
    });
    return { content: typeof result === "string" ? result : (JSON.stringify(result) ?? "null") };
  }
}

/** The error a failing tool is raised as (with `onToolError: "throw"`), or reported as text. */
export function toolFailure(path: string, name: string, err: unknown): OperatorError {
  const message = err instanceof Error ? err.message : String(err);
  return new OperatorError("tool_failed", {
    path,
    cause: err,
    detail: `tool ${name} failed: ${message}`,
  });
}
