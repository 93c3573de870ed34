import { OptionError } from "../core/errors.js";

/** Throws an OptionError naming the first key of `options` that is not in `valid`. */
export function checkOptionKeys(options: object, valid: readonly string[], where: string): void {
  if (options === null || typeof options !== "object") {
    throw new OptionError("invalid_option", {
      where,
      what: "got",
      got: options,
      valid: ["an object"],
    });
  }
  for (const key of Object.keys(options)) {
    if (!valid.includes(key)) {
      throw new OptionError("unknown_option", { where, what: "unknown option", got: key, valid });
    }
  }
}

/** A concurrency limit: a positive integer or Infinity. */
export function checkLimit(limit: unknown, where: string): void {
  if (
    !((Number.isInteger(limit) && (limit as number) >= 1) || limit === Number.POSITIVE_INFINITY)
  ) {
    throw new OptionError("invalid_option", {
      where,
      what: "maxConcurrency is",
      got: limit,
      valid: ["an integer >= 1", "Infinity"],
    });
  }
}
