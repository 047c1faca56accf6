import assert from "node:assert/strict";
import { test } from "node:test";
import { callEnd } from "../core/index.js";
import { afterCancelledTransfer } from "./transfer-cancelled.js";

const busy = callEnd("dial_busy", { phase: "dialing", message: "the callee was busy (486 Busy Here)", sip: { code: 486, phrase: "Busy Here", reasonHeader: "Q.850;cause=17" } });
const cancelled = { destination: "+14155550999", targetEnd: busy };

test("after a cancelled warm transfer, an ordinary ending becomes transfer_cancelled and keeps the target's SIP response", () => {
  const hangup = callEnd("agent_hangup", { phase: "in_call", message: "the agent ended the call (end_call)", subReason: "end_call", at: 1234 });
  const end = afterCancelledTransfer(hangup, cancelled);
  assert.equal(end.reason, "transfer_cancelled");
  assert.equal(end.phase, "in_call");
  assert.equal(end.fault, "agent");
  assert.equal(end.at, 1234);
  assert.deepEqual(end.sip, busy.sip);
  assert.equal(end.subReason, "dial_busy");
  assert.match(end.message, /warm transfer to \+14155550999 was cancelled \(the callee was busy \(486 Busy Here\)\); then the agent ended the call/);
  assert.equal(afterCancelledTransfer(callEnd("user_hangup", { phase: "in_call", message: "BYE", sip: { method: "BYE" } }), cancelled).sip, busy.sip);
});

test("failures and operator actions keep their own reason; without a cancelled transfer nothing changes", () => {
  const lost = callEnd("error_llm_websocket_lost_connection", { phase: "in_call", message: "lost" });
  assert.equal(afterCancelledTransfer(lost, cancelled), lost);
  const stopped = callEnd("manual_stopped", { phase: "in_call", message: "stop-call" });
  assert.equal(afterCancelledTransfer(stopped, cancelled), stopped);
  const hangup = callEnd("agent_hangup", { phase: "in_call", message: "bye" });
  assert.equal(afterCancelledTransfer(hangup, undefined), hangup);
});

test("a target that failed without a SIP response (no route, timeout without provisional) keeps its sub-reason and no SIP evidence", () => {
  const noRoute = callEnd("dial_failed", { phase: "dialing", message: "no route", subReason: "bad_termination_uri" });
  const end = afterCancelledTransfer(callEnd("inactivity", { phase: "in_call", message: "silence" }), { destination: "x", targetEnd: noRoute });
  assert.equal(end.reason, "transfer_cancelled");
  assert.equal(end.subReason, "dial_failed:bad_termination_uri");
  assert.equal(end.sip, undefined);
});
