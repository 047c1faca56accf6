import { test } from "node:test";
import assert from "node:assert/strict";
import { applyEnd, markOngoing, IllegalTransition, type CallRecord } from "./call-record.js";
import { callEnd, EndLatch } from "./call-end.js";

function fresh(): CallRecord {
  return { callId: "call_x", workspaceId: "ws", callType: "phone_call", agentId: "agent_x", agentVersion: 0, callStatus: "registered",
    dataStorageSetting: "everything", startTimestamp: 1000, timestamps: {}, ownerNode: "n1" };
}

test("a registered call that fails to dial becomes not_connected with its evidence", () => {
  const end = callEnd("dial_busy", { phase: "dialing", message: "486 Busy Here", sip: { code: 486, phrase: "Busy Here", reasonHeader: "Q.850;cause=17" }, at: 4000 });
  const r = applyEnd(fresh(), end);
  assert.equal(r.callStatus, "not_connected");
  assert.equal(r.disconnectionReason, "dial_busy");
  assert.equal(r.endDetail?.sipCode, 486);
  assert.equal(r.endDetail?.sipReasonHeader, "Q.850;cause=17");
  assert.equal(r.endDetail?.fault, "callee");
  assert.equal(r.durationMs, 3000);
  assert.equal(r.ownerNode, undefined);
});

test("an ongoing call cannot end as not_connected", () => {
  const live = markOngoing(fresh(), 2000);
  assert.equal(live.timestamps.answered, 2000);
  assert.throws(() => applyEnd(live, callEnd("dial_busy", { phase: "dialing", message: "x" })), IllegalTransition);
  assert.equal(applyEnd(live, callEnd("user_hangup", { phase: "in_call", message: "BYE", at: 9000 })).callStatus, "ended");
});

test("an ended call cannot end again", () => {
  const ended = applyEnd(fresh(), callEnd("manual_stopped", { phase: "dialing", message: "stop-call" }));
  assert.throws(() => applyEnd(ended, callEnd("user_hangup", { phase: "in_call", message: "x" })), IllegalTransition);
});

test("the first cause wins", () => {
  const latch = new EndLatch();
  assert.equal(latch.offer(callEnd("user_hangup", { phase: "in_call", message: "BYE" })), true);
  assert.equal(latch.offer(callEnd("error_no_audio_received", { phase: "in_call", message: "timeout" })), false);
  assert.equal(latch.end?.reason, "user_hangup");
});
