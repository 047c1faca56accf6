import assert from "node:assert/strict";
import { test } from "node:test";
import type { AudioLeg, AudioLegEvent } from "../core/audio-leg.js";
import { BRIDGE_MAX_QUEUE_MS, bridgeLegs } from "./bridge.js";

/** A leg whose input the test drives and whose output it records. */
class ScriptLeg implements AudioLeg {
  readonly kind = "sip" as const;
  readonly sent: Int16Array[] = [];
  readonly digits: string[] = [];
  clears = 0;
  queuedMs = 0;
  readonly #listeners = new Set<(e: AudioLegEvent) => void>();
  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
  ) {}
  on(l: (e: AudioLegEvent) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  emit(e: AudioLegEvent): void {
    for (const l of [...this.#listeners]) l(e);
  }
  frame(value: number, ms = 20): void {
    this.emit({ type: "audio", pcm: new Int16Array((this.inputRate * ms) / 1000).fill(value), sampleRate: this.inputRate, at: Date.now() });
  }
  sendAudio(pcm: Int16Array): void {
    this.sent.push(pcm);
  }
  clearAudio(): void {
    this.clears += 1;
  }
  sendDtmf(d: string): void {
    this.digits.push(d);
  }
}

test("a bridge carries each leg's audio and DTMF out of the other, and nothing after it is stopped", () => {
  const a = new ScriptLeg(8000, 8000);
  const b = new ScriptLeg(8000, 8000);
  const stop = bridgeLegs(a, b);
  a.frame(100);
  b.frame(-200);
  a.emit({ type: "dtmf", digit: "5", at: Date.now() });
  assert.deepEqual([...(b.sent[0] ?? [])].slice(0, 3), [100, 100, 100]);
  assert.equal(b.sent[0]?.length, 160);
  assert.deepEqual([...(a.sent[0] ?? [])].slice(0, 3), [-200, -200, -200]);
  assert.deepEqual(b.digits, ["5"]);
  stop();
  a.frame(1);
  b.frame(1);
  assert.equal(a.sent.length, 1);
  assert.equal(b.sent.length, 1);
});

test("a bridge resamples between legs of different rates", () => {
  const web = new ScriptLeg(16000, 16000);
  const sip = new ScriptLeg(8000, 8000);
  bridgeLegs(web, sip);
  for (let i = 0; i < 5; i++) web.frame(1000);
  const n = sip.sent.reduce((s, p) => s + p.length, 0);
  assert.ok(n > 600 && n <= 800, `about 100 ms at 8 kHz, got ${n} samples`);
});

test("a bridge drops a far end's queue that outgrew the bound (clock drift) instead of letting delay build up", () => {
  const a = new ScriptLeg(8000, 8000);
  const b = new ScriptLeg(8000, 8000);
  bridgeLegs(a, b);
  b.queuedMs = BRIDGE_MAX_QUEUE_MS;
  a.frame(1);
  assert.equal(b.clears, 0);
  b.queuedMs = BRIDGE_MAX_QUEUE_MS + 20;
  a.frame(1);
  assert.equal(b.clears, 1);
  assert.equal(b.sent.length, 2, "the new frame is still sent");
});
