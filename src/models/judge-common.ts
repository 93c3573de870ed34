import { ValidationError } from "../core/errors.js";
import type { CallContext } from "../operator/context.js";
import { ModelOutputError } from "./errors.js";
import { parseLabelledLines } from "./labelled-lines.js";
import { sendRequest } from "./model.js";
import { type ModelRef, resolveModel } from "./registry.js";

/** Options every judge-like operator shares. */
export interface JudgeOptions {
  model: ModelRef;
  /** @default the provider's default */
  temperature?: number;
  maxTokens?: number;
  /** Replaces the built-in instructions that open the prompt (the reply format is always added). */
  instructions?: string;
}

/** Sends one user message and returns the reply text. */
export async function askModel(
  options: JudgeOptions,
  prompt: string,
  ctx: CallContext,
): Promise<string> {
  const reply = await sendRequest(
    resolveModel(options.model),
    {
      messages: [{ role: "user", content: prompt }],
      temperature: options.temperature,
      maxTokens: options.maxTokens,
    },
    ctx,
  );
  return reply.text;
}

/** Reads a required key of the input, with an invalid_input error naming it. */
export function readKey(input: unknown, key: string, path: string): unknown {
  if (input !== null && typeof input === "object" && Object.hasOwn(input, key)) {
    return (input as Record<string, unknown>)[key];
  }
  throw new ValidationError("invalid_input", {
    path,
    issues: [{ path: [key], message: "required by the judge", code: "missing_key" }],
  });
}

/** Reads a non-empty array of candidates. */
export function readCandidates(input: unknown, key: string, path: string): readonly unknown[] {
  const value = readKey(input, key, path);
  if (Array.isArray(value) && value.length > 0) return value;
  throw new ValidationError("invalid_input", {
    path,
    issues: [
      { path: [key], message: "expected a non-empty array of candidates", code: "invalid_type" },
    ],
  });
}

export function asText(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
}

/** `[0] first\n[1] second`: the indices the selector's answer refers to. */
export function formatCandidates(candidates: readonly unknown[]): string {
  return candidates.map((c, i) => `[${i}] ${asText(c)}`).join("\n");
}

/** Parses labelled lines and requires some of them, or fails with the raw text. */
export function requireLines(
  text: string,
  labels: readonly string[],
  required: readonly string[],
  path: string,
): Map<string, string> {
  const lines = parseLabelledLines(text, labels);
  const missing = required.filter((label) => !lines.get(label));
  if (missing.length > 0) {
    throw new ModelOutputError({
      path,
      rawText: text,
      detail: `reply has no ${missing.map((l) => `"${l}:"`).join(" or ")} line`,
    });
  }
  return lines;
}
