// UDP sockets for media: created with a lookup that answers IP literals synchronously, which saves
// the DNS module's deferred callback on every one of the 50 packets a second per stream.

import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";

function literalLookup(address: string, _opts: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(":") ? 6 : 4);
}

/** A UDP socket of the family of `address` (not yet bound). */
export function createMediaSocket(address: string): Socket {
  return createSocket({ type: isIPv6(address) ? "udp6" : "udp4", lookup: literalLookup as never });
}

/** Binds exclusively to `address:port` (0 for any port); null when the port is taken. */
export function bindMediaSocket(address: string, port: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const s = createMediaSocket(address);
    const fail = () => {
      s.close();
      resolve(null);
    };
    s.once("error", fail);
    s.bind({ address, port, exclusive: true }, () => {
      s.off("error", fail);
      resolve(s);
    });
  });
}
