import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type CallInfo,
  type CallObserver,
  jit,
  MapOperator,
  Operator,
  SequenceOperator,
  withObserver,
} from "../src/index.js";

test("observer: sees every call with its parent, in start and finish order", async () => {
  const seq = new SequenceOperator({
    operators: [
      new MapOperator({ name: "double", fn: (i: { v: number }) => ({ v: i.v * 2 }) }),
      new MapOperator({
        name: "boom",
        fn: (): { v: number } => {
          throw new Error("no");
        },
      }),
    ],
  });
  const events: string[] = [];
  const ids = new Map<number, CallInfo>();
  const observer = {
    callStarted: (c: CallInfo) => {
      ids.set(c.id, c);
      events.push(
        `start ${c.path} parent=${c.parentId === undefined ? "-" : ids.get(c.parentId)?.path}`,
      );
    },
    callFinished: (c: CallInfo, _at: number, o: { ok: boolean }) =>
      events.push(`end ${c.path} ${o.ok ? "ok" : "error"}`),
  };
  await assert.rejects(
    withObserver(observer, () => seq({ v: 1 })),
    /no/,
  );
  assert.deepEqual(events, [
    "start sequence parent=-",
    "start sequence/operators[0] parent=sequence",
    "end sequence/operators[0] ok",
    "start sequence/operators[1] parent=sequence",
    "end sequence/operators[1] error",
    "end sequence error",
  ]);
  events.length = 0;
  await seq({ v: 1 }).catch(() => {});
  assert.deepEqual(events, [], "no observer outside the scope");
});

test("observer: a trace plan reports each call it starts early, and whether it was claimed or wasted", async () => {
  class Two extends Operator<{ q: string; go: boolean }, unknown> {
    override readonly name = "two";
    readonly left = new MapOperator({ name: "left", fn: async (i: { q: string }) => ({ l: i.q }) });
    readonly right = new MapOperator({
      name: "right",
      fn: async (i: { q: string }) => ({ r: i.q }),
    });
    async forward(i: { q: string; go: boolean }) {
      const l = await this.left(i);
      return i.go ? { ...l, ...(await this.right(i)) } : l;
    }
  }
  const fast = jit(new Two(), { mode: "trace" });
  await fast({ q: "a", go: true });
  const events: string[] = [];
  const observer: CallObserver = {
    speculated: (s) => events.push(`speculated ${s.site}`),
    claimed: (s) => events.push(`claimed ${s.site}`),
    wasted: (s) => events.push(`wasted ${s.site}`),
  };
  await withObserver(observer, () => fast({ q: "b", go: false }));
  assert.deepEqual(events, [
    "speculated two/left#0",
    "speculated two/right#0",
    "claimed two/left#0",
    "wasted two/right#0",
  ]);
});
