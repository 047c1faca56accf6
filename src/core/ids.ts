import { randomFillSync } from "node:crypto";

// Ids are minted for every call, dialog tag and branch; one randomFillSync per id is a syscall
// each, so random bytes are drawn a few kilobytes at a time.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

/** `n` random bytes as lowercase hex, from a cryptographically secure pool. */
export function randomHex(n: number): string {
  if (n > pool.length) return randomFillSync(Buffer.alloc(n)).toString("hex");
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const hex = pool.toString("hex", poolAt, poolAt + n);
  poolAt += n;
  return hex;
}

/** A prefixed id of 32 characters: the prefix, then lowercase hex (Retell's id shape). */
export function newId(prefix: "call_" | "agent_" | "llm_" | "ws_" | "key_"): string {
  const hexLen = 32 - prefix.length;
  return prefix + randomHex(Math.ceil(hexLen / 2)).slice(0, hexLen);
}

/**
 * A call id in Retell's shape whose hex starts with the creation time (ms, 11 hex digits, good
 * until the year 2527) followed by 64 random bits. Ids made later sort later, so each new call
 * lands at the right edge of the call and call-log indexes instead of on a random page: a
 * busy node's commits then touch a few shared pages rather than one page per call per index.
 */
export function newCallId(now = Date.now()): string {
  return "call_" + Math.trunc(now).toString(16).padStart(11, "0").slice(-11) + randomHex(8);
}
