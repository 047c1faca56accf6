/** A small client of Parley's own HTTP API for the CLI. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {}

  /** Sends a request and returns the parsed JSON, or throws with the server's message. */
  async call<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
    if (!this.apiKey) throw new Error("no API key: set PARLEY_API_KEY or pass --api-key");
    let res: Response;
    try {
      res = await fetch(this.baseUrl.replace(/\/+$/, "") + path, {
        method,
        headers: { authorization: `Bearer ${this.apiKey}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new Error(`cannot reach Parley at ${this.baseUrl} (${(err as Error & { cause?: Error }).cause?.message ?? String(err)}); is \`parley serve\` running?`);
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) throw new Error(`${res.status}: ${(json as { message?: string } | undefined)?.message ?? text}`);
    return json as T;
  }
}
