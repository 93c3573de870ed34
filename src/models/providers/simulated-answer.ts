/**
 * The simulated provider's free-text reply: a sentence built from the prompt's own words, so
 * a run on `sim:fast` reads like answers to the questions asked. It is seeded: the lead of the
 * reply depends only on the prompt (samples of one question agree on it, as a real model's
 * mostly do), the tail on the sample's random draws.
 */
export function topicalReply(prompt: string, random: () => number): string {
  const { subject, instruction } = partsOf(prompt);
  const words = contentWords(subject);
  const [a = "it", b = "its causes", c = "its effects"] = words;
  const kind =
    INSTRUCTIONS.find((k) => k.test.test(instruction)) ??
    QUESTIONS.find((k) => k.test.test(subject)) ??
    ANSWER;
  const lead = kind.lead(a, b, c);
  const tail = pick(TAILS, random)(pick(words.length > 0 ? words : [a], random));
  return `${capitalize(lead)}; ${tail}${pick(CLOSINGS, random)}.`;
}

interface Kind {
  readonly test: RegExp;
  readonly lead: (a: string, b: string, c: string) => string;
}

// What the prompt asks for decides the shape of the reply; the first that matches wins.
const INSTRUCTIONS: readonly Kind[] = [
  {
    test: /\b(what could go wrong|risks?|pitfalls?)\b/i,
    lead: (a, b) => `the main risk is treating ${a} and ${b} as one thing`,
  },
  {
    test: /\b(list|key facts)\b/i,
    lead: (a, b, c) => `key facts: ${a}, ${b}, ${c}, and how they connect`,
  },
  { test: /\b(angle|perspective)\b/i, lead: (a, b) => `look at ${a} through ${b}` },
  {
    test: /\b(counterargument|critique|objection)\b/i,
    lead: (a, b) => `the strongest objection is that ${a} alone does not explain ${b}`,
  },
  {
    test: /\b(example|instance)\b/i,
    lead: (a, b) => `for example, ${a} shows up wherever ${b} matters`,
  },
  { test: /\b(summari[sz]e|summary|tl;?dr)\b/i, lead: (a, b) => `in short, ${a} is about ${b}` },
];
// Otherwise the question's own form does.
const QUESTIONS: readonly Kind[] = [
  { test: /^\s*why\b/i, lead: (a, b) => `mostly because of how ${a} interacts with ${b}` },
  { test: /^\s*how\b/i, lead: (a, b, c) => `${a} works through ${b} and ${c}` },
];
const ANSWER: Kind = { test: /$/, lead: (a, b) => `it comes down to ${a} and ${b}` };

const TAILS: readonly ((word: string) => string)[] = [
  (w) => `the details of ${w} matter most`,
  (w) => `${w} is the part people usually miss`,
  (w) => `a closer look at ${w} makes this clear`,
  (w) => `it helps to start from ${w}`,
  (w) => `${w} changes the picture only at the margins`,
  (w) => `most sources agree once ${w} is defined`,
  (w) => `${w} is where the usual explanation starts`,
  (w) => `the short version leaves out ${w}`,
];

const CLOSINGS = [
  "",
  " in most cases",
  " for everyday purposes",
  " at least at first",
  " as a rule",
  " in practice",
  " by most accounts",
  " on balance",
  " to a first approximation",
  " in the usual setting",
];

/**
 * What the prompt asks about and what it asks for. The subject is its first question (a
 * sentence ending in "?"), else the text after the last label on its last line ("Summarize:
 * tides" gives "tides"). The instruction is the rest of that line, or, when the question sits
 * among labelled context lines ("Facts: …"), the last line ("Answer briefly.").
 */
function partsOf(prompt: string): { subject: string; instruction: string } {
  const lines = prompt.split("\n").filter((l) => l.trim() !== "");
  const last = lines[lines.length - 1] ?? "";
  const question = /([^\n?:.!]*\?)/.exec(prompt)?.[1]?.trim();
  if (question && question.length > 1) {
    const line = lines.find((l) => l.includes(question)) ?? last;
    return { subject: question, instruction: lines.length > 1 ? last : line.replace(question, "") };
  }
  const colon = last.lastIndexOf(":");
  if (colon < 0) return { subject: last.trim(), instruction: last };
  return { subject: last.slice(colon + 1).trim(), instruction: last.slice(0, colon) };
}

const STOP = new Set(
  (
    "a an the and or but of to in on at by for with from into about as is are was were be been " +
    "do does did can could should would will may might must have has had it its this that these " +
    "those there their they them you your we our i me my what why how when where which who whom " +
    "whose not no yes so if then than too very just also answer question briefly one sentence " +
    "give list suggest summarize explain tell describe key facts needed unusual angle strongest " +
    "counterargument concrete example wrong go going answering three worth day days best good " +
    "pack write short passage would rewrite search query terms context only"
  ).split(" "),
);

/**
 * The prompt's content words, each once: names first (capitalized inside a sentence, or all
 * capitals like `CPU`, kept as written), then the other words in order, lower-cased.
 */
function contentWords(text: string): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  const words: string[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu)) {
    const word = match[0];
    const lower = word.toLowerCase();
    if (lower.length < 3 || STOP.has(lower) || seen.has(lower)) continue;
    seen.add(lower);
    const initial =
      /^\s*$/.test(text.slice(0, match.index)) || /[.?!:]\s*$/.test(text.slice(0, match.index));
    const name = word === word.toUpperCase() || (!initial && /^\p{Lu}/u.test(word));
    if (name) names.push(word);
    else words.push(lower);
  }
  return [...names, ...words];
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] ?? items[0]!;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
