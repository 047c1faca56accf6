/** A refused API request: the HTTP status and Parley's `{status:"error", message}` text. */
export class ApiFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }

  /** The request field the message names (`termination_uri: …`, `body.phone_number is …`), if any. */
  get field(): string | undefined {
    const m = /^(?:body\.)?([a-z_]+)(?:[.\[][^:\s]*)?(?::|\s)/.exec(this.message);
    return m?.[1];
  }
}

const KEY_STORAGE = "parley.apiKey";

/** The API key of this browser tab (sessionStorage, so it goes when the tab closes). */
export function storedKey(): string | undefined {
  return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
}

export function storeKey(key: string | undefined): void {
  if (key === undefined) sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}

/** Calls Parley's API with the bearer key; every failure becomes an ApiFailure with a readable message. */
export class Api {
  constructor(readonly key: string, readonly onUnauthorized: () => void = () => {}) {}

  async request<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new ApiFailure(0, `cannot reach Parley: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const message = typeof parsed === "object" && parsed !== null && typeof (parsed as { message?: unknown }).message === "string"
        ? (parsed as { message: string }).message
        : `HTTP ${res.status}`;
      if (res.status === 401) this.onUnauthorized();
      throw new ApiFailure(res.status, message);
    }
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, body);
  }

  del(path: string): Promise<void> {
    return this.request<void>("DELETE", path);
  }
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
