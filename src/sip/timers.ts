// RFC 3261 §17 timer values, derived from T1/T2/T4, and the clock the state machines run on.

/** The three base intervals; every transaction timer derives from them (RFC 3261 Table 4). */
export interface TimerPolicy {
  /** RTT estimate; 500 ms by default. Tests use a few ms. */
  readonly t1Ms: number;
  /** Cap on non-INVITE and response retransmission intervals; 4 s by default. */
  readonly t2Ms: number;
  /** Maximum time a message stays in the network; 5 s by default. */
  readonly t4Ms: number;
  /** INVITE server: send 100 Trying when the TU has not answered within this many ms (0 = at once). */
  readonly tryingDelayMs: number;
}

export const DEFAULT_TIMERS: TimerPolicy = { t1Ms: 500, t2Ms: 4000, t4Ms: 5000, tryingDelayMs: 200 };

/** Fills a partial policy from the defaults and rejects nonsense values. */
export function timerPolicy(partial: Partial<TimerPolicy> = {}): TimerPolicy {
  const p = { ...DEFAULT_TIMERS, ...partial };
  for (const [k, v] of Object.entries(p)) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`timer ${k} must be a non-negative number of ms, got ${String(v)}`);
  }
  if (p.t1Ms === 0) throw new RangeError("timer t1Ms must be positive");
  return p;
}

/** Names of the RFC 3261 / RFC 6026 transaction timers. */
export type TimerName =
  | "A" | "B" | "D" | "E" | "F" | "G" | "H" | "I" | "J" | "K" | "L" | "M"
  /** INVITE server: delay before an automatic 100 Trying. */
  | "Trying"
  /** INVITE server: retransmission of our 2xx until the ACK (RFC 3261 §13.3.1.4, done here for the TU). */
  | "2xx"
  /** INVITE client: how long to wait for a final response after our CANCEL (§9.1). */
  | "cancel_guard";

/** 64·T1: the transaction timeout (B, F, H, J on unreliable transports, L, M). */
export function timeoutMs(p: TimerPolicy): number {
  return 64 * p.t1Ms;
}

/**
 * Timer D: how long an INVITE client absorbs final-response retransmissions. The RFC asks for at
 * least 32 s on UDP, which is 64·T1 at the default T1; scaling with T1 keeps small-T1 tests short.
 */
export function timerDMs(p: TimerPolicy, reliable: boolean): number {
  return reliable ? 0 : timeoutMs(p);
}

/** The next retransmission interval: doubled, capped at T2 when `capped` (E, G), uncapped for A. */
export function nextInterval(p: TimerPolicy, currentMs: number, capped: boolean): number {
  const doubled = currentMs * 2;
  return capped ? Math.min(doubled, p.t2Ms) : doubled;
}

/** A cancellable scheduled callback. */
export interface TimerHandle {
  cancel(): void;
}

/** The time source the state machines use, so tests can drive time by hand. */
export interface Clock {
  now(): number;
  schedule(delayMs: number, fn: () => void): TimerHandle;
}

/** The wall clock; timers are unref'd so a forgotten transaction never keeps the process alive. */
export const realClock: Clock = {
  now: () => Date.now(),
  schedule(delayMs, fn) {
    const t = setTimeout(fn, delayMs);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
