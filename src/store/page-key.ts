/**
 * Opaque cursors and list limits. A cursor is the sort key of the last row served, as base64url
 * JSON; callers must not build or read them (only the store does).
 */
import { StoreError } from "./types.js";

/** Largest page any list serves (Retell's maximum). */
export const MAX_LIMIT = 1000;

/** Throws `invalid` unless the limit is an integer in 1..MAX_LIMIT. */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new StoreError("invalid", `limit must be an integer from 1 to ${MAX_LIMIT} (got ${String(limit)})`);
  }
}

/** Encodes a (number, string) sort key. */
export function encodePageKey(at: number, id: string): string {
  return Buffer.from(JSON.stringify([at, id]), "utf8").toString("base64url");
}

/** Decodes a key made by encodePageKey; `invalid` for anything else. */
export function decodePageKey(key: string): { at: number; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(key, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !Number.isSafeInteger(parsed[0]) || typeof parsed[1] !== "string") {
    throw new StoreError("invalid", "pagination_key is not one this server issued");
  }
  return { at: parsed[0] as number, id: parsed[1] };
}
