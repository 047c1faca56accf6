import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { start as startRuleBased } from "../../examples/llm-servers/rule-based.js";
import { attachAudioWebsocket } from "../../src/api/routes/audio-websocket.js";
import { readWav, Resampler } from "../../src/media/index.js";
import { startTestParley } from "../helpers/parley.js";
import { closed, openWs } from "./audio-parley.js";
import { TwilioStreamClient } from "./twilio-stream-client.js";

const missing = ["/usr/bin/espeak-ng", "/usr/bin/pocketsphinx_continuous"].find((p) => !existsSync(p));

function speech8k(text: string): Int16Array {
  const r = spawnSync("espeak-ng", ["--stdout", "-s", "150", text], { maxBuffer: 64 << 20 });
  const w = readWav(r.stdout);
  if (!w.ok) throw new Error(`espeak-ng output unreadable: ${w.error}`);
  return new Resampler(w.wav.sampleRate, 8000).process(w.wav.samples);
}

test("protocol test (written from published docs): a registered call over a Twilio Media Stream talks to the real conversation engine and the rule-based sample LLM server; the caller says goodbye → agent_hangup", { skip: missing && `${missing} is missing`, timeout: 60_000 }, async () => {
  const llm = await startRuleBased({ port: 0, host: "127.0.0.1", beginMessage: "Hello." });
  // No legRunner: the default one, the conversation engine, as in production.
  const parley = await startTestParley({ env: { PARLEY_SIP_DISABLED: "1" } });
  attachAudioWebsocket(parley.parley.http.server, { store: parley.parley.store, calls: parley.parley.calls });
  try {
    const post = async (path: string, body: unknown): Promise<Record<string, unknown>> =>
      (await (await fetch(parley.url + path, { method: "POST", headers: { authorization: `Bearer ${parley.apiKey}`, "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as Record<string, unknown>;
    const agent = await post("/create-agent", { response_engine: { type: "custom-llm", llm_websocket_url: llm.url }, voice_id: "espeak-en-us-male", boosted_keywords: ["goodbye"] });
    const call = await post("/v2/register-phone-call", { agent_id: agent.agent_id, from_number: "+14155550100", to_number: "+14155550101" });
    const callId = String(call.call_id);
    const ws = await openWs(parley.url.replace(/^http/, "ws") + `/audio-websocket/${callId}`);
    const tw = new TwilioStreamClient(ws);
    const wsClosed = closed(ws, 50_000);
    tw.connected();
    tw.start();
    const silence = new Int16Array(8000);
    await tw.streamPcm(silence);
    await tw.streamPcm(speech8k("goodbye"));
    // Keep the line open (silence) until the agent hangs up.
    let open = true;
    void wsClosed.finally(() => (open = false));
    for (let i = 0; i < 20 && open; i++) await tw.streamPcm(silence.subarray(0, 4000));
    const c = await wsClosed;
    const live = parley.parley.calls.live(callId);
    if (live) await live.whenEnded();
    const stored = (await (await fetch(`${parley.url}/v2/get-call/${callId}`, { headers: { authorization: `Bearer ${parley.apiKey}` } })).json()) as Record<string, unknown>;
    console.log(`twilio conversation: ${tw.agentBytes} μ-law bytes of agent audio, ${tw.marksEchoed.length} marks; transcript ${JSON.stringify(stored.transcript)}; close ${c.code}`);
    assert.equal(stored.disconnection_reason, "agent_hangup");
    assert.equal(c.code, 1000);
    assert.match(String(stored.transcript), /^Agent: Hello\.\nUser: goodbye\nAgent: Goodbye/);
    assert.ok(tw.agentBytes > 8000, "the agent's speech came back as media frames");
    assert.ok(tw.marksEchoed.length >= 1);
  } finally {
    await parley.close();
    await llm.close();
  }
});
