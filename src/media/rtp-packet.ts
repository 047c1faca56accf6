// RFC 3550 §5.1 RTP fixed header: parse and serialize. Parsing never throws; garbage yields a
// typed error so a receive loop can count and drop it.

/** A header extension (RFC 3550 §5.3.1): the profile word and its raw data (a multiple of 4 bytes). */
export interface RtpExtension {
  profile: number;
  data: Buffer;
}

/** One parsed RTP packet. `payload` is a view into the datagram (padding removed). */
export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  extension: RtpExtension | null;
  /** Padding bytes that followed the payload on the wire (0 when P was clear). */
  paddingLength: number;
  payload: Buffer;
}

/** Why a datagram is not a valid RTP packet. */
export type RtpParseError =
  | { kind: "too-short"; length: number }
  | { kind: "bad-version"; version: number }
  | { kind: "rtcp"; packetType: number }
  | { kind: "truncated-csrc"; csrcCount: number }
  | { kind: "truncated-extension"; declaredBytes: number }
  | { kind: "bad-padding"; paddingLength: number };

/** Result of `parseRtp`. */
export type RtpParseResult = { ok: true; packet: RtpPacket } | { ok: false; error: RtpParseError };

export const RTP_HEADER_BYTES = 12;

/** True when the second byte looks like an RTCP packet type (RFC 5761 §4 demultiplexing). */
export function isRtcpPacketType(secondByte: number): boolean {
  return secondByte >= 192 && secondByte <= 223;
}

/**
 * The fixed-header fields of an RTP datagram and where its payload lies, read in place: a receive
 * path fills one of these per packet instead of building an `RtpPacket` (an object, a CSRC array
 * and a payload view per packet, 50 times a second per stream). Reuse it; it holds no references.
 */
export class RtpHeaderView {
  marker = false;
  payloadType = 0;
  sequenceNumber = 0;
  timestamp = 0;
  ssrc = 0;
  csrcCount = 0;
  /** Offset of the extension's profile word, or -1 when there is none. */
  extensionStart = -1;
  /** The payload is `data[payloadStart, payloadEnd)`: after CSRCs and extension, before padding. */
  payloadStart = 0;
  payloadEnd = 0;
  paddingLength = 0;
}

/**
 * Reads the header of one RTP datagram into `view`; returns null, or why the datagram is not RTP
 * (then `view` is partly overwritten). The only allocation is the error object, on failure.
 */
export function readRtpHeader(b: Uint8Array, view: RtpHeaderView): RtpParseError | null {
  const length = b.length;
  if (length < RTP_HEADER_BYTES) return { kind: "too-short", length };
  const b0 = b[0] as number;
  const b1 = b[1] as number;
  const version = b0 >> 6;
  if (version !== 2) return { kind: "bad-version", version };
  if (isRtcpPacketType(b1)) return { kind: "rtcp", packetType: b1 };
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (length < offset) return { kind: "truncated-csrc", csrcCount };
  let extensionStart = -1;
  if ((b0 & 0x10) !== 0) {
    if (length < offset + 4) return { kind: "truncated-extension", declaredBytes: 4 };
    const words = ((b[offset + 2] as number) << 8) | (b[offset + 3] as number);
    const end = offset + 4 + words * 4;
    if (length < end) return { kind: "truncated-extension", declaredBytes: words * 4 };
    extensionStart = offset;
    offset = end;
  }
  let paddingLength = 0;
  if ((b0 & 0x20) !== 0) {
    paddingLength = b[length - 1] as number;
    if (paddingLength === 0 || offset + paddingLength > length) return { kind: "bad-padding", paddingLength };
  }
  view.marker = (b1 & 0x80) !== 0;
  view.payloadType = b1 & 0x7f;
  view.sequenceNumber = ((b[2] as number) << 8) | (b[3] as number);
  view.timestamp = (((b[4] as number) << 24) | ((b[5] as number) << 16) | ((b[6] as number) << 8) | (b[7] as number)) >>> 0;
  view.ssrc = (((b[8] as number) << 24) | ((b[9] as number) << 16) | ((b[10] as number) << 8) | (b[11] as number)) >>> 0;
  view.csrcCount = csrcCount;
  view.extensionStart = extensionStart;
  view.payloadStart = offset;
  view.payloadEnd = length - paddingLength;
  view.paddingLength = paddingLength;
  return null;
}

/** Parses one RTP datagram into an object of its own (see `readRtpHeader` for the hot path). */
export function parseRtp(buf: Uint8Array): RtpParseResult {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const v = new RtpHeaderView();
  const error = readRtpHeader(b, v);
  if (error) return { ok: false, error };
  const csrcs: number[] = [];
  for (let i = 0; i < v.csrcCount; i++) csrcs.push(b.readUInt32BE(RTP_HEADER_BYTES + i * 4));
  let extension: RtpExtension | null = null;
  if (v.extensionStart >= 0) {
    const words = b.readUInt16BE(v.extensionStart + 2);
    extension = { profile: b.readUInt16BE(v.extensionStart), data: b.subarray(v.extensionStart + 4, v.extensionStart + 4 + words * 4) };
  }
  return {
    ok: true,
    packet: {
      marker: v.marker,
      payloadType: v.payloadType,
      sequenceNumber: v.sequenceNumber,
      timestamp: v.timestamp,
      ssrc: v.ssrc,
      csrcs,
      extension,
      paddingLength: v.paddingLength,
      payload: b.subarray(v.payloadStart, v.payloadEnd),
    },
  };
}

/** What `serializeRtp` needs; optional fields default to none. */
export interface RtpPacketInit {
  marker?: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs?: readonly number[];
  extension?: RtpExtension | null;
  /** Pad the packet to a multiple of this many bytes (e.g. 4); 0 or absent means no padding. */
  padTo?: number;
  payload: Uint8Array;
}

/** Serializes an RTP packet into a new Buffer. */
export function serializeRtp(p: RtpPacketInit): Buffer {
  const csrcs = p.csrcs ?? [];
  if (csrcs.length > 15) throw new RangeError("RTP allows at most 15 CSRCs");
  const ext = p.extension ?? null;
  if (ext && ext.data.length % 4 !== 0) throw new RangeError("RTP header extension data must be a multiple of 4 bytes");
  const headerLen = RTP_HEADER_BYTES + csrcs.length * 4 + (ext ? 4 + ext.data.length : 0);
  const unpadded = headerLen + p.payload.length;
  let padLen = 0;
  if (p.padTo && p.padTo > 1) {
    padLen = (p.padTo - (unpadded % p.padTo)) % p.padTo;
  }
  const out = Buffer.allocUnsafe(unpadded + padLen);
  out[0] = 0x80 | (padLen ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  out[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  out.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(p.timestamp >>> 0, 4);
  out.writeUInt32BE(p.ssrc >>> 0, 8);
  let o = RTP_HEADER_BYTES;
  for (const c of csrcs) {
    out.writeUInt32BE(c >>> 0, o);
    o += 4;
  }
  if (ext) {
    out.writeUInt16BE(ext.profile & 0xffff, o);
    out.writeUInt16BE(ext.data.length / 4, o + 2);
    out.set(ext.data, o + 4);
    o += 4 + ext.data.length;
  }
  out.set(p.payload, o);
  if (padLen) {
    out.fill(0, unpadded, out.length - 1);
    out[out.length - 1] = padLen;
  }
  return out;
}

/** Writes a 12-byte header (no CSRCs, no extension) at the start of `out`: the send hot path. */
export function writeRtpHeader(out: Buffer, marker: boolean, payloadType: number, sequenceNumber: number, timestamp: number, ssrc: number): void {
  out[0] = 0x80;
  out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  out.writeUInt16BE(sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(timestamp >>> 0, 4);
  out.writeUInt32BE(ssrc >>> 0, 8);
}
