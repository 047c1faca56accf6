import { test } from "node:test";
import assert from "node:assert/strict";
import Fastify from "fastify";
import type { AddressInfo } from "node:net";
import { audioWebsocketRoutes } from "../../src/api/routes/audio-websocket.js";
import { closed, openWs, startAudioParley } from "./audio-parley.js";

test("audioWebsocketRoutes on a Fastify app: /sdk/parley-web.js is served with CORS, the socket path joins calls, close() detaches", async () => {
  const p = await startAudioParley();
  const app = Fastify();
  audioWebsocketRoutes(app, { store: p.parley.store, calls: p.parley.calls });
  await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const sdk = await fetch(`${base}/sdk/parley-web.js`);
    assert.equal(sdk.status, 200);
    assert.equal(sdk.headers.get("access-control-allow-origin"), "*");
    assert.match(sdk.headers.get("content-type") ?? "", /javascript/);
    assert.match(await sdk.text(), /export \{[^}]*ParleyWebClient/);
    const call = await p.api("POST", "/v2/create-web-call", { agent_id: await p.agentId() });
    const ws = await openWs(`${base.replace("http", "ws")}/audio-websocket/${String(call.call_id)}?sample_rate=16000`);
    ws.send(Buffer.alloc(640));
    ws.close();
    assert.equal((await p.endedCall(String(call.call_id))).disconnection_reason, "user_hangup");
    const other = await openWs(`${base.replace("http", "ws")}/audio-websocket/${String(call.call_id)}`);
    assert.equal((await closed(other)).code, 4410);
  } finally {
    await app.close();
    await p.close();
  }
});
