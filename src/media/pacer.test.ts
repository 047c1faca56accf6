import { test } from "node:test";
import assert from "node:assert/strict";
import { Pacer } from "./pacer.js";

test("ticks follow start + n·interval without accumulating drift", async () => {
  const pacer = new Pacer();
  const ticks: Array<{ n: number; due: number; now: number }> = [];
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error("pacer did not tick 25 times within 2 s")), 2000);
    const h = pacer.add(20, (n, due, now) => {
      ticks.push({ n, due, now });
      if (ticks.length === 25) {
        h.stop();
        clearTimeout(guard);
        resolve();
      }
    });
  });
  const first = ticks[0]!;
  ticks.forEach((t, i) => {
    assert.equal(t.n, i);
    assert.ok(Math.abs(t.due - (first.due + i * 20)) < 1e-6, "due times are computed, not accumulated");
    assert.ok(t.now >= t.due - 0.5, "never more than the lookahead early");
  });
  assert.equal(pacer.size, 0);
});

test("many streams share one clock and are spread over phase slots", async () => {
  const pacer = new Pacer({ slotMs: 1 });
  const starts: number[] = [];
  const counts = new Array<number>(40).fill(0);
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error("timeout")), 2000);
    let done = 0;
    for (let k = 0; k < 40; k++) {
      const h = pacer.add(20, () => {
        counts[k]!++;
        if (counts[k] === 5) {
          h.stop();
          if (++done === 40) {
            clearTimeout(guard);
            resolve();
          }
        }
      });
      starts.push(h.startMs % 20);
    }
  });
  const phases = new Set(starts.map((s) => Math.round(s) % 20));
  assert.ok(phases.size >= 10, `only ${phases.size} distinct phases`);
  assert.ok(counts.every((c) => c === 5));
});

test("streams that come after others left fill the emptied phase slots first", () => {
  const pacer = new Pacer({ slotMs: 1 });
  const phaseOf = (h: { startMs: number }) => Math.round(h.startMs) % 20;
  let live = Array.from({ length: 60 }, () => pacer.add(20, () => undefined));
  try {
    // Calls end unevenly: every stream in phases 0-9 stops.
    for (const h of live) if (phaseOf(h) < 10) h.stop();
    live = live.filter((h) => phaseOf(h) >= 10);
    const added = Array.from({ length: 30 }, () => pacer.add(20, () => undefined));
    live.push(...added);
    assert.ok(added.every((h) => phaseOf(h) < 10), "new streams go to the emptied phases");
    const perPhase = new Array<number>(20).fill(0);
    for (const h of live) perPhase[phaseOf(h)]!++;
    assert.deepEqual(perPhase, new Array<number>(20).fill(3));
  } finally {
    for (const h of live) h.stop();
  }
  assert.equal(pacer.size, 0);
});

test("a stream stopped by another's tick in the same pass is not ticked again; one added then is not ticked in that pass", async () => {
  const pacer = new Pacer({ slotMs: 20 }); // one phase slot: every stream ticks in the same pass
  const counts = [0, 0, 0, 0];
  let added = 0;
  let addedInPass = -1;
  const handles: Array<{ stop(): void }> = [];
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error("timeout")), 2000);
    for (let k = 0; k < 3; k++) {
      handles.push(
        pacer.add(20, () => {
          counts[k]!++;
          // On its second tick stream 0 stops stream 2 (later in the same pass) and adds a new one.
          if (k === 0 && counts[0] === 2) {
            handles[2]!.stop();
            handles.push(pacer.add(20, () => void added++));
          }
          if (k === 1 && counts[1] === 2) addedInPass = added; // still the pass in which it was added
          if (k === 1 && counts[1] === 5) {
            clearTimeout(guard);
            resolve();
          }
        }),
      );
    }
  });
  for (const h of handles) h.stop();
  assert.equal(counts[0], 5);
  assert.equal(counts[2], 1, "stopped before its second tick");
  assert.equal(addedInPass, 0);
  assert.ok(added >= 1, "the added stream ticks in later passes");
  assert.equal(pacer.size, 0);
});
