// One RTP/RTCP media stream over UDP: PCM16 in and out at a declared rate, G.711 on the wire,
// 20 ms frames paced by the shared drift-free `Pacer`, symmetric RTP (latching), receive
// statistics, a jitter buffer, RFC 4733 DTMF, periodic RTCP reports and BYE on close, and a tap
// that sees every datagram (for PCAP recording). It knows nothing of calls or SIP.

import { randomBytes } from "node:crypto";
import type { RemoteInfo, Socket } from "node:dgram";
import { performance } from "node:perf_hooks";
import { planDtmf, DtmfReceiver, type DtmfDetection, type DtmfDigit, type DtmfPacketPlan } from "./dtmf.js";
import { g711Decode, g711Encode, g711LawOfPayloadType, g711PayloadType, g711SilenceByte, type G711Law } from "./g711.js";
import { JitterBuffer, type JitterBufferOptions, type JitterBufferStats } from "./jitter-buffer.js";
import { Pacer, sharedPacer, type PacerHandle } from "./pacer.js";
import type { Endpoint } from "./pcap-writer.js";
import type { PortLease } from "./port-allocator.js";
import { Resampler, type SampleRate } from "./resample.js";
import {
  msToNtp,
  ntpMiddle32,
  parseRtcp,
  serializeRtcp,
  SDES_CNAME,
  type RtcpPacket,
  type RtcpParseError,
  type ReportBlock,
} from "./rtcp-packet.js";
import { ReceiveStats } from "./rtp-receive-stats.js";
import { bindMediaSocket } from "./udp-socket.js";
import { allocPcm } from "./pcm-pool.js";
import { isRtcpPacketType, readRtpHeader, RtpHeaderView, RTP_HEADER_BYTES, writeRtpHeader, type RtpParseError } from "./rtp-packet.js";

const CLOCK_RATE = 8000;
const CN_PAYLOAD_TYPE = 13;
const DTMF_END_TIMEOUT_MS = 800;
/** A learnt media source must be silent this long before another address may take its place. */
const RELEARN_QUIET_MS = 500;
/** …and the new address must send this many packets in sequence first (strict RTP, as Asterisk's strictrtp). */
const RELEARN_PACKETS = 3;

/** SDP media direction (RFC 4566 §6). */
export type MediaDirection = "sendrecv" | "sendonly" | "recvonly" | "inactive";

/** What the peer's RTCP says about the stream we send (RFC 3550 §6.4.1). */
export interface RemoteReport {
  /** Share of our packets lost in the peer's last report interval (0-1). */
  fractionLost: number;
  cumulativeLost: number;
  jitterMs: number;
  /** Round trip from LSR/DLSR; null until the peer echoes one of our SRs. */
  rttMs: number | null;
  atMs: number;
}

/** Every datagram the session sends or receives, for a PCAP writer. */
export interface PacketTapEntry {
  direction: "in" | "out";
  protocol: "rtp" | "rtcp";
  local: Endpoint;
  remote: Endpoint;
  data: Buffer;
  /** Wall-clock time in ms since the Unix epoch, with sub-millisecond fraction. */
  atMs: number;
}

/**
 * A datagram as `PacketTapEntry`, with the RTP header the session itself read from it (null for
 * RTCP and for datagrams that are not valid RTP; the payload is `data[rtp.payloadStart,
 * rtp.payloadEnd)`). The session fills one such object per direction again for every datagram, so
 * that capture and recording cost no object and no second parse per packet: read it during the
 * call, keep nothing of it.
 */
export interface CapturedDatagram extends PacketTapEntry {
  rtp: RtpHeaderView | null;
}

/** What a session reports, discriminated by `type`. */
export type RtpSessionEvent =
  | { type: "first-packet"; atMs: number; from: Endpoint; ssrc: number; payloadType: number }
  | { type: "latched"; remote: Endpoint; previous: Endpoint | null }
  | { type: "ssrc-change"; previous: number; ssrc: number }
  | { type: "audio"; pcm: Int16Array; sampleRate: number; concealed: boolean }
  | { type: "dtmf"; detection: DtmfDetection }
  | { type: "rtcp"; packets: RtcpPacket[]; from: Endpoint }
  | { type: "remote-bye"; ssrcs: number[]; reason: string | null }
  | { type: "invalid-packet"; protocol: "rtp"; error: RtpParseError; from: Endpoint }
  | { type: "invalid-packet"; protocol: "rtcp"; error: RtcpParseError; from: Endpoint }
  | { type: "socket-error"; message: string }
  | { type: "listener-error"; message: string; during: RtpSessionEvent["type"] }
  | { type: "closed" };

/** RTCP behaviour. */
export interface RtcpOptions {
  enabled?: boolean;
  /** Send and expect RTCP on the RTP port (RFC 5761). */
  mux?: boolean;
  /** Mean report interval in ms (RFC 3550 minimum 5 s); each interval is randomised ±50 %. */
  intervalMs?: number;
  cname?: string;
}

/** Options for `RtpSession.open`. */
export interface RtpSessionOptions {
  codec: G711Law;
  /** Rate of the PCM16 the caller sends and receives (G.711 itself is 8 kHz). */
  pcmRate?: SampleRate;
  /** Bound sockets from a `PortAllocator`; released on close. */
  lease?: PortLease;
  /** Without a lease: the address (and port, 0 for any) to bind. */
  bind?: { address: string; port?: number };
  /**
   * The address this session announces in SDP. When the socket is bound to a wildcard (0.0.0.0, ::)
   * it stands in for it in `local` and in taps, so a PCAP shows the address the peer really sent to.
   */
  sdpAddress?: string;
  /** Where to send, usually from the peer's SDP; may be set later with `setRemote`. */
  remote?: Endpoint | null;
  /** Where to send RTCP, if not remote port + 1 (SDP a=rtcp). */
  remoteRtcp?: Endpoint | null;
  /**
   * Symmetric and strict RTP (default true): media is learnt from the first packet's address, sent back
   * there, and packets from other addresses are dropped, unless the learnt source has been silent for
   * 500 ms and the new one sends 3 packets in sequence (NAT rebinding). `setRemote` re-learns. False:
   * accept from anywhere and always send to `remote`.
   */
  latching?: boolean;
  rtcp?: RtcpOptions;
  /** Playout buffer; `false` emits audio as packets arrive (default adaptive). */
  jitterBuffer?: JitterBufferOptions | false;
  /** telephone-event payload type, null to disable RFC 4733 (default 101). */
  telephoneEventPt?: number | null;
  /** When no audio is queued: send silence frames (default) or nothing. */
  whenIdle?: "silence" | "nothing";
  pacer?: Pacer;
  /** Sees every datagram, each as an entry of its own (which it may keep). */
  tap?: (entry: PacketTapEntry) => void;
  /** Sees every datagram too, as a reused `CapturedDatagram` (no allocation per packet; see there). */
  capture?: (datagram: Readonly<CapturedDatagram>) => void;
}

/** Counters of one session. */
export interface RtpSessionStats {
  ssrc: number;
  sent: { packets: number; octets: number; sendErrors: number };
  received: {
    packets: number;
    octets: number;
    expected: number;
    lost: number;
    jitterMs: number;
    duplicatesOrLate: number;
    invalid: number;
    unknownPayloadType: number;
    /** Packets dropped because they came from an address other than the learnt source (strict RTP). */
    foreign: number;
    remoteSsrc: number | null;
  };
  jitterBuffer: JitterBufferStats | null;
  /** The peer's view of our stream, from its latest RTCP report about it. */
  remoteReport: RemoteReport | null;
  direction: MediaDirection;
  firstPacketAtMs: number | null;
  lastPacketAtMs: number | null;
  remote: Endpoint | null;
  latched: boolean;
}

/** Read once: `performance.timeOrigin` is a native call each time, and taps want it twice per packet. */
const TIME_ORIGIN = performance.timeOrigin;

function wallClockMs(): number {
  return TIME_ORIGIN + performance.now();
}

function randomU32(): number {
  return randomBytes(4).readUInt32BE(0);
}

async function bindSocket(address: string, port: number): Promise<Socket> {
  const s = await bindMediaSocket(address, port);
  if (!s) throw new Error(`cannot bind UDP ${address}:${port}`);
  return s;
}

function sameEndpoint(a: Endpoint | null, b: Endpoint | null): boolean {
  return a !== null && b !== null && a.address === b.address && a.port === b.port;
}

/** A live RTP session; create with `RtpSession.open`. */
export class RtpSession {
  readonly codec: G711Law;
  readonly pcmRate: number;
  readonly ssrc = randomU32();
  readonly local: Endpoint;
  readonly localRtcp: Endpoint | null;
  private readonly payloadType: number;
  private readonly eventPt: number | null;
  private readonly silenceByte: number;
  private readonly frameSamples = CLOCK_RATE / 50;
  private readonly rtp: Socket;
  private readonly rtcpSocket: Socket | null;
  private readonly lease: PortLease | null;
  private readonly opts: RtpSessionOptions;
  /**
   * Subscribers in order. An array walked by index rather than a Set walked by iterator: an audio
   * event per frame would otherwise create an iterator per frame. It behaves as a Set walked live
   * would: one removed during an emit is skipped (its place is nulled, and compacted after the
   * emit), one added is called at the end of it.
   */
  private readonly listeners: Array<((e: RtpSessionEvent) => void) | null> = [];
  private emitting = 0;
  private readonly pacerHandle: PacerHandle;
  private remote: Endpoint | null;
  private remoteRtcp: Endpoint | null;
  private latched = false;
  private closed = false;
  private source: Endpoint | null = null;
  private sourceLastMs = 0;
  private candidate: { from: Endpoint; ssrc: number; seq: number; count: number } | null = null;
  private foreign = 0;
  private direction: MediaDirection = "sendrecv";

  // send state
  private seq = randomU32() & 0xffff;
  private readonly tsBase = randomU32();
  private txQueue: Int16Array[] = [];
  private txQueued = 0;
  private readonly txResampler: Resampler | null;
  private sentAny = false;
  private sentLastTick = false;
  private dtmfQueue: Array<{ digit: DtmfDigit; durationMs: number }> = [];
  private dtmfActive: { plan: DtmfPacketPlan[]; startTick: number; ts: number; next: number } | null = null;
  private sentPackets = 0;
  /** The last audio packet sent, whose bytes the next may reuse (see `audioPacket`). */
  private txPacket: Buffer | null = null;
  private sentOctets = 0;
  private sendErrors = 0;

  // receive state
  private remoteSsrc: number | null = null;
  private rxStats: ReceiveStats | null = null;
  private readonly jbOptions: JitterBufferOptions | false;
  /** Holds whole datagrams (already allocated by the socket); their headers are read again at playout. */
  private jb: JitterBuffer<Buffer> | null;
  /** The header of the datagram being received; its payload goes to the jitter buffer as its datagram. */
  private readonly rxHeader = new RtpHeaderView();
  /** The header of the datagram being played out. */
  private readonly playHeader = new RtpHeaderView();
  /** The header of the RTP packet being sent, for `capture`. */
  private readonly txHeader = new RtpHeaderView();
  private readonly capturedIn: CapturedDatagram;
  private readonly capturedOut: CapturedDatagram;
  private readonly rxResampler: Resampler | null;
  private readonly dtmf = new DtmfReceiver(CLOCK_RATE);
  private lastDtmfAt = 0;
  private firstPacketAtMs: number | null = null;
  /** Meaningful once `rxPackets` > 0 (a plain number holds a double in place; `number | null` boxes one per packet). */
  private lastPacketAtMs = 0;
  private rxPackets = 0;
  private rxOctets = 0;
  private invalid = 0;
  private unknownPt = 0;
  private playing = false;

  // RTCP state
  private readonly rtcpEnabled: boolean;
  private readonly rtcpMux: boolean;
  private readonly rtcpIntervalTicks: number;
  private nextRtcpTick: number;
  private lastSr: { middle: number; atMs: number } | null = null;
  private remoteReport: RemoteReport | null = null;

  private constructor(opts: RtpSessionOptions, rtp: Socket, rtcp: Socket | null, lease: PortLease | null) {
    this.opts = opts;
    this.codec = opts.codec;
    this.payloadType = g711PayloadType(opts.codec);
    this.eventPt = opts.telephoneEventPt === undefined ? 101 : opts.telephoneEventPt;
    this.silenceByte = g711SilenceByte(opts.codec);
    this.pcmRate = opts.pcmRate ?? CLOCK_RATE;
    this.rtp = rtp;
    this.rtcpSocket = rtcp;
    this.lease = lease;
    const a = rtp.address();
    const shown = (address: string) => (opts.sdpAddress && (address === "0.0.0.0" || address === "::") ? opts.sdpAddress : address);
    this.local = { address: shown(a.address), port: a.port };
    const r = rtcp?.address();
    this.localRtcp = r ? { address: shown(r.address), port: r.port } : null;
    this.remote = opts.remote ?? null;
    this.remoteRtcp = opts.remoteRtcp ?? null;
    this.txResampler = this.pcmRate === CLOCK_RATE ? null : new Resampler(this.pcmRate, CLOCK_RATE);
    this.rxResampler = this.pcmRate === CLOCK_RATE ? null : new Resampler(CLOCK_RATE, this.pcmRate);
    this.jbOptions = opts.jitterBuffer === false ? false : { frameMs: 20, ...(opts.jitterBuffer ?? {}) };
    this.jb = this.jbOptions ? new JitterBuffer<Buffer>(this.jbOptions) : null;
    const none = Buffer.alloc(0);
    this.capturedIn = { direction: "in", protocol: "rtp", local: this.local, remote: this.local, data: none, atMs: 0, rtp: null };
    this.capturedOut = { direction: "out", protocol: "rtp", local: this.local, remote: this.local, data: none, atMs: 0, rtp: null };
    this.rtcpEnabled = opts.rtcp?.enabled ?? true;
    this.rtcpMux = opts.rtcp?.mux ?? false;
    this.rtcpIntervalTicks = Math.max(1, Math.round((opts.rtcp?.intervalMs ?? 5000) / 20));
    // RFC 3550 §6.2: the first report after half an interval, then randomised intervals.
    this.nextRtcpTick = Math.round(this.rtcpIntervalTicks * (0.25 + Math.random() * 0.5));
    rtp.on("message", (msg, rinfo) => this.onRtpSocket(msg, rinfo));
    rtp.on("error", (err) => this.onSendError(err, null));
    rtcp?.on("message", (msg, rinfo) => this.onRtcp(msg, rinfo));
    rtcp?.on("error", (err) => this.onSendError(err, null));
    this.pacerHandle = (opts.pacer ?? sharedPacer()).add(20, (n) => this.tick(n));
  }

  /** Binds (or takes the leased sockets) and starts the frame clock. */
  static async open(opts: RtpSessionOptions): Promise<RtpSession> {
    const rate = opts.pcmRate ?? CLOCK_RATE;
    if (![8000, 16000, 24000, 48000].includes(rate)) throw new RangeError(`unsupported PCM rate ${rate}`);
    const mux = opts.rtcp?.mux ?? false;
    const rtcpOn = opts.rtcp?.enabled ?? true;
    if (opts.lease) {
      const rtcp = mux || !rtcpOn ? null : opts.lease.rtcpSocket;
      return new RtpSession(opts, opts.lease.rtpSocket, rtcp, opts.lease);
    }
    const address = opts.bind?.address ?? "127.0.0.1";
    const port = opts.bind?.port ?? 0;
    const rtp = await bindSocket(address, port);
    let rtcp: Socket | null = null;
    if (rtcpOn && !mux) {
      try {
        rtcp = await bindSocket(address, port === 0 ? 0 : port + 1);
      } catch (err) {
        rtp.close();
        throw err;
      }
    }
    return new RtpSession(opts, rtp, rtcp, null);
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (e: RtpSessionEvent) => void): () => void {
    if (!this.listeners.includes(listener)) this.listeners.push(listener);
    return () => this.off(listener);
  }

  private off(listener: (e: RtpSessionEvent) => void): boolean {
    const i = this.listeners.indexOf(listener);
    if (i < 0) return false;
    if (this.emitting > 0) this.listeners[i] = null;
    else this.listeners.splice(i, 1);
    return true;
  }

  private emit(e: RtpSessionEvent): void {
    const listeners = this.listeners;
    this.emitting++;
    for (let i = 0; i < listeners.length; i++) {
      const l = listeners[i];
      if (!l) continue;
      try {
        l(e);
      } catch (err) {
        // A listener's bug must not stop the media clock; surface it as an event instead.
        if (e.type !== "listener-error") this.emit({ type: "listener-error", message: String(err), during: e.type });
      }
    }
    if (--this.emitting === 0 && listeners.includes(null)) {
      // Places of listeners removed during the emit.
      let kept = 0;
      for (const l of listeners) if (l) listeners[kept++] = l;
      listeners.length = kept;
    }
  }

  /** Sets where RTP (and by default RTCP, port + 1) goes, e.g. after an SDP answer or re-INVITE. */
  setRemote(remote: Endpoint, remoteRtcp: Endpoint | null = null): void {
    this.remote = remote;
    this.remoteRtcp = remoteRtcp;
    this.latched = false;
    this.source = null;
    this.candidate = null;
  }

  /**
   * SDP direction (hold and resume): without "send" no RTP leaves (queued audio is dropped, RTCP goes
   * on); without "recv" arriving audio still counts for statistics and media timers but is not played.
   */
  setDirection(direction: MediaDirection): void {
    this.direction = direction;
    if (!this.sending) this.clearAudio();
  }

  private get sending(): boolean {
    return this.direction === "sendrecv" || this.direction === "sendonly";
  }

  private get receiving(): boolean {
    return this.direction === "sendrecv" || this.direction === "recvonly";
  }

  /**
   * Queues PCM16 audio at `pcmRate` for sending. At 8 kHz the array is queued as it is, not copied
   * (hundreds of streams would otherwise copy every frame): do not modify it afterwards.
   */
  sendAudio(pcm: Int16Array): void {
    if (this.closed || pcm.length === 0 || !this.sending) return;
    const at8k = this.txResampler ? this.txResampler.process(pcm) : pcm;
    this.txQueue.push(at8k);
    this.txQueued += at8k.length;
  }

  /** Drops audio queued and not yet sent (barge-in). */
  clearAudio(): void {
    this.txQueue = [];
    this.txQueued = 0;
  }

  /** Milliseconds of audio queued for sending. */
  get queuedMs(): number {
    return (this.txQueued * 1000) / CLOCK_RATE;
  }

  /** Queues an RFC 4733 digit (sent after any digit already queued). */
  sendDtmf(digit: DtmfDigit, durationMs = 160): void {
    if (this.closed || this.eventPt === null) return;
    this.dtmfQueue.push({ digit, durationMs });
  }

  private takeFrame(): Int16Array | null {
    if (this.txQueued === 0) return null;
    const first = this.txQueue[0] as Int16Array;
    if (first.length === this.frameSamples) {
      // The common case (producers hand over whole 20 ms frames): no copy.
      this.txQueue.shift();
      this.txQueued -= first.length;
      return first;
    }
    const frame = allocPcm(this.frameSamples);
    let filled = 0;
    while (filled < this.frameSamples && this.txQueue.length > 0) {
      const head = this.txQueue[0] as Int16Array;
      const take = Math.min(head.length, this.frameSamples - filled);
      frame.set(head.subarray(0, take), filled);
      filled += take;
      if (take === head.length) this.txQueue.shift();
      else this.txQueue[0] = head.subarray(take);
    }
    this.txQueued -= filled;
    return frame; // a short tail is padded with silence: the producer fell behind
  }

  private tick(n: number): void {
    if (this.closed) return;
    this.sendTick(n);
    this.playoutTick();
    // RFC 4733 §2.5.1.4: an event whose end packets were all lost ends when its updates stop coming.
    if (this.dtmf.open && performance.now() - this.lastDtmfAt > DTMF_END_TIMEOUT_MS) {
      for (const detection of this.dtmf.flush()) this.emit({ type: "dtmf", detection });
    }
    if (this.rtcpEnabled && n >= this.nextRtcpTick) {
      this.nextRtcpTick = n + Math.round(this.rtcpIntervalTicks * (0.5 + Math.random()));
      this.sendRtcp(false);
    }
  }

  private sendTick(n: number): void {
    if (!this.sending) {
      this.sentLastTick = false;
      return;
    }
    const ts = (this.tsBase + n * this.frameSamples) >>> 0;
    const eventPt = this.eventPt;
    if (!this.dtmfActive && this.dtmfQueue.length > 0 && eventPt !== null) {
      const d = this.dtmfQueue.shift() as { digit: DtmfDigit; durationMs: number };
      this.dtmfActive = { plan: planDtmf(d.digit, { durationMs: d.durationMs, clockRate: CLOCK_RATE }), startTick: n, ts, next: 0 };
    }
    const active = this.dtmfActive;
    if (active && eventPt !== null) {
      // Ticks the pacer skipped (a stalled event loop) must not lose the end packets: of the packets
      // now due only the newest update is sent (it carries the longest duration), or else the ends.
      const frame = n - active.startTick;
      let last = active.next;
      while (last < active.plan.length && (active.plan[last] as DtmfPacketPlan).frame <= frame) last++;
      const due = active.plan.slice(active.next, last);
      const ends = due.filter((p) => p.frame === (active.plan.at(-1) as DtmfPacketPlan).frame);
      const updates = due.filter((p) => !ends.includes(p));
      const newest = updates.at(-1);
      let marker = active.next === 0;
      // Once the ends are due they carry the final duration: no update needs to precede them.
      for (const p of ends.length > 0 ? ends : newest ? [newest] : []) {
        this.sendRtp(p.payload, eventPt, marker, active.ts);
        marker = false;
      }
      active.next = last;
      if (last >= active.plan.length) this.dtmfActive = null;
      this.sentLastTick = true;
      return;
    }
    const pcm = this.takeFrame();
    if (!pcm && (this.opts.whenIdle ?? "silence") === "nothing") {
      this.sentLastTick = false;
      return;
    }
    // The marker starts a talkspurt: the first packet, and the first after sending nothing.
    const marker = !this.sentAny || !this.sentLastTick;
    this.sentLastTick = true;
    const dst = this.remote;
    if (!dst) return;
    const packet = this.audioPacket();
    writeRtpHeader(packet, marker, this.payloadType, this.seq, ts, this.ssrc);
    if (pcm) g711Encode(this.codec, pcm, packet, RTP_HEADER_BYTES);
    else packet.fill(this.silenceByte, RTP_HEADER_BYTES);
    this.sent(packet, marker, this.payloadType, ts, dst);
  }

  /**
   * The buffer to build the next audio packet in: the previous packet's, unless something may still
   * read it. With a `tap` the entries (and their data) may be kept; and a send the kernel did not
   * take at once (EAGAIN) is queued in libuv, which reads the bytes later: while the socket's send
   * queue is not empty, a fresh buffer. (Media sockets send synchronously; see udp-socket.ts.)
   */
  private audioPacket(): Buffer {
    const previous = this.txPacket;
    if (previous !== null && this.rtp.getSendQueueSize() === 0) return previous;
    const fresh = Buffer.allocUnsafe(RTP_HEADER_BYTES + this.frameSamples);
    this.txPacket = this.opts.tap ? null : fresh;
    return fresh;
  }

  private sendRtp(payload: Buffer, pt: number, marker: boolean, ts: number): void {
    const dst = this.remote;
    if (!dst) return;
    const packet = Buffer.allocUnsafe(RTP_HEADER_BYTES + payload.length);
    writeRtpHeader(packet, marker, pt, this.seq, ts, this.ssrc);
    payload.copy(packet, RTP_HEADER_BYTES);
    this.sent(packet, marker, pt, ts, dst);
  }

  /** Sends an RTP packet whose 12-byte header (no CSRCs, no extension) was just written. */
  private sent(packet: Buffer, marker: boolean, pt: number, ts: number, dst: Endpoint): void {
    const h = this.txHeader;
    h.marker = marker;
    h.payloadType = pt;
    h.sequenceNumber = this.seq;
    h.timestamp = ts;
    h.ssrc = this.ssrc;
    h.payloadStart = RTP_HEADER_BYTES;
    h.payloadEnd = packet.length;
    this.seq = (this.seq + 1) & 0xffff;
    this.sentAny = true;
    this.sentPackets++;
    this.sentOctets += packet.length - RTP_HEADER_BYTES;
    this.send(this.rtp, packet, dst, "rtp");
  }

  /** Hands a datagram to `tap` and `capture`; `rtp` is its header when it is RTP that parsed. */
  private captured(direction: "in" | "out", protocol: "rtp" | "rtcp", local: Endpoint, remote: Endpoint, data: Buffer, atMs: number, rtp: RtpHeaderView | null): void {
    this.opts.tap?.({ direction, protocol, local, remote, data, atMs });
    const capture = this.opts.capture;
    if (!capture) return;
    const c = direction === "in" ? this.capturedIn : this.capturedOut;
    c.protocol = protocol;
    c.local = local;
    c.remote = remote;
    c.data = data;
    c.atMs = atMs;
    c.rtp = rtp;
    capture(c);
  }

  private send(socket: Socket, data: Buffer, dst: Endpoint, protocol: "rtp" | "rtcp", done?: () => void): void {
    const local = protocol === "rtcp" && socket !== this.rtp && this.localRtcp ? this.localRtcp : this.local;
    if (this.opts.tap || this.opts.capture) this.captured("out", protocol, local, dst, data, wallClockMs(), protocol === "rtp" ? this.txHeader : null);
    if (!done) {
      // Without a callback Node can complete the send synchronously; failures reach the socket's 'error' event.
      socket.send(data, dst.port, dst.address);
      return;
    }
    socket.send(data, dst.port, dst.address, (err) => {
      if (err) this.onSendError(err, dst);
      done();
    });
  }

  private onSendError(err: Error, dst: Endpoint | null): void {
    this.sendErrors++;
    // One report is enough: an unreachable peer fails 50 times a second.
    if (this.sendErrors === 1) this.emit({ type: "socket-error", message: `send${dst ? ` to ${dst.address}:${dst.port}` : ""}: ${err.message}` });
  }

  private playoutTick(): void {
    const jb = this.jb;
    if (!jb) return;
    if (this.rxStats) jb.adapt(this.rxStats.jitterMs);
    const r = jb.pop();
    if (r.kind === "waiting") {
      // Before the first packet there is nothing to play; after it, an underrun is heard as silence.
      if (this.playing) this.emitAudio(null, true);
      return;
    }
    this.playing = true;
    if (r.kind === "frame") this.emitAudio(r.payload, false);
    else this.emitAudio(r.mode === "repeat" ? r.payload : null, true);
  }

  /** Plays one received datagram (G.711, validated on arrival), or a frame of silence for null. */
  private emitAudio(datagram: Buffer | null, concealed: boolean): void {
    let pcm8: Int16Array;
    if (datagram) {
      const h = this.playHeader;
      readRtpHeader(datagram, h);
      // G.711 payload types are self-describing: a peer that switches law mid-call is still decoded right.
      const law = g711LawOfPayloadType(h.payloadType) ?? this.codec;
      pcm8 = g711Decode(law, datagram, allocPcm(h.payloadEnd - h.payloadStart), h.payloadStart, h.payloadEnd);
    } else pcm8 = allocPcm(this.frameSamples);
    const pcm = this.rxResampler ? this.rxResampler.process(pcm8) : pcm8;
    this.emit({ type: "audio", pcm, sampleRate: this.pcmRate, concealed });
  }

  /**
   * `rinfo` as an Endpoint: the learnt source's (or the remote's) own object when it is that, as
   * almost every packet's is, rather than a new object per packet. Endpoints are never modified.
   */
  private endpointOf(rinfo: RemoteInfo): Endpoint {
    const s = this.source ?? this.remote;
    if (s !== null && s.port === rinfo.port && s.address === rinfo.address) return s;
    return { address: rinfo.address, port: rinfo.port };
  }

  private onRtpSocket(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    if (msg.length >= 2 && isRtcpPacketType(msg[1] as number)) {
      this.onRtcp(msg, rinfo);
      return;
    }
    const from = this.endpointOf(rinfo);
    const atMs = wallClockMs();
    const h = this.rxHeader;
    const error = readRtpHeader(msg, h);
    if (this.opts.tap || this.opts.capture) this.captured("in", "rtp", this.local, from, msg, atMs, error ? null : h);
    if (error) {
      this.invalid++;
      this.emit({ type: "invalid-packet", protocol: "rtp", error, from });
      return;
    }
    this.onRtp(h, msg, from, atMs);
  }

  /** Strict RTP: whether a packet from `from` is media of this session (see `latching`). */
  private acceptSource(p: RtpHeaderView, from: Endpoint, nowMs: number): boolean {
    if (!(this.opts.latching ?? true)) return true;
    if (this.source === null || sameEndpoint(this.source, from)) {
      if (this.source === null) this.learn(from);
      this.sourceLastMs = nowMs;
      this.candidate = null;
      return true;
    }
    if (nowMs - this.sourceLastMs >= RELEARN_QUIET_MS) {
      const c = this.candidate;
      if (c && sameEndpoint(c.from, from) && c.ssrc === p.ssrc && p.sequenceNumber === ((c.seq + 1) & 0xffff)) {
        c.seq = p.sequenceNumber;
        c.count++;
      } else {
        this.candidate = { from, ssrc: p.ssrc, seq: p.sequenceNumber, count: 1 };
      }
      if ((this.candidate as { count: number }).count >= RELEARN_PACKETS) {
        this.learn(from);
        this.sourceLastMs = nowMs;
        this.candidate = null;
        return true;
      }
    }
    this.foreign++;
    return false;
  }

  private learn(from: Endpoint): void {
    this.source = from;
    this.latched = true;
    if (!sameEndpoint(this.remote, from)) {
      const previous = this.remote;
      this.remote = from;
      this.emit({ type: "latched", remote: from, previous });
    }
  }

  /** One valid RTP datagram `msg`, whose header is `p` (the session's receive view). */
  private onRtp(p: RtpHeaderView, msg: Buffer, from: Endpoint, atMs: number): void {
    const isAudio = p.payloadType === 0 || p.payloadType === 8;
    const isDtmf = this.eventPt !== null && p.payloadType === this.eventPt;
    if (!isAudio && !isDtmf && p.payloadType !== CN_PAYLOAD_TYPE) {
      this.unknownPt++;
      return;
    }
    if (!this.acceptSource(p, from, performance.now())) return;
    this.rxPackets++;
    this.rxOctets += p.payloadEnd - p.payloadStart;
    this.lastPacketAtMs = atMs;
    if (this.firstPacketAtMs === null) {
      this.firstPacketAtMs = atMs;
      this.emit({ type: "first-packet", atMs, from, ssrc: p.ssrc, payloadType: p.payloadType });
    }
    if (this.remoteSsrc !== p.ssrc) {
      const previous = this.remoteSsrc;
      this.remoteSsrc = p.ssrc;
      this.rxStats = new ReceiveStats(p.ssrc, CLOCK_RATE);
      if (this.jbOptions) this.jb = new JitterBuffer<Buffer>(this.jbOptions);
      if (previous !== null) this.emit({ type: "ssrc-change", previous, ssrc: p.ssrc });
    }
    const stats = this.rxStats as ReceiveStats;
    const verdict = stats.track(p.sequenceNumber, p.timestamp, performance.now(), isAudio);
    if (verdict === "bad-jump") return;
    if (verdict === "restart" && this.jbOptions) this.jb = new JitterBuffer<Buffer>(this.jbOptions);
    if (isDtmf) {
      this.lastDtmfAt = performance.now();
      for (const detection of this.dtmf.receive(p.ssrc, p.timestamp, msg.subarray(p.payloadStart, p.payloadEnd))) this.emit({ type: "dtmf", detection });
      return;
    }
    if (!isAudio) return;
    if (!this.receiving) return;
    if (this.jb) this.jb.push(stats.extendedSeq, msg);
    else if (verdict !== "duplicate-or-late") this.emitAudio(msg, false);
  }

  private onRtcp(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    const from = { address: rinfo.address, port: rinfo.port };
    const local = this.rtcpSocket && !this.rtcpMux ? (this.localRtcp ?? this.local) : this.local;
    if (this.opts.tap || this.opts.capture) this.captured("in", "rtcp", local, from, msg, wallClockMs(), null);
    const parsed = parseRtcp(msg);
    if (!parsed.ok) {
      this.invalid++;
      this.emit({ type: "invalid-packet", protocol: "rtcp", error: parsed.error, from });
      return;
    }
    if (this.opts.latching ?? true) {
      // Strict: RTCP is taken only from the host media was learnt from, and answered where it came from.
      if (this.source !== null && this.source.address !== from.address) {
        this.foreign++;
        return;
      }
      if (!this.rtcpMux) this.remoteRtcp = from;
    }
    for (const p of parsed.packets) {
      if (p.type === "sr") this.lastSr = { middle: ntpMiddle32(p.ntpSec, p.ntpFrac), atMs: performance.now() };
      if (p.type === "sr" || p.type === "rr") {
        const block = p.reports.find((r) => r.ssrc === this.ssrc);
        if (block) this.remoteReport = this.readReport(block);
      }
      if (p.type === "bye") this.emit({ type: "remote-bye", ssrcs: p.ssrcs, reason: p.reason });
    }
    this.emit({ type: "rtcp", packets: parsed.packets, from });
  }

  private readReport(block: ReportBlock): RemoteReport {
    let rttMs: number | null = null;
    if (block.lastSr !== 0) {
      const { ntpSec, ntpFrac } = msToNtp(wallClockMs());
      // A − LSR − DLSR in 1/65536 s, modulo 2^32 (RFC 3550 §6.4.1).
      const units = (ntpMiddle32(ntpSec, ntpFrac) - block.lastSr - block.delaySinceLastSr) >>> 0;
      if (units < 0x80000000) rttMs = (units / 65536) * 1000;
    }
    return {
      fractionLost: block.fractionLost / 256,
      cumulativeLost: block.cumulativeLost,
      jitterMs: (block.jitter * 1000) / CLOCK_RATE,
      rttMs,
      atMs: wallClockMs(),
    };
  }

  private rtcpDestination(): Endpoint | null {
    if (this.rtcpMux) return this.remote;
    if (this.remoteRtcp) return this.remoteRtcp;
    return this.remote ? { address: this.remote.address, port: this.remote.port + 1 } : null;
  }

  private reportBlocks(): ReportBlock[] {
    if (!this.rxStats) return [];
    const lsr = this.lastSr;
    const dlsr = lsr ? Math.round(((performance.now() - lsr.atMs) / 1000) * 65536) : 0;
    return [this.rxStats.reportBlock(lsr?.middle ?? 0, dlsr)];
  }

  private sendRtcp(bye: boolean, done?: () => void): void {
    const dst = this.rtcpDestination();
    const socket = this.rtcpMux ? this.rtp : this.rtcpSocket;
    if (!dst || !socket) {
      done?.();
      return;
    }
    const reports = this.reportBlocks();
    const packets: RtcpPacket[] = [];
    if (this.sentAny) {
      const { ntpSec, ntpFrac } = msToNtp(wallClockMs());
      packets.push({
        type: "sr",
        ssrc: this.ssrc,
        ntpSec,
        ntpFrac,
        // The RTP clock at the same instant as the NTP time (RFC 3550 §6.4.1), from the frame clock.
        rtpTimestamp: (this.tsBase + Math.round((performance.now() - this.pacerHandle.startMs) * (CLOCK_RATE / 1000))) >>> 0,
        packetCount: this.sentPackets >>> 0,
        octetCount: this.sentOctets >>> 0,
        reports,
      });
    } else {
      packets.push({ type: "rr", ssrc: this.ssrc, reports });
    }
    const cname = this.opts.rtcp?.cname ?? `parley@${this.local.address}`;
    packets.push({ type: "sdes", chunks: [{ ssrc: this.ssrc, items: [{ type: SDES_CNAME, text: cname }] }] });
    if (bye) packets.push({ type: "bye", ssrcs: [this.ssrc], reason: null });
    this.send(socket, serializeRtcp(packets), dst, "rtcp", done);
  }

  /** Counters so far. */
  stats(): RtpSessionStats {
    const rx = this.rxStats?.snapshot();
    return {
      ssrc: this.ssrc,
      sent: { packets: this.sentPackets, octets: this.sentOctets, sendErrors: this.sendErrors },
      received: {
        packets: this.rxPackets,
        octets: this.rxOctets,
        expected: rx?.expected ?? 0,
        lost: rx?.lost ?? 0,
        jitterMs: rx?.jitterMs ?? 0,
        duplicatesOrLate: rx?.duplicatesOrLate ?? 0,
        invalid: this.invalid,
        unknownPayloadType: this.unknownPt,
        foreign: this.foreign,
        remoteSsrc: this.remoteSsrc,
      },
      jitterBuffer: this.jb?.stats() ?? null,
      remoteReport: this.remoteReport,
      direction: this.direction,
      firstPacketAtMs: this.firstPacketAtMs,
      lastPacketAtMs: this.lastPacketAt,
      remote: this.remote,
      latched: this.latched,
    };
  }

  /** Time of the first RTP packet received (ms since epoch), or null. */
  get firstPacketAt(): number | null {
    return this.firstPacketAtMs;
  }

  /** Time of the latest RTP packet received (ms since epoch), or null. */
  get lastPacketAt(): number | null {
    return this.rxPackets === 0 ? null : this.lastPacketAtMs;
  }

  /** Stops the clock, sends RTCP BYE, closes (or releases) the sockets. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const detection of this.dtmf.flush()) this.emit({ type: "dtmf", detection });
    this.closed = true;
    this.pacerHandle.stop();
    if (this.rtcpEnabled) {
      // Let the BYE leave before the socket closes (send is asynchronous); never wait long for it.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.sendRtcp(true, () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (this.lease) this.lease.release();
    else {
      for (const s of [this.rtp, this.rtcpSocket]) {
        if (!s) continue;
        try {
          s.close();
        } catch {
          // already closed
        }
      }
    }
    this.emit({ type: "closed" });
    this.listeners.length = 0;
  }
}
