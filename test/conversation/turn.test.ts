import assert from "node:assert/strict";
import { test } from "node:test";
import { grammarFromPhrases } from "../../src/conversation/jsgf.js";
import { PocketsphinxAsr } from "../../src/conversation/pocketsphinx-asr.js";
import { rms } from "../../src/media/energy.js";
import { fakeLlmServer } from "../llm-socket/fake-llm-server.js";
import { haveTools, speech8k } from "./fake-leg.js";
import { harness } from "./harness.js";

const tools = haveTools("espeak-ng", "pocketsphinx_continuous");
const PHRASE = "please transfer me to a human agent";

test("a spoken turn reaches the LLM as response_required with the transcript, and the reply is spoken to the leg", { skip: !tools && "needs espeak-ng and pocketsphinx", timeout: 20_000 }, async () => {
  const srv = await fakeLlmServer((c) => {
    c.send({ response_type: "response", response_id: 0, content: "", content_complete: true });
    c.ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as { interaction_type: string; response_id?: number };
      if (f.interaction_type === "response_required") {
        c.send({ response_type: "response", response_id: f.response_id, content: "Sure. I will ", content_complete: false });
        c.send({ response_type: "response", response_id: f.response_id, content: "transfer you now.", content_complete: true });
      }
    });
  });
  const asr = new PocketsphinxAsr({ jsgf: grammarFromPhrases([PHRASE, "yes", "no", "goodbye", "cancel my appointment"]) });
  const h = await harness({ url: srv.url, asr });
  try {
    const conn = await srv.conn(1);
    await h.leg.play(speech8k(PHRASE));
    const req = await conn.next((f) => f["interaction_type"] === "response_required", 8000);
    const transcript = req["transcript"] as { role: string; content: string; words: { word: string; start: number; end: number }[] }[];
    const user = transcript.at(-1);
    assert.equal(user?.role, "user");
    assert.equal(user?.content, PHRASE);
    assert.equal(user?.words.length, 7);
    assert.ok((user?.words[0]?.start ?? -1) >= 0 && (user?.words[6]?.end ?? 0) > (user?.words[0]?.start ?? 0), "word timings increase");
    await h.leg.until(() => h.leg.sent.length > 0 && h.leg.queuedMs === 0, 8000, "the reply to be played out");
    const audio = h.leg.agentAudio();
    assert.ok(audio.length > 8000 * 0.8, `about a second of reply audio, got ${audio.length} samples`);
    assert.ok(rms(audio) > 500, `the reply carries speech energy (rms ${rms(audio).toFixed(0)})`);
    const r = h.conv.results();
    assert.equal(r.transcript, `User: ${PHRASE}\nAgent: Sure. I will transfer you now.`);
    assert.equal(r.latency.e2e.num, 1);
    assert.equal(r.latency.asr.num, 1);
    assert.equal(h.ends.length, 0);
  } finally {
    await h.stop();
    await srv.close();
  }
});
