import type { CallInfo, SpeculationInfo } from "../operator/observer.js";

/** One early start, from `speculated` until `claimed` or `wasted`. */
export interface SpeculationLink<T> {
  readonly spec: SpeculationInfo;
  /** The call that ran for it, once seen. */
  callId: number | undefined;
  /** What the owner keeps with it (the recorder's entry, the OTel observer's root span). */
  readonly data: T;
}

/**
 * Matches the JIT's speculation events to the calls that ran for them. `SpeculationInfo`
 * carries no call id (the call gets one only when it starts, after any queue wait), so a
 * speculation is linked to the first call with the same path that starts after it: the JIT
 * starts the call right after announcing it, and budget waits are first come, first served.
 * `claimed` and `wasted` are matched to their speculation by object identity, else by site
 * (oldest open one first). Only open speculations are kept, so memory follows what is in
 * flight, not the length of the run.
 */
export class SpeculationLinks<T> {
  private readonly unstarted = new Map<string, SpeculationLink<T>[]>();
  private readonly open = new Map<SpeculationInfo, SpeculationLink<T>>();
  private readonly openBySite = new Map<string, SpeculationLink<T>[]>();

  speculated(spec: SpeculationInfo, data: T): SpeculationLink<T> {
    const link: SpeculationLink<T> = { spec, callId: undefined, data };
    push(this.unstarted, spec.path, link);
    this.open.set(spec, link);
    push(this.openBySite, spec.site, link);
    return link;
  }

  /** The speculation `call` runs for, if any; call it from `callStarted`. */
  started(call: CallInfo): SpeculationLink<T> | undefined {
    if (this.unstarted.size === 0) return undefined;
    const link = shift(this.unstarted, call.path);
    if (link) link.callId = call.id;
    return link;
  }

  /** Closes the speculation `spec` names (on `claimed` or `wasted`). */
  resolve(spec: SpeculationInfo): SpeculationLink<T> | undefined {
    let link = this.open.get(spec);
    if (link) remove(this.openBySite, spec.site, link);
    else link = shift(this.openBySite, spec.site);
    if (!link) return undefined;
    this.open.delete(link.spec);
    // Claimed or wasted before it started (aborted in the queue): no later call is its.
    if (link.callId === undefined) remove(this.unstarted, link.spec.path, link);
    return link;
  }
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function shift<V>(map: Map<string, V[]>, key: string): V | undefined {
  const list = map.get(key);
  if (!list) return undefined;
  const value = list.shift();
  if (list.length === 0) map.delete(key);
  return value;
}

function remove<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (!list) return;
  const at = list.indexOf(value);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) map.delete(key);
}
