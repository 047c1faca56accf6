import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Signs a webhook body exactly as Retell does (retell-sdk lib/webhook_auth.ts):
 * `v=<ms>,d=<lowercase hex HMAC-SHA256(key = api key, msg = body + ms)>`.
 */
export function signWebhook(body: string, apiKey: string, nowMs: number = Date.now()): string {
  const digest = createHmac("sha256", apiKey).update(body + String(nowMs)).digest("hex");
  return `v=${nowMs},d=${digest}`;
}

/** Verifies a signature made by `signWebhook` (for Parley's own tests and the inbound-webhook client). */
export function verifyWebhook(body: string, apiKey: string, signature: string, toleranceMs = 300_000, nowMs = Date.now()): boolean {
  const m = /^v=(\d+),d=([0-9a-f]{64})$/i.exec(signature);
  if (!m) return false;
  const ts = Number(m[1]);
  if (Math.abs(nowMs - ts) > toleranceMs) return false;
  const expected = Buffer.from(createHmac("sha256", apiKey).update(body + m[1]).digest("hex"), "utf8");
  const given = Buffer.from(m[2]!.toLowerCase(), "utf8");
  return expected.length === given.length && timingSafeEqual(expected, given);
}
