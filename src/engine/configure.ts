import { setGlobalConcurrency } from "../core/budget.js";
import { type CacheSetting, type CacheStore, setCacheSetting } from "../core/cache-setting.js";
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
  /**
   * The response cache: a directory for the on-disk one, any `{ get, set }` store, or false
   * for none. Setting it (again) starts a new run of sample indexes. @default false
   */
  cache?: string | CacheStore | false;
}

const VALID = ["maxConcurrency", "scheduler", "cache"];
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
  if (options.cache !== undefined) setCacheSetting(checkCache(options.cache));
}

function checkCache(cache: unknown): CacheSetting {
  const store = cache as Partial<CacheStore> | null;
  if (cache === false || (typeof cache === "string" && cache !== "")) return cache;
  if (typeof store?.get === "function" && typeof store.set === "function")
    return cache as CacheStore;
  throw new OptionError("invalid_option", {
    where: "configure()",
    what: "cache is",
    got: cache,
    valid: ["a directory path", "a { get, set } store", "false"],
  });
}
