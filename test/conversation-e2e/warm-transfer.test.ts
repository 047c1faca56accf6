import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Retell from "retell-sdk";
import type { CallEnd } from "../../src/core/index.js";
import { goertzelPower, readWav } from "../../src/media/index.js";
import { fakeLlmServer, type FakeLlmServer, type ServerConn } from "../llm-socket/fake-llm-server.js";
import { startBaresip } from "../helpers/baresip.js";
import { runSippUac, sippMessages, startSippUas } from "../helpers/sipp.js";
import { startTestParley, type TestParley } from "../helpers/parley.js";
import { freePort, waitFor } from "../helpers/net.js";

/**
 * Warm transfer against real peers: Parley dials the caller (baresip or a SIPp UAS), the LLM asks
 * for a warm transfer, and Parley dials the target (a SIPp UAS) as a second call from the same number.
 */
const TONE_HZ = 440;
let p: TestParley;
let client: Retell;
const dir = mkdtempSync(join(tmpdir(), "parley-warm-"));
let n = 0;

type Call = Record<string, unknown> & { disconnection_detail?: { sip?: { code?: number; phrase?: string }; sub_reason?: string; message?: string } };
type LogEvent = { type: string; data: Record<string, unknown> };

before(async () => {
  p = await startTestParley({ env: { PARLEY_SIP_HOST: "127.0.0.1", PARLEY_RTP_PORTS: "47000-47799" } });
  client = new Retell({ apiKey: p.apiKey, baseURL: p.url, maxRetries: 0 });
});
after(async () => {
  await p.close();
  rmSync(dir, { recursive: true, force: true });
});

async function agent(llmUrl: string, extra: Record<string, unknown> = {}): Promise<string> {
  const a = await client.agent.create({
    response_engine: { type: "custom-llm", llm_websocket_url: llmUrl },
    voice_id: "espeak-en-us-male",
    parley_asr: { provider: "pocketsphinx", phrases: ["hello"] },
    ...extra,
  } as never);
  return a.agent_id;
}

/** Places a call from a fresh number whose trunk points at the caller peer; returns the number and the call id. */
async function dial(agentId: string, callerPort: number): Promise<{ from: string; callId: string }> {
  const from = `+1415556${String(4700 + n++)}`;
  await client.phoneNumber.import({ phone_number: from, termination_uri: `127.0.0.1:${callerPort}`, transport: "UDP", outbound_agents: [{ agent_id: agentId, weight: 1 }] } as never);
  return { from, callId: (await client.call.createPhoneCall({ from_number: from, to_number: "+14155550123" })).call_id };
}

async function ended(callId: string): Promise<Call> {
  let call: Call = {};
  await waitFor(`call ${callId} to end`, async () => {
    call = (await client.call.retrieve(callId)) as unknown as Call;
    return !["registered", "ongoing"].includes(String(call.call_status));
  }, 60_000, 200);
  return call;
}

async function publicLog(call: Call): Promise<LogEvent[]> {
  return ((await (await fetch(String(call.public_log_url))).json()) as { events: LogEvent[] }).events;
}

/** An LLM server that asks for a transfer in its begin message and answers a cancelled transfer with `onCancelled`. */
async function llmServer(begin: Record<string, unknown>, onCancelled: (c: ServerConn, f: { response_id: number }) => void = () => {}): Promise<FakeLlmServer> {
  return fakeLlmServer((c) => {
    c.send({ response_type: "response", response_id: 0, content_complete: true, ...begin });
    c.ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as { interaction_type: string; response_id: number; transfer_cancelled?: unknown };
      if (f.interaction_type === "response_required" && f.transfer_cancelled) onCancelled(c, f);
    });
  });
}

/** Dials the caller peer and waits for the whole call (bridge included) to be over. */
async function callThrough(llmUrl: string, callerPort: number): Promise<{ callId: string; end: CallEnd }> {
  const { callId } = await dial(await agent(llmUrl), callerPort);
  const session = p.parley.calls.live(callId);
  assert.ok(session, "the call is live on this node");
  return { callId, end: await session.whenEnded() };
}

/** An `onCancelled` that keeps the `transfer_cancelled.reason` Parley sent and ends the call at once. */
function hangUpOnCancel(reasons: unknown[]): (c: ServerConn, f: { response_id: number }) => void {
  return (c, f) => {
    reasons.push((c.received.at(-1)?.["transfer_cancelled"] as Record<string, unknown> | undefined)?.["reason"]);
    c.send({ response_type: "response", response_id: f.response_id, content_complete: true, end_call: true });
  };
}

/** Inodes of the sockets this process holds open (Parley runs in the test's process). */
function ownSocketInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // the descriptor closed while we listed them
    }
  }
  return inodes;
}

/**
 * Parley's RTP/RTCP sockets still bound (its range here is 47000-47799; baresip uses 47900-47910).
 * Only this process's sockets count: the range lies inside Linux's ephemeral ports, where a test
 * running beside this one may hold a socket of its own.
 */
function parleyRtpSockets(): number[] {
  const own = ownSocketInodes();
  return readFileSync("/proc/net/udp", "utf8")
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((cols) => own.has(cols[9] ?? ""))
    .map((cols) => parseInt(cols[1]?.split(":")[1] ?? "", 16))
    .filter((port) => port >= 47000 && port <= 47799);
}

/**
 * Waits (at most 5 s) until Parley has no RTP/RTCP socket left. Node closes a UDP socket's
 * descriptor on a later loop turn than `close()`, so the kernel table lags a released lease briefly;
 * a leaked leg never leaves it.
 */
async function rtpSocketsClosed(what: string): Promise<void> {
  await waitFor(`${what}: Parley's RTP sockets closed`, () => parleyRtpSockets().length === 0, 5000, 20);
}

/** Stops the peers and closes the LLM server, whatever the test did. */
async function cleanUp(...things: ({ stop(): Promise<unknown> } | { close(): Promise<unknown> })[]): Promise<void> {
  for (const t of things) await ("stop" in t ? t.stop() : t.close());
}

/** 100 ms windows of `samples` (8 kHz) in which a steady `hz` tone carries most of the energy. */
function toneWindows(samples: Int16Array, hz: number): number {
  let count = 0;
  for (let o = 0; o + 800 <= samples.length; o += 800) {
    const w = samples.subarray(o, o + 800);
    let energy = 0;
    for (const v of w) energy += (v / 32768) ** 2;
    energy /= w.length;
    // A pure sine gives goertzel ≈ 2 × mean square; speech spreads its energy over many frequencies.
    if (energy > 1e-4 && goertzelPower(w, hz, 8000) > energy) count++;
  }
  return count;
}

test("warm transfer answered: whisper to the target, caller and target bridged both ways through Parley, the record ends transfer_bridged when the agent leaves", { timeout: 120_000 }, async () => {
  const tone = join(dir, "tone.wav");
  execFileSync("sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", tone, "synth", "14", "sine", String(TONE_HZ), "vol", "0.4"]);
  // The target echoes every RTP packet: the caller hears its own tone only if audio crossed the bridge both ways.
  const target = await startSippUas({ scenario: "answer", rtpEcho: true });
  const destination = `sip:+14155550999@127.0.0.1:${target.port}`;
  const llm = await llmServer({ content: "Connecting you now.", no_interruption_allowed: true, transfer_number: destination, transfer_mode: "warm", transfer_whisper: "A test caller is on the line." });
  const phone = await startBaresip({ dir: join(dir, "b1"), port: await freePort(), user: "+14155550123", sourceWav: tone, rtpPorts: "47900-47910", quitAfterSec: 60 });
  try {
    const { from, callId } = await dial(await agent(llm.url), phone.port);
    const session = p.parley.calls.live(callId);
    assert.ok(session, "the call is live on this node");
    const call = await ended(callId);
    assert.equal(call.disconnection_reason, "transfer_bridged", JSON.stringify(call.disconnection_detail));
    assert.equal(call.transfer_destination, destination);
    // The agent left: Parley closed the LLM socket normally while the bridge still runs.
    const conn = await llm.conn(1);
    const first = await Promise.race([conn.closed.then((code) => ({ code })), target.done.then(() => "the bridge ended first")]);
    assert.deepEqual(first, { code: 1000 });
    // The bridge outlives the record: it ends when the caller (baresip, at the end of its file) hangs up.
    const targetRun = await target.done;
    await session.whenEnded();
    assert.equal(targetRun.exitCode, 0, `the target took INVITE, ACK and Parley's BYE: ${targetRun.stderr}`);
    const received = sippMessages(targetRun.messages, "received");
    const invite = received.find((m) => m.startsWith("INVITE "));
    assert.match(invite ?? "", new RegExp(`^From: <sip:\\${from}@`, "m"), "the target is dialled from the call's own number");
    assert.ok(received.some((m) => m.startsWith("BYE ")), "Parley hung the target up once the caller left");
    assert.equal(p.parley.calls.live(callId), undefined, "no session left");
    await rtpSocketsClosed("both legs hung up");

    const events = await publicLog(call);
    const at = (pred: (e: LogEvent) => boolean): number => events.findIndex(pred);
    const whisper = at((e) => e.type === "tts.start" && e.data["leg"] === "transfer_target");
    const bridged = at((e) => e.type === "transfer" && e.data["state"] === "bridged");
    const end = at((e) => e.type === "call.end");
    const bridgeEnded = at((e) => e.type === "transfer" && e.data["state"] === "bridge_ended");
    assert.ok(whisper >= 0 && whisper < bridged, "the whisper went to the target before the bridge");
    assert.ok(bridged < end && end < bridgeEnded, "the record ended when the agent left, the bridge after it");
    assert.equal(events[end]?.data["reason"], "transfer_bridged");

    await phone.stop();
    const heard = phone.recordings().find((f) => f.endsWith("-dec.wav"));
    assert.ok(heard, "baresip recorded what it heard");
    const wav = readWav(readFileSync(heard!));
    assert.ok(wav.ok);
    const windows = toneWindows(wav.wav.samples, TONE_HZ);
    assert.ok(windows >= 20, `the caller's tone came back through Parley → target → Parley → caller (${windows} tone windows of 100 ms)`);
  } finally {
    await cleanUp(phone, target, llm);
  }
});

test("warm transfer to a busy target (show_transferee_as_caller): the LLM hears transfer_cancelled, says goodbye, and the call ends transfer_cancelled with the 486 kept", { timeout: 120_000 }, async () => {
  const target = await startSippUas({ scenario: "reject", code: 486, phrase: "Busy Here", headers: { Reason: "Q.850;cause=17;text=\"User busy\"" } });
  const caller = await startSippUas({ scenario: "answer" });
  const cancellations: unknown[] = [];
  const llm = await llmServer({ content: "", transfer_number: `sip:+14155550998@127.0.0.1:${target.port}`, transfer_mode: "warm", show_transferee_as_caller: true }, (c, f) => {
    cancellations.push((JSON.parse(JSON.stringify(c.received.at(-1))) as Record<string, unknown>)["transfer_cancelled"]);
    c.send({ response_type: "response", response_id: f.response_id, content: "Sorry, that line is busy. Goodbye.", content_complete: true, end_call: true });
  });
  try {
    const { callId } = await dial(await agent(llm.url), caller.port);
    const call = await ended(callId);
    assert.equal(call.disconnection_reason, "transfer_cancelled", JSON.stringify(call.disconnection_detail));
    assert.equal(call.disconnection_detail?.sip?.code, 486);
    assert.equal(call.disconnection_detail?.sip?.phrase, "Busy Here");
    assert.match(String(call.disconnection_detail?.sub_reason), /^dial_busy/);
    assert.match(String(call.disconnection_detail?.message), /then the agent ended the call/);
    assert.equal(cancellations.length, 1);
    assert.deepEqual({ ...(cancellations[0] as object), message: "" }, { transfer_number: `sip:+14155550998@127.0.0.1:${target.port}`, reason: "dial_busy", message: "", sip_code: 486, sip_phrase: "Busy Here" });
    const callerRun = await caller.done;
    assert.equal(callerRun.exitCode, 0, "the caller got Parley's BYE");
    const targetRun = await target.done;
    assert.equal(targetRun.exitCode, 0, "the target's 486 was ACKed");
    const invite = sippMessages(targetRun.messages, "received").find((m) => m.startsWith("INVITE "));
    assert.match(invite ?? "", /^From: <sip:\+14155550123@/m, "show_transferee_as_caller: the target sees the user's number");
    const events = await publicLog(call);
    assert.ok(events.some((e) => e.type === "sip.in" && e.data["leg"] === "transfer_target" && /486/.test(JSON.stringify(e.data))), "the target's SIP is in the call's log");
  } finally {
    await cleanUp(caller, target, llm);
  }
});

test("warm transfer to a target that never answers: CANCEL after transfer_timeout_ms (agent default transfer_mode warm), then transfer_cancelled", { timeout: 120_000 }, async () => {
  const target = await startSippUas({ scenario: "ring-forever" });
  const caller = await startSippUas({ scenario: "answer" });
  const reasons: unknown[] = [];
  const llm = await llmServer({ content: "", transfer_number: `sip:+14155550997@127.0.0.1:${target.port}`, transfer_timeout_ms: 1500 }, hangUpOnCancel(reasons));
  try {
    const { callId } = await dial(await agent(llm.url, { transfer_mode: "warm" }), caller.port);
    const call = await ended(callId);
    assert.equal(call.disconnection_reason, "transfer_cancelled", JSON.stringify(call.disconnection_detail));
    assert.match(String(call.disconnection_detail?.sub_reason), /^dial_no_answer/);
    assert.equal(call.disconnection_detail?.sip?.code, 487);
    assert.deepEqual(reasons, ["dial_no_answer"]);
    const targetRun = await target.done;
    assert.equal(targetRun.exitCode, 0, "the target saw CANCEL, answered 487 and got the ACK");
    assert.ok(sippMessages(targetRun.messages, "received").some((m) => m.startsWith("CANCEL ")));
    assert.equal((await caller.done).exitCode, 0, "the caller got Parley's BYE");
    const events = await publicLog(call);
    const fired = events.find((e) => e.type === "timer.fired" && e.data["leg"] === "transfer_target" && e.data["name"] === "ring");
    assert.ok(fired, "the target's ring timer (transfer_timeout_ms) fired");
  } finally {
    await cleanUp(caller, target, llm);
  }
});

test("inbound call (SIPp UAC), target a plain number dialled over the called number's trunk; the caller hangs up while bridged → Parley BYEs the target", { timeout: 120_000 }, async () => {
  const target = await startSippUas({ scenario: "answer", rtpEcho: true });
  const llm = await llmServer({ content: "", transfer_number: "+14155550996", transfer_mode: "warm" });
  const number = "+14155564790";
  try {
    const agentId = await agent(llm.url);
    await client.phoneNumber.import({ phone_number: number, termination_uri: `127.0.0.1:${target.port}`, transport: "UDP", inbound_agents: [{ agent_id: agentId, weight: 1 }] } as never);
    const sipPort = p.parley.sip!.addresses.udp!.port;
    const uac = await runSippUac({ scenario: "call", target: { host: "127.0.0.1", port: sipPort }, service: number, pauseMs: 6000, playPcap: "/usr/share/sip-tester/g711a.pcap" });
    assert.equal(uac.exitCode, 0, `the caller's INVITE was answered and its BYE taken while bridged: ${uac.stderr}`);
    const targetRun = await target.done;
    assert.equal(targetRun.exitCode, 0, "the target got Parley's BYE after the caller left");
    const invite = sippMessages(targetRun.messages, "received").find((m) => m.startsWith("INVITE "));
    assert.match(invite ?? "", new RegExp(`^INVITE sip:\\+14155550996@127\\.0\\.0\\.1:${target.port} SIP/2\\.0`), "the number went out over the trunk's termination URI");
    assert.match(invite ?? "", new RegExp(`^From: <sip:\\${number}@`, "m"), "from the number the caller dialled");
    const page = (await client.call.list({ filter_criteria: { to_number: { type: "string", op: "eq", value: number } } } as never)) as unknown as { items: Call[] };
    const call = page.items[0];
    assert.ok(call, "the inbound call is stored");
    assert.equal(call.disconnection_reason, "transfer_bridged", JSON.stringify(call.disconnection_detail));
  } finally {
    await cleanUp(target, llm);
  }
});

test("the target hangs up while bridged: Parley BYEs the caller; the record stays transfer_bridged", { timeout: 120_000 }, async () => {
  const target = await startSippUas({ scenario: "answer", rtpEcho: true, hangUpAfterMs: 2000 });
  const caller = await startSippUas({ scenario: "answer", playPcap: "/usr/share/sip-tester/g711a.pcap" });
  const llm = await llmServer({ content: "", transfer_number: `sip:+14155550995@127.0.0.1:${target.port}`, transfer_mode: "warm" });
  try {
    const { callId, end } = await callThrough(llm.url, caller.port);
    assert.equal(end.reason, "transfer_bridged");
    assert.equal((await target.done).exitCode, 0, "Parley answered the target's BYE");
    const callerRun = await caller.done;
    assert.equal(callerRun.exitCode, 0, "the caller got Parley's BYE once the target left");
    const bye = sippMessages(callerRun.messages, "received").find((m) => m.startsWith("BYE "));
    assert.match(bye ?? "", /^Reason: Q\.850;cause=16;text="transfer_bridged"/m);
    const events = await publicLog(await ended(callId));
    assert.ok(events.some((e) => e.type === "transfer" && e.data["state"] === "target_ended" && e.data["reason"] === "user_hangup"), "the target's own BYE ended the bridge");
  } finally {
    await cleanUp(caller, target, llm);
  }
});

test("the caller hangs up while the target rings: Parley CANCELs the target and the call ends with the caller's hang-up", { timeout: 120_000 }, async () => {
  const target = await startSippUas({ scenario: "ring-forever" });
  const caller = await startSippUas({ scenario: "answer", hangUpAfterMs: 1500 });
  const llm = await llmServer({ content: "", transfer_number: `sip:+14155550994@127.0.0.1:${target.port}`, transfer_mode: "warm", transfer_timeout_ms: 30_000 });
  try {
    const { callId, end } = await callThrough(llm.url, caller.port);
    assert.equal(end.reason, "user_hangup", end.message);
    await rtpSocketsClosed("the CANCELled target's ports are released with the call's");
    const targetRun = await target.done;
    assert.equal(targetRun.exitCode, 0, "the ringing target was CANCELled (200 to CANCEL, 487, ACK)");
    assert.ok(sippMessages(targetRun.messages, "received").some((m) => m.startsWith("CANCEL ")));
    assert.equal((await caller.done).exitCode, 0);
  } finally {
    await cleanUp(caller, target, llm);
  }
});

test("stop-call on a bridged call: the bridge is torn down, both legs get BYE, the record stays transfer_bridged", { timeout: 120_000 }, async () => {
  const target = await startSippUas({ scenario: "answer", rtpEcho: true });
  const caller = await startSippUas({ scenario: "answer", playPcap: "/usr/share/sip-tester/g711a.pcap" });
  const llm = await llmServer({ content: "", transfer_number: `sip:+14155550993@127.0.0.1:${target.port}`, transfer_mode: "warm" });
  try {
    const { callId } = await dial(await agent(llm.url), caller.port);
    assert.equal((await ended(callId)).disconnection_reason, "transfer_bridged");
    assert.ok(p.parley.calls.live(callId), "the bridge keeps the session live after the record ended");
    assert.ok(parleyRtpSockets().length >= 4, `both legs' RTP and RTCP sockets are open while bridged: ${parleyRtpSockets().join(",")}`);
    await client.call.stop(callId);
    assert.equal(p.parley.calls.live(callId), undefined, "stop-call returned once both legs were hung up");
    await rtpSocketsClosed("both legs hung up");
    assert.equal((await caller.done).exitCode, 0, "the caller got BYE");
    assert.equal((await target.done).exitCode, 0, "the target got BYE");
    const call = await ended(callId);
    assert.equal(call.disconnection_reason, "transfer_bridged", "a later cause does not rewrite the record");
    const events = await publicLog(call);
    assert.ok(events.some((e) => e.type === "call.end_ignored" && e.data["reason"] === "manual_stopped"));
  } finally {
    await cleanUp(caller, target, llm);
  }
});

test("the target hangs up during the whisper: no bridge, the LLM hears transfer_cancelled, the call ends transfer_cancelled", { timeout: 120_000 }, async () => {
  const target = await startSippUas({ scenario: "answer", hangUpAfterMs: 300 });
  const caller = await startSippUas({ scenario: "answer" });
  const reasons: unknown[] = [];
  const whisper = "This is a long handoff message for the person answering, about a caller who needs help with an invoice from last month.";
  const llm = await llmServer({ content: "", transfer_number: `sip:+14155550992@127.0.0.1:${target.port}`, transfer_mode: "warm", transfer_whisper: whisper }, hangUpOnCancel(reasons));
  try {
    const { callId, end } = await callThrough(llm.url, caller.port);
    assert.equal(end.reason, "transfer_cancelled", end.message);
    assert.equal(end.subReason, "user_hangup", "the target's own BYE");
    assert.deepEqual(reasons, ["user_hangup"]);
    assert.equal((await target.done).exitCode, 0, "Parley answered the target's BYE");
    assert.equal((await caller.done).exitCode, 0, "the caller got Parley's BYE after the agent's goodbye");
    await rtpSocketsClosed("no bridge");
    const events = await publicLog(await ended(callId));
    assert.ok(events.some((e) => e.type === "transfer" && e.data["state"] === "whisper"), "the whisper had started");
    assert.ok(!events.some((e) => e.type === "transfer" && e.data["state"] === "bridged"), "never bridged");
  } finally {
    await cleanUp(caller, target, llm);
  }
});
