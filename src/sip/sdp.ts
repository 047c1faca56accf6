// SDP (RFC 4566) parse/serialize, and the RFC 3264 offer/answer for one audio stream of G.711 with
// RFC 4733 telephone-event — what a telephony leg needs, with a clear failure the caller maps to 488.

export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpAttribute {
  name: string;
  /** Absent for a property attribute such as `a=sendrecv`. */
  value?: string;
}

export interface SdpMedia {
  media: string;
  port: number;
  portCount?: number;
  proto: string;
  /** Payload types (RTP) or format names, as written. */
  formats: string[];
  connection?: SdpConnection;
  attributes: SdpAttribute[];
  /** i=, b=, k= lines of this media section, kept in order as [type, value]. */
  other: Array<[string, string]>;
}

export interface SessionDescription {
  version: number;
  origin: {
    username: string;
    sessionId: string;
    sessionVersion: string;
    netType: string;
    addrType: string;
    address: string;
  };
  sessionName: string;
  connection?: SdpConnection;
  /** t= lines as [start, stop]. */
  timing: Array<[string, string]>;
  attributes: SdpAttribute[];
  media: SdpMedia[];
  /** Other session-level lines (i=, u=, e=, p=, b=, z=, k=, r=) as [type, value], in order. */
  other: Array<[string, string]>;
}

export type SdpParseResult = { ok: true; sdp: SessionDescription } | { ok: false; error: string };

/** Parses an SDP body; never throws. Unknown line types are kept, malformed mandatory ones are errors. */
export function parseSdp(input: string | Buffer): SdpParseResult {
  const text = typeof input === "string" ? input : input.toString("utf8");
  const lines = text.split(/\r?\n/);
  const sdp: Partial<SessionDescription> & { timing: Array<[string, string]>; attributes: SdpAttribute[]; media: SdpMedia[]; other: Array<[string, string]> } =
    { timing: [], attributes: [], media: [], other: [] };
  let current: SdpMedia | undefined;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.length === 0) continue;
    if (line.length < 2 || line[1] !== "=") return { ok: false, error: `line ${n + 1} is not type=value: ${clip(line)}` };
    const type = line[0]!;
    const value = line.slice(2);
    if (n === 0 && type !== "v") return { ok: false, error: "SDP must start with v=" };
    switch (type) {
      case "v":
        if (value.trim() !== "0") return { ok: false, error: `unsupported SDP version ${clip(value)}` };
        sdp.version = 0;
        break;
      case "o": {
        const f = value.split(" ");
        if (f.length !== 6 || f.some((x) => x.length === 0)) return { ok: false, error: `bad o= line: ${clip(value)}` };
        sdp.origin = { username: f[0]!, sessionId: f[1]!, sessionVersion: f[2]!, netType: f[3]!, addrType: f[4]!, address: f[5]! };
        break;
      }
      case "s":
        sdp.sessionName = value;
        break;
      case "c": {
        const c = parseConnection(value);
        if (c === undefined) return { ok: false, error: `bad c= line: ${clip(value)}` };
        if (current) current.connection = c;
        else sdp.connection = c;
        break;
      }
      case "t": {
        const f = value.split(" ");
        if (f.length !== 2) return { ok: false, error: `bad t= line: ${clip(value)}` };
        sdp.timing.push([f[0]!, f[1]!]);
        break;
      }
      case "m": {
        const m = parseMediaLine(value);
        if (m === undefined) return { ok: false, error: `bad m= line: ${clip(value)}` };
        sdp.media.push(m);
        current = m;
        break;
      }
      case "a": {
        const colon = value.indexOf(":");
        const attr: SdpAttribute = colon < 0 ? { name: value } : { name: value.slice(0, colon), value: value.slice(colon + 1) };
        if (attr.name.length === 0) return { ok: false, error: `bad a= line: ${clip(value)}` };
        (current ? current.attributes : sdp.attributes).push(attr);
        break;
      }
      default:
        if (!/^[a-z]$/.test(type)) return { ok: false, error: `bad line type ${JSON.stringify(type)}` };
        (current ? current.other : sdp.other).push([type, value]);
    }
  }
  if (sdp.version === undefined) return { ok: false, error: "missing v=" };
  if (sdp.origin === undefined) return { ok: false, error: "missing o=" };
  if (sdp.sessionName === undefined) sdp.sessionName = "-";
  if (sdp.timing.length === 0) sdp.timing.push(["0", "0"]);
  return { ok: true, sdp: sdp as SessionDescription };
}

/** Serializes to SDP text with CRLF line ends, in RFC 4566 order. */
export function serializeSdp(s: SessionDescription): string {
  const o = s.origin;
  const out = [`v=${s.version}`, `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`, `s=${s.sessionName || "-"}`];
  const order = "iuepb";
  for (const t of order) for (const [type, v] of s.other) if (type === t) out.push(`${type}=${v}`);
  if (s.connection) out.push(`c=${formatConnection(s.connection)}`);
  for (const [type, v] of s.other) if (type !== "z" && type !== "k" && !order.includes(type)) out.push(`${type}=${v}`);
  for (const [start, stop] of s.timing.length ? s.timing : [["0", "0"] as [string, string]]) out.push(`t=${start} ${stop}`);
  for (const [type, v] of s.other) if (type === "z" || type === "k") out.push(`${type}=${v}`);
  for (const a of s.attributes) out.push(formatAttribute(a));
  for (const m of s.media) {
    out.push(`m=${m.media} ${m.port}${m.portCount !== undefined ? `/${m.portCount}` : ""} ${m.proto} ${m.formats.join(" ")}`);
    for (const [type, v] of m.other) if (type === "i") out.push(`i=${v}`);
    if (m.connection) out.push(`c=${formatConnection(m.connection)}`);
    for (const [type, v] of m.other) if (type !== "i") out.push(`${type}=${v}`);
    for (const a of m.attributes) out.push(formatAttribute(a));
  }
  return `${out.join("\r\n")}\r\n`;
}

function parseConnection(v: string): SdpConnection | undefined {
  const f = v.trim().split(/\s+/);
  if (f.length !== 3) return undefined;
  // A TTL/count suffix (multicast) is kept out of the address.
  return { netType: f[0]!, addrType: f[1]!, address: f[2]!.split("/")[0]! };
}

function formatConnection(c: SdpConnection): string {
  return `${c.netType} ${c.addrType} ${c.address}`;
}

function formatAttribute(a: SdpAttribute): string {
  return a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

function parseMediaLine(v: string): SdpMedia | undefined {
  const f = v.trim().split(/\s+/);
  if (f.length < 3) return undefined;
  const [portStr, countStr] = f[1]!.split("/");
  const port = Number(portStr);
  if (!/^\d{1,5}$/.test(portStr ?? "") || port > 65535) return undefined;
  const m: SdpMedia = { media: f[0]!, port, proto: f[2]!, formats: f.slice(3), attributes: [], other: [] };
  if (countStr !== undefined) {
    if (!/^\d{1,5}$/.test(countStr)) return undefined;
    m.portCount = Number(countStr);
  }
  return m;
}

// ---------------------------------------------------------------- audio offer/answer

export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";
const DIRECTIONS: readonly Direction[] = ["sendrecv", "sendonly", "recvonly", "inactive"];

/** A codec as offered: payload type, encoding name, clock rate, channels, fmtp. */
export interface RtpCodec {
  pt: number;
  name: string;
  clockRate: number;
  channels?: number;
  fmtp?: string;
}

/** RFC 3551 static payload types the leg may meet without an rtpmap. */
const STATIC: Record<number, { name: string; clockRate: number }> = {
  0: { name: "PCMU", clockRate: 8000 },
  3: { name: "GSM", clockRate: 8000 },
  4: { name: "G723", clockRate: 8000 },
  8: { name: "PCMA", clockRate: 8000 },
  9: { name: "G722", clockRate: 8000 },
  18: { name: "G729", clockRate: 8000 },
};

/** The codecs of one media section, in the offerer's preference order. */
export function mediaCodecs(m: SdpMedia): RtpCodec[] {
  const maps = new Map<number, RtpCodec>();
  const fmtps = new Map<number, string>();
  for (const a of m.attributes) {
    if (a.value === undefined) continue;
    const name = a.name.toLowerCase();
    const sp = a.value.indexOf(" ");
    if (sp <= 0) continue;
    const pt = Number(a.value.slice(0, sp));
    if (!Number.isInteger(pt) || pt < 0 || pt > 127) continue;
    const rest = a.value.slice(sp + 1).trim();
    if (name === "rtpmap") {
      const [enc, rate, ch] = rest.split("/");
      const clockRate = Number(rate);
      if (!enc || !Number.isFinite(clockRate) || clockRate <= 0) continue;
      const c: RtpCodec = { pt, name: enc, clockRate };
      if (ch !== undefined && /^\d+$/.test(ch)) c.channels = Number(ch);
      maps.set(pt, c);
    } else if (name === "fmtp") fmtps.set(pt, rest);
  }
  const out: RtpCodec[] = [];
  for (const f of m.formats) {
    if (!/^\d{1,3}$/.test(f)) continue;
    const pt = Number(f);
    const mapped = maps.get(pt);
    const st = STATIC[pt];
    const c: RtpCodec | undefined = mapped ?? (st ? { pt, name: st.name, clockRate: st.clockRate } : undefined);
    if (c === undefined) continue;
    const fmtp = fmtps.get(pt);
    if (fmtp !== undefined) c.fmtp = fmtp;
    out.push(c);
  }
  return out;
}

/** The direction attribute of a media section, falling back to the session's, then sendrecv. */
export function mediaDirection(sdp: SessionDescription, m: SdpMedia): Direction {
  const find = (attrs: SdpAttribute[]): Direction | undefined =>
    attrs.map((a) => a.name.toLowerCase()).find((n): n is Direction => (DIRECTIONS as readonly string[]).includes(n));
  return find(m.attributes) ?? find(sdp.attributes) ?? "sendrecv";
}

/** The first value of an attribute in a media section (then the session), e.g. "ptime". */
export function attributeValue(sdp: SessionDescription, m: SdpMedia | undefined, name: string): string | undefined {
  const key = name.toLowerCase();
  return (m?.attributes.find((a) => a.name.toLowerCase() === key) ?? sdp.attributes.find((a) => a.name.toLowerCase() === key))?.value;
}

export type AudioCodecName = "PCMU" | "PCMA";
const CODEC_PT: Record<AudioCodecName, number> = { PCMU: 0, PCMA: 8 };

export interface AudioOfferOptions {
  /** The address RTP is received on (PARLEY_PUBLIC_HOST). */
  address: string;
  port: number;
  /** Preference order. Default PCMU, PCMA. */
  codecs?: AudioCodecName[];
  /** Payload type for RFC 4733 telephone-event, or false to leave it out. Default 101. */
  telephoneEvent?: number | false;
  ptimeMs?: number;
  direction?: Direction;
  /** o= session id and version; a time-derived id by default. */
  sessionId?: string;
  sessionVersion?: string;
  username?: string;
}

/** An SDP offer for one G.711 audio stream (plus telephone-event 0-16). */
export function buildAudioOffer(o: AudioOfferOptions): SessionDescription {
  const codecs = o.codecs ?? ["PCMU", "PCMA"];
  const te = o.telephoneEvent === undefined ? 101 : o.telephoneEvent;
  const formats = codecs.map((c) => String(CODEC_PT[c]));
  const attributes: SdpAttribute[] = codecs.map((c) => ({ name: "rtpmap", value: `${CODEC_PT[c]} ${c}/8000` }));
  if (te !== false) {
    formats.push(String(te));
    attributes.push({ name: "rtpmap", value: `${te} telephone-event/8000` }, { name: "fmtp", value: `${te} 0-16` });
  }
  attributes.push({ name: "ptime", value: String(o.ptimeMs ?? 20) }, { name: o.direction ?? "sendrecv" });
  return session(o, [{ media: "audio", port: o.port, proto: "RTP/AVP", formats, attributes, other: [] }]);
}

export interface AnswerOptions {
  address: string;
  port: number;
  /** Codecs we can run, in our preference order (the offerer's order wins among these, RFC 3264 §6.1 allows either; we take the offerer's). */
  codecs?: AudioCodecName[];
  /** Accept RFC 4733 events when offered. Default true. */
  telephoneEvent?: boolean;
  /** What we want to do; combined with the offer's direction. Default sendrecv. */
  direction?: Direction;
  ptimeMs?: number;
  sessionId?: string;
  sessionVersion?: string;
  username?: string;
}

/** What was agreed for the audio stream, for the RTP layer. */
export interface NegotiatedAudio {
  /** Index of the audio m= line in the offer (and the answer). */
  mediaIndex: number;
  codec: RtpCodec;
  /** The offerer's telephone-event payload type, when both sides do RFC 4733. */
  telephoneEventPt?: number;
  remoteAddress: string;
  remotePort: number;
  ptimeMs: number;
  /** Our direction in the answer. */
  direction: Direction;
}

export type NegotiationResult =
  | { ok: true; answer: SessionDescription; audio: NegotiatedAudio }
  | { ok: false; reason: "bad_offer" | "no_audio" | "no_common_codec"; message: string };

/** RFC 3264 answer to an offer: the first usable audio stream is accepted, every other stream rejected (port 0). */
export function negotiate(offer: SessionDescription | string | Buffer, supported: AnswerOptions): NegotiationResult {
  let sdp: SessionDescription;
  if (typeof offer === "string" || Buffer.isBuffer(offer)) {
    const r = parseSdp(offer);
    if (!r.ok) return { ok: false, reason: "bad_offer", message: r.error };
    sdp = r.sdp;
  } else sdp = offer;
  const ours = supported.codecs ?? ["PCMU", "PCMA"];
  const wantTe = supported.telephoneEvent ?? true;
  let chosen: { index: number; codec: RtpCodec; te?: RtpCodec } | undefined;
  let sawAudio = false;
  for (let i = 0; i < sdp.media.length && chosen === undefined; i++) {
    const m = sdp.media[i]!;
    // Plain RTP/AVP only: SRTP profiles need keys this leg does not do.
    if (m.media.toLowerCase() !== "audio" || m.port === 0 || !/^RTP\/AVP$/i.test(m.proto)) continue;
    sawAudio = true;
    const offered = mediaCodecs(m);
    const codec = offered.find((c) => c.clockRate === 8000 && ours.some((n) => n.toLowerCase() === c.name.toLowerCase()));
    if (codec === undefined) continue;
    const te = wantTe ? offered.find((c) => c.name.toLowerCase() === "telephone-event" && c.clockRate === 8000) : undefined;
    chosen = te ? { index: i, codec, te } : { index: i, codec };
  }
  if (chosen === undefined) {
    return sawAudio
      ? { ok: false, reason: "no_common_codec", message: `no common audio codec (we do ${ours.join(", ")})` }
      : { ok: false, reason: "no_audio", message: "the offer has no active RTP/AVP audio stream" };
  }
  const om = sdp.media[chosen.index]!;
  const remote = om.connection ?? sdp.connection;
  if (remote === undefined) return { ok: false, reason: "bad_offer", message: "no c= line for the audio stream" };
  const direction = answerDirection(offeredDirection(sdp, om, remote), supported.direction ?? "sendrecv");
  const ptimeMs = ptimeOf(sdp, om, supported.ptimeMs ?? 20);

  const media: SdpMedia[] = sdp.media.map((m, i) => {
    if (i !== chosen.index) return { media: m.media, port: 0, proto: m.proto, formats: m.formats.slice(0, 1).length ? m.formats.slice(0, 1) : ["0"], attributes: [], other: [] };
    const c = chosen.codec;
    const formats = [String(c.pt)];
    const attributes: SdpAttribute[] = [{ name: "rtpmap", value: `${c.pt} ${c.name}/${c.clockRate}` }];
    if (chosen.te) {
      formats.push(String(chosen.te.pt));
      attributes.push({ name: "rtpmap", value: `${chosen.te.pt} telephone-event/8000` }, { name: "fmtp", value: `${chosen.te.pt} 0-16` });
    }
    attributes.push({ name: "ptime", value: String(ptimeMs) }, { name: direction });
    return { media: "audio", port: supported.port, proto: m.proto, formats, attributes, other: [] };
  });
  const answer = session(supported, media);
  const audio: NegotiatedAudio = {
    mediaIndex: chosen.index,
    codec: chosen.codec,
    remoteAddress: remote.address,
    remotePort: om.port,
    ptimeMs,
    direction,
  };
  if (chosen.te) audio.telephoneEventPt = chosen.te.pt;
  return { ok: true, answer, audio };
}

/** The answer to our own offer (UAC side): what to send, where, and how; fails when the answer is unusable. */
export function acceptAnswer(
  ourOffer: SessionDescription,
  answer: SessionDescription | string | Buffer,
): { ok: true; audio: NegotiatedAudio } | { ok: false; reason: "bad_offer" | "no_audio" | "no_common_codec"; message: string } {
  let sdp: SessionDescription;
  if (typeof answer === "string" || Buffer.isBuffer(answer)) {
    const r = parseSdp(answer);
    if (!r.ok) return { ok: false, reason: "bad_offer", message: `bad SDP answer: ${r.error}` };
    sdp = r.sdp;
  } else sdp = answer;
  const index = ourOffer.media.findIndex((m) => m.media === "audio" && m.port !== 0);
  const am = sdp.media[index];
  if (index < 0 || am === undefined || am.port === 0) return { ok: false, reason: "no_audio", message: "the answer rejected the audio stream" };
  const offered = mediaCodecs(ourOffer.media[index]!);
  const answered = mediaCodecs(am);
  const codec = answered.find((c) => c.name.toLowerCase() !== "telephone-event" && offered.some((o) => o.name.toLowerCase() === c.name.toLowerCase() && o.clockRate === c.clockRate));
  if (codec === undefined) return { ok: false, reason: "no_common_codec", message: "the answer names no codec we offered" };
  const remote = am.connection ?? sdp.connection;
  if (remote === undefined) return { ok: false, reason: "bad_offer", message: "no c= line in the answer" };
  const audio: NegotiatedAudio = {
    mediaIndex: index,
    codec,
    remoteAddress: remote.address,
    remotePort: am.port,
    ptimeMs: ptimeOf(sdp, am, 20),
    // Our direction is the mirror of theirs, bounded by what we offered.
    direction: answerDirection(offeredDirection(sdp, am, remote), mediaDirection(ourOffer, ourOffer.media[index]!)),
  };
  const te = answered.find((c) => c.name.toLowerCase() === "telephone-event");
  if (te !== undefined && offered.some((o) => o.name.toLowerCase() === "telephone-event")) audio.telephoneEventPt = te.pt;
  return { ok: true, audio };
}

/** The a=ptime of a stream when sane (10–60 ms), else `fallback`. */
function ptimeOf(sdp: SessionDescription, m: SdpMedia, fallback: number): number {
  const v = Number(attributeValue(sdp, m, "ptime"));
  return Number.isInteger(v) && v >= 10 && v <= 60 ? v : fallback;
}

/** A peer's direction, reading the RFC 2543 hold form (c=0.0.0.0: "send me nothing") as sendonly. */
function offeredDirection(sdp: SessionDescription, m: SdpMedia, remote: SdpConnection): Direction {
  const d = mediaDirection(sdp, m);
  if (remote.address !== "0.0.0.0") return d;
  return d === "sendrecv" || d === "sendonly" ? "sendonly" : "inactive";
}

/** RFC 3264 §6.1: the answer's direction given the offer's and what we want. */
export function answerDirection(offered: Direction, wanted: Direction): Direction {
  const weSend = wanted === "sendrecv" || wanted === "sendonly";
  const weRecv = wanted === "sendrecv" || wanted === "recvonly";
  const theySend = offered === "sendrecv" || offered === "sendonly";
  const theyRecv = offered === "sendrecv" || offered === "recvonly";
  const send = weSend && theyRecv;
  const recv = weRecv && theySend;
  return send && recv ? "sendrecv" : send ? "sendonly" : recv ? "recvonly" : "inactive";
}

function session(
  o: { address: string; sessionId?: string; sessionVersion?: string; username?: string },
  media: SdpMedia[],
): SessionDescription {
  const addrType = o.address.includes(":") ? "IP6" : "IP4";
  const id = o.sessionId ?? String(Math.floor(Date.now() / 1000) + 2208988800);
  return {
    version: 0,
    origin: { username: o.username ?? "parley", sessionId: id, sessionVersion: o.sessionVersion ?? id, netType: "IN", addrType, address: o.address },
    sessionName: "parley",
    connection: { netType: "IN", addrType, address: o.address },
    timing: [["0", "0"]],
    attributes: [],
    media,
    other: [],
  };
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
