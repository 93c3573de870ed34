import { OptionError } from "../core/errors.js";
import { fillTemplate, templateKeys } from "./template.js";
import type { ChatMessage } from "./types.js";

/** One turn of a conversation given to an LLM operator; `content` is a template. */
export interface MessageTemplate<S extends string = string> {
  readonly role: "system" | "user" | "assistant";
  readonly content: S;
}

/** The conversation an LLM operator sends: an optional system template, history, then a prompt. */
export interface ConversationTemplates {
  readonly system: string | undefined;
  readonly messages: readonly MessageTemplate[];
  readonly prompt: string | undefined;
}

const ROLES = ["system", "user", "assistant"];

/**
 * Checks the templates when the operator is built: a prompt, or a non-empty `messages` list of
 * `{ role, content }` with a known role, or both.
 */
export function checkConversation(
  owner: string,
  options: { prompt?: unknown; messages?: unknown },
): void {
  const { prompt, messages } = options;
  if (prompt !== undefined && (typeof prompt !== "string" || prompt === "")) {
    throw new OptionError("invalid_option", {
      where: owner,
      what: "prompt is",
      got: prompt,
      valid: ["a non-empty string"],
    });
  }
  if (messages !== undefined) {
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new OptionError("invalid_option", {
        where: owner,
        what: "messages is",
        got: messages,
        valid: ["a non-empty array of { role, content }"],
      });
    }
    messages.forEach((m: unknown, i) => {
      const ok =
        m !== null &&
        typeof m === "object" &&
        ROLES.includes((m as { role?: unknown }).role as string) &&
        typeof (m as { content?: unknown }).content === "string";
      if (!ok) {
        throw new OptionError("invalid_option", {
          where: `${owner} messages[${i}]`,
          what: "is",
          got: m,
          valid: ['{ role: "system" | "user" | "assistant", content: string }'],
        });
      }
    });
  }
  if (prompt === undefined && messages === undefined) {
    throw new OptionError("invalid_option", {
      where: owner,
      what: "needs a prompt or messages; got",
      got: "neither",
      valid: ["prompt: a template string", "messages: [{ role, content }, ...]"],
    });
  }
}

/** Every key the templates read, in order of first use. */
export function conversationKeys(t: ConversationTemplates): string[] {
  const all = [t.system ?? "", ...t.messages.map((m) => m.content), t.prompt ?? ""];
  return [...new Set(all.flatMap((s) => templateKeys(s)))];
}

/**
 * Fills every template from `input`: system first, then the history, then the prompt as the
 * last user turn (with `suffix`, e.g. a JSON instruction, appended to the last user turn).
 * Missing keys of all templates are reported together.
 */
export function fillConversation(
  t: ConversationTemplates,
  input: unknown,
  path: string,
  suffix = "",
): ChatMessage[] {
  // One check over all templates first, so every missing key is named in one error.
  const joined = [t.system ?? "", ...t.messages.map((m) => m.content), t.prompt ?? ""].join("\n");
  fillTemplate(joined, input, path);
  const out: ChatMessage[] = [];
  if (t.system !== undefined) {
    out.push({ role: "system", content: fillTemplate(t.system, input, path) });
  }
  for (const m of t.messages)
    out.push({ role: m.role, content: fillTemplate(m.content, input, path) });
  if (t.prompt !== undefined) {
    out.push({ role: "user", content: fillTemplate(t.prompt, input, path) });
  }
  if (suffix !== "") {
    let last = -1;
    out.forEach((m, i) => {
      if (m.role === "user") last = i;
    });
    if (last < 0) out.push({ role: "user", content: suffix.trimStart() });
    else {
      const m = out[last]!;
      out[last] = { role: "user", content: m.content + suffix };
    }
  }
  return out;
}
