import { randomBytes } from "node:crypto";

/** A prefixed id of 32 characters: the prefix, then lowercase hex (Retell's id shape). */
export function newId(prefix: "call_" | "agent_" | "llm_" | "ws_" | "key_"): string {
  const hexLen = 32 - prefix.length;
  return prefix + randomBytes(Math.ceil(hexLen / 2)).toString("hex").slice(0, hexLen);
}
