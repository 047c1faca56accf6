import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { test } from "node:test";
import { LlmSocket, type LlmSocketEvent, type LlmSocketTiming } from "../../src/llm-socket/index.js";
import { EventLog, fakeLlmServer, within, type ServerConn } from "./fake-llm-server.js";

const FAST: Partial<LlmSocketTiming> = {
  openAttempts: 3,
  openTimeoutMs: 3000,
  openRetryDelayMs: 10,
  maxReconnects: 2,
  reconnectDelayMs: 5,
  pingIntervalMs: 20,
  // Generous, so a loaded machine never fakes a dead connection; the ping-timeout test shrinks it.
  pingDeadAfterMs: 3000,
  closeTimeoutMs: 500,
};

function client(url: string, extra: Partial<LlmSocketTiming> = {}, callId = "call_test1"): { sock: LlmSocket; log: EventLog<LlmSocketEvent> } {
  const sock = new LlmSocket({ url, callId, timing: { ...FAST, ...extra }, callDetails: () => ({ call_id: callId, call_status: "registered" }) });
  const log = new EventLog<LlmSocketEvent>();
  sock.on(log.push);
  return { sock, log };
}

const transcript = [{ role: "user" as const, content: "hello" }];

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const srv = createTcpServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test("nothing listening: three tries, then error_llm_websocket_open (refused)", async () => {
  const port = await closedPort();
  const { sock, log } = client(`ws://127.0.0.1:${port}/llm`);
  const end = await within(sock.start(), 3000, "start");
  assert.equal(end?.reason, "error_llm_websocket_open");
  assert.equal(end?.subReason, "refused");
  assert.equal(end?.phase, "setup");
  assert.match(end?.message ?? "", /3 tries/);
  assert.deepEqual(log.of("open_failed").map((e) => e.attempt), [1, 2]);
  assert.equal(await sock.done, end);
});

test("a server answering HTTP 404 instead of upgrading: error_llm_websocket_open keeps the status", async () => {
  let requests = 0;
  const http = createHttpServer((_req, res) => {
    requests += 1;
    res.writeHead(404, "Not Found").end("no such route");
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  try {
    const { sock } = client(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/wrong/`);
    const end = await within(sock.start(), 3000, "start");
    assert.equal(end?.reason, "error_llm_websocket_open");
    assert.equal(end?.subReason, "http_404");
    assert.match(end?.message ?? "", /HTTP 404/);
    assert.equal(requests, 3);
    await sock.done;
  } finally {
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  }
});

test("a server that accepts TCP but never upgrades: open timeout per try", async () => {
  const held = new Set<Socket>();
  const tcp = createTcpServer((s) => {
    held.add(s);
    s.on("close", () => held.delete(s));
  });
  await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
  try {
    const { sock } = client(`ws://127.0.0.1:${(tcp.address() as AddressInfo).port}`, { openTimeoutMs: 60, openAttempts: 2 });
    const end = await within(sock.start(), 3000, "start");
    assert.equal(end?.reason, "error_llm_websocket_open");
    assert.equal(end?.subReason, "timeout");
    assert.match(end?.message ?? "", /2 tries.*60 ms/);
    await sock.done;
  } finally {
    for (const s of held) s.destroy();
    await new Promise<void>((r) => tcp.close(() => r()));
  }
});

test("a malformed URL fails at once without retrying", async () => {
  const { sock, log } = client("http//not a url");
  const end = await within(sock.start(), 3000, "start");
  assert.equal(end?.reason, "error_llm_websocket_open");
  assert.equal(end?.subReason, "invalid_url");
  assert.equal(log.of("open_failed").length, 0);
});

test("the call id becomes the last path segment, trailing slash normalised, query kept", async () => {
  const srv = await fakeLlmServer();
  try {
    const { sock } = client(`${srv.url}/?token=abc`, {}, "call_abc");
    assert.equal(await within(sock.start(), 3000, "start"), undefined);
    const c = await srv.conn(1);
    assert.equal(c.path, "/llm-websocket/call_abc?token=abc");
    await sock.close();
  } finally {
    await srv.close();
  }
});

for (const [label, act, reason, pattern] of [
  ["closes with 1011", (c: ServerConn) => c.ws.close(1011, "boom"), "error_llm_websocket_runtime", /code 1011 "boom"/],
  ["closes with 4001", (c: ServerConn) => c.ws.close(4001, "quota"), "error_llm_websocket_runtime", /code 4001 "quota"/],
  ["closes normally (1000)", (c: ServerConn) => c.ws.close(1000, "bye"), "agent_hangup", /normally \(1000 "bye"\)/],
  ["closes without a status (1005)", (c: ServerConn) => c.ws.close(), "error_llm_websocket_open", /without a status code \(1005\)/],
  ["is killed mid-call (no close frame)", (c: ServerConn) => c.ws.terminate(), "error_llm_websocket_lost_connection", /1006/],
] as const) {
  test(`a server that ${label} → ${reason}`, async () => {
    const srv = await fakeLlmServer((c) => c.send({ response_type: "response", response_id: 0, content: "hi", content_complete: true }));
    try {
      const { sock, log } = client(srv.url);
      await within(sock.start(), 3000, "start");
      await log.waitFor("response_chunk");
      act(await srv.conn(1));
      const { end } = await log.waitFor("ended");
      assert.equal(end.reason, reason);
      assert.equal(end.phase, "in_call");
      assert.match(end.message, pattern);
      assert.equal(await sock.done, end);
      assert.equal(log.of("reconnecting").length, 0);
    } finally {
      await srv.close();
    }
  });
}

for (const [label, frame, pattern] of [
  ["not JSON", "this is not json", /not JSON/],
  ["a JSON array", "[1,2]", /not a JSON object/],
  ["an unknown response_type", JSON.stringify({ response_type: "dance", x: 1 }), /unknown response_type/],
  ["content_complete as a string", JSON.stringify({ response_type: "response", response_id: 0, content: "a", content_complete: "true" }), /content_complete/],
  ["a fractional response_id", JSON.stringify({ response_type: "response", response_id: 1.5, content: "a", content_complete: true }), /response_id/],
  ["end_call as a number", JSON.stringify({ response_type: "response", response_id: 0, content: "a", content_complete: true, end_call: 1 }), /end_call/],
  ["a binary frame", Buffer.from([1, 2, 3]), /binary frame \(3 bytes\)/],
] as const) {
  test(`a frame that is ${label} ends the call with error_llm_websocket_corrupt_payload and close 1007`, async () => {
    const srv = await fakeLlmServer((c) => c.ws.send(frame));
    try {
      const { sock, log } = client(srv.url);
      await within(sock.start(), 3000, "start");
      const { end } = await log.waitFor("ended");
      assert.equal(end.reason, "error_llm_websocket_corrupt_payload");
      assert.match(end.message, pattern);
      assert.equal(log.of("frame_in").length, 1);
      assert.equal(await (await srv.conn(1)).closed, 1007);
      await sock.done;
    } finally {
      await srv.close();
    }
  });
}

test("a frame above maxFrameBytes is a corrupt payload", async () => {
  const srv = await fakeLlmServer((c) => c.send({ response_type: "metadata", metadata: { blob: "x".repeat(5000) } }));
  try {
    const { sock, log } = client(srv.url, { maxFrameBytes: 1024 });
    await within(sock.start(), 3000, "start");
    const { end } = await log.waitFor("ended");
    assert.equal(end.reason, "error_llm_websocket_corrupt_payload");
    assert.match(end.message, /payload/i);
    await sock.done;
  } finally {
    await srv.close();
  }
});

test("config asks for call_details: sent once with the call object; keepalive measures RTT", async () => {
  const srv = await fakeLlmServer((c) => {
    c.send({ response_type: "config", config: { auto_reconnect: true, call_details: true } });
    c.ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as { interaction_type: string; timestamp?: number };
      if (f.interaction_type === "ping_pong") c.send({ response_type: "ping_pong", timestamp: f.timestamp });
    });
  });
  try {
    const { sock, log } = client(srv.url);
    await within(sock.start(), 3000, "start");
    const c = await srv.conn(1);
    const details = await c.next((f) => f["interaction_type"] === "call_details");
    assert.deepEqual(details["call"], { call_id: "call_test1", call_status: "registered" });
    await log.waitFor("rtt", (_e) => log.of("rtt").length >= 3);
    for (const e of log.of("rtt")) assert.ok(e.rttMs >= 0 && e.rttMs < 1000);
    const stats = sock.rttStats();
    assert.ok((stats.num ?? 0) >= 3 && stats.num === stats.values?.length);
    assert.deepEqual(log.of("config")[0]?.config, { autoReconnect: true, callDetails: true, transcriptWithToolCalls: false });
    assert.equal(c.received.filter((f) => f["interaction_type"] === "call_details").length, 1);
    assert.equal(sock.end, undefined);
    await sock.close("é".repeat(200)); // longer than a close frame can carry
    assert.equal(await c.closed, 1000);
  } finally {
    await srv.close();
  }
});

test("without auto_reconnect no ping_pong is sent and no call_details unless asked", async () => {
  const srv = await fakeLlmServer((c) => c.send({ response_type: "config", config: {} }));
  try {
    const { sock, log } = client(srv.url);
    await within(sock.start(), 3000, "start");
    const c = await srv.conn(1);
    sock.updateOnly({ transcript, turntaking: "user_turn" });
    await c.next((f) => f["interaction_type"] === "update_only");
    await log.waitFor("config");
    assert.deepEqual(c.received.map((f) => f["interaction_type"]), ["update_only"]);
    await sock.close();
  } finally {
    await srv.close();
  }
});

test("pings unanswered: two reconnects, then error_llm_websocket_lost_connection", async () => {
  const srv = await fakeLlmServer((c) => c.send({ response_type: "config", config: { auto_reconnect: true } }));
  try {
    const { sock, log } = client(srv.url, { pingDeadAfterMs: 150 });
    await within(sock.start(), 3000, "start");
    const { end } = await log.waitFor("ended");
    assert.equal(end.reason, "error_llm_websocket_lost_connection");
    assert.equal(end.subReason, "ping_timeout");
    assert.match(end.message, /no ping_pong .* \(after 2 reconnects\)/);
    assert.equal(srv.conns.length, 3);
    assert.deepEqual(log.of("reconnecting").map((e) => e.reconnect), [1, 2]);
    assert.ok((await srv.conn(1)).received.some((f) => f["interaction_type"] === "ping_pong"));
    await sock.done;
  } finally {
    await srv.close();
  }
});

test("auto_reconnect: a drop mid-call reconnects and the pending request is asked again", async () => {
  const srv = await fakeLlmServer((c, n) => {
    c.send({ response_type: "config", config: { auto_reconnect: true } });
    c.ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as { interaction_type: string; timestamp?: number; response_id?: number };
      if (f.interaction_type === "ping_pong") c.send({ response_type: "ping_pong", timestamp: f.timestamp });
      // The first server instance dies on the request; the second answers it.
      if (f.interaction_type === "response_required") {
        if (n === 1) c.ws.terminate();
        else c.send({ response_type: "response", response_id: f.response_id, content: "back again", content_complete: true });
      }
    });
  });
  try {
    const { sock, log } = client(srv.url);
    await within(sock.start(), 3000, "start");
    await log.waitFor("config");
    const id = sock.requestResponse({ transcript });
    const chunk = await log.waitFor("response_chunk");
    assert.equal(chunk.responseId, id);
    assert.equal(chunk.content, "back again");
    assert.deepEqual(log.of("reconnecting").map((e) => e.cause), ["the LLM websocket dropped without a close frame (1006)"]);
    assert.deepEqual(log.of("open").map((e) => e.reconnect), [false, true]);
    assert.equal(sock.end, undefined);
    assert.equal(sock.reconnects, 1);
    await sock.close();
  } finally {
    await srv.close();
  }
});

test("auto_reconnect but every connection is killed: lost_connection after 2 reconnects", async () => {
  const srv = await fakeLlmServer((c) => {
    c.send({ response_type: "config", config: { auto_reconnect: true } });
    // Die on the first ping: it proves Parley took the config, so the drop must be retried.
    c.ws.once("message", () => c.ws.terminate());
  });
  try {
    const { sock, log } = client(srv.url);
    await within(sock.start(), 3000, "start");
    const { end } = await log.waitFor("ended");
    assert.equal(end.reason, "error_llm_websocket_lost_connection");
    assert.equal(srv.conns.length, 3);
    await sock.done;
  } finally {
    await srv.close();
  }
});

test("streaming: begin message, superseded ids dropped, actions surface", async () => {
  const srv = await fakeLlmServer((c) => {
    c.send({ response_type: "response", response_id: 0, content: "Hello, ", content_complete: false });
    c.send({ response_type: "response", response_id: 0, content: "how can I help?", content_complete: true });
  });
  try {
    const { sock, log } = client(srv.url);
    await within(sock.start(), 3000, "start");
    await log.waitFor("response_chunk", (e) => e.complete);
    const c = await srv.conn(1);
    const first = sock.requestResponse({ transcript });
    const second = sock.requestReminder({ transcript });
    assert.deepEqual([first, second], [1, 2]);
    await c.next((f) => f["response_id"] === 2 && f["interaction_type"] === "reminder_required");
    c.send({ response_type: "response", response_id: 0, content: "again", content_complete: true }); // repeated begin
    c.send({ response_type: "response", response_id: 1, content: "old", content_complete: true }); // superseded
    c.send({ response_type: "response", response_id: 3, content: "future", content_complete: true }); // never asked
    c.send({ response_id: 2, content: "Transferring ", content_complete: false }); // legacy: no response_type
    c.send({ response_type: "response", response_id: 2, content: "you now.", content_complete: true, transfer_number: "+14155550100", end_call: null });
    c.send({ response_type: "response", response_id: 2, content: "late", content_complete: true }); // after completion
    const last = await log.waitFor("dropped", (e) => e.cause === "already_complete");
    assert.equal(last.id, 2);
    const chunks = log.of("response_chunk");
    assert.deepEqual(
      chunks.map((e) => [e.responseId, e.content, e.complete]),
      [
        [0, "Hello, ", false],
        [0, "how can I help?", true],
        [2, "Transferring ", false],
        [2, "you now.", true],
      ],
    );
    assert.equal(chunks[3]?.transferNumber, "+14155550100");
    assert.equal(chunks[3]?.endCall, undefined);
    assert.deepEqual(log.of("dropped").map((e) => [e.id, e.cause]), [
      [0, "begin_repeated"],
      [1, "superseded"],
      [3, "not_requested"],
      [2, "already_complete"],
    ]);
    assert.equal(sock.end, undefined);
    await sock.close();
  } finally {
    await srv.close();
  }
});

test("end_call, digit_to_press, no_interruption_allowed and the other server events surface typed", async () => {
  const srv = await fakeLlmServer((c) => {
    c.ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as { interaction_type: string; response_id?: number };
      if (f.interaction_type !== "response_required") return;
      c.send({ response_type: "tool_call_invocation", tool_call_id: "t1", name: "lookup", arguments: '{"q":1}' });
      c.send({ response_type: "tool_call_result", tool_call_id: "t1", content: "found", successful: true });
      c.send({ response_type: "metadata", metadata: { step: 2 } });
      c.send({ response_type: "update_agent", agent_config: { responsiveness: 0.5, reminder_trigger_ms: 4000, unknown_key: 1 } });
      c.send({ response_type: "response", response_id: f.response_id, content: "Press one.", content_complete: false, digit_to_press: "1#", no_interruption_allowed: true });
      c.send({ response_type: "response", response_id: f.response_id, content: "Goodbye.", content_complete: true, end_call: true });
    });
  });
  try {
    const { sock, log } = client(srv.url);
    await within(sock.start(), 3000, "start");
    sock.requestResponse({ transcript });
    await log.waitFor("response_chunk", (e) => e.complete);
    const [a, b] = log.of("response_chunk");
    assert.equal(a?.digitToPress, "1#");
    assert.equal(a?.noInterruptionAllowed, true);
    assert.equal(b?.endCall, true);
    assert.deepEqual(log.of("tool_call_invocation")[0], { type: "tool_call_invocation", toolCallId: "t1", name: "lookup", arguments: '{"q":1}' });
    assert.deepEqual(log.of("tool_call_result")[0], { type: "tool_call_result", toolCallId: "t1", content: "found", successful: true });
    assert.deepEqual(log.of("metadata")[0]?.metadata, { step: 2 });
    assert.deepEqual(log.of("update_agent")[0]?.agentConfig, { responsiveness: 0.5, reminderTriggerMs: 4000 });
    // Sending the request is tapped before any answer is.
    const taps = log.events.filter((e) => e.type === "frame_in" || e.type === "frame_out");
    assert.equal(taps[0]?.type, "frame_out");
    assert.equal(taps.length, 1 + 6);
    assert.deepEqual(log.of("frame_in").map((f) => f.kind), ["tool_call_invocation", "tool_call_result", "metadata", "update_agent", "response", "response"]);
    assert.deepEqual(log.of("frame_out").map((f) => f.kind), ["response_required"]);
    // Latency counts from sending the request, so it is never negative and grows chunk by chunk.
    assert.ok(a !== undefined && b !== undefined && a.elapsedMs >= 0 && b.elapsedMs >= a.elapsedMs);
    await sock.close();
  } finally {
    await srv.close();
  }
});

test("agent_interrupt cancels the in-flight response; a new interrupt id starts a new interrupt", async () => {
  const srv = await fakeLlmServer();
  try {
    const { sock, log } = client(srv.url);
    await within(sock.start(), 3000, "start");
    const c = await srv.conn(1);
    const id = sock.requestResponse({ transcript });
    await c.next((f) => f["interaction_type"] === "response_required");
    c.send({ response_type: "response", response_id: id, content: "Let me", content_complete: false });
    c.send({ response_type: "agent_interrupt", interrupt_id: 7, content: "Actually, wait.", content_complete: true });
    c.send({ response_type: "response", response_id: id, content: " think", content_complete: true });
    c.send({ response_type: "agent_interrupt", interrupt_id: 8, content: "One more thing.", content_complete: true, end_call: true });
    await log.waitFor("agent_interrupt", (e) => e.interruptId === 8);
    assert.deepEqual(log.of("dropped").map((e) => [e.frame, e.id, e.cause]), [["response", id, "interrupted"]]);
    assert.equal(log.of("agent_interrupt")[1]?.endCall, true);
    await sock.close();
  } finally {
    await srv.close();
  }
});

test("requests made before the socket opens are sent once it is open", async () => {
  const srv = await fakeLlmServer();
  try {
    const { sock } = client(srv.url);
    const started = sock.start();
    sock.updateOnly({ transcript, turntaking: "agent_turn" });
    const id = sock.requestResponse({ transcript });
    await within(started, 3000, "start");
    const c = await srv.conn(1);
    const req = await c.next((f) => f["interaction_type"] === "response_required");
    assert.equal(req["response_id"], id);
    assert.deepEqual(c.received.map((f) => f["interaction_type"]), ["update_only", "response_required"]);
    // Utterances always carry `words`, even when the engine had none.
    assert.deepEqual(req["transcript"], [{ role: "user", content: "hello", words: [] }]);
    await sock.close();
  } finally {
    await srv.close();
  }
});

test("transcript_with_tool_calls is sent only when the config asks for it", async () => {
  const srv = await fakeLlmServer((c) => c.send({ response_type: "config", config: { transcript_with_tool_calls: true } }));
  try {
    const { sock, log } = client(srv.url);
    await within(sock.start(), 3000, "start");
    await log.waitFor("config");
    const items = [{ role: "tool_call_invocation" as const, tool_call_id: "t", name: "n", arguments: "{}" }];
    sock.requestResponse({ transcript, transcriptWithToolCalls: items });
    const req = await (await srv.conn(1)).next((f) => f["interaction_type"] === "response_required");
    assert.deepEqual(req["transcript_with_tool_calls"], items);
    await sock.close();
  } finally {
    await srv.close();
  }
});

test("close() during the opening retries stops at once and leaves nothing behind", async () => {
  const port = await closedPort();
  const { sock, log } = client(`ws://127.0.0.1:${port}`, { openRetryDelayMs: 10_000 });
  void sock.start();
  await log.waitFor("open_failed");
  await within(sock.close(), 1000, "close");
  assert.equal(await sock.done, null);
  assert.equal(log.of("ended").length, 0);
  assert.equal(sock.state, "done");
});

test("a server that ignores Parley's close frame is cut off after closeTimeoutMs", async () => {
  const srv = await fakeLlmServer();
  try {
    const { sock } = client(srv.url, { closeTimeoutMs: 50 });
    await within(sock.start(), 3000, "start");
    const c = await srv.conn(1);
    // Pause the server's reading so the close handshake never completes.
    (c.ws as unknown as { _socket: Socket })._socket.pause();
    await within(sock.close(), 2000, "close");
    assert.equal(sock.state, "done");
  } finally {
    await srv.close();
  }
});
