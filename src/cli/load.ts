import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type AnyOperator, isOperator } from "../operator/operator.js";
import { UsageError } from "./errors.js";

const TS_LOADED = Symbol.for("ember-xcs.tsx-loaded");
const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * TypeScript modules load through tsx's ESM loader (a devDependency here; a user who runs
 * `.ts` modules with an installed ember-xcs needs tsx beside it). bin/ember-xcs.mjs has
 * already registered it when the CLI itself runs from source.
 */
async function ensureTypeScriptLoader(path: string): Promise<void> {
  const flags = globalThis as Record<symbol, unknown>;
  if (flags[TS_LOADED]) return;
  try {
    const { register } = await import("tsx/esm/api");
    register();
    flags[TS_LOADED] = true;
  } catch (err) {
    throw new UsageError(`${path} is TypeScript, and loading it needs tsx: npm install -D tsx`, {
      cause: err,
    });
  }
}

/**
 * The operator a module's default export gives: the operator itself, or what a function
 * returns (sync or async) when called with no arguments.
 */
export async function loadOperator(modulePath: string): Promise<AnyOperator> {
  const path = resolve(modulePath);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new UsageError(`module not found: ${modulePath} (resolved to ${path})`);
  }
  if (TYPESCRIPT.test(path)) await ensureTypeScriptLoader(modulePath);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UsageError(`could not load ${modulePath}: ${why}`, { cause: err });
  }
  let value = mod.default;
  if (typeof value === "function" && !isOperator(value)) value = await (value as () => unknown)();
  if (!isOperator(value)) {
    const got =
      value === undefined ? "no default export" : `a default export of type ${typeof value}`;
    throw new UsageError(
      `${modulePath} must export an operator (or a function returning one) as its default export; it has ${got}. If it is an operator, it may come from another copy of ember-xcs than this CLI's.`,
    );
  }
  return value;
}
