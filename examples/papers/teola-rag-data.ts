/**
 * The simulated world of examples/papers/teola-rag.ts: the i-th uploaded document (release
 * notes of one router model, 64 sentences) with a question about it, a bag-of-words
 * embedding, and the scripted model's replies (query expansion and the grounded answer).
 */
import type { ChatRequest } from "ember-xcs";
import type { RagInput } from "./teola-rag.js";

const ADJECTIVES = [
  "guest",
  "mesh",
  "parental",
  "adaptive",
  "secure",
  "remote",
  "scheduled",
  "encrypted",
];
const NOUNS = ["Wi-Fi", "backups", "VPN", "firewall", "logging", "updates", "DNS", "QoS"];
const FEATURES = ADJECTIVES.flatMap((a) => NOUNS.map((n) => `${a} ${n}`));

/** Release notes of router `i`, one sentence per feature, and a question about one of them. */
export function documentFor(i: number): RagInput {
  const router = `Aster-${i}`;
  const sentences = FEATURES.map((feature, k) => {
    const version = `${1 + ((k + i) % 5)}.${(k * 7 + i) % 10}`;
    return `Firmware ${version} of the ${router} router added ${feature}.`;
  });
  const asked = FEATURES[(i * 7 + 3) % FEATURES.length]!;
  return {
    question: `Which firmware of the ${router} router added ${asked}?`,
    document: sentences.join(" "),
  };
}

/** The document's sentences in `n` batches of equal size, for batched embedding. */
export function splitIntoBatches(document: string, n: number): string[][] {
  const sentences = document.split(/(?<=\.)\s+/);
  const size = Math.ceil(sentences.length / n);
  return Array.from({ length: n }, (_, b) => sentences.slice(b * size, (b + 1) * size));
}

const DIMENSIONS = 32;
const words = (text: string) => text.toLowerCase().match(/[a-z0-9-]+(?:\.[0-9]+)?/g) ?? [];

/** Words hashed into a unit vector: texts sharing words point the same way. */
export function embedText(text: string): number[] {
  const v = new Array<number>(DIMENSIONS).fill(0);
  for (const w of words(text)) {
    let h = 2166136261;
    for (let c = 0; c < w.length; c++) h = Math.imul(h ^ w.charCodeAt(c), 16777619);
    v[(h >>> 0) % DIMENSIONS]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/** How many words two texts share: the reranker's score. */
export function overlap(a: string, b: string): number {
  const seen = new Set(words(a));
  return new Set(words(b).filter((w) => seen.has(w))).size;
}

/** The scripted model: three query rewrites, or an answer grounded in the passages given. */
export function scriptedReply(request: ChatRequest): string {
  const prompt = request.messages.map((m) => m.content).join("\n");
  const question = /Question: (.*)/.exec(prompt)?.[1] ?? "";
  const feature = /added (.*)\?/.exec(question)?.[1] ?? question;
  const router = /the (\S+) router/.exec(question)?.[1] ?? "router";
  if (request.model === "expand") {
    return JSON.stringify({
      queries: [question, `${router} firmware ${feature}`, `release notes ${feature}`],
    });
  }
  const passages = JSON.parse(/Passages: (\[.*\])/.exec(prompt)?.[1] ?? "[]") as string[];
  const source = passages.find((p) => p.endsWith(`added ${feature}.`));
  const version = source && /Firmware (\S+) /.exec(source)?.[1];
  return version
    ? `Firmware ${version} added ${feature} to the ${router} router.`
    : "The passages do not say.";
}
