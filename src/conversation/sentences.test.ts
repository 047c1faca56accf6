import assert from "node:assert/strict";
import { test } from "node:test";
import { SentenceSplitter } from "./sentences.js";

test("sentences come out as soon as they are complete, across chunk borders", () => {
  const s = new SentenceSplitter();
  assert.deepEqual(s.push("Hello the"), []);
  assert.deepEqual(s.push("re! How are"), ["Hello there!"]);
  assert.deepEqual(s.push(" you? I am Dr. Smith, and 3.5 is a"), ["How are you?"]);
  assert.deepEqual(s.push(" number."), []);
  assert.equal(s.end(), "I am Dr. Smith, and 3.5 is a number.");
});
