import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { start as startRuleBased } from "../../examples/llm-servers/rule-based.js";
import { attachAudioWebsocket } from "../../src/api/routes/audio-websocket.js";
import { startTestParley } from "../helpers/parley.js";
import { browserMissing, startBrowserHarness } from "./browser-harness.js";

/** Parley with the real conversation engine, the rule-based sample LLM server, an agent, and a browser. */
async function setup(): Promise<{ parley: Awaited<ReturnType<typeof startTestParley>>; harness: Awaited<ReturnType<typeof startBrowserHarness>>; post(path: string, body: unknown): Promise<Record<string, unknown>>; agentId: string; close(): Promise<void> }> {
  const llm = await startRuleBased({ port: 0, host: "127.0.0.1", beginMessage: "Hello." });
  // No legRunner: the default one, the conversation engine, as in production.
  const parley = await startTestParley({ env: { PARLEY_SIP_DISABLED: "1" } });
  attachAudioWebsocket(parley.parley.http.server, { store: parley.parley.store, calls: parley.parley.calls });
  const harness = await startBrowserHarness("Hello, I would like to book a table for two tonight please.");
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> =>
    (await (await fetch(parley.url + path, { method: "POST", headers: { authorization: `Bearer ${parley.apiKey}`, "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as Record<string, unknown>;
  const agent = await post("/create-agent", { response_engine: { type: "custom-llm", llm_websocket_url: llm.url }, voice_id: "espeak-en-us-male" });
  return {
    parley, harness, post, agentId: String(agent.agent_id),
    async close() {
      await harness.close();
      await parley.close();
      await llm.close();
    },
  };
}

const missing = browserMissing ?? (existsSync("/usr/bin/pocketsphinx_continuous") ? undefined : "pocketsphinx is not installed (apt-get install -y pocketsphinx)");

type Result = { events: string[]; level: number; transcript: Array<{ role: string; content: string }>; outcome: string };

/** The stored call once it has ended. */
async function storedCall(env: Awaited<ReturnType<typeof setup>>, callId: string): Promise<Record<string, unknown>> {
  const live = env.parley.parley.calls.live(callId);
  if (live) await live.whenEnded();
  return (await (await fetch(`${env.parley.url}/v2/get-call/${callId}`, { headers: { authorization: `Bearer ${env.parley.apiKey}` } })).json()) as Record<string, unknown>;
}

test("headless Chromium, Parley's SDK and the real conversation engine with the rule-based sample LLM server: the caller's speech becomes a user turn, the agent answers aloud, hang-up is user_hangup", { skip: missing, timeout: 90_000 }, async () => {
  const env = await setup();
  try {
    const call = await env.post("/v2/create-web-call", { agent_id: env.agentId });
    const page = await env.harness.page();
    const r = (await page.evaluate((a) => (globalThis as unknown as { runConversation(x: unknown): Promise<unknown> }).runConversation(a), { baseUrl: env.parley.url, accessToken: String(call.access_token), maxMs: 45_000 })) as Result;
    const stored = await storedCall(env, String(call.call_id));
    console.log(`conversation: outcome ${r.outcome}; agent level ${r.level.toFixed(3)}; transcript ${JSON.stringify(r.transcript)}; reason ${String(stored.disconnection_reason)}`);
    assert.equal(r.outcome, "replied", `a user turn and the agent's answer (${JSON.stringify(r.transcript)})`);
    assert.equal(r.transcript[0]?.role, "agent");
    assert.ok(r.transcript.some((t) => t.role === "user" && t.content.trim() !== ""), "the caller's speech reached the LLM as a user turn");
    assert.ok(r.level > 0.02, `the agent's speech played in the page (rms ${r.level})`);
    assert.ok(r.events.includes("agent_start_talking") && r.events.includes("update"));
    assert.equal(stored.disconnection_reason, "user_hangup");
  } finally {
    await env.close();
  }
});

test("headless Chromium, the unchanged retell-client-js-sdk 1.3.3 and the real conversation engine with the rule-based sample LLM server: speech becomes a user turn, the agent answers aloud, transcript updates arrive, hang-up is user_hangup", { skip: missing, timeout: 180_000 }, async () => {
  const env = await setup();
  try {
    let r: Result | undefined;
    let callId = "";
    // 1.3.3's own worklet sometimes dies before its first frame, and under load its playback node
    // sometimes stays silent: each such call still ends with a reason, and the next attempt is a
    // fresh call. At most six attempts; the assertions below hold for the last one.
    for (let attempt = 1; attempt <= 6; attempt++) {
      callId = String((await env.post("/v2/create-web-call", { agent_id: env.agentId })).call_id);
      const page = await env.harness.page();
      try {
        const endpoint = `${env.parley.url.replace(/^http/, "ws")}/audio-websocket/`;
        r = (await page.evaluate((a) => (globalThis as unknown as { runRetellConversation(x: unknown): Promise<unknown> }).runRetellConversation(a), { endpoint, callId, maxMs: 45_000 })) as Result;
      } finally {
        await page.close();
      }
      if (r.outcome === "replied" && r.level > 0.02) break;
      console.log(`retell-client-js-sdk 1.3.3: attempt ${attempt} ${r.outcome === "processorerror" ? "lost its worklet" : `played at rms ${r.level.toFixed(3)} (${r.outcome})`}; a fresh call follows`);
    }
    const stored = await storedCall(env, callId);
    console.log(`retell-client-js-sdk 1.3.3 conversation: outcome ${r?.outcome}; agent level ${r?.level.toFixed(3)}; transcript ${JSON.stringify(r?.transcript)}; reason ${String(stored.disconnection_reason)}`);
    assert.equal(r?.outcome, "replied", `a user turn and the agent's answer (${JSON.stringify(r?.transcript)})`);
    assert.ok(r.transcript.some((t) => t.role === "user" && t.content.trim() !== ""), "the caller's speech reached the LLM as a user turn");
    assert.ok(r.level > 0.02, `the agent's speech played in the page (rms ${r.level})`);
    assert.ok(r.events.includes("agentStartTalking") && r.events.includes("update"));
    assert.equal(stored.disconnection_reason, "user_hangup");
  } finally {
    await env.close();
  }
});
