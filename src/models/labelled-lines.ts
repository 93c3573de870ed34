/**
 * Reads a reply written as labelled lines (`Reasoning: …`, `Final Answer: …`). A value runs
 * from its label to the next known label, so multi-line reasoning stays whole. Labels match
 * case-insensitively and may be wrapped in markdown bold (`**Verdict:**`), as models often do.
 * A label that does not appear is absent from the result; a repeated one keeps its last value.
 */
export function parseLabelledLines(text: string, labels: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  const byLower = new Map(labels.map((l) => [l.toLowerCase(), l]));
  const alternatives = labels.map(escapeRegExp).join("|");
  const line = new RegExp(
    `^\\s*(?:[*_#>\\-\\s]*)(${alternatives})(?:\\s*[*_]*)\\s*:\\s*(?:[*_]+\\s*)?(.*)$`,
    "i",
  );
  let current: string | undefined;
  let value: string[] = [];
  const flush = () => {
    if (current !== undefined) found.set(current, value.join("\n").trim());
  };
  for (const raw of text.split(/\r?\n/)) {
    const match = line.exec(raw);
    const label = match?.[1] ? byLower.get(match[1].toLowerCase()) : undefined;
    if (label !== undefined) {
      flush();
      current = label;
      value = [match?.[2] ?? ""];
    } else if (current !== undefined) {
      value.push(raw);
    }
  }
  flush();
  return found;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ /g, "\\s+");
}
