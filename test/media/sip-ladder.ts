// A minimal SIP INVITE/200/ACK/BYE/200 exchange with SDP, as raw messages, for PCAP tests.

import type { Endpoint } from "../../src/media/pcap-writer.js";

export interface LadderStep {
  from: Endpoint;
  to: Endpoint;
  text: string;
}

function sdp(ip: string, rtpPort: number): string {
  return ["v=0", `o=- 1 1 IN IP4 ${ip}`, "s=-", `c=IN IP4 ${ip}`, "t=0 0", `m=audio ${rtpPort} RTP/AVP 0 101`, "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20", ""].join("\r\n");
}

function msg(start: string, headers: string[], body = ""): string {
  return [start, ...headers, ...(body ? ["Content-Type: application/sdp"] : []), `Content-Length: ${Buffer.byteLength(body)}`, "", body].join("\r\n");
}

/** The five messages of a call from `caller` to `callee`, offering `callerRtp` / answering `calleeRtp`. */
export function sipLadder(caller: Endpoint, callee: Endpoint, callerRtp: number, calleeRtp: number, transport: "UDP" | "TCP"): LadderStep[] {
  const callId = `pcaptest-${transport}@${caller.address}`;
  const via = `Via: SIP/2.0/${transport} ${caller.address}:${caller.port};branch=z9hG4bK-1`;
  const viaAck = `Via: SIP/2.0/${transport} ${caller.address}:${caller.port};branch=z9hG4bK-2`;
  const viaBye = `Via: SIP/2.0/${transport} ${caller.address}:${caller.port};branch=z9hG4bK-3`;
  const from = `From: <sip:alice@${caller.address}>;tag=a1`;
  const to = `To: <sip:bob@${callee.address}>`;
  const toTag = `${to};tag=b1`;
  const uri = `sip:bob@${callee.address}:${callee.port}`;
  const common = [`Call-ID: ${callId}`, "Max-Forwards: 70"];
  return [
    { from: caller, to: callee, text: msg(`INVITE ${uri} SIP/2.0`, [via, from, to, ...common, "CSeq: 1 INVITE", `Contact: <sip:alice@${caller.address}:${caller.port}>`], sdp(caller.address, callerRtp)) },
    { from: callee, to: caller, text: msg("SIP/2.0 200 OK", [via, from, toTag, `Call-ID: ${callId}`, "CSeq: 1 INVITE", `Contact: <sip:bob@${callee.address}:${callee.port}>`], sdp(callee.address, calleeRtp)) },
    { from: caller, to: callee, text: msg(`ACK ${uri} SIP/2.0`, [viaAck, from, toTag, ...common, "CSeq: 1 ACK"]) },
    { from: caller, to: callee, text: msg(`BYE ${uri} SIP/2.0`, [viaBye, from, toTag, ...common, "CSeq: 2 BYE"]) },
    { from: callee, to: caller, text: msg("SIP/2.0 200 OK", [viaBye, from, toTag, `Call-ID: ${callId}`, "CSeq: 2 BYE"]) },
  ];
}
