import { isSipEventData, type CallEvent } from "./types.js";

/** One vertical line of the ladder: an address that sent or received SIP. */
export interface LadderColumn {
  readonly address: string;
  /** True for the address Parley sent from / received on. */
  readonly parley: boolean;
}

/** One message: an arrow from one column to another. */
export interface LadderArrow {
  readonly from: number;
  readonly to: number;
  readonly summary: string;
  readonly tMs: number;
  readonly outgoing: boolean;
  readonly transport: string;
  readonly raw: string;
  /** A final SIP response of 300 or more: drawn as a failure. */
  readonly failure: boolean;
}

export interface Ladder {
  readonly columns: readonly LadderColumn[];
  readonly arrows: readonly LadderArrow[];
}

/**
 * Lays out a SIP ladder from a call's `sip.in` / `sip.out` events: Parley's own addresses on the
 * left, every peer address in order of first appearance, one arrow per message in log order.
 * Events whose data is not SIP event data are skipped rather than drawn wrong.
 */
export function layoutLadder(events: readonly CallEvent[]): Ladder {
  const sip = events.filter((e) => (e.type === "sip.in" || e.type === "sip.out") && isSipEventData(e.data));
  const ours = new Set<string>();
  const peers: string[] = [];
  for (const e of sip) {
    const d = e.data as unknown as { from: string; to: string };
    const [mine, theirs] = e.type === "sip.out" ? [d.from, d.to] : [d.to, d.from];
    ours.add(mine);
    if (!peers.includes(theirs)) peers.push(theirs);
  }
  const columns: LadderColumn[] = [
    ...[...ours].map((address) => ({ address, parley: true })),
    ...peers.filter((p) => !ours.has(p)).map((address) => ({ address, parley: false })),
  ];
  const index = new Map(columns.map((c, i) => [c.address, i]));
  const arrows = sip.map((e): LadderArrow => {
    const d = e.data as unknown as { from: string; to: string; summary: string; raw: string; transport: string; status?: unknown };
    const status = typeof d.status === "number" ? d.status : Number(/^(\d{3})\b/.exec(d.summary)?.[1] ?? NaN);
    return {
      from: index.get(d.from) ?? 0,
      to: index.get(d.to) ?? 0,
      summary: d.summary,
      tMs: e.tMs,
      outgoing: e.type === "sip.out",
      transport: d.transport,
      raw: d.raw,
      failure: Number.isFinite(status) && status >= 300,
    };
  });
  return { columns, arrows };
}
