// libpcap savefile writer (LINKTYPE_ETHERNET, µs timestamps) for what a media or signalling stack
// sent and received: each datagram is wrapped in synthetic Ethernet + IPv4/IPv6 + UDP headers, and
// stream data in TCP segments whose per-direction sequence numbers let Wireshark reassemble it.

import { isIPv4, isIPv6 } from "node:net";
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
  if (a.startsWith("::ffff:") && isIPv4(a.slice(7))) return Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), ipv4Bytes(a.slice(7))]);
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

function onesComplementSum(buf: Buffer, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length & 1) sum += (buf[buf.length - 1] as number) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The 16-bit Internet checksum (RFC 1071) of `buf`. */
export function internetChecksum(buf: Buffer): number {
  return ~onesComplementSum(buf) & 0xffff;
}

function pseudoHeaderSum(src: Buffer, dst: Buffer, proto: number, length: number): number {
  const p = Buffer.alloc(src.length === 4 ? 12 : 40);
  if (src.length === 4) {
    src.copy(p, 0);
    dst.copy(p, 4);
    p[9] = proto;
    p.writeUInt16BE(length, 10);
  } else {
    src.copy(p, 0);
    dst.copy(p, 16);
    p.writeUInt32BE(length, 32);
    p[39] = proto;
  }
  return onesComplementSum(p);
}

/** Wraps a transport segment (UDP or TCP, checksum field still 0) in IP and Ethernet headers. */
function frame(src: string, dst: string, proto: 6 | 17, segment: Buffer, checksumOffset: number, ipId: number): Buffer {
  const v4 = isIPv4(src) && isIPv4(dst);
  const sa = v4 ? ipv4Bytes(src) : ipv6Bytes(src);
  const da = v4 ? ipv4Bytes(dst) : ipv6Bytes(dst);
  const sum = onesComplementSum(segment, pseudoHeaderSum(sa, da, proto, segment.length));
  let ck = ~sum & 0xffff;
  if (proto === 17 && ck === 0) ck = 0xffff; // 0 means "no checksum" in UDP
  segment.writeUInt16BE(ck, checksumOffset);
  const eth = Buffer.alloc(ETH_HEADER);
  // Locally administered MACs derived from nothing: the capture is synthetic.
  eth.set([0x02, 0, 0, 0, 0, 0x02], 0);
  eth.set([0x02, 0, 0, 0, 0, 0x01], 6);
  let ip: Buffer;
  if (v4) {
    eth.writeUInt16BE(0x0800, 12);
    ip = Buffer.alloc(IPV4_HEADER);
    ip[0] = 0x45;
    ip.writeUInt16BE(IPV4_HEADER + segment.length, 2);
    ip.writeUInt16BE(ipId & 0xffff, 4);
    ip.writeUInt16BE(0x4000, 6); // don't fragment
    ip[8] = 64;
    ip[9] = proto;
    sa.copy(ip, 12);
    da.copy(ip, 16);
    ip.writeUInt16BE(internetChecksum(ip), 10);
  } else {
    eth.writeUInt16BE(0x86dd, 12);
    ip = Buffer.alloc(IPV6_HEADER);
    ip.writeUInt32BE(0x60000000, 0);
    ip.writeUInt16BE(segment.length, 4);
    ip[6] = proto;
    ip[7] = 64;
    sa.copy(ip, 8);
    da.copy(ip, 24);
  }
  return Buffer.concat([eth, ip, segment]);
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

  private constructor(sink: FileSink, maxBytes: number, snaplen: number) {
    this.sink = sink;
    this.maxBytes = maxBytes;
    this.snaplen = snaplen;
  }

  /** Creates the file and writes the global header. */
  static async create(path: string, opts: PcapWriterOptions = {}): Promise<PcapWriter> {
    const sink = await FileSink.create(path);
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

  private record(frameBytes: Buffer, timeMs: number): boolean {
    if (this.closed) return false;
    if (this.truncatedAt !== null) {
      this.dropped++;
      return false;
    }
    const size = RECORD_HEADER + Math.min(frameBytes.length, this.snaplen);
    if (this.sink.bytes + size > this.maxBytes - MARKER_RESERVE) {
      this.truncatedAt = timeMs;
      this.dropped++;
      this.writeMarker(timeMs);
      return false;
    }
    this.writeRecord(frameBytes, timeMs);
    return true;
  }

  private writeRecord(frameBytes: Buffer, timeMs: number): void {
    const incl = Math.min(frameBytes.length, this.snaplen);
    const h = Buffer.allocUnsafe(RECORD_HEADER);
    const totalUs = Math.round(timeMs * 1000);
    h.writeUInt32LE(Math.floor(totalUs / 1e6) >>> 0, 0);
    h.writeUInt32LE(totalUs % 1e6, 4);
    h.writeUInt32LE(incl, 8);
    h.writeUInt32LE(frameBytes.length, 12);
    this.sink.write(h);
    this.sink.write(incl === frameBytes.length ? frameBytes : frameBytes.subarray(0, incl));
    this.packets++;
  }

  private writeMarker(timeMs: number): void {
    const text = Buffer.from(`parley pcap truncated: size cap ${this.maxBytes} bytes reached; later packets not captured`, "ascii");
    const seg = Buffer.alloc(UDP_HEADER + text.length);
    seg.writeUInt16BE(TRUNCATION_MARKER_PORT, 0);
    seg.writeUInt16BE(TRUNCATION_MARKER_PORT, 2);
    seg.writeUInt16BE(seg.length, 4);
    text.copy(seg, UDP_HEADER);
    this.writeRecord(frame("127.0.0.1", "127.0.0.1", 17, seg, 6, this.ipId++), timeMs);
  }

  /** Records one UDP datagram; returns false when it was not written (cap reached or closed). */
  writeUdp(src: Endpoint, dst: Endpoint, payload: Uint8Array, timeMs: number = Date.now()): boolean {
    if (this.truncatedAt !== null || this.closed) return this.record(Buffer.alloc(0), timeMs);
    const seg = Buffer.allocUnsafe(UDP_HEADER + payload.length);
    seg.writeUInt16BE(src.port & 0xffff, 0);
    seg.writeUInt16BE(dst.port & 0xffff, 2);
    seg.writeUInt16BE(seg.length & 0xffff, 4);
    seg.writeUInt16BE(0, 6);
    seg.set(payload, UDP_HEADER);
    return this.record(frame(normalize(src.address), normalize(dst.address), 17, seg, 6, this.ipId++), timeMs);
  }

  /** Records stream bytes sent from `src` to `dst` as one TCP segment (PSH+ACK). */
  writeTcp(src: Endpoint, dst: Endpoint, payload: Uint8Array, timeMs: number = Date.now()): boolean {
    if (this.truncatedAt !== null || this.closed) return this.record(Buffer.alloc(0), timeMs);
    const s = normalize(src.address);
    const d = normalize(dst.address);
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
    return this.record(frame(s, d, 6, seg, 16, this.ipId++), timeMs);
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
