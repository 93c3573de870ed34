/**
 * Keeps eager execution of a random program deterministic, so that any difference between
 * it and a jitted run is the JIT's: concurrent members that could fail never race each
 * other or an effectful sibling, and a step returns a non-object only where a Sequence or
 * Parallel checks it at once.
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
    case "try":
      return false;
  }
}

/** Whether `spec` contains a leaf that writes to the effect log. */
export function logs(spec: Spec): boolean {
  if (spec.t === "leaf") return spec.effects === "effectful";
  if (spec.t === "flaky") return true;
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
  }
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
      return spec;
    case "seq":
      return { ...spec, steps: spec.steps.map((s) => sanitize(s, true)) };
    case "par":
      return {
        ...spec,
        members: concurrentGroup(
          spec.members.map((s) => sanitize(s, true)),
          true,
        ),
      };
    case "ens": {
      const members = spec.members.map((s) => sanitize(s, false));
      if (spec.same) {
        const first = members[0]!;
        const safe = escapes(first) && logs(first) ? noFailures(first) : first;
        return { ...spec, members: [safe, ...members.slice(1)] };
      }
      return { ...spec, members: concurrentGroup(members, true) };
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
    case "custom":
      return { ...spec, script: spec.script.map(sanitizeStmt) };
  }
}

function sanitizeStmt(st: Stmt): Stmt {
  const call = (c: Call): Call => ({ ...c, kid: sanitize(c.kid, false) });
  switch (st.s) {
    case "call":
      return { ...st, call: call(st.call) };
    case "all": {
      // Awaited in a fixed order, so several failures still give one answer.
      const kidsOut = concurrentGroup(
        st.calls.map((c) => call(c).kid),
        false,
      );
      return { ...st, calls: st.calls.map((c, i) => ({ ...c, kid: kidsOut[i]! })) };
    }
    case "if":
      return { ...st, yes: st.yes.map(sanitizeStmt), no: st.no.map(sanitizeStmt) };
    case "try":
      return { ...st, body: st.body.map(sanitizeStmt) };
  }
}
