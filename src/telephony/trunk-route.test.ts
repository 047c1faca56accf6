import { test } from "node:test";
import assert from "node:assert/strict";
import { trunkRoute } from "./trunk-route.js";
import type { PhoneNumber } from "../store/types.js";

const trunk = (terminationUri: string, transport?: "udp" | "tcp" | "tls"): PhoneNumber => ({
  phoneNumber: "+14155550100", workspaceId: "ws", kind: "imported", terminationUri, ...(transport ? { transport } : {}), createdAt: 0, lastModificationTimestamp: 0,
});

test("host:port with the number's transport", () => {
  const r = trunkRoute(trunk("127.0.0.1:5070", "udp"), "+14155550123");
  assert.ok(r.ok);
  if (r.ok) {
    assert.equal(r.requestUri, "sip:+14155550123@127.0.0.1:5070");
    assert.deepEqual(r.peer, { transport: "udp", address: "127.0.0.1", port: 5070 });
  }
});

test("a bare host defaults to TCP 5060 (Retell's default transport); sips: means TLS 5061", () => {
  const r = trunkRoute(trunk("trunk.example.com"), "+442071234567");
  assert.ok(r.ok && r.peer.transport === "tcp" && r.peer.port === 5060 && r.requestUri === "sip:+442071234567@trunk.example.com;transport=tcp");
  const s = trunkRoute(trunk("sips:trunk.example.com"), "+442071234567");
  assert.ok(s.ok && s.peer.transport === "tls" && s.peer.port === 5061);
});

test("a transport parameter in the URI wins; garbage is refused with a message", () => {
  const r = trunkRoute(trunk("sip:pstn.example.net:5080;transport=udp", "tcp"), "+1");
  assert.ok(r.ok && r.peer.transport === "udp" && r.peer.port === 5080);
  const bad = trunkRoute(trunk("not a uri"), "+1");
  assert.equal(bad.ok, false);
});
