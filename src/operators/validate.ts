/**
 * Construction-time checks shared by the built-in operators. Misuse fails when the operator
 * is built, with a message naming the option, not later inside a run.
 */
import { OptionError } from "../core/errors.js";
import { childPath, indexed } from "../core/paths.js";
import { type AnyOperator, assertOperator } from "../operator/operator.js";

/**
 * Copies and freezes a list of child operators so later edits cannot change a compiled plan.
 * `owner` is the class for option errors; `name` roots the path of a bad element.
 */
export function operatorList(value: unknown, owner: string, name: string): readonly AnyOperator[] {
  if (!Array.isArray(value)) {
    throw new OptionError("invalid_option", {
      where: owner,
      what: "operators is",
      got: value,
      valid: ["an array of operators"],
    });
  }
  const list: AnyOperator[] = [];
  value.forEach((item: unknown, i) => {
    assertOperator(item, childPath(name, indexed("operators", i)));
    list.push(item);
  });
  return Object.freeze(list);
}

/** Throws an OptionError unless `value` is a function. */
export function requireFunction<F extends Function>(value: F, owner: string, option: string): F {
  if (typeof value !== "function") {
    throw new OptionError("invalid_option", {
      where: owner,
      what: `${option} is`,
      got: value,
      valid: ["a function"],
    });
  }
  return value;
}

/** Throws an OptionError unless `value` is undefined or a function. */
export function optionalFunction<F extends Function>(
  value: F | undefined,
  owner: string,
  option: string,
): F | undefined {
  return value === undefined ? undefined : requireFunction(value, owner, option);
}

/** Throws an OptionError unless `value` is undefined or a string. */
export function optionalKey(value: unknown, owner: string, option: string): void {
  if (value !== undefined && typeof value !== "string") {
    throw new OptionError("invalid_option", {
      where: owner,
      what: `${option} is`,
      got: value,
      valid: ["a string", "undefined"],
    });
  }
}
