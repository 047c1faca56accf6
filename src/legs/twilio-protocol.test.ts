import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTwilioFrame, twilioClear, twilioMark, twilioMedia } from "./twilio-protocol.js";

const start = {
  event: "start",
  sequenceNumber: "1",
  start: { accountSid: "AC1", streamSid: "MZ1", callSid: "CA1", tracks: ["inbound"], customParameters: { call_id: "call_x" }, mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } },
  streamSid: "MZ1",
};

test("start, media, dtmf, mark and stop parse field by field", () => {
  const s = parseTwilioFrame(JSON.stringify(start));
  assert.ok(s.ok && s.msg.event === "start");
  assert.deepEqual(s.msg.customParameters, { call_id: "call_x" });
  assert.equal(s.msg.callSid, "CA1");
  const m = parseTwilioFrame(JSON.stringify({ event: "media", sequenceNumber: "2", streamSid: "MZ1", media: { track: "inbound", chunk: "1", timestamp: "5", payload: Buffer.from([0xff, 0x7f]).toString("base64") } }));
  assert.ok(m.ok && m.msg.event === "media");
  assert.deepEqual([...m.msg.payload], [0xff, 0x7f]);
  assert.equal(m.msg.chunk, 1);
  const d = parseTwilioFrame(JSON.stringify({ event: "dtmf", streamSid: "MZ1", dtmf: { track: "inbound_track", digit: "#" } }));
  assert.ok(d.ok && d.msg.event === "dtmf" && d.msg.digit === "#");
  const k = parseTwilioFrame(JSON.stringify({ event: "mark", streamSid: "MZ1", mark: { name: "m1" } }));
  assert.ok(k.ok && k.msg.event === "mark" && k.msg.name === "m1");
  const st = parseTwilioFrame(JSON.stringify({ event: "stop", streamSid: "MZ1", stop: { accountSid: "AC1", callSid: "CA1" } }));
  assert.ok(st.ok && st.msg.event === "stop" && st.msg.callSid === "CA1");
});

test("malformed frames are errors that say what is wrong, never exceptions", () => {
  const cases: Array<[string, RegExp]> = [
    ["{", /not JSON/],
    ["[]", /not a JSON object/],
    ['{"streamSid":"MZ1"}', /no event/],
    [JSON.stringify({ ...start, start: { ...start.start, mediaFormat: { encoding: "audio/l16", sampleRate: 8000, channels: 1 } } }), /unsupported media format/],
    [JSON.stringify({ ...start, start: { ...start.start, callSid: undefined } }), /callSid/],
    [JSON.stringify({ event: "media", media: { payload: "AA==" } }), /no streamSid/],
    [JSON.stringify({ event: "media", streamSid: "MZ1", media: { payload: "not base64!" } }), /base64/],
    [JSON.stringify({ event: "dtmf", streamSid: "MZ1", dtmf: { digit: "x" } }), /DTMF/],
    [JSON.stringify({ event: "mark", streamSid: "MZ1", mark: {} }), /mark.name/],
  ];
  for (const [text, why] of cases) {
    const r = parseTwilioFrame(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.error, why, text);
  }
  const unknown = parseTwilioFrame(JSON.stringify({ event: "future", streamSid: "MZ1" }));
  assert.ok(unknown.ok && unknown.msg.event === "unknown");
});

test("outbound frames have Twilio's shape", () => {
  assert.deepEqual(JSON.parse(twilioMedia("MZ1", new Uint8Array([1, 2, 3]))), { event: "media", streamSid: "MZ1", media: { payload: "AQID" } });
  assert.deepEqual(JSON.parse(twilioMark("MZ1", "m")), { event: "mark", streamSid: "MZ1", mark: { name: "m" } });
  assert.deepEqual(JSON.parse(twilioClear("MZ1")), { event: "clear", streamSid: "MZ1" });
});
