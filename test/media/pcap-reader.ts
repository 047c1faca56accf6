// A tiny libpcap savefile reader for tests: Ethernet (or raw IPv4) + IPv4/IPv6 + UDP/TCP.

export interface PcapPacket {
  timeMs: number;
  protocol: "udp" | "tcp" | "other";
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
  /** The IPv4 header as captured (for checksum checks); null for IPv6. */
  ipv4Header: Buffer | null;
  tcpSeq?: number;
}

export interface PcapFile {
  linktype: number;
  snaplen: number;
  nanoseconds: boolean;
  packets: PcapPacket[];
}

function ipv4(b: Buffer, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ipv6(b: Buffer, o: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(o + i * 2).toString(16));
  return groups.join(":");
}

/** Parses a whole pcap file held in memory. */
export function readPcap(buf: Buffer): PcapFile {
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const nanoseconds = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  if (!le && magic !== 0xd4c3b2a1 && magic !== 0x4d3cb2a1) throw new Error("not a pcap file");
  const snaplen = u32(16);
  const linktype = u32(20);
  const packets: PcapPacket[] = [];
  let o = 24;
  while (o + 16 <= buf.length) {
    const sec = u32(o);
    const frac = u32(o + 4);
    const incl = u32(o + 8);
    const data = buf.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    const timeMs = sec * 1000 + (nanoseconds ? frac / 1e6 : frac / 1e3);
    let ip = 0;
    let ethertype = 0x0800;
    if (linktype === 1) {
      ethertype = data.readUInt16BE(12);
      ip = 14;
    } else if (linktype === 101 || linktype === 228) {
      ethertype = (data[0]! >> 4) === 6 ? 0x86dd : 0x0800;
    }
    let proto = 0;
    let l4 = 0;
    let src = "";
    let dst = "";
    let ipv4Header: Buffer | null = null;
    let l4End = data.length;
    if (ethertype === 0x0800) {
      const ihl = (data[ip]! & 0x0f) * 4;
      proto = data[ip + 9]!;
      src = ipv4(data, ip + 12);
      dst = ipv4(data, ip + 16);
      ipv4Header = data.subarray(ip, ip + ihl);
      l4 = ip + ihl;
      l4End = ip + data.readUInt16BE(ip + 2);
    } else if (ethertype === 0x86dd) {
      proto = data[ip + 6]!;
      src = ipv6(data, ip + 8);
      dst = ipv6(data, ip + 24);
      l4 = ip + 40;
      l4End = l4 + data.readUInt16BE(ip + 4);
    }
    if (proto === 17) {
      packets.push({ timeMs, protocol: "udp", src, dst, srcPort: data.readUInt16BE(l4), dstPort: data.readUInt16BE(l4 + 2), payload: data.subarray(l4 + 8, l4End), ipv4Header });
    } else if (proto === 6) {
      const off = (data[l4 + 12]! >> 4) * 4;
      packets.push({
        timeMs, protocol: "tcp", src, dst, srcPort: data.readUInt16BE(l4), dstPort: data.readUInt16BE(l4 + 2),
        payload: data.subarray(l4 + off, l4End), ipv4Header, tcpSeq: data.readUInt32BE(l4 + 4),
      });
    } else {
      packets.push({ timeMs, protocol: "other", src, dst, srcPort: 0, dstPort: 0, payload: data, ipv4Header });
    }
  }
  return { linktype, snaplen, nanoseconds, packets };
}
