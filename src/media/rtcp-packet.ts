// RFC 3550 §6.4-6.6 RTCP compound packets: SR, RR, SDES, BYE (APP and unknown types are kept raw).
// Parsing never throws; a malformed compound yields a typed error.

/** One reception report block (RFC 3550 §6.4.1). */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the last report, as the 8-bit fixed-point numerator (0-255). */
  fractionLost: number;
  /** Cumulative packets lost (24-bit signed). */
  cumulativeLost: number;
  /** Extended highest sequence number received. */
  highestSeq: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received (0 if none). */
  lastSr: number;
  /** Delay since that SR, in units of 1/65536 s. */
  delaySinceLastSr: number;
}

/** SDES item types (RFC 3550 §6.5). */
export const SDES_CNAME = 1;

export interface SdesItem {
  type: number;
  text: string;
}

export interface SdesChunk {
  ssrc: number;
  items: SdesItem[];
}

/** One RTCP packet of a compound, discriminated by `type`. */
export type RtcpPacket =
  | {
      type: "sr";
      ssrc: number;
      ntpSec: number;
      ntpFrac: number;
      rtpTimestamp: number;
      packetCount: number;
      octetCount: number;
      reports: ReportBlock[];
    }
  | { type: "rr"; ssrc: number; reports: ReportBlock[] }
  | { type: "sdes"; chunks: SdesChunk[] }
  | { type: "bye"; ssrcs: number[]; reason: string | null }
  | { type: "other"; packetType: number; count: number; body: Buffer };

/** Why a datagram is not a valid RTCP compound. */
export type RtcpParseError =
  | { kind: "too-short"; length: number }
  | { kind: "bad-version"; version: number }
  | { kind: "not-rtcp"; packetType: number }
  | { kind: "bad-length"; offset: number; declaredBytes: number }
  | { kind: "bad-body"; packetType: number; detail: string };

export type RtcpParseResult = { ok: true; packets: RtcpPacket[] } | { ok: false; error: RtcpParseError };

const PT_SR = 200;
const PT_RR = 201;
const PT_SDES = 202;
const PT_BYE = 203;

function readReports(b: Buffer, offset: number, count: number): ReportBlock[] {
  const reports: ReportBlock[] = [];
  for (let i = 0; i < count; i++) {
    const o = offset + i * 24;
    const lostWord = b.readUInt32BE(o + 4);
    const cum = lostWord & 0xffffff;
    reports.push({
      ssrc: b.readUInt32BE(o),
      fractionLost: lostWord >>> 24,
      cumulativeLost: cum & 0x800000 ? cum - 0x1000000 : cum,
      highestSeq: b.readUInt32BE(o + 8),
      jitter: b.readUInt32BE(o + 12),
      lastSr: b.readUInt32BE(o + 16),
      delaySinceLastSr: b.readUInt32BE(o + 20),
    });
  }
  return reports;
}

function parseSdes(body: Buffer, count: number): SdesChunk[] | string {
  const chunks: SdesChunk[] = [];
  let o = 0;
  for (let c = 0; c < count; c++) {
    if (o + 4 > body.length) return "chunk beyond packet end";
    const ssrc = body.readUInt32BE(o);
    o += 4;
    const items: SdesItem[] = [];
    for (;;) {
      if (o >= body.length) return "item list not terminated";
      const type = body[o] as number;
      if (type === 0) {
        o = (o + 4) & ~3; // the null item plus padding to the next 32-bit boundary
        break;
      }
      if (o + 2 > body.length) return "item header truncated";
      const len = body[o + 1] as number;
      if (o + 2 + len > body.length) return "item text truncated";
      items.push({ type, text: body.toString("utf8", o + 2, o + 2 + len) });
      o += 2 + len;
    }
    chunks.push({ ssrc, items });
  }
  return chunks;
}

function parseOne(pt: number, count: number, body: Buffer): RtcpPacket | string {
  switch (pt) {
    case PT_SR:
      if (body.length < 24 + count * 24) return "sender report shorter than its report count";
      return {
        type: "sr",
        ssrc: body.readUInt32BE(0),
        ntpSec: body.readUInt32BE(4),
        ntpFrac: body.readUInt32BE(8),
        rtpTimestamp: body.readUInt32BE(12),
        packetCount: body.readUInt32BE(16),
        octetCount: body.readUInt32BE(20),
        reports: readReports(body, 24, count),
      };
    case PT_RR:
      if (body.length < 4 + count * 24) return "receiver report shorter than its report count";
      return { type: "rr", ssrc: body.readUInt32BE(0), reports: readReports(body, 4, count) };
    case PT_SDES: {
      const chunks = parseSdes(body, count);
      return typeof chunks === "string" ? chunks : { type: "sdes", chunks };
    }
    case PT_BYE: {
      if (body.length < count * 4) return "BYE shorter than its source count";
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(body.readUInt32BE(i * 4));
      let reason: string | null = null;
      const ro = count * 4;
      if (body.length > ro) {
        const len = body[ro] as number;
        if (ro + 1 + len > body.length) return "BYE reason truncated";
        reason = body.toString("utf8", ro + 1, ro + 1 + len);
      }
      return { type: "bye", ssrcs, reason };
    }
    default:
      return { type: "other", packetType: pt, count, body };
  }
}

/** Parses an RTCP compound packet (one datagram). */
export function parseRtcp(buf: Uint8Array): RtcpParseResult {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 4) return { ok: false, error: { kind: "too-short", length: b.length } };
  const packets: RtcpPacket[] = [];
  let o = 0;
  while (o < b.length) {
    if (o + 4 > b.length) return { ok: false, error: { kind: "too-short", length: b.length - o } };
    const b0 = b[o] as number;
    const pt = b[o + 1] as number;
    const version = b0 >> 6;
    if (version !== 2) return { ok: false, error: { kind: "bad-version", version } };
    if (pt < 192 || pt > 223) return { ok: false, error: { kind: "not-rtcp", packetType: pt } };
    const bytes = (b.readUInt16BE(o + 2) + 1) * 4;
    if (o + bytes > b.length) return { ok: false, error: { kind: "bad-length", offset: o, declaredBytes: bytes } };
    let end = o + bytes;
    if (b0 & 0x20) {
      const pad = b[end - 1] as number;
      if (pad === 0 || pad > bytes - 4) return { ok: false, error: { kind: "bad-body", packetType: pt, detail: "bad padding" } };
      end -= pad;
    }
    const parsed = parseOne(pt, b0 & 0x1f, b.subarray(o + 4, end));
    if (typeof parsed === "string") return { ok: false, error: { kind: "bad-body", packetType: pt, detail: parsed } };
    packets.push(parsed);
    o += bytes;
  }
  return { ok: true, packets };
}

function header(pt: number, count: number, totalBytes: number): Buffer {
  const h = Buffer.allocUnsafe(4);
  h[0] = 0x80 | (count & 0x1f);
  h[1] = pt;
  h.writeUInt16BE(totalBytes / 4 - 1, 2);
  return h;
}

function writeReports(reports: readonly ReportBlock[]): Buffer {
  const out = Buffer.alloc(reports.length * 24);
  reports.forEach((r, i) => {
    const o = i * 24;
    out.writeUInt32BE(r.ssrc >>> 0, o);
    out.writeUInt32BE((((r.fractionLost & 0xff) << 24) | (r.cumulativeLost & 0xffffff)) >>> 0, o + 4);
    out.writeUInt32BE(r.highestSeq >>> 0, o + 8);
    out.writeUInt32BE(r.jitter >>> 0, o + 12);
    out.writeUInt32BE(r.lastSr >>> 0, o + 16);
    out.writeUInt32BE(r.delaySinceLastSr >>> 0, o + 20);
  });
  return out;
}

function serializeOne(p: RtcpPacket): Buffer {
  switch (p.type) {
    case "sr": {
      if (p.reports.length > 31) throw new RangeError("at most 31 report blocks per SR");
      const body = Buffer.allocUnsafe(24);
      body.writeUInt32BE(p.ssrc >>> 0, 0);
      body.writeUInt32BE(p.ntpSec >>> 0, 4);
      body.writeUInt32BE(p.ntpFrac >>> 0, 8);
      body.writeUInt32BE(p.rtpTimestamp >>> 0, 12);
      body.writeUInt32BE(p.packetCount >>> 0, 16);
      body.writeUInt32BE(p.octetCount >>> 0, 20);
      const reports = writeReports(p.reports);
      return Buffer.concat([header(200, p.reports.length, 4 + 24 + reports.length), body, reports]);
    }
    case "rr": {
      if (p.reports.length > 31) throw new RangeError("at most 31 report blocks per RR");
      const ssrc = Buffer.allocUnsafe(4);
      ssrc.writeUInt32BE(p.ssrc >>> 0, 0);
      const reports = writeReports(p.reports);
      return Buffer.concat([header(201, p.reports.length, 8 + reports.length), ssrc, reports]);
    }
    case "sdes": {
      const parts: Buffer[] = [];
      for (const c of p.chunks) {
        const items = c.items.map((it) => {
          const text = Buffer.from(it.text, "utf8").subarray(0, 255);
          return Buffer.concat([Buffer.from([it.type, text.length]), text]);
        });
        const len = 4 + items.reduce((n, x) => n + x.length, 0);
        const padded = (len + 1 + 3) & ~3; // at least one null octet, then to a 32-bit boundary
        const chunk = Buffer.alloc(padded);
        chunk.writeUInt32BE(c.ssrc >>> 0, 0);
        let o = 4;
        for (const it of items) {
          it.copy(chunk, o);
          o += it.length;
        }
        parts.push(chunk);
      }
      const body = Buffer.concat(parts);
      return Buffer.concat([header(202, p.chunks.length, 4 + body.length), body]);
    }
    case "bye": {
      const ids = Buffer.allocUnsafe(p.ssrcs.length * 4);
      p.ssrcs.forEach((s, i) => ids.writeUInt32BE(s >>> 0, i * 4));
      let reason = Buffer.alloc(0);
      if (p.reason !== null) {
        const text = Buffer.from(p.reason, "utf8").subarray(0, 255);
        reason = Buffer.alloc((1 + text.length + 3) & ~3);
        reason[0] = text.length;
        text.copy(reason, 1);
      }
      return Buffer.concat([header(203, p.ssrcs.length, 4 + ids.length + reason.length), ids, reason]);
    }
    case "other": {
      const body = Buffer.alloc((p.body.length + 3) & ~3);
      p.body.copy(body);
      return Buffer.concat([header(p.packetType, p.count, 4 + body.length), body]);
    }
  }
}

/** Serializes packets into one RTCP compound datagram (RFC 3550 §6.1: start with SR or RR). */
export function serializeRtcp(packets: readonly RtcpPacket[]): Buffer {
  return Buffer.concat(packets.map(serializeOne));
}

const NTP_EPOCH_OFFSET_SEC = 2208988800;

/** Converts a wall-clock time in ms (Unix epoch) to a 64-bit NTP timestamp (RFC 3550 §4). */
export function msToNtp(unixMs: number): { ntpSec: number; ntpFrac: number } {
  const sec = Math.floor(unixMs / 1000);
  const frac = Math.floor(((unixMs - sec * 1000) / 1000) * 0x100000000);
  return { ntpSec: (sec + NTP_EPOCH_OFFSET_SEC) >>> 0, ntpFrac: frac >>> 0 };
}

/** The middle 32 bits of an NTP timestamp (what LSR in a report block refers to). */
export function ntpMiddle32(ntpSec: number, ntpFrac: number): number {
  return (((ntpSec & 0xffff) << 16) | (ntpFrac >>> 16)) >>> 0;
}
