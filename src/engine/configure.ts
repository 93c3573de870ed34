import { setGlobalConcurrency } from "../core/budget.js";
import { OptionError } from "../core/errors.js";

export interface GlobalOptions {
  /** Leaf calls in flight across every run in the process. @default 64 */
  maxConcurrency?: number;
}

const VALID = ["maxConcurrency"];

/** Sets process-wide defaults. @example configure({ maxConcurrency: 16 }) */
export function configure(options: GlobalOptions): void {
  for (const key of Object.keys(options)) {
    if (!VALID.includes(key)) {
      throw new OptionError("unknown_option", {
        where: "configure()",
        what: "unknown option",
        got: key,
        valid: VALID,
      });
    }
  }
  if (options.maxConcurrency !== undefined) setGlobalConcurrency(options.maxConcurrency);
}
