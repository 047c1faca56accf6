import { BlockList, isIP } from "node:net";

/** True when `address` is in one of the entries (addresses or CIDRs, IPv4 or IPv6). */
export function ipAllowed(address: string, entries: readonly string[]): boolean {
  const list = new BlockList();
  for (const e of entries) {
    const [ip, bits] = e.split("/");
    const family = isIP(ip ?? "") === 6 ? "ipv6" : "ipv4";
    if (!ip || isIP(ip) === 0) continue;
    if (bits === undefined) list.addAddress(ip, family);
    else list.addSubnet(ip, Number(bits), family);
  }
  const plain = address.replace(/^::ffff:/, "");
  return list.check(plain, isIP(plain) === 6 ? "ipv6" : "ipv4");
}
