import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseTracker } from "./response-tracker.js";

test("ids count from 1; 0 is the begin message, accepted once before any request", () => {
  const t = new ResponseTracker();
  assert.deepEqual(t.response(0, false), { accept: true });
  assert.deepEqual(t.response(0, true), { accept: true });
  assert.deepEqual(t.response(0, true), { accept: false, cause: "begin_repeated" });
  assert.equal(t.nextId(), 1);
  assert.equal(t.nextId(), 2);
  assert.equal(t.latestId, 2);
});

test("a request supersedes an unfinished begin message", () => {
  const t = new ResponseTracker();
  t.nextId();
  assert.deepEqual(t.response(0, true), { accept: false, cause: "superseded" });
});

test("only the latest id, and only until complete", () => {
  const t = new ResponseTracker();
  const a = t.nextId();
  const b = t.nextId();
  assert.equal(t.awaiting, true);
  assert.deepEqual(t.response(a, true), { accept: false, cause: "superseded" });
  assert.deepEqual(t.response(b + 1, true), { accept: false, cause: "not_requested" });
  assert.deepEqual(t.response(b, false), { accept: true });
  assert.deepEqual(t.response(b, true), { accept: true });
  assert.equal(t.awaiting, false);
  assert.deepEqual(t.response(b, true), { accept: false, cause: "already_complete" });
});

test("an interrupt cancels the in-flight response; same interrupt id continues, a new one replaces", () => {
  const t = new ResponseTracker();
  const id = t.nextId();
  assert.deepEqual(t.response(id, false), { accept: true });
  assert.deepEqual(t.interrupt(5, false), { accept: true });
  assert.deepEqual(t.response(id, true), { accept: false, cause: "interrupted" });
  assert.equal(t.awaiting, false);
  assert.deepEqual(t.interrupt(5, true), { accept: true });
  assert.deepEqual(t.interrupt(5, true), { accept: false, cause: "already_complete" });
  assert.deepEqual(t.interrupt(6, true), { accept: true });
  const next = t.nextId();
  assert.deepEqual(t.response(next, true), { accept: true });
});

test("an interrupt before the begin message completes drops the rest of it", () => {
  const t = new ResponseTracker();
  assert.deepEqual(t.response(0, false), { accept: true });
  t.interrupt(1, true);
  assert.deepEqual(t.response(0, true), { accept: false, cause: "interrupted" });
});
