import type { LatencyStats } from "../core/call-record.js";

/** Samples kept per call; at one ping every 2 s this covers the 2-hour maximum call twice over. */
const MAX_SAMPLES = 10_000;

/** Collects ping_pong round trips and summarises them as the call's `llm_websocket_network_rtt`. */
export class RttStats {
  readonly #values: number[] = [];

  /** Adds one round trip (ms); samples beyond the cap are dropped, the oldest kept. */
  add(rttMs: number): void {
    if (this.#values.length < MAX_SAMPLES) this.#values.push(rttMs);
  }

  get count(): number {
    return this.#values.length;
  }

  /** Retell's latency shape (nearest-rank percentiles, ms rounded to 0.1); empty before any sample. */
  summary(): LatencyStats {
    const values = this.#values.map((v) => Math.round(v * 10) / 10);
    if (values.length === 0) return { num: 0, values: [] };
    const sorted = [...values].sort((a, b) => a - b);
    const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
    return {
      p50: rank(50),
      p90: rank(90),
      p95: rank(95),
      p99: rank(99),
      min: sorted[0] ?? 0,
      max: sorted[sorted.length - 1] ?? 0,
      num: values.length,
      values,
    };
  }
}
