import type { SipStack } from "../sip/stack.js";
import type { PhoneNumber } from "../store/types.js";
import { trunkRoute } from "./trunk-route.js";

/** The last OPTIONS probe of a trunk target. */
export type TrunkHealth =
  | { readonly state: "up"; readonly code: number; readonly phrase: string; readonly rttMs: number; readonly at: number }
  | { readonly state: "down"; readonly why: string; readonly at: number };

/**
 * Sends OPTIONS to each imported trunk's termination target and remembers the answer, so a
 * failing trunk is visible before calls fail on it. Any response means the trunk is reachable
 * (many answer 200, some 403/404/405 to OPTIONS); a timeout or a transport error means it is not.
 */
export class TrunkHealthMonitor {
  readonly #last = new Map<string, TrunkHealth>();

  constructor(private readonly stack: SipStack, private readonly publicHost: string) {}

  /** The last result for a number's trunk, if it was probed. */
  get(trunk: PhoneNumber): TrunkHealth | undefined {
    const route = trunkRoute(trunk, "health");
    return route.ok ? this.#last.get(key(route.peer)) : undefined;
  }

  /** Probes every distinct target among `trunks` once, in parallel. */
  async probeAll(trunks: readonly PhoneNumber[]): Promise<void> {
    const targets = new Map<string, PhoneNumber>();
    for (const t of trunks) {
      const r = t.kind === "imported" ? trunkRoute(t, "health") : undefined;
      if (r?.ok) targets.set(key(r.peer), t);
    }
    await Promise.all([...targets.values()].map((t) => this.probe(t)));
  }

  /** Sends one OPTIONS to the trunk's target and records the outcome. */
  async probe(trunk: PhoneNumber): Promise<TrunkHealth> {
    const route = trunkRoute(trunk, "health");
    if (!route.ok) return { state: "down", why: route.message, at: Date.now() };
    const uri = route.requestUri.replace(/^(sips?:)[^@]*@/, "$1");
    const req = this.stack.createRequest("OPTIONS", uri, { from: `<sip:health@${this.publicHost}>`, headers: [["Accept", "application/sdp"]] });
    const t0 = Date.now();
    const outcome = await this.stack.request(req, route.peer).outcome;
    const at = Date.now();
    const health: TrunkHealth =
      outcome.kind === "final"
        ? { state: "up", code: outcome.response.status, phrase: outcome.response.reason, rttMs: at - t0, at }
        : outcome.kind === "timeout"
          ? { state: "down", why: `no answer to OPTIONS within ${outcome.afterMs} ms`, at }
          : outcome.kind === "transport_error"
            ? { state: "down", why: `${outcome.failure.cause}: ${outcome.failure.message}`, at }
            : { state: "down", why: outcome.why, at };
    this.#last.set(key(route.peer), health);
    return health;
  }
}

function key(p: { transport: string; address: string; port: number }): string {
  return `${p.transport}:${p.address}:${p.port}`;
}
