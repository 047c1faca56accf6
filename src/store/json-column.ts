/** Serializing values into JSON text columns and back, identically on both engines. */
import { StoreError } from "./types.js";

/** JSON text for a column; undefined becomes SQL NULL (so undefined and null stay distinct). */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Parses a JSON column; NULL becomes undefined. A corrupt cell is reported with its place. */
export function fromJson<T>(text: string | null, where: string): T | undefined {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new StoreError("invalid", `corrupt JSON in ${where}`);
  }
}
