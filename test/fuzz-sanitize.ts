/**
 * Keeps eager execution of a random program deterministic, so that any difference between
 * it and a jitted run is the JIT's: concurrent members that could fail never race each
 * other or an effectful sibling, concurrent members never mutate the object they share,
 * a step returns a non-object only where a Sequence or Parallel checks it at once, and in a
 * program that mutates, no step hands back its input itself.
 */
import type { Call, Spec, Stmt } from "./fuzz-spec.js";

export function isRecordValue(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Whether a failure inside `spec` can escape it. */
function escapes(spec: Spec): boolean {
  switch (spec.t) {
    case "map":
    case "leaf":
      return spec.fail !== null;
    case "flaky":
    case "vote":
      return true;
    case "verify":
    case "append":
      return false;
    case "retry":
      if (spec.body.t === "flaky" && spec.body.failures < spec.attempts) return false;
      return escapes(spec.body);
    case "custom":
      return spec.script.some(stmtEscapes);
    default:
      return kids(spec).some(escapes);
  }
}

function stmtEscapes(st: Stmt): boolean {
  switch (st.s) {
    case "call":
      return escapes(st.call.kid);
    case "all":
      return st.calls.some((c) => escapes(c.kid));
    case "if":
      return st.yes.some(stmtEscapes) || st.no.some(stmtEscapes);
    case "chat":
      return escapes(st.append) || escapes(st.reply);
    // A call of itself fails only where the rest of its script does.
    case "try":
    case "mutate":
    case "self":
      return false;
  }
}

/** Whether `spec` contains a flaky leaf (whose attempt counts concurrent copies would race on). */
export function hasFlaky(spec: Spec): boolean {
  return spec.t === "flaky" || kids(spec).some(hasFlaky);
}

/** Whether `spec` contains a leaf that writes to the effect log. */
export function logs(spec: Spec): boolean {
  if (spec.t === "leaf") return spec.effects === "effectful";
  if (spec.t === "flaky" || spec.t === "append") return true;
  return kids(spec).some(logs);
}

function failSites(spec: Spec): number {
  if (spec.t === "map" || spec.t === "leaf") return spec.fail ? 1 : 0;
  if (spec.t === "flaky" || spec.t === "vote") return 1;
  return kids(spec).reduce((n, k) => n + failSites(k), 0);
}

function kids(spec: Spec): Spec[] {
  switch (spec.t) {
    case "seq":
    case "box":
      return [...spec.steps];
    case "par":
    case "ens":
      return [...spec.members];
    case "branch":
      return [spec.yes, spec.no];
    case "retry":
      return [spec.body];
    case "mr":
      return [spec.item];
    case "custom":
      return spec.script.flatMap(stmtKids);
    default:
      return [];
  }
}

function stmtKids(st: Stmt): Spec[] {
  switch (st.s) {
    case "call":
      return [st.call.kid];
    case "all":
      return st.calls.map((c) => c.kid);
    case "if":
      return [...st.yes, ...st.no].flatMap(stmtKids);
    case "try":
      return st.body.flatMap(stmtKids);
    case "chat":
      return [st.append, st.reply];
    case "mutate":
    case "self":
      return [];
  }
}

function someStmt(stmts: readonly Stmt[], p: (st: Stmt) => boolean): boolean {
  return stmts.some(
    (st) =>
      p(st) ||
      (st.s === "if" && (someStmt(st.yes, p) || someStmt(st.no, p))) ||
      (st.s === "try" && someStmt(st.body, p)),
  );
}

/** Whether a custom operator's script calls the operator itself. */
export function recurses(spec: Extract<Spec, { t: "custom" }>): boolean {
  return someStmt(spec.script, (st) => st.s === "self");
}

/** Whether `spec` mutates anything anywhere (an append leaf, a mutate or chat statement). */
export function mutates(spec: Spec): boolean {
  if (spec.t === "append") return true;
  if (spec.t === "custom" && someStmt(spec.script, (st) => st.s === "mutate" || st.s === "chat"))
    return true;
  return kids(spec).some(mutates);
}

/** Whether `spec` recurses anywhere. */
export function recursive(spec: Spec): boolean {
  return (spec.t === "custom" && recurses(spec)) || kids(spec).some(recursive);
}

/**
 * Whether a call of `spec` may change the object it is given (top-level keys). A Sequence
 * hands its input itself only to its first step, a pipe to its first; a map-reduce item is
 * an object of its own; a custom operator's results are its own (see `freshen`), so only
 * what it does to its input counts: a mutate or chat statement on it, or a child given it
 * as is (`same`, which is the input, or a result, or the input while there is none).
 */
export function mutatesInput(spec: Spec): boolean {
  switch (spec.t) {
    case "append":
      return true;
    case "seq":
    case "box":
      return spec.steps[0] !== undefined && mutatesInput(spec.steps[0]);
    case "mr":
      return false;
    case "custom":
      return someStmt(spec.script, (st) => {
        switch (st.s) {
          case "mutate":
            return st.target.from === "input";
          case "chat":
            return st.on.from === "input" || mutatesInput(st.append) || mutatesInput(st.reply);
          case "call":
            return st.call.arg.e === "same" && mutatesInput(st.call.kid);
          case "all":
            return st.calls.some((c) => c.arg.e === "same" && mutatesInput(c.kid));
          default:
            return false;
        }
      });
    default:
      return kids(spec).some(mutatesInput);
  }
}

/** `spec` with nothing inside it that changes its input: appends become plain log writes. */
function noInputMutation(spec: Spec): Spec {
  if (spec.t === "append") {
    return {
      t: "leaf",
      effects: "effectful",
      inKey: null,
      write: spec.write ?? spec.key,
      delay: spec.delay,
      zod: false,
      fail: null,
    };
  }
  if (spec.t !== "custom") return mapKids(spec, noInputMutation);
  const stmt = (st: Stmt): Stmt[] => {
    switch (st.s) {
      case "mutate":
        return st.target.from === "input" ? [] : [st];
      case "if":
        return [{ ...st, yes: st.yes.flatMap(stmt), no: st.no.flatMap(stmt) }];
      case "try":
        return [{ ...st, body: st.body.flatMap(stmt) }];
      default:
        return [st];
    }
  };
  return mapKids({ ...spec, script: spec.script.flatMap(stmt) }, noInputMutation);
}

/**
 * An empty Sequence returns its input itself; in a program that mutates, it becomes a
 * Parallel around it, which returns a fresh copy. Eager execution would otherwise alias a
 * result with an input (a later mutation of one changing the other) where a jitted run may
 * hand a structured copy, which DESIGN §7 allows for pure calls.
 */
export function freshen(spec: Spec): Spec {
  const empty = (s: Spec | undefined) => s?.t === "seq" && s.steps.length === 0;
  if (spec.t === "par" && spec.members.length === 1 && empty(spec.members[0])) return spec;
  if (empty(spec)) return { t: "par", members: [spec] };
  return mapKids(spec, freshen);
}

/** Members run at once on one object: none of them may change it (one alone may). */
function unshared(members: readonly Spec[]): Spec[] {
  if (members.length < 2) return [...members];
  return members.map((m) => (mutatesInput(m) ? noInputMutation(m) : m));
}

/** Keeps the first call of itself in a script (in eager order; none with `none`). */
function oneSelf(script: readonly Stmt[], none = false): Stmt[] {
  let seen = none;
  const keep = (stmts: readonly Stmt[]): Stmt[] =>
    stmts.flatMap((st): Stmt[] => {
      if (st.s === "self") {
        if (seen) return [];
        seen = true;
        return [st];
      }
      if (st.s === "if") return [{ ...st, yes: keep(st.yes), no: keep(st.no) }];
      if (st.s === "try") return [{ ...st, body: keep(st.body) }];
      return [st];
    });
  return keep(script);
}

/** Removes every failure inside `spec` (a flaky leaf becomes a plain effectful one). */
function noFailures(spec: Spec): Spec {
  switch (spec.t) {
    case "map":
    case "leaf":
      return { ...spec, fail: null };
    case "flaky":
      return {
        t: "leaf",
        effects: "effectful",
        inKey: null,
        write: spec.write,
        delay: spec.delay,
        zod: false,
        fail: null,
      };
    case "vote":
      return { t: "verify", inKey: "e", write: spec.write, throws: false };
    default:
      return mapKids(spec, noFailures);
  }
}

function mapKids(spec: Spec, f: (s: Spec) => Spec): Spec {
  const stmt = (st: Stmt): Stmt => {
    switch (st.s) {
      case "call":
        return { ...st, call: { ...st.call, kid: f(st.call.kid) } };
      case "all":
        return { ...st, calls: st.calls.map((c) => ({ ...c, kid: f(c.kid) })) };
      case "if":
        return { ...st, yes: st.yes.map(stmt), no: st.no.map(stmt) };
      case "try":
        return { ...st, body: st.body.map(stmt) };
      case "chat":
        return { ...st, append: f(st.append), reply: f(st.reply) };
      case "mutate":
      case "self":
        return st;
    }
  };
  switch (spec.t) {
    case "seq":
    case "box":
      return { ...spec, steps: spec.steps.map(f) };
    case "par":
    case "ens":
      return { ...spec, members: spec.members.map(f) };
    case "branch":
      return { ...spec, yes: f(spec.yes), no: f(spec.no) };
    case "retry":
      return { ...spec, body: f(spec.body) };
    case "mr":
      return { ...spec, item: f(spec.item) };
    case "custom":
      return { ...spec, script: spec.script.map(stmt) };
    default:
      return spec;
  }
}

/**
 * Members that run at once: when one can fail, eager execution aborts the others at a
 * moment that depends on timing, so no other member may write the log; and only one may
 * fail (Parallel and Ensemble report whichever failure comes first).
 */
function concurrentGroup(members: readonly Spec[], oneFailure: boolean): Spec[] {
  const failing = members.map(escapes);
  if (!failing.some(Boolean)) return [...members];
  const othersLog = members.some(
    (m, i) => logs(m) && (!failing[i] || failing.filter(Boolean).length > 1),
  );
  if (othersLog) return members.map(noFailures);
  if (!oneFailure) return [...members];
  const first = failing.indexOf(true);
  return members.map((m, i) => (i === first ? m : noFailures(m)));
}

/** `directStep`: the node's output is checked as a Sequence/Parallel step's. */
export function sanitize(spec: Spec, directStep: boolean): Spec {
  switch (spec.t) {
    case "map": {
      const keyed = spec.inKey !== null;
      if (spec.fail?.how === "value" && (!directStep || keyed))
        return { ...spec, fail: { ...spec.fail, how: "error" } };
      return spec;
    }
    case "leaf":
      if (spec.fail?.how === "value" && !directStep)
        return { ...spec, fail: { ...spec.fail, how: "error" } };
      return spec;
    case "flaky":
    case "vote":
    case "verify":
    case "append":
      return spec;
    case "seq":
      return { ...spec, steps: spec.steps.map((s) => sanitize(s, true)) };
    case "par":
      return {
        ...spec,
        members: concurrentGroup(unshared(spec.members.map((s) => sanitize(s, true))), true),
      };
    case "ens": {
      const members = unshared(spec.members.map((s) => sanitize(s, false)));
      if (spec.same && !hasFlaky(spec.members[0]!)) {
        const first = members[0]!;
        const safe = escapes(first) && logs(first) ? noFailures(first) : first;
        return { ...spec, members: [safe, ...members.slice(1)] };
      }
      // The builder makes one instance only of a member without a flaky leaf (see
      // ensemble() in test/fuzz-build.ts); otherwise these are distinct concurrent members.
      return { ...spec, same: false, members: concurrentGroup(members, true) };
    }
    case "box":
      return { ...spec, steps: spec.steps.map((s) => sanitize(s, false)) };
    case "branch":
      return { ...spec, yes: sanitize(spec.yes, directStep), no: sanitize(spec.no, directStep) };
    case "retry":
      return { ...spec, body: sanitize(spec.body, directStep) };
    case "mr": {
      const item = sanitize(spec.item, false);
      const racy = escapes(item) && (logs(item) || failSites(item) > 1);
      return { ...spec, item: racy ? noFailures(item) : item };
    }
    case "custom": {
      // A custom operator that calls only itself is kept: a leaf that calls an operator
      // gives its budget slot back first (the deadlock the fuzzer found, now a regression test).
      return { ...spec, script: oneSelf(spec.script).map(sanitizeStmt) };
    }
  }
}

function sanitizeStmt(st: Stmt): Stmt {
  const call = (c: Call): Call => ({ ...c, kid: sanitize(c.kid, false) });
  switch (st.s) {
    case "call":
      return { ...st, call: call(st.call) };
    case "all": {
      // Awaited in a fixed order, so several failures still give one answer.
      const kidsOut = concurrentGroup(unshared(st.calls.map((c) => call(c).kid)), false);
      return { ...st, calls: st.calls.map((c, i) => ({ ...c, kid: kidsOut[i]! })) };
    }
    case "if":
      return { ...st, yes: st.yes.map(sanitizeStmt), no: st.no.map(sanitizeStmt) };
    case "try":
      return { ...st, body: st.body.map(sanitizeStmt) };
    case "chat":
      return { ...st, append: sanitize(st.append, false), reply: sanitize(st.reply, false) };
    case "mutate":
    case "self":
      return st;
  }
}
