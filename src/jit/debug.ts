/**
 * EMBER_DEBUG, read once: 1 prints each compiled plan, 2 adds one line per run with the
 * per-node timings. Output goes to a replaceable sink (stderr by default).
 */
let level = Number.parseInt(process.env.EMBER_DEBUG ?? "0", 10) || 0;
let sink: (line: string) => void = (line) => process.stderr.write(`${line}\n`);

export function debugLevel(): number {
  return level;
}

export function debugPrint(text: string): void {
  sink(text);
}

/** For tests and tools: change the level or capture the output. */
export function setDebug(options: { level?: number; sink?: (line: string) => void }): void {
  if (options.level !== undefined) level = options.level;
  if (options.sink) sink = options.sink;
}
