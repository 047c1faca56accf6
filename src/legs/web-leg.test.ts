import { test } from "node:test";
import assert from "node:assert/strict";
import type { AudioLegEvent } from "../core/audio-leg.js";
import type { CallEnd } from "../core/call-end.js";
import { WebLeg } from "./web-leg.js";
import { untilReceived, withWsPair } from "./ws-pair.test-helper.js";

function endedOf(leg: WebLeg): Promise<CallEnd> {
  return new Promise((resolve) => leg.on((e: AudioLegEvent) => e.type === "ended" && resolve(e.end)));
}

test("clearAudio drops queued agent audio and tells the client to clear its buffer", () =>
  withWsPair(async (pair) => {
    const leg = new WebLeg(pair.server, { clientRate: 16_000 });
    leg.sendAudio(new Int16Array(16_000));
    assert.ok(leg.queuedMs > 900);
    leg.clearAudio();
    assert.equal(leg.queuedMs, 0);
    await untilReceived(pair, () => pair.received.some((m) => !m.binary && m.data.toString() === "clear"));
    leg.close();
  }));

test("transcript updates go only to clients that asked for them; metadata always does", () =>
  withWsPair(async (pair) => {
    const leg = new WebLeg(pair.server, { clientRate: 16_000, enableUpdate: false });
    leg.sendClientEvent({ event_type: "update", transcript: [] });
    leg.sendClientEvent({ event_type: "metadata", metadata: { a: 1 } });
    await untilReceived(pair, () => pair.received.length >= 1);
    assert.deepEqual(pair.received.map((m) => JSON.parse(m.data.toString()).event_type), ["metadata"]);
    leg.close();
  }));

test("error_no_audio_received after audio stops for the media timeout (media_timeout), socket closed 4408", () =>
  withWsPair(async (pair) => {
    const leg = new WebLeg(pair.server, { clientRate: 16_000, mediaTimeouts: { initialMs: 5000, ongoingMs: 150 } });
    const ended = endedOf(leg);
    const closed = new Promise<number>((r) => pair.client.once("close", (code: number) => r(code)));
    leg.start();
    pair.client.send(Buffer.alloc(640));
    const end = await ended;
    assert.equal(end.reason, "error_no_audio_received");
    assert.equal(end.subReason, "media_timeout");
    assert.equal(await closed, 4408);
  }));

test("caller audio at 48 kHz becomes 20 ms frames at the leg's 16 kHz; agent audio goes back at 48 kHz", () =>
  withWsPair(async (pair) => {
    const leg = new WebLeg(pair.server, { clientRate: 48_000 });
    const frames: number[] = [];
    const got = new Promise<void>((resolve) => leg.on((e) => e.type === "audio" && frames.push(e.pcm.length) === 3 && resolve()));
    leg.start();
    for (let i = 0; i < 8; i++) pair.client.send(Buffer.alloc(128 * 2 * 3)); // 384-sample quanta
    await got;
    assert.deepEqual(frames.slice(0, 3), [320, 320, 320]);
    leg.sendAudio(new Int16Array(320));
    await untilReceived(pair, () => pair.received.some((m) => m.binary));
    const out = pair.received.find((m) => m.binary);
    assert.ok(out && Math.abs(out.data.length / 2 - 960) <= 1, `one 20 ms frame at 48 kHz (${(out?.data.length ?? 0) / 2} samples)`);
    leg.close();
  }));
