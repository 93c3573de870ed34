import { InlineOperator } from "../engine/inline.js";
import { may } from "../operator/effects.js";
import { noteErrorPath } from "../operator/error-path.js";
import { describes } from "../operator/lowering.js";
import { isPromiseLike, isRecord, type PlainObject, requireRecord } from "../operator/objects.js";
import type { AnyOperator } from "../operator/operator.js";
import { type RecordCheck, stepOutputError } from "./glue.js";
import { currentRunEnv } from "./run-env.js";

/** What fusing needs of a map (MapOperator has it): its function and its keys. */
interface AnyMap {
  readonly fn: (value: unknown) => unknown;
  readonly inputKey: string | undefined;
  readonly outputKey: string | undefined;
  readonly name: string;
  readonly fusable: boolean;
}

/**
 * A map the JIT may fuse: one that says it is `fusable` (MapOperator: no specification, a
 * function not declared async), runs its own forward, and may be re-run (pure).
 */
export function isFusableMap(op: AnyOperator): op is AnyOperator & AnyMap {
  return (
    (op as Partial<AnyMap>).fusable === true && describes(op, "fusable") && may(op.effects, "rerun")
  );
}

/**
 * A map's parts copied into a plain object at compile time: operators are function objects
 * whose field reads are slow, and a fused loop reads them once per step per call.
 */
interface MapParts {
  readonly fn: (value: unknown) => unknown;
  readonly inputKey: string | undefined;
  readonly outputKey: string | undefined;
  readonly rel: string;
  readonly name: string;
}

function partsOf(maps: readonly AnyMap[], rels: readonly string[]): MapParts[] {
  return maps.map((m, i) => ({
    fn: m.fn,
    inputKey: m.inputKey,
    outputKey: m.outputKey,
    rel: rels[i]!,
    name: m.name,
  }));
}

function wrap(map: MapParts, result: unknown): unknown {
  return map.outputKey === undefined ? result : { [map.outputKey]: result };
}

function apply(map: MapParts, value: unknown): unknown {
  let arg = value;
  if (map.inputKey !== undefined) {
    if (!isRecord(value)) {
      requireRecord(
        value,
        "not_an_object",
        currentRunEnv().basePath + map.rel,
        "map input",
        map.name,
      );
    }
    arg = (value as PlainObject)[map.inputKey];
  }
  let result: unknown;
  try {
    result = map.fn(arg);
  } catch (err) {
    // A fused map makes no call of its own: its path is noted here, as a call would note it.
    noteErrorPath(err, currentRunEnv().basePath + map.rel);
    throw err;
  }
  // Only objects and functions can be thenables; a primitive result skips the check.
  if (typeof result === "object" && result !== null && isPromiseLike(result)) {
    const path = currentRunEnv().basePath + map.rel;
    return Promise.resolve(result).then(
      (r) => wrap(map, r),
      (err: unknown) => {
        noteErrorPath(err, path);
        throw err;
      },
    );
  }
  return wrap(map, result);
}

/**
 * Consecutive Sequence steps that are fusable maps, as one synchronous function with the
 * Sequence's merge semantics. In "full" form its input is the whole accumulator and it
 * returns the new accumulator; in "delta" form it returns only what its steps wrote.
 */
export function fuseSequenceMaps(
  name: string,
  maps: readonly AnyMap[],
  stepRels: readonly string[],
  form: "full" | "delta",
  inputCheck?: RecordCheck,
): InlineOperator {
  const parts = partsOf(maps, stepRels);
  const count = parts.length;
  const fail = (i: number, out: unknown) =>
    stepOutputError(currentRunEnv().basePath + stepRels[i], "step output", out, parts[i]!.name);
  const resume = (i: number, pending: PromiseLike<unknown>, acc: PlainObject, delta: PlainObject) =>
    Promise.resolve(pending).then((o): unknown => {
      if (!isRecord(o)) throw fail(i, o);
      return run(i + 1, { ...acc, ...o }, form === "delta" ? { ...delta, ...o } : delta);
    });
  const run = (from: number, acc: PlainObject, delta: PlainObject): unknown => {
    for (let i = from; i < count; i++) {
      const out = apply(parts[i]!, acc);
      if (!isRecord(out)) throw fail(i, out);
      if (out instanceof Promise) return resume(i, out, acc, delta);
      acc = { ...acc, ...out };
      if (form === "delta") delta = { ...delta, ...out };
    }
    return form === "full" ? acc : delta;
  };
  if (!inputCheck) return new InlineOperator(name, (input) => run(0, input as PlainObject, {}));
  const check = (input: unknown) =>
    isRecord(input)
      ? input
      : requireRecord(
          input,
          inputCheck.code,
          currentRunEnv().basePath + inputCheck.rel,
          inputCheck.what,
          inputCheck.name,
        );
  return new InlineOperator(name, (input) => run(0, check(input), {}));
}

/** Consecutive Container steps that are fusable maps, as one function piping through them. */
export function fuseContainerMaps(
  name: string,
  maps: readonly AnyMap[],
  stepRels: readonly string[],
): InlineOperator {
  const parts = partsOf(maps, stepRels);
  const run = (from: number, value: unknown): unknown => {
    for (let i = from; i < parts.length; i++) {
      const out = apply(parts[i]!, value);
      if (out instanceof Promise) return out.then((o) => run(i + 1, o));
      value = out;
    }
    return value;
  };
  return new InlineOperator(name, (input) => run(0, input));
}
