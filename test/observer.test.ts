import assert from "node:assert/strict";
import { test } from "node:test";
import { type CallInfo, MapOperator, SequenceOperator, withObserver } from "../src/index.js";

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
