import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Retell from "retell-sdk";
import { startSippUas } from "../helpers/sipp.js";
import { startTestParley, type TestParley } from "../helpers/parley.js";
import { waitFor } from "../helpers/net.js";

const run = promisify(execFile);
let p: TestParley;
let client: Retell;
let agentId: string;
let n = 0;
const scratch = mkdtempSync(join(tmpdir(), "parley-mp-"));

before(async () => {
  p = await startTestParley({ env: { PARLEY_SIP_HOST: "127.0.0.1", PARLEY_SIP_T1_MS: "100", PARLEY_RTP_PORTS: "23000-23999", PARLEY_MEDIA_INITIAL_TIMEOUT_MS: "2000", PARLEY_MEDIA_TIMEOUT_MS: "1500" } });
  client = new Retell({ apiKey: p.apiKey, baseURL: p.url, maxRetries: 0 });
  agentId = (await client.agent.create({ response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" })).agent_id;
});
after(async () => {
  await p.close();
  if (!process.env.KEEP) rmSync(scratch, { recursive: true, force: true });
});

type Call = { call_id: string; call_status: string; disconnection_reason?: string; pcap_url?: string; recording_url?: string; recording_multi_channel_url?: string; disconnection_detail?: { message: string } };

async function callTo(port: number): Promise<string> {
  const number = `+1415556${String(1000 + n++).padStart(4, "0")}`;
  await client.phoneNumber.import({ phone_number: number, termination_uri: `127.0.0.1:${port}`, transport: "UDP", outbound_agents: [{ agent_id: agentId, weight: 1 }] } as never);
  return (await client.call.createPhoneCall({ from_number: number, to_number: "+14155550123" })).call_id;
}

async function ended(callId: string): Promise<Call> {
  let call: Call | undefined;
  await waitFor(`call ${callId} to end`, async () => {
    call = (await client.call.retrieve(callId)) as unknown as Call;
    return call.call_status !== "registered" && call.call_status !== "ongoing";
  }, 30_000, 100);
  return call!;
}

test("tshark reads Parley's PCAP: the whole SIP ladder and the RTP streams, 0 malformed packets", { timeout: 60_000 }, async () => {
  const peer = await startSippUas({ scenario: "answer", playPcap: "/usr/share/sip-tester/g711a.pcap", hangUpAfterMs: 4500 });
  try {
    const call = await ended(await callTo(peer.port));
    assert.equal(call.disconnection_reason, "user_hangup", JSON.stringify(call.disconnection_detail));
    assert.ok(call.pcap_url, "a PCAP is offered");
    const res = await fetch(call.pcap_url!);
    assert.equal(res.status, 200);
    const file = join(scratch, "call.pcap");
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const stat = (await run("tshark", ["-r", file, "-q", "-z", "sip,stat"])).stdout;
    for (const method of ["INVITE", "ACK", "BYE"]) assert.match(stat, new RegExp(`${method}\\s+:?\\s*[1-9]`), `${method} in:\n${stat}`);
    assert.match(stat, /200 OK\s+:?\s*[1-9]/);
    const streams = (await run("tshark", ["-r", file, "-q", "-z", "rtp,streams"])).stdout;
    const rows = streams.split("\n").filter((l) => /g711[UA]|PCM[AU]/i.test(l));
    assert.ok(rows.length >= 2, `an RTP stream each way found from the SDP:\n${streams}`);
    const malformed = (await run("tshark", ["-r", file, "-Y", "_ws.malformed"])).stdout.trim();
    assert.equal(malformed, "", "no malformed packets");
    assert.equal((await peer.done).exitCode, 0);
  } finally {
    await peer.stop();
  }
});

test("the recording's user channel carries what the far end sent; the multichannel WAV has two channels", { timeout: 60_000 }, async () => {
  const peer = await startSippUas({ scenario: "answer", playPcap: "/usr/share/sip-tester/g711a.pcap", hangUpAfterMs: 4500 });
  try {
    const call = await ended(await callTo(peer.port));
    const wav = Buffer.from(await (await fetch(call.recording_multi_channel_url!)).arrayBuffer());
    const file = join(scratch, "rec.wav");
    writeFileSync(file, wav);
    const info = (await run("soxi", [file])).stdout;
    assert.match(info, /Channels\s*:\s*2/);
    assert.match(info, /Sample Rate\s*:\s*8000/);
    const left = (await run("sox", [file, "-n", "remix", "1", "stat"]).catch((e: { stderr: string }) => e)).stderr;
    const rms = Number(/RMS\s+amplitude:\s+([\d.]+)/.exec(left)?.[1]);
    assert.ok(rms > 0.01, `the caller's channel is not silent (RMS ${rms})`);
    assert.equal((await fetch(call.recording_url!)).status, 200);
  } finally {
    await peer.stop();
  }
});

test("no RTP from the far end after connect → error_no_audio_received, with BYE", { timeout: 60_000 }, async () => {
  const peer = await startSippUas({ scenario: "answer" });
  try {
    const call = await ended(await callTo(peer.port));
    assert.equal(call.call_status, "error");
    assert.equal(call.disconnection_reason, "error_no_audio_received");
    assert.match(call.disconnection_detail!.message, /no RTP arrived/);
    assert.equal((await peer.done).exitCode, 0, "SIPp got our BYE");
  } finally {
    await peer.stop();
  }
});

test("max_call_duration_ms → BYE → max_duration_reached", { timeout: 60_000 }, async () => {
  const agent = await client.agent.create({ response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" });
  // The API keeps Retell's minimum of 60 s; the store is set directly so the test runs in seconds.
  const stored = (await p.parley.store.agents.getVersion(p.parley.defaultWorkspace.id, agent.agent_id))!;
  await p.parley.store.agents.updateVersion({ ...stored, config: { ...stored.config, max_call_duration_ms: 1200 } });
  const peer = await startSippUas({ scenario: "answer", playPcap: "/usr/share/sip-tester/g711a.pcap" });
  try {
    const number = `+1415556${String(1000 + n++).padStart(4, "0")}`;
    await client.phoneNumber.import({ phone_number: number, termination_uri: `127.0.0.1:${peer.port}`, transport: "UDP", outbound_agents: [{ agent_id: agent.agent_id, weight: 1 }] } as never);
    const call = await ended((await client.call.createPhoneCall({ from_number: number, to_number: "+14155550123" })).call_id);
    assert.equal(call.call_status, "ended");
    assert.equal(call.disconnection_reason, "max_duration_reached");
    assert.equal((await peer.done).exitCode, 0, "SIPp got our BYE");
  } finally {
    await peer.stop();
  }
});
