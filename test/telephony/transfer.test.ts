import { test } from "node:test";
import assert from "node:assert/strict";
import Retell from "retell-sdk";
import type { LegRunner } from "../../src/calls/call-session.js";
import { startSippUas } from "../helpers/sipp.js";
import { startTestParley } from "../helpers/parley.js";
import { waitFor } from "../helpers/net.js";

/** Stands in for the agent: once connected, it asks for a cold transfer. */
const transferAgent: LegRunner = (session, leg) => {
  leg.sendAudio(new Int16Array(8000).fill(2000));
  void session.transfer("+14155550999");
  return () => undefined;
};

for (const [name, frag, reason] of [
  ["the transfer target answers → call_transfer", "200 OK", "call_transfer"],
  ["the transfer target is busy → the call goes on, then BYE", "486 Busy Here", "manual_stopped"],
] as const) {
  test(`SIP REFER cold transfer: ${name}`, { timeout: 60_000 }, async () => {
    const p = await startTestParley({ legRunner: transferAgent, env: { PARLEY_SIP_HOST: "127.0.0.1", PARLEY_RTP_PORTS: "27200-27299" } });
    const peer = await startSippUas({ scenario: "answer", playPcap: "/usr/share/sip-tester/g711a.pcap", referResult: frag });
    try {
      const client = new Retell({ apiKey: p.apiKey, baseURL: p.url, maxRetries: 0 });
      const agent = await client.agent.create({ response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" });
      await client.phoneNumber.import({ phone_number: "+14155557400", termination_uri: `127.0.0.1:${peer.port}`, transport: "UDP", outbound_agents: [{ agent_id: agent.agent_id, weight: 1 }] } as never);
      const { call_id } = await client.call.createPhoneCall({ from_number: "+14155557400", to_number: "+14155550123" });
      if (reason === "manual_stopped") {
        await waitFor("the failed transfer logged", async () => {
          const log = (await (await fetch(`${p.url}/parley/v1/call-log/${call_id}`, { headers: { authorization: `Bearer ${p.apiKey}` } })).json()) as { events: { type: string; data: { ok?: boolean } }[] };
          return log.events.some((e) => e.type === "transfer" && e.data.ok === false);
        }, 20_000, 100);
        assert.equal((await client.call.retrieve(call_id)).call_status, "ongoing", "a failed transfer does not end the call");
        await client.call.stop(call_id);
      }
      let call: Record<string, unknown> = {};
      await waitFor("ended", async () => {
        call = (await client.call.retrieve(call_id)) as unknown as Record<string, unknown>;
        return call.call_status === "ended" || call.call_status === "error";
      }, 30_000, 100);
      assert.equal(call.disconnection_reason, reason, JSON.stringify(call.disconnection_detail));
      if (reason === "call_transfer") assert.equal(call.transfer_destination, "sip:+14155550999@127.0.0.1:" + peer.port);
      assert.match(peer.messages(), /REFER sip:/);
      assert.match(peer.messages(), /Refer-To: <sip:\+14155550999@/);
      assert.equal((await peer.done).exitCode, 0, "SIPp saw REFER, NOTIFY answered, then our BYE");
    } finally {
      await peer.stop();
      await p.close();
    }
  });
}
