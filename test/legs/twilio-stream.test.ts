import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { AUDIO_WS_CLOSE } from "../../src/api/routes/audio-websocket.js";
import { closed, openWs, startAudioParley, type AudioParley } from "./audio-parley.js";
import { TwilioStreamClient } from "./twilio-stream-client.js";

let p: AudioParley;

before(async () => {
  p = await startAudioParley({ PARLEY_REGISTERED_CALL_TIMEOUT_MS: "5000" });
});
after(async () => {
  await p.close();
});

async function register(): Promise<string> {
  const call = await p.api("POST", "/v2/register-phone-call", { agent_id: await p.agentId(), from_number: "+14155550100", to_number: "+14155550101" });
  assert.equal(call.call_status, "registered");
  return String(call.call_id);
}

async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("protocol test (written from published docs): a Twilio Media Streams client completes a registered call: connected, start, media, dtmf, mark, stop → user_hangup", async () => {
  const callId = await register();
  const ws = await openWs(p.wsUrl(`/audio-websocket/${callId}`));
  const tw = new TwilioStreamClient(ws);
  tw.connected();
  tw.start({ customParameters: { caller: "+14155550100" } });
  await until(() => p.session(callId).record.callStatus === "ongoing", "call ongoing");
  assert.equal(p.session(callId).record.telephonyIdentifier?.twilio_call_sid, tw.callSid);
  await tw.stream(50); // one second of caller audio
  tw.dtmf("7");
  await until(() => (p.traces.get(callId)?.framesIn ?? 0) >= 50 && (p.traces.get(callId)?.dtmf.length ?? 0) === 1, "caller frames and the digit reach the leg");
  // The echo agent sends every frame back; Parley paces it out and ends each burst with a mark.
  await until(() => tw.agentBytes >= 50 * 160 && tw.marksEchoed.length >= 1, "agent media and a mark come back");
  await until(() => (p.traces.get(callId)?.idle ?? 0) >= 1, "the echoed mark turns into playout_idle");
  const media = tw.received.filter((m) => m.event === "media");
  for (const m of media) assert.equal(m.streamSid, tw.streamSid);
  assert.ok(tw.received.some((m) => m.event === "mark" && m.streamSid === tw.streamSid));
  tw.stop();
  const [call, close] = await Promise.all([p.endedCall(callId), closed(ws)]);
  assert.equal(close.code, 1000);
  assert.equal(call.disconnection_reason, "user_hangup");
  assert.equal(call.call_status, "ended");
  assert.deepEqual(call.telephony_identifier, { twilio_call_sid: tw.callSid });
  assert.deepEqual(p.traces.get(callId)?.dtmf, ["7"]);
  assert.equal(p.traces.get(callId)?.framesIn, 50);
  // The call's detailed log keeps the stream's identity and its frame counts.
  const events = await p.parley.store.callEvents.list(callId);
  const start = events.find((e) => e.type === "media.port" && e.data.event === "start");
  assert.equal(start?.data.callSid, tw.callSid);
  const closedLeg = events.find((e) => e.type === "media.port" && e.data.event === "closed");
  assert.equal(closedLeg?.data.framesIn, 50);
  assert.ok(Number(closedLeg?.data.framesOut) >= 50);
  assert.ok(events.some((e) => e.type === "media.first_rtp" && e.data.leg === "twilio"));
});

test("protocol test (written from published docs): the call id may come as a <Parameter name=\"call_id\"> on a shared stream URL", async () => {
  const callId = await register();
  const ws = await openWs(p.wsUrl("/audio-websocket/twilio"));
  const tw = new TwilioStreamClient(ws);
  tw.connected();
  tw.start({ customParameters: { call_id: callId } });
  await tw.stream(5);
  await until(() => (p.traces.get(callId)?.framesIn ?? 0) === 5, "frames reach the leg");
  tw.stop();
  assert.equal((await p.endedCall(callId)).disconnection_reason, "user_hangup");
});

test("registered_call_timeout: no stream within PARLEY_REGISTERED_CALL_TIMEOUT_MS of register-phone-call", async () => {
  const short = await startAudioParley({ PARLEY_REGISTERED_CALL_TIMEOUT_MS: "300" });
  try {
    const call = await short.api("POST", "/v2/register-phone-call", { agent_id: await short.agentId() });
    const ended = await short.endedCall(String(call.call_id));
    assert.equal(ended.disconnection_reason, "registered_call_timeout");
    assert.equal(ended.call_status, "error");
    // A stream that turns up afterwards is told the call is over.
    const ws = await openWs(short.wsUrl(`/audio-websocket/${String(call.call_id)}`));
    const c = await closed(ws);
    assert.equal(c.code, AUDIO_WS_CLOSE.callEnded);
    assert.match(c.reason, /registered_call_timeout/);
  } finally {
    await short.close();
  }
});

for (const [name, send] of [
  ["a frame that is not JSON", (tw: TwilioStreamClient) => tw.ws.send('{"event":"media",')],
  ["a media frame without a payload", (tw: TwilioStreamClient) => tw.ws.send(JSON.stringify({ event: "media", streamSid: tw.streamSid, media: { track: "inbound" } }))],
  ["media for another stream", (tw: TwilioStreamClient) => tw.ws.send(JSON.stringify({ event: "media", streamSid: "MZother", media: { track: "inbound", payload: "////" } }))],
  ["a binary frame", (tw: TwilioStreamClient) => tw.ws.send(Buffer.alloc(160))],
] as const) {
  test(`error_twilio: ${name} after start`, async () => {
    const callId = await register();
    const ws = await openWs(p.wsUrl(`/audio-websocket/${callId}`));
    const tw = new TwilioStreamClient(ws);
    tw.connected();
    tw.start();
    await tw.stream(3);
    send(tw);
    const [call, close] = await Promise.all([p.endedCall(callId), closed(ws)]);
    assert.equal(call.disconnection_reason, "error_twilio");
    assert.notEqual(close.code, 1000);
    assert.equal((call.disconnection_detail as { phase: string }).phase, "in_call");
  });
}

test("error_twilio: a start with a media format other than μ-law 8 kHz mono", async () => {
  const callId = await register();
  const ws = await openWs(p.wsUrl(`/audio-websocket/${callId}`));
  const tw = new TwilioStreamClient(ws);
  tw.connected();
  tw.start({ mediaFormat: { encoding: "audio/l16", sampleRate: 16000, channels: 1 } });
  const call = await p.endedCall(callId);
  assert.equal(call.disconnection_reason, "error_twilio");
  assert.match(String((call.disconnection_detail as { message: string }).message), /audio\/l16/);
  assert.equal((call.disconnection_detail as { phase: string }).phase, "setup");
});

test("error_twilio: the stream's socket drops without a stop message", async () => {
  const callId = await register();
  const ws = await openWs(p.wsUrl(`/audio-websocket/${callId}`));
  const tw = new TwilioStreamClient(ws);
  tw.connected();
  tw.start();
  await tw.stream(5);
  ws.terminate();
  const call = await p.endedCall(callId);
  assert.equal(call.disconnection_reason, "error_twilio");
  assert.match(String((call.disconnection_detail as { message: string }).message), /without a stop/);
});

test("an unknown call id is refused with 4404 and a second stream for a connected call with 4409", async () => {
  const ws = await openWs(p.wsUrl("/audio-websocket/call_00000000000000000000000000a"));
  assert.equal((await closed(ws)).code, AUDIO_WS_CLOSE.unknownCall);
  const callId = await register();
  const first = await openWs(p.wsUrl(`/audio-websocket/${callId}`));
  const tw = new TwilioStreamClient(first);
  tw.connected();
  tw.start();
  await tw.stream(2);
  const second = await openWs(p.wsUrl(`/audio-websocket/${callId}`));
  assert.equal((await closed(second)).code, AUDIO_WS_CLOSE.alreadyJoined);
  tw.stop();
  assert.equal((await p.endedCall(callId)).disconnection_reason, "user_hangup");
});
