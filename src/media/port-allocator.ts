// Even/odd RTP/RTCP port pairs from a configured range. A pair is handed out already bound, so the
// check-then-bind race with other processes cannot happen; exhaustion is a typed error the
// signalling layer turns into a 503, not an exception that crashes a call.

import type { Socket } from "node:dgram";
import { bindMediaSocket } from "./udp-socket.js";

/** A closed range of UDP ports, e.g. "20000-20999". */
export interface PortRange {
  min: number;
  max: number;
}

/** Why a port pair could not be had. */
export type PortAllocationError =
  | { kind: "invalid-range"; message: string }
  | { kind: "exhausted"; message: string; range: PortRange; inUse: number };

/** A bound RTP socket (even port) and, unless rtcp-mux, its RTCP socket on port + 1. */
export interface PortLease {
  address: string;
  rtpPort: number;
  rtcpPort: number | null;
  rtpSocket: Socket;
  rtcpSocket: Socket | null;
  /** Closes the sockets (if still open) and returns the pair to the pool. */
  release(): void;
}

export type PortAllocation = { ok: true; lease: PortLease } | { ok: false; error: PortAllocationError };

/** Parses "20000-20999" (or a single port); odd bounds are trimmed to whole even/odd pairs. */
export function parsePortRange(text: string): { ok: true; range: PortRange } | { ok: false; error: PortAllocationError } {
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5}))?\s*$/.exec(text);
  const bad = (message: string) => ({ ok: false as const, error: { kind: "invalid-range" as const, message } });
  if (!m) return bad(`port range "${text}" is not of the form MIN-MAX`);
  const lo = Number(m[1]);
  const hi = m[2] !== undefined ? Number(m[2]) : lo + 1;
  if (lo < 1024 || hi > 65535 || lo > hi) return bad(`port range "${text}" must lie within 1024-65535 with MIN <= MAX`);
  const min = lo % 2 === 0 ? lo : lo + 1;
  const max = hi % 2 === 1 ? hi : hi - 1;
  if (max < min + 1) return bad(`port range "${text}" holds no even/odd pair`);
  return { ok: true, range: { min, max } };
}

function closeQuietly(s: Socket): void {
  try {
    s.close();
  } catch {
    // already closed by its user
  }
}

/** Hands out bound RTP(/RTCP) port pairs from a range, round-robin so ports are not reused at once. */
export class PortAllocator {
  readonly range: PortRange;
  private readonly address: string;
  private readonly inUse = new Set<number>();
  private cursor: number;

  constructor(range: PortRange, address = "0.0.0.0") {
    this.range = range;
    this.address = address;
    this.cursor = range.min;
  }

  /** Builds an allocator from range text such as the value of PARLEY_RTP_PORTS. */
  static fromText(text: string, address?: string): { ok: true; allocator: PortAllocator } | { ok: false; error: PortAllocationError } {
    const r = parsePortRange(text);
    return r.ok ? { ok: true, allocator: new PortAllocator(r.range, address) } : r;
  }

  /** Pairs in the range. */
  get capacity(): number {
    return (this.range.max - this.range.min + 1) / 2;
  }

  /** Pairs handed out and not yet released. */
  get leased(): number {
    return this.inUse.size;
  }

  /** Binds the next free pair; with `rtcpMux` only the even port is bound (the odd one stays reserved). */
  async allocate(opts: { rtcpMux?: boolean } = {}): Promise<PortAllocation> {
    const pairs = this.capacity;
    for (let tried = 0; tried < pairs; tried++) {
      const port = this.cursor;
      this.cursor = port + 2 > this.range.max ? this.range.min : port + 2;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      const rtp = await bindMediaSocket(this.address, port);
      if (!rtp) {
        this.inUse.delete(port);
        continue;
      }
      let rtcp: Socket | null = null;
      if (!opts.rtcpMux) {
        rtcp = await bindMediaSocket(this.address, port + 1);
        if (!rtcp) {
          closeQuietly(rtp);
          this.inUse.delete(port);
          continue;
        }
      }
      let released = false;
      const lease: PortLease = {
        address: this.address,
        rtpPort: port,
        rtcpPort: rtcp ? port + 1 : null,
        rtpSocket: rtp,
        rtcpSocket: rtcp,
        release: () => {
          if (released) return;
          released = true;
          closeQuietly(rtp);
          if (rtcp) closeQuietly(rtcp);
          this.inUse.delete(port);
        },
      };
      return { ok: true, lease };
    }
    return {
      ok: false,
      error: {
        kind: "exhausted",
        message: `no free RTP port pair in ${this.range.min}-${this.range.max} (${this.inUse.size} of ${pairs} pairs leased)`,
        range: this.range,
        inUse: this.inUse.size,
      },
    };
  }
}
