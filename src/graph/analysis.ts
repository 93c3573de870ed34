import type { Graph } from "./graph.js";
import { cycleError } from "./validate.js";

/**
 * Kahn's algorithm, always taking the earliest-added node among those whose predecessors
 * are done: a graph whose nodes were added in a valid order comes back in that order.
 * Throws a GraphError naming the cycle when some nodes can never become ready.
 */
export function topologicalOrder(graph: Graph): string[] {
  const ids = [...graph.nodes.keys()];
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const waiting = ids.map((id) => graph.predecessors(id).length);
  const ready = new MinHeap();
  waiting.forEach((count, i) => {
    if (count === 0) ready.push(i);
  });
  const order: string[] = [];
  while (ready.size > 0) {
    const id = ids[ready.pop()]!;
    order.push(id);
    for (const next of graph.successors(id)) {
      const j = indexOf.get(next)!;
      waiting[j]!--;
      if (waiting[j] === 0) ready.push(j);
    }
  }
  if (order.length < ids.length) {
    const stuck = ids.filter((_, i) => waiting[i]! > 0);
    throw cycleError(stuck, (id) => graph.predecessors(id));
  }
  return order;
}

/**
 * Levels: a node's wave is one more than its latest predecessor's, so wave 0 holds the
 * roots. Within a wave nodes keep topological order. (The engine never runs by waves; they
 * describe the graph's width and depth.)
 */
export function waves(graph: Graph): string[][] {
  const level = new Map<string, number>();
  const out: string[][] = [];
  for (const id of graph.topologicalOrder()) {
    let wave = 0;
    for (const p of graph.predecessors(id)) wave = Math.max(wave, level.get(p)! + 1);
    level.set(id, wave);
    const members = out[wave];
    if (members) members.push(id);
    else out[wave] = [id];
  }
  return out;
}

export interface CriticalPath {
  /** Node ids from a root to a sink. */
  path: string[];
  /** The sum of the path's durations. */
  lengthMs: number;
}

/**
 * The path whose durations add up to the most: no scheduler can finish the graph sooner.
 * A node missing from `durations` counts as 0 ms. Ties go to the node earlier in
 * topological order, and to the earlier predecessor.
 */
export function criticalPath(graph: Graph, durations: Record<string, number>): CriticalPath {
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  let end: string | undefined;
  for (const id of graph.topologicalOrder()) {
    let start = 0;
    let from: string | undefined;
    for (const p of graph.predecessors(id)) {
      const at = finish.get(p)!;
      if (from === undefined || at > start) {
        start = at;
        from = p;
      }
    }
    const own = Object.hasOwn(durations, id) ? durations[id]! : 0;
    finish.set(id, start + own);
    via.set(id, from);
    if (end === undefined || start + own > finish.get(end)!) end = id;
  }
  if (end === undefined) return { path: [], lengthMs: 0 };
  const path: string[] = [];
  for (let at: string | undefined = end; at !== undefined; at = via.get(at)) path.push(at);
  return { path: path.reverse(), lengthMs: finish.get(end)! };
}

/** A binary min-heap of node indices. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const items = this.items;
    let i = items.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= value) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]! < items[left]! ? right : left;
      if (items[child]! >= last) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
