import assert from "node:assert/strict";
import { test } from "node:test";
import type { DialRequest } from "../calls/call-service.js";
import type { PhoneNumber } from "../store/types.js";
import { transferDialRequest } from "./transfer-target.js";
import { trunkRoute } from "./trunk-route.js";

const call: DialRequest = {
  trunk: { phoneNumber: "+14155550100", terminationUri: "trunk.example:5080", transport: "UDP" } as unknown as PhoneNumber,
  from: "+14155550100",
  to: "+14155550123",
  customSipHeaders: { "X-Campaign": "7" },
  ringDurationMs: 30_000,
};

test("a number as transfer target goes out over the call's trunk, from the call's number, ringing for the transfer timeout", () => {
  const req = transferDialRequest(call, "+14155550999", { timeoutMs: 12_000 });
  assert.equal(req.to, "+14155550999");
  assert.equal(req.from, "+14155550100");
  assert.equal(req.trunk, call.trunk);
  assert.equal(req.ringDurationMs, 12_000);
  assert.deepEqual(req.customSipHeaders, {}, "the caller's custom headers are not copied to the target");
});

test("a sip: URI as transfer target is dialled straight to its host, with the user part as the dialled number", () => {
  const req = transferDialRequest(call, "sip:+14155550999@127.0.0.1:5071;transport=tcp", { timeoutMs: 5000 });
  assert.equal(req.to, "+14155550999");
  const route = trunkRoute(req.trunk, req.to);
  assert.ok(route.ok);
  assert.equal(route.requestUri, "sip:+14155550999@127.0.0.1:5071;transport=tcp");
  assert.deepEqual(route.peer, { transport: "tcp", address: "127.0.0.1", port: 5071 });
  assert.equal(call.trunk.terminationUri, "trunk.example:5080", "the call's trunk is left alone");
});

test("show_transferee_as_caller: the target sees the user's number as the caller", () => {
  const req = transferDialRequest(call, "+14155550999", { timeoutMs: 5000, callerId: "+14155550123" });
  assert.equal(req.from, "+14155550123");
  assert.equal(req.trunk, call.trunk, "still over the call's trunk");
});
