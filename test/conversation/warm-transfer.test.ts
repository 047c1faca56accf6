import assert from "node:assert/strict";
import { test } from "node:test";
import { callEnd } from "../../src/core/call-end.js";
import { rms } from "../../src/media/energy.js";
import { fakeLlmServer, within } from "../llm-socket/fake-llm-server.js";
import { FakeLeg, haveTools } from "./fake-leg.js";
import { harness, ScriptedAsr } from "./harness.js";

const skip = !haveTools("espeak-ng") && "needs espeak-ng";
const TARGET = "+14155550999";

test("transfer_mode warm: after speaking, the agent asks for a warm transfer; the whisper reaches the target leg only", { skip, timeout: 20_000 }, async () => {
  const srv = await fakeLlmServer((c) =>
    c.send({
      response_type: "response",
      response_id: 0,
      content: "Connecting you.",
      content_complete: true,
      transfer_number: TARGET,
      transfer_mode: "warm",
      transfer_whisper: "A caller about billing.",
      transfer_timeout_ms: 5000,
    }),
  );
  const target = new FakeLeg();
  let callerSamplesAtTransfer = -1;
  let whispered = false;
  const h = await harness({
    url: srv.url,
    asr: new ScriptedAsr("x"),
    warmTransfer: async (req) => {
      callerSamplesAtTransfer = h.leg.agentAudio().length;
      await req.whisper?.(target, new AbortController().signal);
      whispered = true;
      return { ok: true, target: req.destination };
    },
  });
  try {
    await h.leg.until(() => h.warmTransfers.length > 0, 10_000, "the warm transfer");
    const req = h.warmTransfers[0]!;
    assert.equal(req.destination, TARGET);
    assert.equal(req.timeoutMs, 5000);
    assert.deepEqual(h.transfers, [], "no cold transfer");
    // The caller leg's frame clock re-checks the condition every 20 ms.
    await h.leg.until(() => whispered, 10_000, "the whisper played out");
    assert.ok(target.queuedMs < 50, "the transfer goes on only once the whisper was played out");
    assert.ok(rms(target.agentAudio()) > 500, "the whisper was spoken to the target");
    assert.equal(h.leg.agentAudio().length, callerSamplesAtTransfer, "the caller did not hear the whisper");
    assert.ok(h.logs.some((l) => l.type === "tts.start" && l.data["leg"] === "transfer_target" && l.data["text"] === "A caller about billing."));
    assert.equal(h.ends.length, 0, "the call session, not the conversation, ends a bridged call");
  } finally {
    target.stop();
    await h.stop();
    await srv.close();
  }
});

test("a warm transfer the target refused: the next response_required carries transfer_cancelled with the SIP code, and the agent talks on", { skip, timeout: 20_000 }, async () => {
  const srv = await fakeLlmServer((c) => {
    c.send({ response_type: "response", response_id: 0, content: "", content_complete: true, transfer_number: TARGET });
    c.ws.on("message", (d) => {
      const f = JSON.parse(d.toString()) as { interaction_type: string; response_id: number; transfer_cancelled?: unknown };
      if (f.interaction_type === "response_required" && f.transfer_cancelled) {
        c.send({ response_type: "response", response_id: f.response_id, content: "Sorry, the line is busy.", content_complete: true });
      }
    });
  });
  const busy = callEnd("dial_busy", { phase: "dialing", message: "the callee was busy (486 Busy Here)", sip: { code: 486, phrase: "Busy Here" } });
  const h = await harness({
    url: srv.url,
    asr: new ScriptedAsr("x"),
    // The agent's default, since the response names no transfer_mode.
    agent: { transfer_mode: "warm" },
    warmTransfer: async () => ({ ok: false, why: busy.message, targetEnd: busy }),
  });
  try {
    const conn = await srv.conn(1);
    const req = await conn.next((f) => f["interaction_type"] === "response_required", 10_000);
    assert.deepEqual(req["transfer_cancelled"], { transfer_number: TARGET, reason: "dial_busy", message: busy.message, sip_code: 486, sip_phrase: "Busy Here" });
    await within(
      new Promise<void>((resolve) => {
        const check = (): void => (/Sorry, the line is busy\./.test(h.conv.results().transcript) ? resolve() : void setTimeout(check, 20));
        check();
      }),
      10_000,
      "the agent's apology",
    );
    assert.equal(h.warmTransfers.length, 1);
    assert.equal(h.ends.length, 0);
  } finally {
    await h.stop();
    await srv.close();
  }
});
