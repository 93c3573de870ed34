/**
 * `npm run million`: ember-xcs run over a generated 1,000,000-line JSONL with a trivial
 * operator, under a hard heap bound (--max-old-space-size), printing the child's peak RSS.
 * Then the same run interrupted with SIGINT halfway and resumed with --resume, checking that
 * the output holds each index exactly once.
 *
 *   npm run million [-- --lines 1000000 --heap-mb 64]
 */
import { spawn } from "node:child_process";
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { IndexSet } from "../src/datasets/index-set.js";
import { readLines } from "../src/datasets/lines.js";

const arg = (flag: string, fallback: number) => {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const LINES = arg("--lines", 1_000_000);
const HEAP_MB = arg("--heap-mb", 64);
const root = join(import.meta.dirname, "..");
const bin = join(root, "bin", "ember-xcs.mjs");
const dir = mkdtempSync(join(tmpdir(), "ember-million-"));
const input = join(dir, "input.jsonl");
const module = join(dir, "trivial.ts");
writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
writeFileSync(
  module,
  `import { MapOperator } from ${JSON.stringify(pathToFileURL(join(root, "src", "index.ts")).href)};
export default new MapOperator({ name: "trivial", fn: (i: { id: number; text: string }) => ({ id: i.id, length: i.text.length }) });
`,
);

async function generate(): Promise<void> {
  const out = createWriteStream(input);
  for (let i = 0; i < LINES; i++) {
    const line = `${JSON.stringify({ id: i, text: `question number ${i} of the generated dataset` })}\n`;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(resolve));
}

interface Run {
  code: number | null;
  stderr: string;
  peakRssMb: number;
  seconds: number;
}

/** Peak RSS of a process as Linux keeps it (VmHWM), read while it runs. */
function readHwmKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function run(args: string[], interruptAt?: number): Promise<Run> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, bin, ...args], {
      cwd: dir,
      env: { ...process.env, EMBER_XCS_FROM_SOURCE: "1", EMBER_PROGRESS_INTERVAL_MS: "250" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    let hwmKb = 0;
    let sent = false;
    const poll = setInterval(() => {
      hwmKb = Math.max(hwmKb, readHwmKb(child.pid!));
    }, 100);
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      const done = [...text.matchAll(/progress: (\d+)/g)].map((m) => Number(m[1])).at(-1);
      if (interruptAt !== undefined && !sent && done !== undefined && done >= interruptAt) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    child.on("close", (code) => {
      clearInterval(poll);
      const reported = /max RSS (\d+) MB/.exec(stderr)?.[1];
      const peakRssMb = Math.max(hwmKb / 1024, Number(reported ?? 0));
      resolve({ code, stderr, peakRssMb, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** Each index of 0..LINES-1 exactly once? Streams the output, so the check is bounded too. */
async function checkOutput(
  path: string,
): Promise<{ lines: number; duplicates: number; missing: number; errors: number }> {
  const seen = new IndexSet();
  let lines = 0;
  let duplicates = 0;
  let errors = 0;
  for await (const line of readLines(createReadStream(path))) {
    lines++;
    const record = JSON.parse(line.text) as {
      index: number;
      output?: { id: number };
      error?: unknown;
    };
    if (record.error !== undefined || record.output?.id !== record.index) errors++;
    if (!seen.add(record.index)) duplicates++;
  }
  return { lines, duplicates, missing: LINES - seen.size, errors };
}

const summaryOf = (stderr: string) =>
  stderr.split("\n").find((l) => l.startsWith("ember-xcs run: ") && l.includes(" ok ·")) ??
  "(no summary)";

console.log(`generating ${LINES.toLocaleString("en")} lines in ${input} …`);
await generate();
const whole = join(dir, "whole.jsonl");
const first = await run(["run", module, "--input", input, "--output", whole]);
const wholeCheck = await checkOutput(whole);
console.log(
  `\n1. one run over ${LINES.toLocaleString("en")} lines, heap bound --max-old-space-size=${HEAP_MB} MB`,
);
console.log(
  `   exit ${first.code} · ${first.seconds.toFixed(1)} s · peak RSS ${first.peakRssMb.toFixed(0)} MB`,
);
console.log(`   ${summaryOf(first.stderr)}`);
console.log(
  `   output: ${wholeCheck.lines} lines, ${wholeCheck.duplicates} duplicates, ${wholeCheck.missing} missing, ${wholeCheck.errors} wrong`,
);

const split = join(dir, "split.jsonl");
const interrupted = await run(
  ["run", module, "--input", input, "--output", split],
  Math.floor(LINES / 2),
);
const half = await checkOutput(split);
const resumed = await run(["run", module, "--input", input, "--output", split, "--resume"]);
const splitCheck = await checkOutput(split);
console.log("\n2. SIGINT halfway, then --resume");
console.log(
  `   interrupted: exit ${interrupted.code} · ${half.lines} lines written · peak RSS ${interrupted.peakRssMb.toFixed(0)} MB`,
);
console.log(
  `   resumed:     exit ${resumed.code} · ${resumed.seconds.toFixed(1)} s · peak RSS ${resumed.peakRssMb.toFixed(0)} MB`,
);
console.log(`   ${summaryOf(resumed.stderr)}`);
console.log(
  `   output: ${splitCheck.lines} lines, ${splitCheck.duplicates} duplicates, ${splitCheck.missing} missing, ${splitCheck.errors} wrong`,
);

const ok =
  first.code === 0 &&
  wholeCheck.lines === LINES &&
  wholeCheck.duplicates + wholeCheck.missing + wholeCheck.errors === 0 &&
  interrupted.code === 130 &&
  half.lines > 0 &&
  half.lines < LINES &&
  resumed.code === 0 &&
  splitCheck.lines === LINES &&
  splitCheck.duplicates + splitCheck.missing + splitCheck.errors === 0;
console.log(
  `\n${ok ? "OK" : "FAILED"}: each index exactly once; the runs stayed under the ${HEAP_MB} MB heap bound (a V8 heap past it aborts the process)`,
);
rmSync(dir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
