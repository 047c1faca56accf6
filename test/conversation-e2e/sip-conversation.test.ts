import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Retell from "retell-sdk";
import { rms, readWav } from "../../src/media/index.js";
import { start as startRuleBased } from "../../examples/llm-servers/rule-based.js";
import { startBaresip } from "../helpers/baresip.js";
import { startSippUas } from "../helpers/sipp.js";
import { startTestParley, type TestParley } from "../helpers/parley.js";
import { freePort, waitFor } from "../helpers/net.js";

const PHRASES = ["goodbye", "please transfer me to a human agent", "hello i would like to book an appointment"];
let p: TestParley;
let client: Retell;
let llm: { url: string; close(): Promise<void> };
const dir = mkdtempSync(join(tmpdir(), "parley-conv-"));
let n = 0;

/** espeak speech at 8 kHz, after `leadSec` of silence and followed by `tailSec` of silence. */
function speech(name: string, text: string, leadSec: number, tailSec: number, ulaw = false): string {
  const raw = join(dir, `${name}-22k.wav`);
  const out = join(dir, `${name}.wav`);
  if (text) execFileSync("espeak-ng", ["-v", "en-us", "-s", "140", "-w", raw, text]);
  else execFileSync("sox", ["-n", "-r", "22050", "-c", "1", "-b", "16", raw, "trim", "0", "0.1"]);
  execFileSync("sox", [raw, "-r", "8000", "-c", "1", ...(ulaw ? ["-e", "u-law"] : ["-b", "16", "-e", "signed-integer"]), out, "pad", String(leadSec), String(tailSec)]);
  return out;
}

async function agent(extra: Record<string, unknown> = {}): Promise<string> {
  const a = await client.agent.create({
    response_engine: { type: "custom-llm", llm_websocket_url: llm.url },
    voice_id: "espeak-en-us-male",
    parley_asr: { provider: "pocketsphinx", phrases: PHRASES },
  } as never);
  if (Object.keys(extra).length > 0) {
    // Below the API's Retell minimums (e.g. 10 s of silence) so the test runs in seconds.
    const stored = (await p.parley.store.agents.getVersion(p.parley.defaultWorkspace.id, a.agent_id))!;
    await p.parley.store.agents.updateVersion({ ...stored, config: { ...stored.config, ...extra } });
  }
  return a.agent_id;
}

async function dial(agentId: string, port: number): Promise<string> {
  const number = `+1415555${String(8100 + n++)}`;
  await client.phoneNumber.import({ phone_number: number, termination_uri: `127.0.0.1:${port}`, transport: "UDP", outbound_agents: [{ agent_id: agentId, weight: 1 }] } as never);
  return (await client.call.createPhoneCall({ from_number: number, to_number: "+14155550123" })).call_id;
}

async function ended(callId: string, ms = 60_000): Promise<Record<string, unknown>> {
  let call: Record<string, unknown> = {};
  await waitFor(`call ${callId} to end`, async () => {
    call = (await client.call.retrieve(callId)) as unknown as Record<string, unknown>;
    return !["registered", "ongoing"].includes(String(call.call_status));
  }, ms, 200);
  return call;
}

before(async () => {
  llm = await startRuleBased({ port: 0, beginMessage: "hello, this is parley", transferNumber: "+14155550999" });
  p = await startTestParley({ env: { PARLEY_SIP_HOST: "127.0.0.1", PARLEY_RTP_PORTS: "28000-28499" } });
  client = new Retell({ apiKey: p.apiKey, baseURL: p.url, maxRetries: 0 });
});
after(async () => {
  await p.close();
  await llm.close();
  rmSync(dir, { recursive: true, force: true });
});

test("end to end over SIP: the caller says goodbye, the LLM gets the turn, its spoken reply reaches the phone, end_call → BYE → agent_hangup", { timeout: 120_000 }, async () => {
  const wav = speech("goodbye", "goodbye", 3, 15);
  const phone = await startBaresip({ dir: join(dir, "b1"), port: await freePort(), user: "+14155550123", sourceWav: wav, rtpPorts: "28600-28610", quitAfterSec: 60 });
  try {
    const call = await ended(await dial(await agent(), phone.port));
    assert.equal(call.disconnection_reason, "agent_hangup", JSON.stringify(call.disconnection_detail));
    const transcript = call.transcript_object as { role: string; content: string }[];
    assert.ok(transcript.some((u) => u.role === "user" && /goodbye/.test(u.content)), `the user's turn: ${JSON.stringify(transcript)}`);
    assert.ok(transcript.some((u) => u.role === "agent" && u.content.length > 0), "the agent spoke");
    const latency = call.latency as { e2e?: { num?: number } };
    assert.ok((latency.e2e?.num ?? 0) >= 1, "turn latency recorded");
    await phone.stop();
    const heard = phone.recordings().find((f) => f.endsWith("-dec.wav"));
    assert.ok(heard, "baresip recorded what it heard");
    const r = readWav(readFileSync(heard!));
    assert.ok(r.ok && rms(r.wav.samples) > 300, `the agent's speech arrived as RTP at the phone (RMS ${r.ok ? rms(r.wav.samples).toFixed(0) : "?"})`);
  } finally {
    await phone.stop();
  }
});

test("end to end over SIP: a silent caller gets a reminder, then the call ends with inactivity", { timeout: 120_000 }, async () => {
  const wav = speech("silence", "", 0, 30);
  const phone = await startBaresip({ dir: join(dir, "b2"), port: await freePort(), user: "+14155550123", sourceWav: wav, rtpPorts: "28620-28630", quitAfterSec: 60 });
  try {
    const id = await dial(await agent({ reminder_trigger_ms: 1500, reminder_max_count: 1, end_call_after_silence_ms: 5000 }), phone.port);
    const call = await ended(id);
    assert.equal(call.disconnection_reason, "inactivity", JSON.stringify(call.disconnection_detail));
    const log = (await (await fetch(String(call.public_log_url))).json()) as { events: { type: string; data: { raw?: string } }[] };
    assert.ok(log.events.some((e) => e.type === "llm.out" && /reminder_required/.test(JSON.stringify(e.data))), "a reminder was asked for");
  } finally {
    await phone.stop();
  }
});

test("end to end over SIP: the caller asks for a human, the LLM answers with transfer_number, Parley REFERs → call_transfer", { timeout: 120_000 }, async () => {
  const wav = speech("transfer", "please transfer me to a human agent", 3, 10, true);
  const peer = await startSippUas({ scenario: "answer", playPcap: wav, referResult: "200 OK" });
  try {
    const call = await ended(await dial(await agent(), peer.port));
    assert.equal(call.disconnection_reason, "call_transfer", JSON.stringify(call.disconnection_detail));
    assert.match(String(call.transfer_destination), /\+14155550999/);
    assert.match(peer.messages(), /REFER sip:/);
  } finally {
    await peer.stop();
  }
});
