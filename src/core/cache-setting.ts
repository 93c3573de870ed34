/**
 * The response cache setting, kept in core so that `configure()` (engine) can set it and the
 * models layer can read it without either importing the other. The store itself is typed by
 * the models layer (`ResponseCache`); here it is only something with `get` and `set`.
 */

/** A key-value store of replies; the models layer's `ResponseCache` is one. */
export interface CacheStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}

/** A directory (opened as the on-disk cache), a store of the caller's own, or off. */
export type CacheSetting = string | CacheStore | false;

type Opener = (dir: string) => CacheStore;

let setting: CacheSetting = false;
let opened: CacheStore | undefined;
let generation = 0;
let openDirectory: Opener | undefined;

/** Replaces the setting; every change starts a new run of sample indexes. */
export function setCacheSetting(next: CacheSetting): void {
  setting = next;
  opened = undefined;
  generation++;
}

/** Counts changes of the setting, so that per-run state keyed to it can reset. */
export function cacheGeneration(): number {
  return generation;
}

/**
 * The on-disk implementation lives in the datasets layer, above models; it registers how a
 * directory is opened when it loads (the package entry point loads it).
 */
export function registerDirectoryCache(opener: Opener): void {
  openDirectory = opener;
}

/** The store in force, or undefined when the cache is off. */
export function activeCacheStore(): CacheStore | undefined {
  if (setting === false) return undefined;
  if (typeof setting !== "string") return setting;
  if (!opened) {
    if (!openDirectory) {
      throw new Error(
        "configure({ cache: dir }) needs the on-disk cache, which is not loaded: import ember-xcs from its entry point",
      );
    }
    opened = openDirectory(setting);
  }
  return opened;
}
