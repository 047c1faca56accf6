// Where a request goes next (RFC 3261 §8.1.2 / RFC 3263 without DNS): the first Route if present,
// else the Request-URI; its host, port and transport.
import { parseUri, uriTransport } from "./uri.js";
import type { Peer, TransportKind } from "./transport.js";

export type TargetResult = { readonly ok: true; readonly peer: Peer } | { readonly ok: false; readonly error: string };

/** Resolves a SIP URI to a transport, address and port (numeric or host name; no SRV lookups). */
export function uriToPeer(uri: string): TargetResult {
  const u = parseUri(uri.replace(/^<|>$/g, ""));
  if (u === undefined || u.scheme === "tel") return { ok: false, error: `cannot route to "${uri}": not a sip: or sips: URI` };
  const t = uriTransport(u).toLowerCase();
  if (t !== "udp" && t !== "tcp" && t !== "tls") return { ok: false, error: `cannot route to "${uri}": transport ${t} is not supported` };
  const transport: TransportKind = t;
  const maddr = u.params.get("maddr");
  const host = typeof maddr === "string" && maddr.length ? maddr : u.host;
  const address = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return { ok: true, peer: { transport, address, port: u.port ?? (transport === "tls" ? 5061 : 5060) } };
}

/** The next hop for a request: its top Route (loose routing) or, without one, its Request-URI. */
export function nextHop(requestUri: string, routes: readonly string[]): TargetResult {
  const first = routes[0];
  if (first === undefined) return uriToPeer(requestUri);
  const m = /<([^>]*)>/.exec(first);
  return uriToPeer(m?.[1] ?? first);
}
