import type { PhoneNumber } from "../store/types.js";
import type { Peer, TransportKind } from "../sip/transport.js";

export type TrunkRoute =
  | { readonly ok: true; readonly requestUri: string; readonly toUri: string; readonly peer: Peer }
  | { readonly ok: false; readonly message: string };

const DEFAULT_PORT: Readonly<Record<TransportKind, number>> = { udp: 5060, tcp: 5060, tls: 5061 };

/**
 * Where an outbound call over an imported trunk goes: the termination URI (host[:port], or a
 * sip:/sips: URI) and the number's transport.
 */
export function trunkRoute(trunk: PhoneNumber, to: string): TrunkRoute {
  const raw = trunk.terminationUri?.trim();
  if (!raw) return { ok: false, message: `${trunk.phoneNumber} has no termination URI` };
  const m = /^(?:(sips?):)?(?:[^@;]*@)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.\-_]+)(?::(\d{1,5}))?((?:;[^;]*)*)$/.exec(raw);
  if (!m) return { ok: false, message: `termination URI "${raw}" is not host[:port] or a sip: URI` };
  const scheme = m[1] ?? "sip";
  const host = m[2]!;
  const params = m[4] ?? "";
  const transportParam = /;transport=(udp|tcp|tls)/i.exec(params)?.[1]?.toLowerCase() as TransportKind | undefined;
  const transport: TransportKind = scheme === "sips" ? "tls" : (transportParam ?? trunk.transport ?? "tcp");
  const port = m[3] !== undefined ? Number(m[3]) : DEFAULT_PORT[transport];
  if (port < 1 || port > 65535) return { ok: false, message: `termination URI "${raw}" has no valid port` };
  const user = encodeURIComponent(to).replace(/%2B/g, "+");
  const hostPort = `${host}${m[3] !== undefined ? `:${port}` : ""}`;
  const tParam = transport === "udp" || scheme === "sips" ? "" : `;transport=${transport}`;
  const address = host.startsWith("[") ? host.slice(1, -1) : host;
  return {
    ok: true,
    requestUri: `${scheme}:${user}@${hostPort}${tParam}`,
    toUri: `<${scheme}:${user}@${host}>`,
    peer: { transport, address, port },
  };
}
