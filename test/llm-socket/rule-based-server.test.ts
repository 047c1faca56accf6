import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { start } from "../../examples/llm-servers/rule-based.js";
import { LlmSocket, type LlmSocketEvent, type LlmSocketTiming } from "../../src/llm-socket/index.js";
import { EventLog, within } from "./fake-llm-server.js";

const FAST: Partial<LlmSocketTiming> = { pingIntervalMs: 20, pingDeadAfterMs: 3000, openRetryDelayMs: 10, reconnectDelayMs: 5, openTimeoutMs: 3000 };

function connect(url: string): { sock: LlmSocket; log: EventLog<LlmSocketEvent> } {
  const sock = new LlmSocket({ url, callId: "call_rules", timing: FAST, callDetails: () => ({ call_id: "call_rules", from_number: "+14155550100" }) });
  const log = new EventLog<LlmSocketEvent>();
  sock.on(log.push);
  return { sock, log };
}

/** Asks for a response and returns the whole streamed answer and its final chunk. */
async function ask(sock: LlmSocket, log: EventLog<LlmSocketEvent>, said: string, kind: "response" | "reminder" = "response") {
  const input = { transcript: [{ role: "agent" as const, content: "Hello!" }, { role: "user" as const, content: said }] };
  const id = kind === "response" ? sock.requestResponse(input) : sock.requestReminder(input);
  const last = await log.waitFor("response_chunk", (e) => e.responseId === id && e.complete);
  const chunks = log.of("response_chunk").filter((e) => e.responseId === id);
  return { text: chunks.map((c) => c.content).join(""), chunks, last };
}

test("rule-based server: config, call_details, begin message, keepalive and every rule", async () => {
  const server = await start({ port: 0, transferNumber: "+14155550199", beginMessage: "Hello! This is the sample agent." });
  try {
    const { sock, log } = connect(server.url);
    assert.equal(await within(sock.start(), 3000, "open"), undefined);
    const config = await log.waitFor("config");
    assert.deepEqual(config.config, { autoReconnect: true, callDetails: true, transcriptWithToolCalls: false });
    await log.waitFor("response_chunk", (e) => e.responseId === 0 && e.complete);
    const begin = log.of("response_chunk").filter((e) => e.responseId === 0);
    assert.equal(begin.map((c) => c.content).join(""), "Hello! This is the sample agent.");
    assert.ok(begin.length >= 2 && begin.length <= 3, `begin in ${begin.length} chunks`);
    assert.ok(log.of("frame_out").some((f) => f.raw.includes('"call_details"') && f.raw.includes("+14155550100")));

    const echo = await ask(sock, log, "I would like a pizza please");
    assert.equal(echo.text, "You said: I would like a pizza please");
    assert.ok(echo.chunks.length >= 2 && echo.chunks.length <= 3);

    const transfer = await ask(sock, log, "Can you transfer me?");
    assert.equal(transfer.last.transferNumber, "+14155550199");

    const press = await ask(sock, log, "press 5 for sales");
    assert.equal(press.last.digitToPress, "5");

    const reminder = await ask(sock, log, "", "reminder");
    assert.match(reminder.text, /still there/);

    const bye = await ask(sock, log, "OK goodbye");
    assert.equal(bye.last.endCall, true);
    assert.equal(bye.chunks.filter((c) => c.endCall).length, 1);

    await log.waitFor("rtt");
    assert.equal(log.of("dropped").length, 0);
    assert.equal(sock.end, undefined);
    await sock.close();
  } finally {
    await server.close();
  }
});

test("rule-based server without a transfer number says so instead of transferring", async () => {
  const server = await start({ port: 0, transferNumber: "" });
  try {
    const { sock, log } = connect(server.url);
    await within(sock.start(), 3000, "open");
    const r = await ask(sock, log, "transfer me");
    assert.equal(r.last.transferNumber, undefined);
    assert.match(r.text, /no transfer number/);
    await sock.close();
  } finally {
    await server.close();
  }
});

test("a server shutting down closes with 1001: error_llm_websocket_runtime", async () => {
  const server = await start({ port: 0 });
  const { sock, log } = connect(server.url);
  await within(sock.start(), 3000, "open");
  await server.close();
  const { end } = await log.waitFor("ended");
  assert.equal(end.reason, "error_llm_websocket_runtime");
  assert.match(end.message, /1001/);
});

test("the one-line command starts a server; killing its process mid-call is a lost connection", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/llm-servers/rule-based.ts", "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    let out = "";
    const url = await within(
      new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /llm_websocket_url to (ws:\/\/\S+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.once("exit", (code) => reject(new Error(`server exited early (${code}): ${out}`)));
      }),
      15_000,
      "the server's startup line",
    );
    const { sock, log } = connect(url);
    await within(sock.start(), 3000, "open");
    await log.waitFor("response_chunk", (e) => e.responseId === 0 && e.complete);
    const exited = once(child, "exit");
    process.kill(child.pid ?? -1, "SIGKILL");
    await within(exited, 5000, "the server process to exit");
    const { end } = await log.waitFor("ended");
    assert.equal(end.reason, "error_llm_websocket_lost_connection");
    assert.deepEqual(log.of("reconnecting").map((e) => e.reconnect), [1, 2]);
    assert.match(end.message, /after 2 reconnects/);
    await sock.done;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});
