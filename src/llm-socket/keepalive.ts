import { performance } from "node:perf_hooks";

export interface KeepaliveTiming {
  /** How often a ping_pong is sent (Retell: 2 000 ms). */
  readonly intervalMs: number;
  /** Silence after which the connection counts as dead (Retell: 5 000 ms). */
  readonly deadAfterMs: number;
}

export interface KeepaliveHooks {
  /** Sends one `ping_pong` carrying this wall-clock timestamp. */
  readonly ping: (timestamp: number) => void;
  /** No ping_pong came back for `deadAfterMs`. Called once; the keepalive has stopped itself. */
  readonly dead: (silentMs: number) => void;
  /** A round trip was measured. */
  readonly rtt: (rttMs: number) => void;
}

/** How many sent timestamps are remembered to match echoes against. */
const REMEMBERED = 8;

/**
 * The ping_pong heartbeat of one connection: pings every `intervalMs`, declares the connection dead
 * after `deadAfterMs` without an echo, and measures round trips by matching the echoed timestamp
 * (precise clock kept locally, so the server's clock never matters).
 */
export class Keepalive {
  readonly #timing: KeepaliveTiming;
  readonly #hooks: KeepaliveHooks;
  #interval: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #lastHeardAt = 0;
  readonly #sent = new Map<number, number>();

  constructor(timing: KeepaliveTiming, hooks: KeepaliveHooks) {
    this.#timing = timing;
    this.#hooks = hooks;
  }

  /** True between start() and stop() (or death). */
  get running(): boolean {
    return this.#interval !== undefined;
  }

  /** Starts pinging now; the watchdog counts from this moment. */
  start(): void {
    if (this.running) return;
    this.#lastHeardAt = performance.now();
    this.#interval = setInterval(() => this.#ping(), this.#timing.intervalMs);
    this.#arm();
    this.#ping();
  }

  /** Records an echo from the server and re-arms the watchdog. */
  received(timestamp: number): void {
    if (!this.running) return;
    const now = performance.now();
    this.#lastHeardAt = now;
    const sentAt = this.#sent.get(timestamp);
    if (sentAt !== undefined) {
      this.#sent.delete(timestamp);
      this.#hooks.rtt(now - sentAt);
    }
    this.#arm();
  }

  /** Cancels both timers. */
  stop(): void {
    clearInterval(this.#interval);
    clearTimeout(this.#watchdog);
    this.#interval = undefined;
    this.#watchdog = undefined;
    this.#sent.clear();
  }

  #ping(): void {
    const timestamp = Date.now();
    this.#sent.set(timestamp, performance.now());
    if (this.#sent.size > REMEMBERED) {
      const oldest = this.#sent.keys().next();
      if (!oldest.done) this.#sent.delete(oldest.value);
    }
    this.#hooks.ping(timestamp);
  }

  #arm(): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => {
      const silentMs = performance.now() - this.#lastHeardAt;
      this.stop();
      this.#hooks.dead(silentMs);
    }, this.#timing.deadAfterMs);
  }
}
