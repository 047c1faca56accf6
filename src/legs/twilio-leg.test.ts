import { test } from "node:test";
import assert from "node:assert/strict";
import { TwilioLeg } from "./twilio-leg.js";
import { untilReceived, withWsPair } from "./ws-pair.test-helper.js";

const START = JSON.stringify({
  event: "start",
  sequenceNumber: "1",
  streamSid: "MZ1",
  start: { accountSid: "AC1", streamSid: "MZ1", callSid: "CA1", tracks: ["inbound"], customParameters: {}, mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } },
});

test("agent audio goes out as 160-byte μ-law media frames, then a mark; clearAudio sends clear", () =>
  withWsPair(async (pair) => {
    const leg = new TwilioLeg(pair.server);
    const started = new Promise<void>((r) => leg.onStart(() => r()));
    pair.client.send(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }));
    pair.client.send(START);
    await started;
    leg.sendAudio(new Int16Array(480));
    const json = (): Array<Record<string, unknown>> => pair.received.map((m) => JSON.parse(m.data.toString()) as Record<string, unknown>);
    await untilReceived(pair, () => json().some((m) => m.event === "mark"));
    const media = json().filter((m) => m.event === "media");
    assert.equal(media.length, 3);
    for (const m of media) assert.equal(Buffer.from(String((m.media as { payload: string }).payload), "base64").length, 160);
    assert.deepEqual(json().at(-1), { event: "mark", streamSid: "MZ1", mark: { name: "parley-1" } });
    leg.sendAudio(new Int16Array(8000));
    leg.clearAudio();
    assert.equal(leg.queuedMs, 0);
    await untilReceived(pair, () => json().some((m) => m.event === "clear"));
    leg.close();
  }));

test("stop before start is error_twilio in the setup phase", () =>
  withWsPair(async (pair) => {
    const leg = new TwilioLeg(pair.server);
    const ended = new Promise<{ reason: string; phase: string }>((r) => leg.on((e) => e.type === "ended" && r(e.end)));
    pair.client.send(JSON.stringify({ event: "stop", streamSid: "MZ1", stop: {} }));
    const end = await ended;
    assert.equal(end.reason, "error_twilio");
    assert.equal(end.phase, "setup");
  }));
