import { OptionError } from "../core/errors.js";
import { type AnyOperator, isOperator } from "../operator/operator.js";
import { DistributedError } from "./errors.js";

/** A module as `import()` returns it: its default export is an operator or makes one. */
export interface OperatorModule {
  readonly default?: unknown;
}

/** Operators a worker can run, by name: what both sides derive from the same module. */
export type OperatorRegistry = ReadonlyMap<string, AnyOperator>;

/** Leaves another process may run: pure or stochastic; effectful calls stay in the driver. */
export function mayRunRemotely(op: AnyOperator): boolean {
  return op.isLeaf() && (op.effects === "pure" || op.effects === "stochastic");
}

/** The operator a module's default export is (or returns). */
export async function moduleOperator(mod: OperatorModule, where = "module"): Promise<AnyOperator> {
  let value = mod.default;
  if (!isOperator(value) && typeof value === "function") value = await (value as () => unknown)();
  if (!isOperator(value)) {
    throw new OptionError("invalid_option", {
      where,
      what: "default export",
      got: value === null ? "null" : typeof value,
      valid: ["an Operator", "a function returning an Operator"],
    });
  }
  return value;
}

/**
 * Collects, by name, every leaf of the operator tree that may run on a worker (pure or
 * stochastic), walking `children()` recursively and through jitted wrappers to their
 * original. One instance reached twice (an ensemble of one model) counts once; two
 * instances under one name are an error naming them, since a worker could not tell which
 * one a job means.
 */
export function collectOperators(root: AnyOperator): OperatorRegistry {
  const found = new Map<string, AnyOperator>();
  const paths = new Map<string, string[]>();
  const seen = new Set<AnyOperator>();
  const walk = (op: AnyOperator, path: string): void => {
    if (seen.has(op)) return;
    seen.add(op);
    const original = (op as { original?: unknown }).original;
    if (isOperator(original)) walk(original, path);
    if (mayRunRemotely(op)) {
      const other = found.get(op.name);
      if (other && other !== op) paths.get(op.name)!.push(path);
      else {
        found.set(op.name, op);
        paths.set(op.name, [path]);
      }
    }
    for (const child of op.children()) walk(child.operator, `${path}/${child.name}`);
  };
  walk(root, root.name);
  const duplicates = [...paths].filter(([, at]) => at.length > 1);
  if (duplicates.length > 0) {
    const list = duplicates.map(([name, at]) => `"${name}" at ${at.join(", ")}`).join("; ");
    throw new DistributedError("duplicate_operator_name", {
      subject: "registerOperators()",
      detail: `operators that may run on workers need unique names (pass name: …); ${list}`,
    });
  }
  return found;
}

/** `collectOperators` of a module's default export. */
export async function registerOperators(mod: OperatorModule): Promise<OperatorRegistry> {
  return collectOperators(await moduleOperator(mod));
}
