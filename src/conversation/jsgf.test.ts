import assert from "node:assert/strict";
import { test } from "node:test";
import { grammarFromPhrases } from "./jsgf.js";

test("a grammar from phrases: lower case, no punctuation, no duplicates; no phrase is a clear error", () => {
  assert.equal(grammarFromPhrases(["Yes!", "yes", "Cancel my appointment."]), "#JSGF V1.0;\ngrammar parley;\npublic <utt> = yes | cancel my appointment;\n");
  assert.throws(() => grammarFromPhrases(["123", "!!"]), /at least one phrase/);
});
