import type { AnyOperator } from "../operator/operator.js";
import { ALL, type StepKeys } from "./keys.js";

interface Seen {
  readonly reads: Set<PropertyKey>;
  all: boolean;
  readonly writes: Set<PropertyKey>;
}

/**
 * Watches which keys of its input an unkeyed Sequence step reads (through a Proxy) and
 * which keys its output has. Enhanced mode records these once to prove steps independent,
 * then checks them on every later run.
 */
export class KeyProbe {
  private readonly seen = new Map<AnyOperator, Seen>();

  private entry(step: AnyOperator): Seen {
    let seen = this.seen.get(step);
    if (!seen) {
      seen = { reads: new Set(), all: false, writes: new Set() };
      this.seen.set(step, seen);
    }
    return seen;
  }

  /**
   * The step's input, behind a Proxy that notes each key read (symbol keys included). Only
   * a plain object is watched: a class instance's methods and private fields need the real
   * `this`, so such a step counts as reading everything and is never proven independent.
   */
  watch(step: AnyOperator, input: unknown): unknown {
    if (input === null || typeof input !== "object") return input;
    const seen = this.entry(step);
    const proto = Object.getPrototypeOf(input);
    if (proto !== Object.prototype && proto !== null) {
      seen.all = true;
      return input;
    }
    return new Proxy(input, {
      get(target, key, receiver) {
        seen.reads.add(key);
        return Reflect.get(target, key, receiver);
      },
      has(target, key) {
        seen.reads.add(key);
        return Reflect.has(target, key);
      },
      getOwnPropertyDescriptor(target, key) {
        seen.reads.add(key);
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      // Listing the keys (a spread, Object.keys) can depend on every key there is.
      ownKeys(target) {
        seen.all = true;
        return Reflect.ownKeys(target);
      },
    });
  }

  wrote(step: AnyOperator, output: unknown): void {
    const seen = this.entry(step);
    if (output !== null && typeof output === "object") {
      for (const key of Reflect.ownKeys(output)) seen.writes.add(key);
    }
  }

  /**
   * A step that failed behind the Proxy (it cloned its input, or checked its identity) is
   * run again on the real input and from then on counts as reading everything.
   */
  unwatchable(step: AnyOperator): void {
    this.entry(step).all = true;
  }

  /** What was recorded, for the steps whose reads were not everything. */
  keys(): Map<AnyOperator, StepKeys> {
    const keys = new Map<AnyOperator, StepKeys>();
    for (const [step, seen] of this.seen) {
      if (!seen.all) keys.set(step, { reads: new Set(seen.reads), writes: new Set(seen.writes) });
    }
    return keys;
  }

  /** Steps that read or wrote outside what was recorded for them. */
  violations(recorded: ReadonlyMap<AnyOperator, StepKeys>): AnyOperator[] {
    const out: AnyOperator[] = [];
    for (const [step, seen] of this.seen) {
      const keys = recorded.get(step);
      if (!keys || keys.reads === ALL || keys.writes === ALL) continue;
      const reads = keys.reads;
      const writes = keys.writes;
      const ok =
        !seen.all &&
        [...seen.reads].every((k) => reads.has(k)) &&
        [...seen.writes].every((k) => writes.has(k));
      if (!ok) out.push(step);
    }
    return out;
  }

  get stepsSeen(): number {
    return this.seen.size;
  }
}
