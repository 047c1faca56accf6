import assert from "node:assert/strict";
import { test } from "node:test";
import { bargeInMs, endpointingMs, TurnDetector, type TurnEvent } from "./turn-detector.js";

const W = 32;

/** Feeds a run of probabilities (one per 32 ms window) and returns every event. */
function feed(d: TurnDetector, probs: number[], from = 0): TurnEvent[] {
  return probs.flatMap((p, i) => d.push(p, (from + i + 1) * W, W));
}

test("responsiveness maps to the endpointing wait: 1 → 500 ms, 0 → 1500 ms, clamped", () => {
  assert.equal(endpointingMs(1), 500);
  assert.equal(endpointingMs(0), 1500);
  assert.equal(endpointingMs(0.5), 1000);
  assert.equal(endpointingMs(7), 500);
});

test("interruption sensitivity 0 never barges in; 1 needs 100 ms of speech", () => {
  assert.equal(bargeInMs(0), Number.POSITIVE_INFINITY);
  assert.equal(bargeInMs(1), 100);
});

test("a turn ends after the endpointing wait of silence, not before", () => {
  const d = new TurnDetector({ responsiveness: 1, interruptionSensitivity: 1 });
  const speech = feed(d, Array(20).fill(0.9));
  assert.equal(speech[0]?.type, "speech_start");
  const early = feed(d, Array(15).fill(0.05), 20); // 480 ms < 500
  assert.equal(early.filter((e) => e.type === "turn_end").length, 0);
  const end = feed(d, Array(2).fill(0.05), 35).find((e) => e.type === "turn_end");
  assert.ok(end && end.type === "turn_end");
  assert.equal(end.speechEndMs, 20 * W);
  assert.ok(end.atMs - end.speechEndMs >= 500);
});

test("hysteresis: probabilities between 0.35 and 0.5 keep speech going; a single loud window is not speech", () => {
  const d = new TurnDetector({ responsiveness: 1, interruptionSensitivity: 1 });
  assert.deepEqual(feed(d, [0.9, 0.1, 0.1]), []);
  const ev = feed(d, [...Array(10).fill(0.9), ...Array(30).fill(0.4), ...Array(17).fill(0.1)], 3);
  const end = ev.find((e) => e.type === "turn_end");
  assert.ok(end && end.type === "turn_end");
  assert.equal(end.speechEndMs, (3 + 40) * W, "the 0.4 stretch counted as speech");
});

test("barge_in is reported once per speech run after the sensitivity's minimum", () => {
  const d = new TurnDetector({ responsiveness: 1, interruptionSensitivity: 0.5 });
  const ev = feed(d, Array(30).fill(0.9));
  const b = ev.filter((e) => e.type === "barge_in");
  assert.equal(b.length, 1);
  assert.ok(b[0] && b[0].type === "barge_in" && b[0].speechMs >= bargeInMs(0.5));
});
