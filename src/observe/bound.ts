/**
 * The run's bound: the earliest the recorded run could have finished if
 *
 * - every *childless* call (one that made no operator calls: in practice the leaves, such as
 *   model requests) took exactly its observed duration, `start → end`, its queue wait excluded;
 * - a call with children took no time of its own: it finishes when its last child does (its
 *   own work between children, and time spent outside any call, counts as zero; a child that
 *   outlived it, such as a detached early start, does not hold it up but still counts);
 * - concurrency was unlimited and scheduling free;
 * - and a call could start only once (a) its parent had started and (b) every *sibling* (a
 *   call with the same parent, or another root call) that had finished by the time this call
 *   was *requested* (its observed start minus its queue wait) had finished.
 *
 * Rule (b) is the observed dependency order: whatever finished before a call was asked for is
 * taken as something it may have needed (a sequence step waits for the previous one; a second
 * `await` in a custom `forward` waits for the first), whatever was still running was not. It is
 * measured on request times, so a call held back only by the budget is not counted as
 * dependent. The longest chain by parentId alone would miss those sibling dependencies; a
 * plain longest path over the whole call tree would count concurrent siblings as a chain.
 *
 * Every real run obeys these constraints, so `boundMs ≤ wallMs`; the gap is what the budget,
 * scheduling and non-call work cost. The bound describes the program as it ran (if `forward`
 * awaited independent calls one after another, they count as dependent): it is the target
 * for a scheduler running these calls in this order, not for a rewrite of the program.
 */

/** The calls the bound is computed over, as columns by index; parents precede children. */
export interface BoundInput {
  readonly count: number;
  /** Index of the parent call, or -1 for a root. */
  readonly parents: ArrayLike<number>;
  readonly requestMs: ArrayLike<number>;
  readonly startMs: ArrayLike<number>;
  readonly endMs: ArrayLike<number>;
}

export interface Bound {
  readonly boundMs: number;
  /** Earliest start and finish of each call under the bound's rules. */
  readonly startMs: Float64Array;
  readonly endMs: Float64Array;
  /** Indexes of the childless calls on the chain that sets the bound, first to last. */
  readonly criticalPath: number[];
  /** 1 for calls on that chain and the callers of those calls. */
  readonly critical: Uint8Array;
}

const NONE = -1;

interface Frame {
  readonly parent: number;
  /** The siblings in request order, and the same siblings in end order. */
  readonly byRequest: number[];
  readonly byEnd: number[];
  next: number;
  ended: number;
  /** Latest finish among the siblings ended so far, and which one it was. */
  best: number;
  bestFrom: number;
  /** The parent's finish so far: its start, or its latest child's finish. */
  finish: number;
  finishFrom: number;
}

export function computeBound(input: BoundInput): Bound {
  const n = input.count;
  const children = childLists(input);
  const es = new Float64Array(n);
  const ef = new Float64Array(n);
  // Which call set each value: the sibling whose finish gated the start (or NONE: the parent's
  // start), and the child whose finish is the parent's finish (or NONE: its own start + work).
  const esFrom = new Int32Array(n).fill(NONE);
  const efFrom = new Int32Array(n).fill(NONE);
  const done = new Uint8Array(n);

  const { requestMs, startMs, endMs } = input;
  const byRequestMs = (a: number, b: number) => requestMs[a]! - requestMs[b]! || a - b;
  const byEndMs = (a: number, b: number) => endMs[a]! - endMs[b]! || a - b;
  const frame = (parent: number, base: number): Frame => {
    const kids = parent === NONE ? children.roots : (children.of[parent] ?? []);
    // One child (most calls of a dataset run) needs no sorting, and both orders are the list.
    const byRequest = kids.length > 1 ? sorted(kids, byRequestMs) : kids;
    const byEnd = kids.length > 1 ? sorted(kids, byEndMs) : kids;
    return {
      parent,
      byRequest,
      byEnd,
      next: 0,
      ended: 0,
      best: base,
      bestFrom: NONE,
      finish: base,
      finishFrom: NONE,
    };
  };
  const finished = (f: Frame, call: number) => {
    done[call] = 1;
    // A child still running when its parent ended (a detached early start) did not hold the
    // parent up: it counts toward the bound, not toward its parent's finish.
    if (f.parent !== NONE && endMs[call]! > endMs[f.parent]!) return;
    if (ef[call]! > f.finish) {
      f.finish = ef[call]!;
      f.finishFrom = call;
    }
  };

  // Siblings are swept in request order beside a pointer over them in end order; a call's
  // subtree is scheduled as soon as its start is known. An explicit stack keeps deep nesting
  // from overflowing the call stack.
  const stack: Frame[] = [frame(NONE, 0)];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    const child = pickNext(f, input, done, ef);
    if (child === NONE) {
      stack.pop();
      if (f.parent !== NONE) {
        ef[f.parent] = f.finish;
        efFrom[f.parent] = f.finishFrom;
        finished(stack[stack.length - 1]!, f.parent);
      }
      continue;
    }
    es[child] = f.best;
    esFrom[child] = f.bestFrom;
    if ((children.of[child]?.length ?? 0) > 0) {
      stack.push(frame(child, f.best));
    } else {
      ef[child] = f.best + Math.max(0, endMs[child]! - startMs[child]!);
      finished(f, child);
    }
  }

  let last = NONE;
  let boundMs = 0;
  for (let i = 0; i < n; i++) {
    if (last === NONE || ef[i]! > boundMs) {
      boundMs = ef[i]!;
      last = i;
    }
  }
  const criticalPath = last === NONE ? [] : chain(last, input, children, esFrom, efFrom);
  const critical = new Uint8Array(n);
  for (const leaf of criticalPath) {
    for (let i = leaf; i !== NONE && critical[i] === 0; i = input.parents[i]!) critical[i] = 1;
  }
  return { boundMs, startMs: es, endMs: ef, criticalPath, critical };
}

/**
 * A sorted copy. Short lists (a sequence's steps, an ensemble's members: most of a run) by
 * insertion, which allocates nothing beyond the copy; `Array#sort` allocates its own work
 * state on every call, which added up to a third of a recorded run's garbage.
 */
function sorted(list: readonly number[], compare: (a: number, b: number) => number): number[] {
  const out = list.slice();
  if (out.length > 16) return out.sort(compare);
  for (let i = 1; i < out.length; i++) {
    const x = out[i]!;
    let j = i - 1;
    while (j >= 0 && compare(out[j]!, x) > 0) {
      out[j + 1] = out[j]!;
      j--;
    }
    out[j + 1] = x;
  }
  return out;
}

/** The next sibling to schedule, once every sibling that ended before its request is counted. */
function pickNext(f: Frame, input: BoundInput, done: Uint8Array, ef: Float64Array): number {
  while (f.next < f.byRequest.length && done[f.byRequest[f.next]!] === 1) f.next++;
  if (f.next >= f.byRequest.length) return NONE;
  const child = f.byRequest[f.next]!;
  const requested = input.requestMs[child]!;
  while (f.ended < f.byEnd.length && input.endMs[f.byEnd[f.ended]!]! <= requested) {
    const s = f.byEnd[f.ended]!;
    // A sibling that ended by `requested` was requested no later, so it is scheduled already,
    // unless it ties with this call (zero wait and duration): then it counts from the next one.
    if (done[s] !== 1) break;
    if (ef[s]! > f.best) {
      f.best = ef[s]!;
      f.bestFrom = s;
    }
    f.ended++;
  }
  f.next++;
  return child;
}

interface ChildLists {
  readonly roots: number[];
  readonly of: (number[] | undefined)[];
}

function childLists(input: BoundInput): ChildLists {
  const roots: number[] = [];
  const of: (number[] | undefined)[] = new Array(input.count);
  for (let i = 0; i < input.count; i++) {
    const p = input.parents[i]!;
    if (p === NONE) roots.push(i);
    else {
      let list = of[p];
      if (!list) {
        list = [];
        of[p] = list;
      }
      list.push(i);
    }
  }
  return { roots, of };
}

/** Walks back from the call that finishes last to the childless calls that set its finish. */
function chain(
  last: number,
  input: BoundInput,
  children: ChildLists,
  esFrom: Int32Array,
  efFrom: Int32Array,
): number[] {
  const reversed: number[] = [];
  let i = last;
  let atFinish = true;
  while (i !== NONE) {
    if (atFinish) {
      const hasChildren = (children.of[i]?.length ?? 0) > 0;
      if (hasChildren && efFrom[i] !== NONE) {
        i = efFrom[i]!;
        continue;
      }
      if (!hasChildren) reversed.push(i);
      atFinish = false;
    }
    if (esFrom[i] !== NONE) {
      i = esFrom[i]!;
      atFinish = true;
    } else {
      i = input.parents[i]!;
    }
  }
  return reversed.reverse();
}
