// RFC 4733 telephone-event: decoding with retransmission dedupe (one digit per event) and the
// sender's packet plan (M bit on the first, one timestamp per event, growing duration, end x3).

/** DTMF digits and their event codes (RFC 4733 §3.2). */
export const DTMF_EVENTS = "0123456789*#ABCD";

/** A DTMF symbol: 0-9, *, #, A-D. */
export type DtmfDigit = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "*" | "#" | "A" | "B" | "C" | "D";

/** True when `s` is a DTMF symbol. */
export function isDtmfDigit(s: string): s is DtmfDigit {
  return s.length === 1 && DTMF_EVENTS.includes(s.toUpperCase()) && s === s.toUpperCase();
}

/** The 4-byte telephone-event payload. */
export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

/** Parses a telephone-event payload; null when it is shorter than 4 bytes. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | null {
  if (payload.length < 4) return null;
  return {
    event: payload[0] as number,
    end: ((payload[1] as number) & 0x80) !== 0,
    volume: (payload[1] as number) & 0x3f,
    duration: (((payload[2] as number) << 8) | (payload[3] as number)) >>> 0,
  };
}

/** Serializes a telephone-event payload. */
export function serializeTelephoneEvent(e: TelephoneEvent): Buffer {
  const b = Buffer.allocUnsafe(4);
  b[0] = e.event & 0xff;
  b[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  b.writeUInt16BE(Math.min(0xffff, e.duration), 2);
  return b;
}

/** A detected DTMF key press. */
export interface DtmfDetection {
  digit: DtmfDigit | null;
  /** Raw event code (a non-digit event such as flash keeps `digit` null). */
  event: number;
  /** Duration from the end packet (or the last seen, if the end was lost), in ms. */
  durationMs: number;
  /** RTP timestamp shared by the event's packets. */
  rtpTimestamp: number;
  /** True when the end packet never arrived and a new event closed this one. */
  endLost: boolean;
}

/** Turns a stream of telephone-event packets into one detection per key press. */
export class DtmfReceiver {
  private readonly clockRate: number;
  private current: { ssrc: number; ts: number; event: number; duration: number } | null = null;
  private readonly finished: Array<{ ssrc: number; ts: number }> = [];

  constructor(clockRate = 8000) {
    this.clockRate = clockRate;
  }

  private detection(event: number, duration: number, ts: number, endLost: boolean): DtmfDetection {
    const ch = event < DTMF_EVENTS.length ? DTMF_EVENTS[event] : undefined;
    return {
      digit: ch !== undefined ? (ch as DtmfDigit) : null,
      event,
      durationMs: (duration * 1000) / this.clockRate,
      rtpTimestamp: ts,
      endLost,
    };
  }

  private isFinished(ssrc: number, ts: number): boolean {
    return this.finished.some((f) => f.ssrc === ssrc && f.ts === ts);
  }

  private finish(ssrc: number, ts: number): void {
    this.finished.push({ ssrc, ts });
    if (this.finished.length > 8) this.finished.shift();
  }

  /** Feeds one telephone-event packet; returns the detections it completes (0, 1 or 2). */
  receive(ssrc: number, rtpTimestamp: number, payload: Uint8Array): DtmfDetection[] {
    const ev = parseTelephoneEvent(payload);
    if (!ev) return [];
    const out: DtmfDetection[] = [];
    if (this.isFinished(ssrc, rtpTimestamp)) return out; // a retransmitted end packet
    const cur = this.current;
    if (cur && (cur.ssrc !== ssrc || cur.ts !== rtpTimestamp)) {
      // A new event began before the previous one's end arrived: report the previous one anyway.
      out.push(this.detection(cur.event, cur.duration, cur.ts, true));
      this.finish(cur.ssrc, cur.ts);
      this.current = null;
    }
    if (ev.end) {
      out.push(this.detection(ev.event, ev.duration, rtpTimestamp, false));
      this.finish(ssrc, rtpTimestamp);
      this.current = null;
    } else {
      this.current = { ssrc, ts: rtpTimestamp, event: ev.event, duration: Math.max(ev.duration, this.current?.duration ?? 0) };
    }
    return out;
  }

  /** True while an event has started and its end has not arrived. */
  get open(): boolean {
    return this.current !== null;
  }

  /** Reports an event still open (its end never came); call when the stream stops. */
  flush(): DtmfDetection[] {
    const cur = this.current;
    if (!cur) return [];
    this.current = null;
    this.finish(cur.ssrc, cur.ts);
    return [this.detection(cur.event, cur.duration, cur.ts, true)];
  }
}

/** One packet of a DTMF send plan; all share the event's start timestamp. */
export interface DtmfPacketPlan {
  marker: boolean;
  payload: Buffer;
  /** Frame interval index (0-based) at which the packet is due; the three end packets share one. */
  frame: number;
}

/** Options for `planDtmf`. */
export interface DtmfPlanOptions {
  durationMs?: number;
  volume?: number;
  frameMs?: number;
  clockRate?: number;
}

/** The RFC 4733 packets that send one digit (start with M, updates every frame, end three times). */
export function planDtmf(digit: DtmfDigit, opts: DtmfPlanOptions = {}): DtmfPacketPlan[] {
  const durationMs = opts.durationMs ?? 160;
  const frameMs = opts.frameMs ?? 20;
  const clockRate = opts.clockRate ?? 8000;
  const volume = opts.volume ?? 10;
  const event = DTMF_EVENTS.indexOf(digit);
  const frames = Math.max(1, Math.round(durationMs / frameMs));
  const step = (frameMs * clockRate) / 1000;
  const plan: DtmfPacketPlan[] = [];
  for (let i = 0; i < frames; i++) {
    plan.push({ marker: i === 0, frame: i, payload: serializeTelephoneEvent({ event, end: false, volume, duration: (i + 1) * step }) });
  }
  const end = serializeTelephoneEvent({ event, end: true, volume, duration: frames * step });
  for (let r = 0; r < 3; r++) plan.push({ marker: false, frame: frames, payload: end });
  return plan;
}
