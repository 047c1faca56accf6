import assert from "node:assert/strict";
import { test } from "node:test";
import { callEnd } from "../core/call-end.js";
import { logEntryFor } from "./log-entry.js";

test("frames are logged raw, except the ping_pong heartbeat", () => {
  assert.deepEqual(logEntryFor({ type: "frame_in", raw: '{"response_type":"config"}', kind: "config" }), {
    type: "llm.in",
    data: { kind: "config", raw: '{"response_type":"config"}' },
  });
  assert.equal(logEntryFor({ type: "frame_in", raw: "{}", kind: "ping_pong" }), undefined);
  assert.equal(logEntryFor({ type: "frame_out", raw: "{}", kind: "ping_pong" }), undefined);
  assert.equal(logEntryFor({ type: "frame_out", raw: "{}", kind: "response_required" })?.type, "llm.out");
  assert.equal(logEntryFor({ type: "rtt", rttMs: 1 }), undefined);
});

test("connection events and the ending are logged with their evidence", () => {
  const end = callEnd("error_llm_websocket_runtime", { phase: "in_call", message: "closed with 1011", subReason: "close_1011" });
  assert.deepEqual(logEntryFor({ type: "ended", end }), {
    type: "llm.close",
    data: { reason: "error_llm_websocket_runtime", message: "closed with 1011", subReason: "close_1011" },
  });
  assert.equal(logEntryFor({ type: "open", url: "ws://x/c", attempt: 1, reconnect: false })?.type, "llm.open");
  assert.deepEqual(logEntryFor({ type: "dropped", frame: "response", id: 3, cause: "superseded" })?.data, { dropped: "superseded", frame: "response", id: 3 });
});
