/**
 * Seeds a test Parley's store with calls of every status and many reasons, with the evidence the
 * dashboard draws (SIP events for the ladder, a transcript, latency), straight through the Store.
 */
import { applyEnd, callEnd, callEvent, markOngoing, newId, type CallEnd, type CallEvent, type CallRecord, type DisconnectionReason, type SipEventData } from "../../src/core/index.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestParley } from "../helpers/parley.js";

export interface SeededCall {
  readonly callId: string;
  readonly status: CallRecord["callStatus"];
  readonly reason?: DisconnectionReason;
  readonly fromNumber?: string;
  readonly toNumber?: string;
  readonly sipEvents: number;
  /** True when a recording (0.5 s WAV) and a PCAP file were attached. */
  readonly files: boolean;
}

/** A mono 16-bit PCM WAV of `ms` milliseconds of a quiet 440 Hz tone at 8 kHz. */
export function toneWav(ms: number): Buffer {
  const rate = 8000;
  const n = Math.round((rate * ms) / 1000);
  const b = Buffer.alloc(44 + n * 2);
  b.write("RIFF", 0);
  b.writeUInt32LE(36 + n * 2, 4);
  b.write("WAVEfmt ", 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36);
  b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return b;
}

/** An empty classic PCAP (global header only, LINKTYPE_ETHERNET). */
function emptyPcap(): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(65535, 16);
  b.writeUInt32LE(1, 20);
  return b;
}

const PARLEY = "127.0.0.1:5060";
const TRUNK = "127.0.0.2:5070";

function sip(createdAt: number, at: number, dir: "in" | "out", summary: string, extra: readonly string[] = []): CallEvent {
  const status = /^(\d{3}) /.exec(summary)?.[1];
  const method = status ? undefined : summary.split(" ")[0];
  const startLine = status ? `SIP/2.0 ${summary}` : `${summary} SIP/2.0`;
  const raw = [startLine, `Via: SIP/2.0/UDP ${PARLEY};branch=z9hG4bK${at}`, "Call-ID: seeded@127.0.0.1", `CSeq: 1 ${method ?? "INVITE"}`, ...extra, "Content-Length: 0", "", ""].join("\r\n");
  const data: SipEventData = {
    summary,
    ...(status ? { status: Number(status) } : { method: method ?? "" }),
    transport: "udp",
    from: dir === "out" ? PARLEY : TRUNK,
    to: dir === "out" ? TRUNK : PARLEY,
    raw,
  };
  return callEvent(createdAt, dir === "out" ? "sip.out" : "sip.in", { ...data }, at);
}

type Step = readonly [dir: "in" | "out", summary: string, extra?: readonly string[]];

interface Plan {
  readonly reason?: DisconnectionReason;
  readonly status?: "registered" | "ongoing";
  readonly end?: Omit<Parameters<typeof callEnd>[1], "at">;
  readonly ladder?: readonly Step[];
  readonly type?: "web_call";
  readonly direction?: "inbound";
  /** A caller number shared with other plans (most get one of their own). */
  readonly from?: string;
}

/** The caller number carriers have started to block: its calls are spam-blocked, declined, unanswered. */
export const BURNED_NUMBER = "+14155559999";

const INVITE: Step = ["out", "INVITE sip:+14155550199@127.0.0.2"];
const TRYING: Step = ["in", "100 Trying"];
const RINGING: Step = ["in", "180 Ringing"];

/** The calls seeded: at least one of every status, several reasons, SIP ladders on the dialing failures. */
export const PLANS: readonly Plan[] = [
  { status: "registered" },
  { status: "ongoing" },
  { reason: "user_hangup", end: { phase: "in_call", message: "The callee sent BYE." }, ladder: [INVITE, TRYING, RINGING, ["in", "200 OK"], ["out", "ACK sip:+14155550199@127.0.0.2"], ["in", "BYE sip:parley@127.0.0.1"], ["out", "200 OK"]] },
  { reason: "user_hangup", end: { phase: "in_call", message: "The caller hung up." }, direction: "inbound" },
  { reason: "user_hangup", end: { phase: "in_call", message: "The web client closed the call." }, type: "web_call" },
  { reason: "agent_hangup", end: { phase: "in_call", message: "The LLM sent end_call." } },
  { reason: "inactivity", end: { phase: "in_call", message: "No user speech for 10 s." } },
  { reason: "max_duration_reached", end: { phase: "in_call", message: "max_call_duration_ms 60000 reached." } },
  { reason: "voicemail_reached", end: { phase: "in_call", message: "Voicemail beep heard." } },
  { reason: "dial_busy", end: { phase: "dialing", message: "The trunk answered 486 Busy Here.", sip: { code: 486, phrase: "Busy Here", reasonHeader: 'Q.850;cause=17;text="User busy"', carrierHeaders: { "X-Carrier-Code": "17" } } },
    ladder: [INVITE, TRYING, RINGING, ["in", "486 Busy Here", ['Reason: Q.850;cause=17;text="User busy"']], ["out", "ACK sip:+14155550199@127.0.0.2"]] },
  { reason: "dial_busy", end: { phase: "dialing", message: "The trunk answered 486 Busy Here.", sip: { code: 486, phrase: "Busy Here" } }, ladder: [INVITE, TRYING, ["in", "486 Busy Here"], ["out", "ACK sip:+14155550199@127.0.0.2"]] },
  { reason: "dial_no_answer", from: BURNED_NUMBER, end: { phase: "dialing", message: "Ring timer fired; CANCEL sent.", subReason: "ring_timeout", sip: { code: 487, phrase: "Request Terminated" } },
    ladder: [INVITE, TRYING, RINGING, ["out", "CANCEL sip:+14155550199@127.0.0.2"], ["in", "200 OK"], ["in", "487 Request Terminated"], ["out", "ACK sip:+14155550199@127.0.0.2"]] },
  { reason: "marked_as_spam", from: BURNED_NUMBER, end: { phase: "dialing", message: "603+ Network Blocked.", subReason: "network_blocked_603plus", sip: { code: 603, phrase: "Network Blocked", reasonHeader: "SIP;cause=603;text=\"v=analytics1;\"", carrierHeaders: { "X-Twilio-Error": "32203" } } },
    ladder: [INVITE, TRYING, ["in", "603 Network Blocked"], ["out", "ACK sip:+14155550199@127.0.0.2"]] },
  { reason: "telephony_provider_permission_denied", end: { phase: "dialing", message: "403 Forbidden after the credentialed retry.", sip: { code: 403, phrase: "Forbidden" } },
    ladder: [INVITE, ["in", "401 Unauthorized"], ["out", "ACK sip:+14155550199@127.0.0.2"], INVITE, ["in", "403 Forbidden"], ["out", "ACK sip:+14155550199@127.0.0.2"]] },
  { reason: "telephony_provider_unavailable", end: { phase: "dialing", message: "503 Service Unavailable.", sip: { code: 503, phrase: "Service Unavailable" } } },
  { reason: "invalid_destination", end: { phase: "admission", message: "+1415555 is not a valid phone number." } },
  { reason: "user_declined", from: BURNED_NUMBER, end: { phase: "dialing", message: "603 Decline.", sip: { code: 603, phrase: "Decline" } } },
  { reason: "concurrency_limit_reached", end: { phase: "admission", message: "20 of 20 concurrent calls in use." } },
  { reason: "error_llm_websocket_open", end: { phase: "setup", message: "ws://127.0.0.1:9 refused the connection." } },
  { reason: "error_no_audio_received", end: { phase: "in_call", message: "No RTP for 30 s." } },
];

/** Inserts every plan `copies` times (extra copies are plain user hang-ups), newest last. */
export async function seedCalls(p: TestParley, agentId: string, agentName: string, extraHangups = 0): Promise<SeededCall[]> {
  const store = p.parley.store;
  const ws = p.parley.defaultWorkspace.id;
  const plans: Plan[] = [...PLANS, ...Array.from({ length: extraHangups }, (): Plan => ({ reason: "user_hangup", end: { phase: "in_call", message: "The callee sent BYE." } }))];
  const now = Date.now();
  const out: SeededCall[] = [];
  for (const [i, plan] of plans.entries()) {
    const start = now - (plans.length - i) * 5 * 60_000;
    const phone = plan.type !== "web_call";
    const fromNumber = plan.from ?? `+1415555${String(1000 + i).padStart(4, "0")}`;
    const toNumber = `+1650555${String(2000 + i).padStart(4, "0")}`;
    let r: CallRecord = {
      callId: newId("call_"), workspaceId: ws, callType: phone ? "phone_call" : "web_call", agentId, agentVersion: 0, agentName,
      callStatus: "registered", dataStorageSetting: "everything", startTimestamp: start, timestamps: {},
      ...(phone ? { fromNumber, toNumber, direction: plan.direction ?? "outbound" } : {}),
    };
    const events: CallEvent[] = [callEvent(start, "call.created", { call_type: r.callType }, start)];
    (plan.ladder ?? []).forEach(([dir, summary, extra], k) => events.push(sip(start, start + 40 + k * 250, dir, summary, extra)));
    if (plan.ladder) r.timestamps = { invite: start + 40, firstProvisional: start + 290, ...(plan.ladder.some(([, s]) => s.startsWith("180")) ? { ringing: start + 540 } : {}) };
    const connected = plan.end?.phase === "in_call" || plan.status === "ongoing";
    if (connected) {
      r = markOngoing(r, start + 1000);
      if (plan.ladder?.some(([, sum]) => sum.startsWith("BYE"))) r.timestamps = { ...r.timestamps, answered: start + 790, ack: start + 1040, bye: start + 1290 };
      r.transcriptObject = [
        { role: "agent", content: "Hello, this is Parley calling.", words: [{ word: "Hello", start: 0.4, end: 0.8 }, { word: "calling", start: 1.6, end: 2.1 }] },
        { role: "user", content: "Hi, who is this?", words: [{ word: "Hi", start: 2.9, end: 3.1 }, { word: "this", start: 3.6, end: 3.9 }] },
      ];
      r.transcript = "Agent: Hello, this is Parley calling.\nUser: Hi, who is this?";
      if (plan.ladder) {
        r.recordingPath = join(p.dataDir, `${r.callId}.wav`);
        r.pcapPath = join(p.dataDir, `${r.callId}.pcap`);
        writeFileSync(r.recordingPath, toneWav(500));
        writeFileSync(r.pcapPath, emptyPcap());
      }
      r.latency = { e2e: { p50: 820, p90: 1100, p95: 1250, min: 610, max: 1400, num: 4 }, llm: { p50: 310, p90: 420, p95: 480, min: 250, max: 510, num: 4 } };
    }
    if (plan.reason && plan.end) {
      const end: CallEnd = callEnd(plan.reason, { ...plan.end, at: start + 3000 + i * 100 });
      r = applyEnd(r, end);
      events.push(callEvent(start, "call.end", { reason: end.reason, phase: end.phase, fault: end.fault, message: end.message }, end.at));
    }
    await store.calls.insert(r);
    await store.callEvents.append(r.callId, events);
    out.push({ callId: r.callId, status: r.callStatus, ...(r.disconnectionReason ? { reason: r.disconnectionReason } : {}), ...(phone ? { fromNumber, toNumber } : {}), sipEvents: plan.ladder?.length ?? 0, files: r.recordingPath !== undefined });
  }
  return out;
}
