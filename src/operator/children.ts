import type { AnyOperator } from "./operator.js";

/** A child operator and the field it was found in: `judge`, `operators[1]`, `routes[fast]`. */
export interface Child {
  readonly name: string;
  readonly operator: AnyOperator;
}

/**
 * Finds the operators an operator holds in its own fields (directly, in arrays, in Maps or
 * in plain records), the way PyTorch's nn.Module finds submodules.
 */
export function discoverChildren(
  owner: object,
  isOperator: (value: unknown) => value is AnyOperator,
): Child[] {
  const found: Child[] = [];
  for (const key of Object.keys(owner)) {
    const value: unknown = (owner as Record<string, unknown>)[key];
    if (isOperator(value)) {
      found.push({ name: key, operator: value });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        if (isOperator(item)) found.push({ name: `${key}[${i}]`, operator: item });
      });
    } else if (value instanceof Map) {
      for (const [k, item] of value) {
        if (isOperator(item)) found.push({ name: `${key}[${String(k)}]`, operator: item });
      }
    } else if (isPlainRecord(value)) {
      for (const [k, item] of Object.entries(value)) {
        if (isOperator(item)) found.push({ name: `${key}[${k}]`, operator: item });
      }
    }
  }
  return found;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
