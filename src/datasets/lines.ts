import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";

/** One line of a text file, without its newline; `number` counts from 1. */
export interface Line {
  readonly number: number;
  readonly text: string;
  /** False only for a last line that had no newline after it (a file cut off mid-write). */
  readonly terminated: boolean;
}

/**
 * The lines of a stream, read as the consumer asks for them: the stream is pulled one chunk at a
 * time, so memory stays bounded by the chunk size and the longest line, whatever the file's size.
 */
export async function* readLines(stream: Readable): AsyncGenerator<Line> {
  let rest = "";
  let number = 0;
  stream.setEncoding("utf8");
  for await (const chunk of stream as AsyncIterable<string>) {
    let start = 0;
    let at = chunk.indexOf("\n");
    while (at >= 0) {
      let text = rest + chunk.slice(start, at);
      rest = "";
      if (text.endsWith("\r")) text = text.slice(0, -1);
      yield { number: ++number, text, terminated: true };
      start = at + 1;
      at = chunk.indexOf("\n", start);
    }
    rest += chunk.slice(start);
  }
  if (rest !== "") yield { number: ++number, text: rest, terminated: false };
}

/** The lines of a file. */
export function readFileLines(path: string): AsyncGenerator<Line> {
  return readLines(createReadStream(path, { highWaterMark: 256 * 1024 }));
}

/** Counts the lines of a file (for a progress total) without holding it in memory. */
export async function countLines(path: string): Promise<number> {
  let count = 0;
  let last = 10;
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) count++;
    last = chunk[chunk.length - 1] ?? last;
  }
  return last === 10 ? count : count + 1;
}
