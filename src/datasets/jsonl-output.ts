import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from "node:fs";
import { IndexSet } from "./index-set.js";
import { readFileLines } from "./lines.js";

/** One line of a run's output: an item's output or its error. */
export type OutputRecord =
  | { readonly index: number; readonly output: unknown }
  | { readonly index: number; readonly error: ItemErrorRecord };

export interface ItemErrorRecord {
  readonly code: string;
  readonly message: string;
  readonly path: string;
  /** The input line, for lines that could not be read as an item. */
  readonly line?: number;
}

/** What `--resume` found in an earlier output file. */
export interface ResumeState {
  readonly done: IndexSet;
  /** Bytes of a last line cut off mid-write, removed so the file ends on a whole line. */
  readonly truncatedBytes: number;
  /** Whole lines that were not records (left in place and ignored). */
  readonly unreadable: number;
}

/**
 * Reads the indexes an earlier run wrote. A last line without its newline is a write cut
 * short: it is cut off, so its item runs again and appears exactly once.
 */
export async function scanOutput(path: string): Promise<ResumeState> {
  const done = new IndexSet();
  if (!existsSync(path)) return { done, truncatedBytes: 0, unreadable: 0 };
  const truncatedBytes = cutPartialLastLine(path);
  let unreadable = 0;
  for await (const line of readFileLines(path)) {
    if (line.text.trim() === "") continue;
    const index = recordIndex(line.text);
    if (index === undefined) unreadable++;
    else done.add(index);
  }
  return { done, truncatedBytes, unreadable };
}

function recordIndex(text: string): number | undefined {
  try {
    const record = JSON.parse(text) as { index?: unknown };
    const index = record?.index;
    return Number.isInteger(index) && (index as number) >= 0 ? (index as number) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the bytes after the last newline; returns how many there were. */
function cutPartialLastLine(path: string): number {
  const fd = openSync(path, "r+");
  try {
    const size = fstatSync(fd).size;
    const block = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const read = readSync(fd, block, 0, end - start, start);
      const at = block.subarray(0, read).lastIndexOf(10);
      if (at >= 0) {
        const keep = start + at + 1;
        if (keep < size) ftruncateSync(fd, keep);
        return size - keep;
      }
      end = start;
    }
    if (size > 0) ftruncateSync(fd, 0);
    return size;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes records as lines, batched: lines queue in memory and go out with one synchronous
 * write per turn of the event loop (or sooner, past 64 KB), so a line is on its way to the
 * file as soon as its item finishes, and `flush()` leaves nothing behind before an exit.
 */
export class OutputWriter {
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  written = 0;

  constructor(private readonly fd: number) {}

  /** Opens `path` for appending (resume) or from empty; "-" is standard output. */
  static open(path: string, append: boolean): OutputWriter {
    return new OutputWriter(path === "-" ? 1 : openSync(path, append ? "a" : "w"));
  }

  write(record: OutputRecord): void {
    const line = `${serialize(record)}\n`;
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.written++;
    if (this.pendingBytes >= 64 * 1024) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    // Standard output may be a non-blocking pipe, where a synchronous write can fail with
    // EAGAIN: it goes through the stream, which the command drains before it exits.
    if (this.fd === 1) {
      process.stdout.write(text);
      return;
    }
    const bytes = Buffer.from(text, "utf8");
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
  }

  close(): void {
    this.flush();
    if (this.fd !== 1) closeSync(this.fd);
  }
}

/** An output that JSON cannot carry (a cycle, a BigInt) becomes that item's error. */
function serialize(record: OutputRecord): string {
  try {
    return JSON.stringify(record);
  } catch (err) {
    return JSON.stringify({
      index: record.index,
      error: {
        code: "invalid_output",
        message: `the output cannot be written as JSON: ${err instanceof Error ? err.message : String(err)}`,
        path: "",
      },
    });
  }
}
