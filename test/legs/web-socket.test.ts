import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type WebSocket from "ws";
import { AUDIO_WS_CLOSE } from "../../src/api/routes/audio-websocket.js";
import { closed, nextMessage, openWs, startAudioParley, type AudioParley } from "./audio-parley.js";

// A client speaking retell-client-js-sdk 1.x's audio-websocket protocol (its AudioWsClient):
// binary PCM16LE at the client's rate, "ping"/"pong", JSON update/metadata events from the server.

let p: AudioParley;

before(async () => {
  p = await startAudioParley();
});
after(async () => {
  await p.close();
});

async function webCall(): Promise<{ callId: string; token: string }> {
  const call = await p.api("POST", "/v2/create-web-call", { agent_id: await p.agentId() });
  return { callId: String(call.call_id), token: String(call.access_token) };
}

/** `n` 20 ms frames of a 24 kHz tone, PCM16LE. */
function toneFrames(n: number, rate = 24_000): Buffer[] {
  const per = rate / 50;
  return Array.from({ length: n }, (_, k) => {
    const b = Buffer.alloc(per * 2);
    for (let i = 0; i < per; i++) b.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 440 * (k * per + i)) / rate)), i * 2);
    return b;
  });
}

async function sendPaced(ws: WebSocket, frames: Buffer[]): Promise<void> {
  for (const f of frames) {
    ws.send(f);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("web call: a retell-client-js-sdk 1.x client joins by call id, talks, gets pong, update/metadata events and echoed audio; its close records user_hangup", async () => {
  const { callId } = await webCall();
  const ws = await openWs(p.wsUrl(`/audio-websocket/${callId}?enable_update=true&sample_rate=24000`));
  const metadata = nextMessage(ws, (d, b) => !b && d.toString().includes('"metadata"'));
  const update = nextMessage(ws, (d, b) => !b && d.toString().includes('"update"'));
  const agentAudio = nextMessage(ws, (_d, b) => b);
  await sendPaced(ws, toneFrames(25));
  const pong = nextMessage(ws, (d, b) => !b && d.toString() === "pong");
  ws.send("ping");
  await pong;
  assert.deepEqual(JSON.parse((await metadata).toString()), { event_type: "metadata", metadata: { runner: "echo" } });
  assert.equal(JSON.parse((await update).toString()).transcript[0].content, "echo");
  const echoed = await agentAudio;
  assert.equal(echoed.length % 2, 0);
  assert.equal(echoed.length, 480 * 2, "agent audio comes back as 20 ms frames at the client's 24 kHz");
  const trace = p.traces.get(callId);
  assert.ok(trace && trace.framesIn >= 20, `caller frames reached the leg (${trace?.framesIn})`);
  assert.equal(p.session(callId).record.callStatus, "ongoing");
  ws.close(1000, "bye");
  const call = await p.endedCall(callId);
  assert.equal(call.disconnection_reason, "user_hangup");
  assert.equal(call.call_status, "ended");
});

test("web call: Parley's SDK may join with the access token alone; a wrong token for a call id is refused", async () => {
  const { callId, token } = await webCall();
  const wrong = await openWs(p.wsUrl(`/audio-websocket/${callId}?access_token=nope`));
  assert.equal((await closed(wrong)).code, AUDIO_WS_CLOSE.badToken);
  const ws = await openWs(p.wsUrl(`/audio-websocket/${token}?sample_rate=16000`));
  await sendPaced(ws, toneFrames(5, 16_000));
  ws.close();
  assert.equal((await p.endedCall(callId)).disconnection_reason, "user_hangup");
});

test("web call: the server closes the socket with 1000 when the call ends (stop-call)", async () => {
  const { callId } = await webCall();
  const ws = await openWs(p.wsUrl(`/audio-websocket/${callId}?sample_rate=24000`));
  await sendPaced(ws, toneFrames(3));
  const close = closed(ws);
  await p.api("POST", `/v2/stop-call/${callId}`);
  const c = await close;
  assert.equal(c.code, 1000);
  assert.match(c.reason, /manual_stopped/);
  assert.equal((await p.endedCall(callId)).disconnection_reason, "manual_stopped");
});

for (const [name, frame] of [
  ["an odd-length binary frame", Buffer.alloc(961)],
  ["a text frame that is neither ping/pong nor JSON", "hello?"],
  ["an oversized frame", Buffer.alloc(200_000)],
] as const) {
  test(`error_frontend_corrupted_payload: ${name}`, async () => {
    const { callId } = await webCall();
    const ws = await openWs(p.wsUrl(`/audio-websocket/${callId}?sample_rate=24000`));
    await sendPaced(ws, toneFrames(3));
    const close = closed(ws);
    ws.send(frame);
    const c = await close;
    assert.equal(c.code, 1007);
    const call = await p.endedCall(callId);
    assert.equal(call.disconnection_reason, "error_frontend_corrupted_payload");
    assert.equal(call.call_status, "error");
  });
}

test("error_user_not_joined: nobody joins within PARLEY_JOIN_TIMEOUT_MS; joining later is refused with 4410", async () => {
  const short = await startAudioParley({ PARLEY_JOIN_TIMEOUT_MS: "300" });
  try {
    const call = await short.api("POST", "/v2/create-web-call", { agent_id: await short.agentId() });
    const ended = await short.endedCall(String(call.call_id));
    assert.equal(ended.disconnection_reason, "error_user_not_joined");
    const ws = await openWs(short.wsUrl(`/audio-websocket/${String(call.call_id)}`));
    assert.equal((await closed(ws)).code, AUDIO_WS_CLOSE.callEnded);
  } finally {
    await short.close();
  }
});

test("error_no_audio_received: a client that joins and never sends audio (PARLEY_MEDIA_INITIAL_TIMEOUT_MS)", async () => {
  const short = await startAudioParley({ PARLEY_MEDIA_INITIAL_TIMEOUT_MS: "300", PARLEY_MEDIA_TIMEOUT_MS: "200" }, { mediaTimeouts: { initialMs: 300, ongoingMs: 200 } });
  try {
    const call = await short.api("POST", "/v2/create-web-call", { agent_id: await short.agentId() });
    const ws = await openWs(short.wsUrl(`/audio-websocket/${String(call.call_id)}`));
    ws.send("ping");
    const ended = await short.endedCall(String(call.call_id));
    assert.equal(ended.disconnection_reason, "error_no_audio_received");
    assert.equal(ws.readyState === ws.CLOSED || ws.readyState === ws.CLOSING, true);
  } finally {
    await short.close();
  }
});

test("a malformed path is answered 400, not a crash; an unknown token is refused with 4404", async () => {
  const ws = new (await import("ws")).WebSocket(p.wsUrl("/audio-websocket/%E0%A4%A"));
  const status = await new Promise<number>((resolve) => ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)));
  assert.equal(status, 400);
  const unknown = await openWs(p.wsUrl("/audio-websocket/ws_notatoken?sample_rate=16000"));
  unknown.send(Buffer.alloc(640));
  assert.equal((await closed(unknown)).code, AUDIO_WS_CLOSE.unknownCall);
});
