import type { ChatRequest, ToolCall } from "../types.js";
import { topicalReply } from "./simulated-answer.js";

/**
 * Tool calls for the simulated provider: when the request offers tools and the conversation
 * has no tool results yet, it calls every tool once (in parallel, as real models do), with
 * arguments made up to match each tool's parameter schema. Otherwise none.
 */
export function simulatedToolCalls(
  request: ChatRequest,
  sample: number,
  random: () => number,
): ToolCall[] {
  const tools = request.tools ?? [];
  if (tools.length === 0 || request.messages.some((m) => m.role === "tool")) return [];
  return tools.map((tool, i) => ({
    id: `call_sim_${sample}_${i}`,
    name: tool.name,
    arguments: JSON.stringify(valueForSchema(tool.parameters, random, sample) ?? {}),
  }));
}

/**
 * Reply text for the simulated provider. The LLM operators state their reply format as lines
 * `Label: <placeholder>`; answering in that format lets judges, selectors and verifiers run
 * on the simulated provider. A placeholder `<a number from 0 to 4>` gets an integer in range,
 * `<correct or incorrect>` one of the words, anything else a short made-up phrase. Free text
 * is a sentence on the prompt's own words (see simulated-answer.ts).
 */
export function simulatedReply(request: ChatRequest, sample: number, random: () => number): string {
  if (request.responseSchema) {
    return JSON.stringify(valueForSchema(request.responseSchema.schema, random, sample));
  }
  const results = request.messages.filter((m) => m.role === "tool");
  if (results.length > 0) {
    const shown = results.map((m) => m.content.replace(/\s+/g, " ").slice(0, 60)).join("; ");
    return `Simulated answer #${sample} from ${results.length} tool results: ${shown}`;
  }
  const prompt = request.messages.map((m) => m.content).join("\n");
  const format = [...prompt.matchAll(FORMAT_LINE)];
  if (format.length > 0) {
    return format
      .map((m) => `${m[1]}: ${fillPlaceholder(m[1] ?? "", m[2] ?? "", random, sample, prompt)}`)
      .join("\n");
  }
  const last = request.messages[request.messages.length - 1]?.content ?? "";
  return topicalReply(last, random);
}

/** The prompt without its `Label: <placeholder>` lines, so the question is what remains. */
function withoutFormat(prompt: string): string {
  return prompt.replace(FORMAT_LINE, "").trim();
}

const FORMAT_LINE = /^([A-Z][A-Za-z ]{0,30}):\s*<([^>\n]+)>\s*$/gm;
const NUMBER_RANGE = /number from (-?\d+) to (-?\d+)/i;

function fillPlaceholder(
  label: string,
  placeholder: string,
  random: () => number,
  sample: number,
  prompt: string,
): string {
  const range = NUMBER_RANGE.exec(placeholder);
  if (range) {
    const low = Number(range[1]);
    const high = Number(range[2]);
    return String(low + Math.floor(random() * (high - low + 1)));
  }
  const options = placeholder.split(/,\s*|\s+or\s+/).map((o) => o.trim());
  if (options.length > 1 && options.every((o) => /^[\w-]+$/.test(o))) {
    return options[Math.floor(random() * options.length)] ?? "";
  }
  // Marked as simulated (the text a judge or verifier parses), then a sentence on the question.
  return `simulated ${label.toLowerCase()} #${sample}: ${topicalReply(withoutFormat(prompt), random)}`;
}

const WORDS = [
  "amber",
  "basalt",
  "cedar",
  "delta",
  "ember",
  "fjord",
  "granite",
  "harbor",
  "indigo",
  "juniper",
];

function phrase(random: () => number): string {
  const pick = () => WORDS[Math.floor(random() * WORDS.length)] ?? "ember";
  return `${pick()} ${pick()}`;
}

/** A value matching a (simple) JSON schema: objects, arrays, enums, strings, numbers, booleans. */
function valueForSchema(schema: unknown, random: () => number, sample: number): unknown {
  if (typeof schema !== "object" || schema === null) return null;
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum) && s.enum.length > 0)
    return s.enum[Math.floor(random() * s.enum.length)];
  if ("const" in s) return s.const;
  const anyOf = s.anyOf ?? s.oneOf;
  if (Array.isArray(anyOf) && anyOf.length > 0) return valueForSchema(anyOf[0], random, sample);
  switch (s.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      for (const [key, sub] of Object.entries(properties))
        out[key] = valueForSchema(sub, random, sample);
      return out;
    }
    case "array": {
      const min = typeof s.minItems === "number" ? s.minItems : 1;
      return Array.from({ length: Math.max(min, 1) }, () =>
        valueForSchema(s.items, random, sample),
      );
    }
    case "integer":
    case "number": {
      const low = typeof s.minimum === "number" ? s.minimum : 0;
      const high = typeof s.maximum === "number" ? s.maximum : low + 100;
      const n = low + random() * (high - low);
      return s.type === "integer" ? Math.round(n) : n;
    }
    case "boolean":
      return random() < 0.5;
    case "string":
      return `simulated #${sample}: ${phrase(random)}`;
    default:
      return null;
  }
}
