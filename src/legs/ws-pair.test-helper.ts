// A loopback websocket pair for leg unit tests: the server end goes to the leg, the test drives
// the client end.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

export interface WsPair {
  readonly server: WebSocket;
  readonly client: WebSocket;
  /** Every message the client received, in order. */
  readonly received: Array<{ data: Buffer; binary: boolean }>;
  close(): Promise<void>;
}

export async function wsPair(): Promise<WsPair> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await once(wss, "listening");
  const accepted = once(wss, "connection") as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`);
  const received: Array<{ data: Buffer; binary: boolean }> = [];
  client.on("message", (data: Buffer, binary: boolean) => void received.push({ data, binary }));
  const [[server]] = await Promise.all([accepted, once(client, "open")]);
  return {
    server,
    client,
    received,
    async close() {
      client.terminate();
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}

/** Resolves when `pred` holds, checking after each message the client receives (bounded). */
export function untilReceived(pair: WsPair, pred: () => boolean, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (pred()) return resolve();
    const timer = setTimeout(() => {
      pair.client.off("message", check);
      reject(new Error("timed out waiting for the expected messages"));
    }, ms);
    const check = (): void => {
      if (!pred()) return;
      clearTimeout(timer);
      pair.client.off("message", check);
      resolve();
    };
    pair.client.on("message", check);
  });
}

/** Runs `fn` with a fresh pair and always closes it. */
export async function withWsPair(fn: (pair: WsPair) => Promise<void>): Promise<void> {
  const pair = await wsPair();
  try {
    await fn(pair);
  } finally {
    await pair.close();
  }
}
