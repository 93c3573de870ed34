#!/usr/bin/env node
// The ember-xcs command. Installed, it runs dist/cli/main.js; from a checkout (tsconfig.json
// beside package.json, never packed) it registers tsx's ESM loader (a devDependency) and runs
// the TypeScript source, built or not: there `import … from "ember-xcs"` resolves to src/
// (tsconfig paths), and an operator must come from the same copy of ember-xcs as the CLI.
// EMBER_XCS_FROM_SOURCE=1 runs the source anyway.
import { existsSync } from "node:fs";

const built = new URL("../dist/cli/main.js", import.meta.url);
const checkout = existsSync(new URL("../tsconfig.json", import.meta.url));
let cli;
if (existsSync(built) && !checkout && process.env.EMBER_XCS_FROM_SOURCE !== "1") {
  cli = await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  globalThis[Symbol.for("ember-xcs.tsx-loaded")] = true;
  cli = await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
const code = await cli.main(process.argv.slice(2));
// Flush stdout before exiting: a piped stdout is asynchronous.
process.stdout.write("", () => process.exit(code));
