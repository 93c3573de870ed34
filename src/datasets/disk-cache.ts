import { registerDirectoryCache } from "../core/cache-setting.js";
import type { ResponseCache } from "../models/response-cache.js";
import type { ChatResponse } from "../models/types.js";

/**
 * The response cache on disk, in a cacache directory: content-addressed, every entry checked
 * against its integrity hash on read, and safe with several processes writing at once (entries
 * are appended to per-key bucket files and content is moved into place, never rewritten).
 *
 * @example
 * configure({ cache: ".ember-cache" });          // or: configure({ cache: new DiskCache(dir) })
 */
// Loaded on first use: importing ember-xcs should not load a store nobody configured.
let store: Promise<typeof import("cacache")> | undefined;
const cacache = () => {
  store ??= import("cacache").then(
    (m) => (m as { default?: typeof import("cacache") }).default ?? m,
  );
  return store;
};

export class DiskCache implements ResponseCache {
  constructor(readonly dir: string) {}

  async get(key: string): Promise<ChatResponse | undefined> {
    try {
      const { data } = await (await cacache()).get(this.dir, key);
      return JSON.parse(data.toString("utf8")) as ChatResponse;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // Missing is a miss; a damaged entry (failed integrity check) is a miss too, rewritten later.
      if (code === "ENOENT" || code === "EINTEGRITY" || err instanceof SyntaxError)
        return undefined;
      throw err;
    }
  }

  async set(key: string, value: ChatResponse): Promise<void> {
    await (await cacache()).put(this.dir, key, JSON.stringify(value));
  }
}

registerDirectoryCache((dir) => new DiskCache(dir));
