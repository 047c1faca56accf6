// G.711 μ-law and A-law (ITU-T G.711). Both directions are table lookups: a 64 K-entry encode table
// per law indexed by the raw 16-bit sample, and a 256-entry decode table.

// Encoders work on 14-bit (μ-law) and 13-bit (A-law) values as G.711 defines them. A 16-bit sample
// is rounded, not truncated, to that width: this halves the error and is what sox does, so the
// bytes match sox's conversion exactly.
const MULAW_BIAS = 0x84;
const MULAW_CLIP_14 = 8159;
const MULAW_SEGMENT_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];

function muLawEncodeSample(sample: number): number {
  let v = Math.min(8191, (sample + 2) >> 2);
  let mask: number;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  } else {
    mask = 0xff;
  }
  if (v > MULAW_CLIP_14) v = MULAW_CLIP_14;
  v += MULAW_BIAS >> 2;
  let seg = 0;
  while (seg < 8 && v > (MULAW_SEGMENT_END[seg] ?? 0)) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask;
}

function muLawDecodeByte(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

const ALAW_SEGMENT_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function aLawEncodeSample(sample: number): number {
  // A-law works on 13-bit magnitudes; the even-bit inversion (0x55) is part of the wire format.
  let v = Math.min(4095, (sample + 4) >> 3);
  let mask: number;
  if (v >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    v = -v - 1;
  }
  let seg = 0;
  while (seg < 8 && v > (ALAW_SEGMENT_END[seg] ?? 0)) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  const aval = (seg << 4) | (seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f);
  return aval ^ mask;
}

function aLawDecodeByte(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else {
    t += 0x108;
    if (seg > 1) t <<= seg - 1;
  }
  return a & 0x80 ? t : -t;
}

function buildTables(enc: (s: number) => number, dec: (b: number) => number): { encode: Uint8Array; decode: Int16Array } {
  const encode = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) encode[i] = enc(i < 32768 ? i : i - 65536);
  const decode = new Int16Array(256);
  for (let b = 0; b < 256; b++) decode[b] = dec(b);
  return { encode, decode };
}

const MULAW = buildTables(muLawEncodeSample, muLawDecodeByte);
const ALAW = buildTables(aLawEncodeSample, aLawDecodeByte);

/** The two G.711 laws, by their RTP encoding names. */
export type G711Law = "PCMU" | "PCMA";

/** RTP static payload type of a G.711 law (RFC 3551). */
export function g711PayloadType(law: G711Law): 0 | 8 {
  return law === "PCMU" ? 0 : 8;
}

function tables(law: G711Law): { encode: Uint8Array; decode: Int16Array } {
  return law === "PCMU" ? MULAW : ALAW;
}

/** Encodes PCM16 samples into G.711 bytes (one byte per sample); writes into `out` at `offset` when given. */
export function g711Encode(law: G711Law, pcm: Int16Array, out?: Uint8Array, offset = 0): Buffer {
  const enc = tables(law).encode;
  const dst = out ?? Buffer.allocUnsafe(pcm.length);
  for (let i = 0; i < pcm.length; i++) dst[offset + i] = enc[(pcm[i] as number) & 0xffff] as number;
  return Buffer.isBuffer(dst) ? dst : Buffer.from(dst.buffer, dst.byteOffset, dst.byteLength);
}

/**
 * Decodes G.711 bytes into PCM16 samples; writes into `out` when given. `start`/`end` select part
 * of `bytes` (an RTP payload inside its datagram) without a view object for it.
 */
export function g711Decode(law: G711Law, bytes: Uint8Array, out?: Int16Array, start = 0, end = bytes.length): Int16Array {
  const dec = tables(law).decode;
  const dst = out ?? new Int16Array(end - start);
  for (let i = start; i < end; i++) dst[i - start] = dec[bytes[i] as number] as number;
  return dst;
}

/** The G.711 law of an RTP payload type (0 μ-law, 8 A-law, RFC 3551), or null for any other. */
export function g711LawOfPayloadType(payloadType: number): G711Law | null {
  return payloadType === 0 ? "PCMU" : payloadType === 8 ? "PCMA" : null;
}

/** μ-law encode of one PCM16 sample. */
export function muLawEncode(sample: number): number {
  return MULAW.encode[sample & 0xffff] as number;
}

/** μ-law decode of one byte. */
export function muLawDecode(byte: number): number {
  return MULAW.decode[byte & 0xff] as number;
}

/** A-law encode of one PCM16 sample. */
export function aLawEncode(sample: number): number {
  return ALAW.encode[sample & 0xffff] as number;
}

/** A-law decode of one byte. */
export function aLawDecode(byte: number): number {
  return ALAW.decode[byte & 0xff] as number;
}

/** The byte a law uses for digital silence (what a concealment frame of silence is made of). */
export function g711SilenceByte(law: G711Law): number {
  return law === "PCMU" ? 0xff : 0xd5;
}
