import {
  AbortError,
  GraphError,
  OperatorError,
  OptionError,
  TimeoutError,
  ValidationError,
} from "../core/errors.js";

/**
 * Which step threw an error. An error thrown by user code reaches the caller as the very
 * object that was thrown (never wrapped), so its origin is kept beside it: a WeakMap from
 * the error to the path of the innermost operator call it escaped from, filled on the
 * failure path only (a successful call costs nothing) and never visible on the error itself.
 */
const paths = new WeakMap<object, string>();

/** Records that `error` escaped the call at `path`, unless an inner call recorded it first. */
export function noteErrorPath(error: unknown, path: string): void {
  if ((typeof error !== "object" || error === null) && typeof error !== "function") return;
  if (!paths.has(error)) paths.set(error, path);
}

/**
 * The operator path of the step that threw `error` (e.g. `"qa/operators[3]"`), the same in
 * every JIT mode as eagerly; the string form, without the operator's name. An error ember-xcs
 * raised itself (a `ValidationError`, say) names its operator in its own `path`, which wins:
 * a Sequence's complaint about a step's output is about that step, not the Sequence. Undefined
 * for a value no operator call ever saw thrown (or a primitive: only objects can be keyed).
 *
 * @example
 * try { await pipeline(input); } catch (err) { console.error(errorPath(err), err); }
 */
export function errorPath(error: unknown): string | undefined {
  if ((typeof error !== "object" || error === null) && typeof error !== "function")
    return undefined;
  if (isEmberError(error) && error.path !== "") return error.path;
  return paths.get(error);
}

// A user's error may have a `path` of its own (Node's fs errors do: a file path), so only
// ember-xcs's classes are trusted to carry an operator path.
function isEmberError(error: object): error is { path: string } {
  return (
    error instanceof ValidationError ||
    error instanceof OperatorError ||
    error instanceof OptionError ||
    error instanceof GraphError ||
    error instanceof TimeoutError ||
    error instanceof AbortError
  );
}
