/** Spawns the real `ember-xcs` command (bin/ember-xcs.mjs) as a child process, for test/cli-*.test.ts. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = join(import.meta.dirname, "..");
export const BIN = join(root, "bin", "ember-xcs.mjs");
/** What fixture modules import: the same copy of ember-xcs the CLI runs from source. */
export const SRC = pathToFileURL(join(root, "src", "index.ts")).href;

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; stdin?: string },
): {
  child: ChildProcess;
  done: Promise<Finished>;
} {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, EMBER_XCS_FROM_SOURCE: "1", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  else child.stdin!.end();
  const done = new Promise<Finished>((resolve) => {
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; stdin?: string },
) {
  return startCli(args, options).done;
}

/** A fresh directory that is an ES module package, for fixture modules and data files. */
export function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ember-cli-"));
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  return dir;
}

export function writeLines(path: string, values: readonly unknown[]): void {
  writeFileSync(
    path,
    `${values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("\n")}\n`,
  );
}

export type OutRecord = {
  index: number;
  output?: unknown;
  error?: { code: string; message: string; path: string };
};

export function readRecords(path: string): OutRecord[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as OutRecord);
}

/** Indexes in the order written, for "each index exactly once" checks. */
export function indexes(records: readonly OutRecord[]): number[] {
  return records.map((r) => r.index).sort((a, b) => a - b);
}
