import assert from "node:assert/strict";
import { test } from "node:test";
import { leadingWords, spreadWords, Transcript } from "./transcript.js";

test("transcript text, object and tool-call forms stay in step", () => {
  const t = new Transcript();
  t.add("agent", "Hello.");
  t.addTool({ role: "dtmf", digit: "5" });
  const u = t.add("user", "five", spreadWords("five", 1000, 1400));
  t.set(u, "five please");
  assert.equal(t.text(), "Agent: Hello.\nUser: five please");
  assert.deepEqual(t.withToolCalls().map((i) => i.role), ["agent", "dtmf", "user"]);
  assert.deepEqual(t.utterances()[1]?.words, [{ word: "five", start: 1, end: 1.4 }]);
  const cut = t.add("agent", "");
  t.dropIfEmpty(cut);
  assert.equal(t.utterances().length, 2);
});

test("leadingWords keeps the share of words that was heard", () => {
  assert.equal(leadingWords("one two three four", 0.5), "one two");
  assert.equal(leadingWords("one two three four", 0), "");
  assert.equal(leadingWords("Hello.", 0.2), "Hello.", "a word partly heard counts");
});
