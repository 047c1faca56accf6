import assert from "node:assert/strict";
import { test } from "node:test";
import { socketUrl } from "./options.js";

test("the call id is appended as the last path segment", () => {
  assert.equal(socketUrl("ws://127.0.0.1:8081/llm-websocket", "call_1"), "ws://127.0.0.1:8081/llm-websocket/call_1");
  assert.equal(socketUrl("ws://127.0.0.1:8081/llm-websocket/", "call_1"), "ws://127.0.0.1:8081/llm-websocket/call_1");
  assert.equal(socketUrl("wss://h.example/llm//", "call_1"), "wss://h.example/llm/call_1");
  assert.equal(socketUrl("wss://h.example", "call_1"), "wss://h.example/call_1");
});

test("a query string stays at the end", () => {
  assert.equal(socketUrl("wss://h.example/llm/?key=a%20b", "call_1"), "wss://h.example/llm/call_1?key=a%20b");
});

test("an unparsable base is concatenated so the dial reports it", () => {
  assert.equal(socketUrl("not a url/", "c"), "not a url/c");
});
