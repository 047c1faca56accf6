/**
 * LLM-socket benchmark on loopback: connection setup, request → first chunk through the rule-based
 * sample server, ping_pong round trip, chunk throughput, and frame validation.
 *
 *   node --import tsx test/llm-socket/bench.ts
 *
 * (Exports `runLlmSocketBench` for bench/run.ts.) Figures only; no test asserts on time.
 */
import { performance } from "node:perf_hooks";
import { start as startRuleBased } from "../../examples/llm-servers/rule-based.js";
import { LlmSocket, validateFrame, type LlmSocketEvent } from "../../src/llm-socket/index.js";
import { fakeLlmServer } from "./fake-llm-server.js";

interface Row {
  readonly measure: string;
  readonly n: number;
  readonly p50?: number;
  readonly p99?: number;
  readonly rate?: string;
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function nextEvent(sock: LlmSocket, pred: (e: LlmSocketEvent) => boolean): Promise<LlmSocketEvent> {
  return new Promise((resolve) => {
    const off = sock.on((e) => {
      if (pred(e)) {
        off();
        resolve(e);
      }
    });
  });
}

async function openLatency(url: string, n: number): Promise<Row> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const sock = new LlmSocket({ url, callId: `call_open${i}` });
    const t0 = performance.now();
    await sock.start();
    times.push(performance.now() - t0);
    await sock.close();
  }
  return { measure: "dial → open (ms)", n, p50: pct(times, 50), p99: pct(times, 99) };
}

async function firstChunk(url: string, n: number): Promise<Row[]> {
  const sock = new LlmSocket({ url, callId: "call_first" });
  await sock.start();
  await nextEvent(sock, (e) => e.type === "response_chunk" && e.responseId === 0 && e.complete);
  const reported: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < n; i++) {
    const done = nextEvent(sock, (e) => e.type === "response_chunk" && e.responseId === i + 1);
    const t0 = performance.now();
    sock.requestResponse({ transcript: [{ role: "user", content: `number ${i}` }] });
    const e = await done;
    wall.push(performance.now() - t0);
    if (e.type === "response_chunk") reported.push(e.elapsedMs);
  }
  await sock.close();
  return [
    { measure: "response_required → first chunk, elapsedMs (ms)", n, p50: pct(reported, 50), p99: pct(reported, 99) },
    { measure: "response_required → first chunk, awaited (ms)", n, p50: pct(wall, 50), p99: pct(wall, 99) },
  ];
}

async function pingRtt(url: string, n: number): Promise<Row> {
  const sock = new LlmSocket({ url, callId: "call_rtt", timing: { pingIntervalMs: 2 } });
  const rtts: number[] = [];
  const enough = new Promise<void>((resolve) =>
    sock.on((e) => {
      if (e.type === "rtt" && rtts.push(e.rttMs) >= n) resolve();
    }),
  );
  await sock.start();
  await enough;
  await sock.close();
  return { measure: "ping_pong round trip (ms)", n, p50: pct(rtts, 50), p99: pct(rtts, 99) };
}

async function throughput(n: number): Promise<Row> {
  const srv = await fakeLlmServer((c) => {
    c.ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as { interaction_type: string; response_id: number };
      if (f.interaction_type !== "response_required") return;
      for (let i = 0; i < n; i++) {
        c.send({ response_type: "response", response_id: f.response_id, content: "twenty chars of text", content_complete: i === n - 1 });
      }
    });
  });
  const sock = new LlmSocket({ url: srv.url, callId: "call_flood" });
  await sock.start();
  const done = nextEvent(sock, (e) => e.type === "response_chunk" && e.complete);
  const t0 = performance.now();
  sock.requestResponse({ transcript: [] });
  await done;
  const secs = (performance.now() - t0) / 1000;
  await sock.close();
  await srv.close();
  return { measure: "response chunks received + validated", n, rate: `${Math.round(n / secs).toLocaleString("en-US")} /s` };
}

function validation(n: number): Row {
  const frame = JSON.stringify({ response_type: "response", response_id: 12, content: "Sure, I can help with that.", content_complete: false, end_call: false });
  const t0 = performance.now();
  let ok = 0;
  for (let i = 0; i < n; i++) if (validateFrame(frame).ok) ok++;
  const secs = (performance.now() - t0) / 1000;
  if (ok !== n) throw new Error("validation bench frame rejected");
  return { measure: "validateFrame (parse + check)", n, rate: `${Math.round(n / secs).toLocaleString("en-US")} /s` };
}

/** Runs every measurement and prints one table. */
export async function runLlmSocketBench(): Promise<void> {
  const server = await startRuleBased({ port: 0 });
  const rows: Row[] = [];
  try {
    rows.push(await openLatency(server.url, 200));
    rows.push(...(await firstChunk(server.url, 1000)));
    rows.push(await pingRtt(server.url, 500));
  } finally {
    await server.close();
  }
  rows.push(await throughput(100_000));
  rows.push(validation(1_000_000));
  const fmt = (v: number | undefined): string => (v === undefined ? "" : v.toFixed(3));
  console.table(rows.map((r) => ({ measure: r.measure, n: r.n, p50: fmt(r.p50), p99: fmt(r.p99), rate: r.rate ?? "" })));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/test\//, "/test/"))) {
  await runLlmSocketBench();
}
