import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

/** One accepted connection as the fake server saw it. */
export interface ServerConn {
  readonly ws: WebSocket;
  readonly path: string;
  /** Parsed JSON text frames received from Parley, in order. */
  readonly received: Record<string, unknown>[];
  /** Resolves with the close code Parley's side produced (1006 if the TCP connection just vanished). */
  readonly closed: Promise<number>;
  /** Waits for the next received frame matching `pred` (already-received frames count). */
  next(pred: (f: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  send(frame: unknown): void;
}

export interface FakeLlmServer {
  readonly url: string;
  readonly port: number;
  readonly conns: ServerConn[];
  /** Resolves with the n-th connection (1-based) once it is accepted. */
  conn(n: number, timeoutMs?: number): Promise<ServerConn>;
  close(): Promise<void>;
}

/** Rejects after `ms` unless `p` settles first; the timer never outlives the race. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A websocket server on 127.0.0.1 whose behaviour per connection is the test's `onConn`. */
export async function fakeLlmServer(onConn: (c: ServerConn, n: number) => void = () => {}): Promise<FakeLlmServer> {
  const http: Server = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ server: http });
  const conns: ServerConn[] = [];
  const waiters: (() => void)[] = [];
  wss.on("connection", (ws: WebSocket, req: IncomingMessage) => {
    const received: Record<string, unknown>[] = [];
    const frameWaiters = new Set<() => void>();
    const closed = new Promise<number>((resolve) => ws.on("close", (code: number) => resolve(code)));
    ws.on("error", () => {});
    ws.on("message", (data, isBinary) => {
      if (!isBinary) received.push(JSON.parse(data.toString()) as Record<string, unknown>);
      for (const w of [...frameWaiters]) w();
    });
    const c: ServerConn = {
      ws,
      path: req.url ?? "",
      received,
      closed,
      next(pred, timeoutMs = 2000) {
        return within(
          new Promise((resolve) => {
            const check = (): void => {
              const hit = received.find(pred);
              if (!hit) return;
              frameWaiters.delete(check);
              resolve(hit);
            };
            frameWaiters.add(check);
            check();
          }),
          timeoutMs,
          "a frame from Parley",
        );
      },
      send(frame) {
        ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
      },
    };
    conns.push(c);
    onConn(c, conns.length);
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/llm-websocket`,
    port,
    conns,
    conn(n, timeoutMs = 2000) {
      return within(
        new Promise<ServerConn>((resolve) => {
          const check = (): void => {
            const c = conns[n - 1];
            if (c) resolve(c);
            else waiters.push(check);
          };
          check();
        }),
        timeoutMs,
        `connection ${n}`,
      );
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Collects a socket's events and lets a test await one. */
export class EventLog<E extends { readonly type: string }> {
  readonly events: E[] = [];
  readonly #waiters = new Set<() => void>();

  /** Feeds one event (pass as the socket listener). */
  readonly push = (e: E): void => {
    this.events.push(e);
    for (const w of [...this.#waiters]) w();
  };

  /** Events of one type. */
  of<T extends E["type"]>(type: T): Extract<E, { type: T }>[] {
    return this.events.filter((e): e is Extract<E, { type: T }> => e.type === type);
  }

  /** Waits for the first event of `type` matching `pred` (past events count). */
  waitFor<T extends E["type"]>(type: T, pred: (e: Extract<E, { type: T }>) => boolean = () => true, timeoutMs = 3000): Promise<Extract<E, { type: T }>> {
    return within(
      new Promise((resolve) => {
        const check = (): void => {
          const hit = this.of(type).find(pred);
          if (!hit) return;
          this.#waiters.delete(check);
          resolve(hit);
        };
        this.#waiters.add(check);
        check();
      }),
      timeoutMs,
      `event ${type}`,
    );
  }
}
