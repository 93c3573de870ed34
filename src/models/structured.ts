import { z } from "zod";
import { formatKeyPath } from "../core/errors.js";
import { issuesOf } from "../operator/specification.js";
import { ModelOutputError } from "./errors.js";
import type { ResponseSchema } from "./types.js";

/** The JSON schema sent to the provider for a zod output schema. */
export function responseSchemaFor(schema: z.ZodType, name = "output"): ResponseSchema {
  const json = z.toJSONSchema(schema) as Record<string, unknown>;
  // `$schema` is metadata some servers reject inside response_format; the rest is the contract.
  const { $schema: _dialect, ...rest } = json;
  return { name: name.replace(/[^\w-]/g, "_").slice(0, 64) || "output", schema: rest };
}

/** The instruction added to the prompt, so that providers without native JSON mode comply too. */
export function jsonInstruction(schema: ResponseSchema): string {
  return `\n\nReply with only a JSON value, no prose and no code fence, matching this JSON schema:\n${JSON.stringify(schema.schema)}`;
}

const FENCE = /^\s*```(?:json)?\s*\n?([\s\S]*?)\n?\s*```\s*$/i;

/**
 * Parses a reply as JSON and validates it. A reply in a ```json fence is accepted, since
 * models add one despite being told not to. Failures carry the raw text.
 */
export function parseStructured<T>(rawText: string, schema: z.ZodType<T>, path: string): T {
  const unfenced = FENCE.exec(rawText)?.[1] ?? rawText;
  let value: unknown;
  try {
    value = JSON.parse(unfenced);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ModelOutputError({
      path,
      rawText,
      detail: `reply is not valid JSON (${reason})`,
      cause: err,
    });
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error);
  const listed = issues.map((i) => `${formatKeyPath(i.path)}: ${i.message}`).join("; ");
  throw new ModelOutputError({
    path,
    rawText,
    issues,
    detail: `reply does not match the output schema (${listed})`,
    cause: parsed.error,
  });
}
