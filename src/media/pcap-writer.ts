// libpcap savefile writer (LINKTYPE_ETHERNET, µs timestamps) for what a media or signalling stack
// sent and received: each datagram is wrapped in synthetic Ethernet + IPv4/IPv6 + UDP headers, and
// stream data in TCP segments whose per-direction sequence numbers let Wireshark reassemble it.

import { isIPv4 } from "node:net";
import { FileSink } from "./file-sink.js";

/** An IP endpoint. */
export interface Endpoint {
  address: string;
  port: number;
}

/** Options for `PcapWriter.create`. */
export interface PcapWriterOptions {
  /** Stop writing packets once the file would exceed this many bytes (default 50 MB). */
  maxBytes?: number;
  snaplen?: number;
  /**
   * Bytes gathered per file write (default 64 KiB: a call's RTP fills it in about three seconds).
   * Each write is a hop to libuv's thread pool that costs about as much as tens of packets.
   */
  bufferBytes?: number;
}

/** What a writer produced. */
export interface PcapSummary {
  packets: number;
  bytes: number;
  truncated: boolean;
  /** Packets not written because of the size cap. */
  droppedPackets: number;
}

const LINKTYPE_ETHERNET = 1;
const ETH_HEADER = 14;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const UDP_HEADER = 8;
const TCP_HEADER = 20;
const RECORD_HEADER = 16;
/** Bytes kept free below the cap for the truncation marker record. */
const MARKER_RESERVE = 256;
const TRUNCATION_MARKER_PORT = 9; // the discard port: a marker there cannot be mistaken for call traffic

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split(".").map((x) => Number(x) & 0xff));
}

function ipv6Bytes(address: string): Buffer {
  let a = address;
  const pct = a.indexOf("%");
  if (pct >= 0) a = a.slice(0, pct);
  if (a.startsWith("::ffff:") && isIPv4(a.slice(7))) return mappedV6(ipv4Bytes(a.slice(7)));
  const [head = "", tail = ""] = a.split("::") as [string?, string?];
  const h = head ? head.split(":") : [];
  const t = a.includes("::") && tail ? tail.split(":") : [];
  const groups = a.includes("::") ? [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t] : h;
  const out = Buffer.alloc(16);
  groups.slice(0, 8).forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) & 0xffff, i * 2));
  return out;
}

/** Strips an IPv4-mapped IPv6 prefix so v4 traffic on dual-stack sockets is written as IPv4. */
function normalize(address: string): string {
  return address.startsWith("::ffff:") && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** The 4 (IPv4) or 16 (IPv6) address bytes; IPv4-mapped IPv6 is written as IPv4. */
function addressBytes(address: string): Buffer {
  const a = normalize(address);
  return isIPv4(a) ? ipv4Bytes(a) : ipv6Bytes(a);
}

/** An IPv4 address as IPv4-mapped IPv6 (for a datagram whose other end is IPv6). */
function mappedV6(a: Buffer): Buffer {
  return a.length === 16 ? a : Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), a]);
}

/** Addresses a writer has seen, as bytes: a call's datagrams repeat the same two or three. */
const ADDRESS_CACHE_LIMIT = 64;

/** Sum of the big-endian 16-bit words of `b[start, end)`, an odd tail padded with zero (RFC 1071). */
function wordSum(b: Uint8Array, start: number, end: number, initial: number): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += ((b[i] as number) << 8) | (b[i + 1] as number);
  if (i < end) sum += (b[i] as number) << 8;
  return sum;
}

function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The 16-bit Internet checksum (RFC 1071) of `buf`. */
export function internetChecksum(buf: Buffer): number {
  return ~fold(wordSum(buf, 0, buf.length, 0)) & 0xffff;
}

/** A pcap record header at `out[o, o + 16)`: µs timestamp, captured and original lengths. */
function recordHeader(out: Buffer, timeMs: number, incl: number, orig: number, o = 0): void {
  const totalUs = Math.round(timeMs * 1000);
  out.writeUInt32LE(Math.floor(totalUs / 1e6) >>> 0, o);
  out.writeUInt32LE(totalUs % 1e6, o + 4);
  out.writeUInt32LE(incl, o + 8);
  out.writeUInt32LE(orig, o + 12);
}

/** Bytes of Ethernet + IP header in front of a transport segment between these addresses. */
function linkAndIpBytes(sa: Buffer): number {
  return ETH_HEADER + (sa.length === 4 ? IPV4_HEADER : IPV6_HEADER);
}

/**
 * Completes a frame at `out[o…]` whose transport segment (checksum field still 0) already sits
 * after the Ethernet and IP headers: writes those headers and the transport checksum, which
 * covers the pseudo-header (addresses, protocol, length; RFC 768, RFC 8200 §8.1) and the segment.
 */
function completeFrame(out: Buffer, o: number, sa: Buffer, da: Buffer, proto: 6 | 17, segmentLength: number, checksumOffset: number, ipId: number): void {
  const v4 = sa.length === 4;
  // Locally administered MACs derived from nothing: the capture is synthetic.
  out[o] = 0x02;
  out.fill(0, o + 1, o + 5);
  out[o + 5] = 0x02;
  out[o + 6] = 0x02;
  out.fill(0, o + 7, o + 11);
  out[o + 11] = 0x01;
  out.writeUInt16BE(v4 ? 0x0800 : 0x86dd, o + 12);
  const ip = o + ETH_HEADER;
  if (v4) {
    out[ip] = 0x45;
    out[ip + 1] = 0;
    out.writeUInt16BE(IPV4_HEADER + segmentLength, ip + 2);
    out.writeUInt16BE(ipId & 0xffff, ip + 4);
    out.writeUInt16BE(0x4000, ip + 6); // don't fragment
    out[ip + 8] = 64;
    out[ip + 9] = proto;
    out.writeUInt16BE(0, ip + 10);
    sa.copy(out, ip + 12);
    da.copy(out, ip + 16);
    out.writeUInt16BE(~fold(wordSum(out, ip, ip + IPV4_HEADER, 0)) & 0xffff, ip + 10);
  } else {
    out.writeUInt32BE(0x60000000, ip);
    out.writeUInt16BE(segmentLength, ip + 4);
    out[ip + 6] = proto;
    out[ip + 7] = 64;
    sa.copy(out, ip + 8);
    da.copy(out, ip + 24);
  }
  const seg = ip + (v4 ? IPV4_HEADER : IPV6_HEADER);
  const pseudo = wordSum(sa, 0, sa.length, wordSum(da, 0, da.length, proto + segmentLength));
  let ck = ~fold(wordSum(out, seg, seg + segmentLength, pseudo)) & 0xffff;
  if (proto === 17 && ck === 0) ck = 0xffff; // 0 means "no checksum" in UDP
  out.writeUInt16BE(ck, seg + checksumOffset);
}

/** Wraps a transport segment (UDP or TCP, checksum field still 0) in IP and Ethernet headers. */
function frame(sa: Buffer, da: Buffer, proto: 6 | 17, segment: Buffer, checksumOffset: number, ipId: number): Buffer {
  const head = linkAndIpBytes(sa);
  const out = Buffer.allocUnsafe(head + segment.length);
  segment.copy(out, head);
  completeFrame(out, 0, sa, da, proto, segment.length, checksumOffset, ipId);
  return out;
}

/** A UDP header with the checksum field zero (filled in once the payload is in place). */
function udpHeader(out: Buffer, o: number, srcPort: number, dstPort: number, length: number): void {
  out.writeUInt16BE(srcPort & 0xffff, o);
  out.writeUInt16BE(dstPort & 0xffff, o + 2);
  out.writeUInt16BE(length & 0xffff, o + 4);
  out.writeUInt16BE(0, o + 6);
}

/** Writes a libpcap savefile as packets come. */
export class PcapWriter {
  private readonly sink: FileSink;
  private readonly maxBytes: number;
  private readonly snaplen: number;
  private packets = 0;
  private dropped = 0;
  private truncatedAt: number | null = null;
  private ipId = 1;
  private closed = false;
  private readonly tcpSeq = new Map<string, number>();
  private readonly addresses = new Map<string, Buffer>();

  private constructor(sink: FileSink, maxBytes: number, snaplen: number) {
    this.sink = sink;
    this.maxBytes = maxBytes;
    this.snaplen = snaplen;
  }

  /** Creates the file and writes the global header. */
  static async create(path: string, opts: PcapWriterOptions = {}): Promise<PcapWriter> {
    const sink = await FileSink.create(path, opts.bufferBytes ?? 64 * 1024);
    const snaplen = opts.snaplen ?? 262144;
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeInt32LE(0, 8);
    h.writeUInt32LE(0, 12);
    h.writeUInt32LE(snaplen, 16);
    h.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    sink.write(h);
    return new PcapWriter(sink, Math.max(24 + MARKER_RESERVE, opts.maxBytes ?? 50 * 1024 * 1024), snaplen);
  }

  /** True once the size cap stopped the capture. */
  get truncated(): boolean {
    return this.truncatedAt !== null;
  }

  /** Counters so far. */
  summary(): PcapSummary {
    return { packets: this.packets, bytes: this.sink.bytes, truncated: this.truncated, droppedPackets: this.dropped };
  }

  /** Whether a record of `frameLength` bytes may be written; at the cap, writes the marker and stops. */
  private admit(frameLength: number, timeMs: number): boolean {
    if (this.closed) return false;
    if (this.truncatedAt !== null) {
      this.dropped++;
      return false;
    }
    const size = RECORD_HEADER + Math.min(frameLength, this.snaplen);
    if (this.sink.bytes + size > this.maxBytes - MARKER_RESERVE) {
      this.truncatedAt = timeMs;
      this.dropped++;
      this.writeMarker(timeMs);
      return false;
    }
    return true;
  }

  private record(frameBytes: Buffer, timeMs: number): boolean {
    if (!this.admit(frameBytes.length, timeMs)) return false;
    this.writeRecord(frameBytes, timeMs);
    return true;
  }

  private writeRecord(frameBytes: Buffer, timeMs: number): void {
    const incl = Math.min(frameBytes.length, this.snaplen);
    const out = this.sink.claim(RECORD_HEADER + incl);
    recordHeader(out, timeMs, incl, frameBytes.length);
    frameBytes.copy(out, RECORD_HEADER, 0, incl);
    this.packets++;
  }

  /** Both ends' address bytes, of one family (IPv4 only when both are). */
  private addressPair(src: string, dst: string): [Buffer, Buffer] {
    const sa = this.addressBytes(src);
    const da = this.addressBytes(dst);
    return sa.length === da.length ? [sa, da] : [mappedV6(sa), mappedV6(da)];
  }

  private addressBytes(address: string): Buffer {
    let b = this.addresses.get(address);
    if (b === undefined) {
      // Bounded: a flood of datagrams from random sources must not grow it.
      if (this.addresses.size >= ADDRESS_CACHE_LIMIT) this.addresses.clear();
      b = addressBytes(address);
      this.addresses.set(address, b);
    }
    return b;
  }

  private writeMarker(timeMs: number): void {
    const text = Buffer.from(`parley pcap truncated: size cap ${this.maxBytes} bytes reached; later packets not captured`, "ascii");
    const seg = Buffer.alloc(UDP_HEADER + text.length);
    udpHeader(seg, 0, TRUNCATION_MARKER_PORT, TRUNCATION_MARKER_PORT, seg.length);
    text.copy(seg, UDP_HEADER);
    const [sa, da] = this.addressPair("127.0.0.1", "127.0.0.1");
    this.writeRecord(frame(sa, da, 17, seg, 6, this.ipId++), timeMs);
  }

  /**
   * Records one UDP datagram; returns false when it was not written (cap reached or closed). The
   * record is built in place in the file buffer: every RTP packet of a call comes here.
   */
  writeUdp(src: Endpoint, dst: Endpoint, payload: Uint8Array, timeMs: number = Date.now()): boolean {
    // As `addressPair`, without its array: one per packet adds up.
    let sa = this.addressBytes(src.address);
    let da = this.addressBytes(dst.address);
    if (sa.length !== da.length) {
      sa = mappedV6(sa);
      da = mappedV6(da);
    }
    const head = linkAndIpBytes(sa);
    const udpLength = UDP_HEADER + payload.length;
    const frameLength = head + udpLength;
    if (!this.admit(frameLength, timeMs)) return false;
    if (frameLength > this.snaplen) {
      // Cut by the snap length: the checksum covers the whole frame, so build it whole and keep the head.
      const seg = Buffer.alloc(udpLength);
      udpHeader(seg, 0, src.port, dst.port, udpLength);
      seg.set(payload, UDP_HEADER);
      this.writeRecord(frame(sa, da, 17, seg, 6, this.ipId++), timeMs);
      return true;
    }
    // Straight into the file's chunk at an offset: no view object per record.
    let o = this.sink.claimAt(RECORD_HEADER + frameLength);
    let out: Buffer;
    if (o >= 0) out = this.sink.current;
    else {
      out = this.sink.claim(RECORD_HEADER + frameLength);
      o = 0;
    }
    recordHeader(out, timeMs, frameLength, frameLength, o);
    const udp = o + RECORD_HEADER + head;
    udpHeader(out, udp, src.port, dst.port, udpLength);
    out.set(payload, udp + UDP_HEADER);
    completeFrame(out, o + RECORD_HEADER, sa, da, 17, udpLength, 6, this.ipId++);
    this.packets++;
    return true;
  }

  /** Records stream bytes sent from `src` to `dst` as one TCP segment (PSH+ACK). */
  writeTcp(src: Endpoint, dst: Endpoint, payload: Uint8Array, timeMs: number = Date.now()): boolean {
    if (this.truncatedAt !== null || this.closed) return this.record(Buffer.alloc(0), timeMs);
    const s = normalize(src.address);
    const d = normalize(dst.address);
    const [sa, da] = this.addressPair(s, d);
    const key = `${s}|${src.port}|${d}|${dst.port}`;
    const back = `${d}|${dst.port}|${s}|${src.port}`;
    // Both directions start at relative sequence 1, as after a handshake Wireshark did not see.
    const seq = this.tcpSeq.get(key) ?? 1;
    const ack = this.tcpSeq.get(back) ?? 1;
    this.tcpSeq.set(key, (seq + payload.length) >>> 0);
    const seg = Buffer.alloc(TCP_HEADER + payload.length);
    seg.writeUInt16BE(src.port & 0xffff, 0);
    seg.writeUInt16BE(dst.port & 0xffff, 2);
    seg.writeUInt32BE(seq >>> 0, 4);
    seg.writeUInt32BE(ack >>> 0, 8);
    seg[12] = (TCP_HEADER / 4) << 4;
    seg[13] = 0x18; // PSH, ACK
    seg.writeUInt16BE(65535, 14);
    seg.set(payload, TCP_HEADER);
    return this.record(frame(sa, da, 6, seg, 16, this.ipId++), timeMs);
  }

  /** Records a datagram seen by a media tap: "out" went local → remote, "in" remote → local. */
  writeTapped(t: { direction: "in" | "out"; local: Endpoint; remote: Endpoint; data: Uint8Array; atMs: number }): boolean {
    return t.direction === "out" ? this.writeUdp(t.local, t.remote, t.data, t.atMs) : this.writeUdp(t.remote, t.local, t.data, t.atMs);
  }

  /** Flushes and closes the file. */
  async close(): Promise<PcapSummary> {
    if (!this.closed) {
      this.closed = true;
      await this.sink.close();
    }
    return this.summary();
  }
}
