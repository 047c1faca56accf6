// Runs the SIP mutation fuzzer (scripts/fuzz-sip.ts) with 20,000 deterministic mutations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzzCorpus, mutate, runFuzz } from "../../scripts/fuzz-sip.js";

test("the mutator is deterministic and actually changes its input", () => {
  const corpus = fuzzCorpus();
  assert.ok(corpus.length >= 15);
  const seq = (seed: number): string[] => {
    let a = seed;
    const rand = (): number => ((a = (a * 1103515245 + 12345) % 2147483648) / 2147483648);
    return Array.from({ length: 50 }, () => mutate(corpus[0]!, rand, corpus).toString("latin1"));
  };
  assert.deepEqual(seq(3), seq(3));
  assert.ok(seq(3).filter((m) => m !== corpus[0]!.toString("latin1")).length > 40);
});

test("20,000 mutations: parser, framer and serializer never throw; parsed messages round-trip", { timeout: 180_000 }, () => {
  const r = runFuzz(20_000, 4475);
  assert.equal(r.messages, 20_000);
  assert.deepEqual(r.samples, []);
  assert.equal(r.crashes, 0);
  assert.equal(r.roundTripFailures, 0);
  // The mix must reach both sides of the parser, or the run proves little.
  assert.ok(r.parsed > 1000 && r.parsed < 19_000, `parsed ${r.parsed}`);
});
