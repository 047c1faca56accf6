import { test } from "node:test";
import assert from "node:assert/strict";
import Retell from "retell-sdk";
import type { LegRunner } from "../../src/calls/call-session.js";
import { startSippUas } from "../helpers/sipp.js";
import { startTestParley } from "../helpers/parley.js";
import { waitFor } from "../helpers/net.js";

const CALLS = 100;

/**
 * Active handles by kind. TCP sockets are left out: the test's own HTTP client keeps its
 * keep-alive connections to the API (both ends live in this process), which say nothing about
 * calls; a call's sockets are UDP (SIP, RTP, RTCP) and its timers are Timeouts.
 */
function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (r !== "TCPSocketWrap" && r !== "Immediate") out[r] = (out[r] ?? 0) + 1;
  return out;
}

const beep: LegRunner = (_s, leg) => {
  leg.sendAudio(new Int16Array(1600).fill(3000));
  return () => undefined;
};

test(`${CALLS} connected calls (RTP both ways, recording, PCAP) leave no sockets or timers behind`, { timeout: 300_000 }, async () => {
  const p = await startTestParley({ legRunner: beep, env: { PARLEY_SIP_HOST: "127.0.0.1", PARLEY_RTP_PORTS: "25000-25999", PARLEY_SIP_T1_MS: "100" } });
  const peer = await startSippUas({ scenario: "answer", playPcap: "/usr/share/sip-tester/g711a.pcap", hangUpAfterMs: 300, calls: CALLS + 5 } as never);
  try {
    const client = new Retell({ apiKey: p.apiKey, baseURL: p.url, maxRetries: 0 });
    const agent = await client.agent.create({ response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" });
    await client.phoneNumber.import({ phone_number: "+14155557100", termination_uri: `127.0.0.1:${peer.port}`, transport: "UDP", outbound_agents: [{ agent_id: agent.agent_id, weight: 1 }] } as never);
    // One call first, so lazily created resources (pools, listeners) exist before the baseline.
    const warm = await client.call.createPhoneCall({ from_number: "+14155557100", to_number: "+14155550123" });
    await waitFor("warm-up call", async () => (await client.call.retrieve(warm.call_id)).call_status === "ended", 20_000, 100);
    await waitFor("settled", () => p.parley.calls.liveCount === 0, 10_000);
    const baseline = resources();
    const ids: string[] = [];
    for (let i = 0; i < CALLS; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => client.call.createPhoneCall({ from_number: "+14155557100", to_number: "+14155550123" })));
      ids.push(...batch.map((c) => c.call_id));
      await waitFor("batch ended", () => p.parley.calls.liveCount === 0, 30_000, 50).catch(async (err: Error) => {
        const stuck = await Promise.all(batch.map((c) => client.call.retrieve(c.call_id)));
        throw new Error(`${err.message}: ${JSON.stringify(stuck.filter((c) => c.call_status !== "ended").map((c) => [c.call_id, c.call_status, (c as unknown as { disconnection_detail?: unknown }).disconnection_detail]))}`);
      });
    }
    const reasons = new Map<string, number>();
    for (const id of ids) {
      const c = await client.call.retrieve(id);
      reasons.set(String(c.disconnection_reason), (reasons.get(String(c.disconnection_reason)) ?? 0) + 1);
    }
    assert.deepEqual([...reasons], [["user_hangup", CALLS]]);
    // Transactions linger for their RFC timers (Timer K/J, 64·T1) and log mappings for 5 s; then everything must be gone.
    let now: Record<string, number> = {};
    await waitFor("handles back to the baseline", () => {
      now = resources();
      return Object.keys({ ...now, ...baseline }).every((k) => (now[k] ?? 0) <= (baseline[k] ?? 0));
    }, 30_000, 200).catch(() => undefined);
    assert.deepEqual(now, baseline, "active handles after the calls equal those before");
  } finally {
    await peer.stop();
    await p.close();
  }
});
