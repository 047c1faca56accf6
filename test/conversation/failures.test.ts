import assert from "node:assert/strict";
import { createServer, type AddressInfo } from "node:net";
import { test } from "node:test";
import { PocketsphinxAsr } from "../../src/conversation/pocketsphinx-asr.js";
import { createConversationRunner } from "../../src/conversation/runner.js";
import type { CallEnd } from "../../src/core/call-end.js";
import { fakeLlmServer, type ServerConn } from "../llm-socket/fake-llm-server.js";
import { FakeLeg, haveTools } from "./fake-leg.js";
import { FAST_TIMING, harness, ScriptedAsr } from "./harness.js";

const skip = !haveTools("espeak-ng") && "needs espeak-ng";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const MODES = {
  close1011: { reason: "error_llm_websocket_runtime", act: (c: ServerConn) => c.ws.close(1011, "internal") },
  garbage: { reason: "error_llm_websocket_corrupt_payload", act: (c: ServerConn) => c.ws.send("{nope") },
  killed: { reason: "error_llm_websocket_lost_connection", act: (c: ServerConn) => c.ws.terminate() },
  close1000: { reason: "agent_hangup", act: (c: ServerConn) => c.ws.close(1000, "bye") },
} as const;

for (const [mode, m] of Object.entries(MODES)) {
  test(`LLM server ${mode} mid-call → ${m.reason} through callbacks.end`, { skip, timeout: 15_000 }, async () => {
    const srv = await fakeLlmServer((c) => {
      c.send({ response_type: "response", response_id: 0, content: "Hello.", content_complete: true });
      setTimeout(() => m.act(c), 50);
    });
    const h = await harness({ url: srv.url, asr: new ScriptedAsr("x") });
    try {
      const end = await h.ended(5000);
      assert.equal(end.reason, m.reason);
      assert.equal(h.ends.length, 1, "one ending");
    } finally {
      await h.stop();
      await srv.close();
    }
  });
}

test("nothing listening at llm_websocket_url → error_llm_websocket_open", { skip, timeout: 15_000 }, async () => {
  const h = await harness({ url: `ws://127.0.0.1:${await freePort()}/llm`, asr: new ScriptedAsr("x") });
  try {
    const end = await h.ended(5000);
    assert.equal(end.reason, "error_llm_websocket_open");
  } finally {
    await h.stop();
  }
});

test("pocketsphinx dying twice → error_asr (it is restarted once)", { skip: !haveTools("pocketsphinx_continuous") && "needs pocketsphinx", timeout: 15_000 }, async () => {
  const srv = await fakeLlmServer((c) => c.send({ response_type: "response", response_id: 0, content: "", content_complete: true }));
  const asr = new PocketsphinxAsr();
  const h = await harness({ url: srv.url, asr });
  try {
    const first = asr.pid;
    assert.ok(first, "running");
    process.kill(first, "SIGKILL");
    await h.leg.until(() => asr.pid !== undefined && asr.pid !== first, 5000, "the restart");
    assert.equal(h.ends.length, 0, "one crash is survived");
    process.kill(asr.pid as number, "SIGKILL");
    const end = await h.ended(5000);
    assert.equal(end.reason, "error_asr");
    assert.match(end.message, /after a restart/);
  } finally {
    await h.stop();
    await srv.close();
  }
});

test("runner: an agent without llm_websocket_url ends with error_llm_websocket_open", async () => {
  const run = createConversationRunner({ asr: () => new ScriptedAsr("x") });
  const leg = new FakeLeg();
  const end = await new Promise<CallEnd>((resolve) => {
    const r = run({ callId: "c1", agentConfig: {}, leg, end: resolve, log: () => {}, transfer: async () => false, warmTransfer: async () => ({ ok: false, why: "not in this test" }), onTranscript: () => {} });
    void r.stop();
  });
  assert.equal(end.reason, "error_llm_websocket_open");
  assert.match(end.message, /llm_websocket_url/);
});

/** Active handles by type, e.g. { Timeout: 1, TCPServerWrap: 2 }. */
function resources(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

async function settle(ok: () => boolean, turns = 5000): Promise<boolean> {
  for (let i = 0; i < turns && !ok(); i++) await new Promise<void>((r) => setImmediate(r));
  return ok();
}

test("100 calls through every LLM failure and the ASR/TTS processes release every socket, process and timer", { skip: !haveTools("espeak-ng", "pocketsphinx_continuous") && "needs espeak-ng and pocketsphinx", timeout: 180_000 }, async () => {
  const modes = Object.values(MODES);
  const srv = await fakeLlmServer((c) => {
    const i = Number(c.path.split("/").pop()?.split("-")[1] ?? 0);
    c.send({ response_type: "response", response_id: 0, content: "Hello there. Welcome.", content_complete: true });
    const mode = modes[i % (modes.length + 1)];
    if (mode) setTimeout(() => mode.act(c), 20 + (i % 7) * 15);
  });
  const runner = createConversationRunner({ llmTiming: FAST_TIMING, asr: () => new PocketsphinxAsr() });
  const baseline = resources();
  for (let i = 0; i < 100; i++) {
    const leg = new FakeLeg();
    leg.start();
    let ended: (e: CallEnd | null) => void = () => {};
    const endP = new Promise<CallEnd | null>((r) => (ended = r));
    const stopper = setTimeout(() => ended(null), 400);
    const run = runner({ callId: `leak-${i}`, agentConfig: { llm_websocket_url: srv.url }, leg, end: (e) => ended(e), log: () => {}, transfer: async () => false, warmTransfer: async () => ({ ok: false, why: "not in this test" }), onTranscript: () => {} });
    await endP;
    clearTimeout(stopper);
    leg.stop();
    await run.stop();
  }
  await srv.close();
  const ok = await settle(() => [...resources()].every(([k, n]) => n <= (baseline.get(k) ?? 0)));
  assert.ok(ok, `handles left: ${JSON.stringify([...resources()])} vs baseline ${JSON.stringify([...baseline])}`);
});
