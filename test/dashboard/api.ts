import type { TestParley } from "../helpers/parley.js";

export interface ApiAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

/** A JSON caller for a test Parley's API; `key` "" sends no Authorization header. */
export function apiOf(p: () => TestParley): (method: string, path: string, body?: unknown, key?: string) => Promise<ApiAnswer> {
  return async (method, path, body, key) => {
    const k = key ?? p().apiKey;
    const res = await fetch(p().url + path, {
      method,
      headers: { ...(k ? { authorization: `Bearer ${k}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}
