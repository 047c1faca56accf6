/**
 * Browser audio for test calls through Parley's web SDK, loaded at run time from the server
 * (`/sdk/parley-web.js`) so the dashboard bundle does not pin a copy of it. When the server does not
 * serve the SDK, test calls are still created, just without audio.
 */

/** The part of the SDK's ParleyWebClient the dashboard uses. */
export interface WebCallClient {
  on(event: "call_started" | "agent_start_talking" | "agent_stop_talking", fn: () => void): unknown;
  on(event: "call_ended", fn: (e: { code: number; reason: string }) => void): unknown;
  on(event: "update", fn: (e: { transcript: readonly { role: string; content: string }[] }) => void): unknown;
  on(event: "error", fn: (message: string) => void): unknown;
  startCall(config: { accessToken: string; callId?: string }): Promise<void>;
  stopCall(): void;
}

type ClientClass = new (options: { baseUrl?: string }) => WebCallClient;

/** A fresh client, or undefined when this server serves no web SDK. */
export async function loadWebClient(): Promise<WebCallClient | undefined> {
  try {
    const mod = (await import(/* @vite-ignore */ `${location.origin}/sdk/parley-web.js`)) as { ParleyWebClient?: ClientClass };
    return mod.ParleyWebClient ? new mod.ParleyWebClient({ baseUrl: location.origin }) : undefined;
  } catch {
    return undefined;
  }
}
