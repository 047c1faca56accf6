import { test } from "node:test";
import assert from "node:assert/strict";
import { ListenerList } from "./listener-list.js";

test("an event reaches the listeners present when it fired; a listener given twice is kept once", () => {
  const list = new ListenerList<number>();
  const got: string[] = [];
  const late = (e: number): void => void got.push(`late ${e}`);
  let offB: () => void = () => undefined;
  const a = (e: number): void => {
    got.push(`a ${e}`);
    offB();
    list.add(late);
  };
  list.add(a);
  list.add(a);
  offB = list.add((e) => got.push(`b ${e}`));
  for (const l of list.current) l(1);
  for (const l of list.current) l(2);
  // b was removed and late added while 1 was delivered: 1 still reached b, not late; 2 reached late, not b.
  assert.deepEqual(got, ["a 1", "b 1", "a 2", "late 2"]);
  list.clear();
  assert.equal(list.current.length, 0);
});
