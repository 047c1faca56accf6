import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { test } from "node:test";
import { LlmSocket } from "../../src/llm-socket/index.js";
import { fakeLlmServer, within, type ServerConn } from "./fake-llm-server.js";

/** Active handles by type, e.g. { Timeout: 1, TCPServerWrap: 2 }. */
function resources(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

/** True when `now` holds no more handles of any type than `baseline` (a server closing meanwhile may make it fewer). */
function noMoreThan(now: Map<string, number>, baseline: Map<string, number>): boolean {
  return [...now].every(([k, n]) => n <= (baseline.get(k) ?? 0));
}

/** Lets pending close callbacks run, a bounded number of event-loop turns, until `ok()` holds. */
async function settle(ok: () => boolean, turns = 2000): Promise<boolean> {
  for (let i = 0; i < turns && !ok(); i++) await new Promise<void>((r) => setImmediate(r));
  return ok();
}

const MODES = ["refused", "http404", "close1011", "garbage", "killed", "pingTimeout", "parleyClose", "closeWhileOpening", "close1000", "reconnectThenClose"] as const;
type Mode = (typeof MODES)[number];

test("100 connections through every failure mode release every socket and timer", async () => {
  const refusedPort = await new Promise<number>((resolve) => {
    const s = createTcpServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const http404 = createHttpServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => http404.listen(0, "127.0.0.1", r));
  const port404 = (http404.address() as AddressInfo).port;
  const killedOnce = new Set<string>();
  const srv = await fakeLlmServer((c: ServerConn) => {
    const mode = c.path.split("/").pop()?.split("-")[0] as Mode;
    const echo = (): void => {
      c.ws.on("message", (d) => {
        const f = JSON.parse(d.toString()) as { interaction_type: string; timestamp?: number };
        if (f.interaction_type === "ping_pong") c.send({ response_type: "ping_pong", timestamp: f.timestamp });
      });
    };
    switch (mode) {
      case "close1011":
        c.ws.close(1011, "internal");
        break;
      case "garbage":
        c.ws.send("{nope");
        break;
      case "killed":
        setImmediate(() => c.ws.terminate());
        break;
      case "pingTimeout":
        c.send({ response_type: "config", config: { auto_reconnect: true } });
        break;
      case "close1000":
        c.ws.close(1000, "done");
        break;
      case "reconnectThenClose":
        c.send({ response_type: "config", config: { auto_reconnect: true } });
        if (killedOnce.has(c.path)) {
          echo();
        } else {
          // Die on the first ping: it proves Parley took the config, so the drop must be retried.
          c.ws.once("message", () => {
            killedOnce.add(c.path);
            c.ws.terminate();
          });
        }
        break;
      default:
        echo();
    }
  });

  const timing = {
    openAttempts: 2,
    openTimeoutMs: 3000, // a loaded machine must not turn a slow open into a retry
    openRetryDelayMs: 5,
    reconnectDelayMs: 1,
    pingIntervalMs: 10,
    pingDeadAfterMs: 40,
    closeTimeoutMs: 300,
  };
  const urlFor = (mode: Mode): string =>
    mode === "refused" ? `ws://127.0.0.1:${refusedPort}` : mode === "http404" ? `ws://127.0.0.1:${port404}` : mode === "closeWhileOpening" ? `ws://127.0.0.1:${refusedPort}` : srv.url;

  const baseline = resources();
  const outcomes = new Map<string, number>();
  try {
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        MODES.map(async (mode) => {
          const own =
            mode === "closeWhileOpening" ? { openRetryDelayMs: 60_000 } : mode === "reconnectThenClose" ? { pingDeadAfterMs: 5_000 } : {};
          const sock = new LlmSocket({ url: urlFor(mode), callId: `${mode}-${batch}`, timing: { ...timing, ...own } });
          const reopened = new Promise<void>((r) => sock.on((e) => e.type === "open" && e.reconnect && r()));
          const started = sock.start();
          if (mode === "closeWhileOpening") {
            await within(new Promise<void>((r) => sock.on((e) => e.type === "open_failed" && r())), 2000, "open_failed");
            await sock.close();
          } else {
            await within(started, 3000, `start ${mode}`);
            if (mode === "parleyClose") await sock.close();
            if (mode === "reconnectThenClose") {
              await within(reopened, 2000, "reconnect");
              await sock.close();
            }
          }
          const end = await within(sock.done, 3000, `done ${mode}`);
          const key = `${mode}:${end?.reason ?? "closed"}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        }),
      );
    }
    await within(Promise.all(srv.conns.map((c) => c.closed)), 3000, "server-side closes");
    const clean = await settle(() => noMoreThan(resources(), baseline));
    assert.ok(clean, `resources before ${JSON.stringify([...baseline])} after ${JSON.stringify([...resources()])}`);
  } finally {
    await srv.close();
    http404.closeAllConnections();
    await new Promise<void>((r) => http404.close(() => r()));
  }
  assert.deepEqual(Object.fromEntries([...outcomes].sort()), {
    "close1000:agent_hangup": 10,
    "close1011:error_llm_websocket_runtime": 10,
    "closeWhileOpening:closed": 10,
    "garbage:error_llm_websocket_corrupt_payload": 10,
    "http404:error_llm_websocket_open": 10,
    "killed:error_llm_websocket_lost_connection": 10,
    "parleyClose:closed": 10,
    "pingTimeout:error_llm_websocket_lost_connection": 10,
    "reconnectThenClose:closed": 10,
    "refused:error_llm_websocket_open": 10,
  });
});
