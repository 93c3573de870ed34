import { setGlobalConcurrency } from "../core/budget.js";
import { OptionError } from "../core/errors.js";

export interface GlobalOptions {
  /** Leaf calls in flight across every run in the process. @default 64 */
  maxConcurrency?: number;
  /**
   * The default scheduler of every graph run and jitted plan: "sequential" runs one node at
   * a time in topological order and starts nothing early, for debugging (same results).
   * @default "parallel"
   */
  scheduler?: "parallel" | "sequential";
}

const VALID = ["maxConcurrency", "scheduler"];
const SCHEDULERS = ["parallel", "sequential"] as const;
let scheduler: "parallel" | "sequential" = "parallel";

/** The scheduler runs use when they name none. */
export function defaultScheduler(): "parallel" | "sequential" {
  return scheduler;
}

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
  if (options.scheduler !== undefined) {
    if (!(SCHEDULERS as readonly string[]).includes(options.scheduler)) {
      throw new OptionError("invalid_option", {
        where: "configure()",
        what: "scheduler",
        got: options.scheduler,
        valid: SCHEDULERS,
      });
    }
    scheduler = options.scheduler;
  }
  if (options.maxConcurrency !== undefined) setGlobalConcurrency(options.maxConcurrency);
}
