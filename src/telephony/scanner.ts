import type { SipRequest } from "../sip/message.js";

/** User-Agents of the SIP scanners that probe every public SIP port. */
const SCANNERS = /friendly-scanner|sipvicious|sipcli|sip-scan|sundayddr|iWar|VaxSIPUserAgent|pplsip|smap|sipptk/i;

/** True for a request from a known scanner: dropped without an answer, which tells it nothing. */
export function isScanner(req: SipRequest): boolean {
  const ua = req.headers.get("user-agent") ?? "";
  return SCANNERS.test(ua);
}
