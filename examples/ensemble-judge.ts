/**
 * An ensemble of five samples and a judge that writes the final answer from them, run over
 * a dataset with the `ember-xcs` command: the module's default export is the operator, and
 * the command streams the JSONL file through it (jitted, with a progress summary on stderr).
 *
 *   npx ember-xcs run examples/ensemble-judge.ts --input examples/data/questions.jsonl --output answers.jsonl
 *
 * Run directly (`npx tsx examples/ensemble-judge.ts`), this file runs that command itself, on
 * examples/data/questions.jsonl, and prints the first answers it wrote.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { JudgeSynthesisOperator, SequenceOperator, UniformEnsemble } from "ember-xcs";

const pipeline = new SequenceOperator({
  name: "ensemble_judge",
  operators: [
    // Five samples of one prompt, drawn concurrently: { responses: string[] }.
    new UniformEnsemble({
      count: 5,
      model: "sim:fast",
      temperature: 0.8,
      maxTokens: 80,
      prompt: "Answer in one sentence: {query}",
    }),
    // Reads { query, responses }; writes { reasoning, final_answer }.
    new JudgeSynthesisOperator({ model: "sim:fast", temperature: 0 }),
  ],
});

export default pipeline;

interface Answer {
  final_answer: string;
  responses: string[];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const here = dirname(fileURLToPath(import.meta.url));
  // The command of the installed package (or of this checkout): ember-xcs/bin/ember-xcs.mjs.
  const root = dirname(createRequire(import.meta.url).resolve("ember-xcs/package.json"));
  const out = mkdtempSync(join(tmpdir(), "ember-ensemble-judge-"));
  const output = join(out, "answers.jsonl");
  const args = [
    "run",
    fileURLToPath(import.meta.url),
    "--input",
    join(here, "data/questions.jsonl"),
  ];
  console.log(
    "$ ember-xcs run ensemble-judge.ts --input data/questions.jsonl --output answers.jsonl",
  );
  const result = spawnSync(
    process.execPath,
    [join(root, "bin/ember-xcs.mjs"), ...args, "--output", output, "--no-progress"],
    { encoding: "utf8" },
  );
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    rmSync(out, { recursive: true, force: true });
    throw new Error(`ember-xcs run exited with ${result.status}`);
  }
  // Its summary line, from stderr: items, calls, tokens, cost, wall time, peak in flight.
  console.log(result.stderr.trim().split("\n").at(-1));
  // Lines are written as items finish, each with its input's index.
  const answers = readFileSync(output, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { index: number; output: Answer })
    .sort((a, b) => a.index - b.index);
  const questions = readFileSync(join(here, "data/questions.jsonl"), "utf8").trim().split("\n");
  console.log(`${answers.length} answers written`);
  for (const { index, output: o } of answers.slice(0, 3)) {
    const { query } = JSON.parse(questions[index]!) as { query: string };
    console.log(`\n#${index} ${query}\n  ${o.responses.length} samples, judged: ${o.final_answer}`);
  }
  rmSync(out, { recursive: true, force: true });
}
