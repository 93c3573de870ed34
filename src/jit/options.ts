import { OptionError } from "../core/errors.js";
import { JitCache } from "./plan-cache.js";

export const MODES = ["auto", "trace", "structural", "enhanced"] as const;
export type JitMode = (typeof MODES)[number];

/** Options of `jit()`. */
export interface JitOptions<I = unknown> {
  /** How the plan is built. @default "auto" */
  mode?: JitMode;
  /** Recompile on every call. @default false */
  forceTrace?: boolean;
  /** Optimise custom operators nested inside the target as well. @default true */
  recursive?: boolean;
  /** Never reuse a stochastic result across calls. @default false */
  preserveStochasticity?: boolean;
  /** Compile at `jit()` time for inputs shaped like this one. */
  sampleInput?: I;
  /** Leaf calls in flight for one call of the jitted operator (narrows the global budget). */
  maxConcurrency?: number;
  /** Retraces allowed per target before it runs eagerly for good. @default 8 */
  maxRecompiles?: number;
  /** The plan cache. @default the global cache */
  cache?: JitCache;
}

export interface ResolvedOptions {
  readonly mode: JitMode;
  readonly forceTrace: boolean;
  readonly recursive: boolean;
  readonly preserveStochasticity: boolean;
  readonly hasSampleInput: boolean;
  readonly sampleInput: unknown;
  readonly maxConcurrency: number | undefined;
  readonly maxRecompiles: number;
  readonly cache: JitCache;
}

const OPTION_NAMES = [
  "mode",
  "forceTrace",
  "recursive",
  "preserveStochasticity",
  "sampleInput",
  "maxConcurrency",
  "maxRecompiles",
  "cache",
] as const;

function fail(
  what: string,
  got: unknown,
  valid: readonly string[],
  code: OptionError["code"] = "invalid_option",
): never {
  throw new OptionError(code, { where: "jit()", what, got, valid });
}

function flag(options: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    fail(`option ${key} must be a boolean, got`, value, ["true", "false"]);
  return value;
}

function positiveInteger(value: unknown, key: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    fail(`option ${key} must be an integer >= ${min}, got`, value, [`an integer >= ${min}`]);
  }
  return value;
}

/** Checks every option up front and fills in defaults; unknown keys are a TypeError. */
export function resolveOptions(options: unknown, defaultCache: () => JitCache): ResolvedOptions {
  if (options === undefined) options = {};
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    fail("options must be an object, got", options, ["an object"]);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key))
      fail("unknown option", key, OPTION_NAMES, "unknown_option");
  }
  const mode = given.mode ?? "auto";
  if (typeof mode !== "string" || !(MODES as readonly string[]).includes(mode)) {
    fail("unknown mode", mode, MODES, "unknown_mode");
  }
  const cache = given.cache ?? defaultCache();
  if (!(cache instanceof JitCache))
    fail("option cache must be a JitCache, got", cache, ["JitCache"]);
  return {
    mode: mode as JitMode,
    forceTrace: flag(given, "forceTrace", false),
    recursive: flag(given, "recursive", true),
    preserveStochasticity: flag(given, "preserveStochasticity", false),
    hasSampleInput: "sampleInput" in given && given.sampleInput !== undefined,
    sampleInput: given.sampleInput,
    maxConcurrency: positiveInteger(given.maxConcurrency, "maxConcurrency", 1),
    maxRecompiles: positiveInteger(given.maxRecompiles, "maxRecompiles", 0) ?? 8,
    cache,
  };
}

/** The part of the options that changes a compiled plan, as a cache key. */
export function optionsKey(options: ResolvedOptions): string {
  return `${options.mode}|r${Number(options.recursive)}|p${Number(options.preserveStochasticity)}`;
}
