import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import Retell from "retell-sdk";
import { startTestParley } from "../helpers/parley.js";
import { waitFor } from "../helpers/net.js";

test("OPTIONS probes mark a trunk that answers as up and a silent one as down, shown on the number", { timeout: 60_000 }, async () => {
  const far = await startTestParley({ env: { PARLEY_SIP_HOST: "127.0.0.1", PARLEY_RTP_PORTS: "27000-27099" } });
  const silent = createSocket("udp4");
  await new Promise<void>((r) => silent.bind(0, "127.0.0.1", () => r()));
  const p = await startTestParley({ env: { PARLEY_SIP_HOST: "127.0.0.1", PARLEY_RTP_PORTS: "27100-27199", PARLEY_SIP_T1_MS: "50", PARLEY_TRUNK_PROBE_INTERVAL_MS: "300" } });
  try {
    const client = new Retell({ apiKey: p.apiKey, baseURL: p.url, maxRetries: 0 });
    await client.phoneNumber.import({ phone_number: "+14155557300", termination_uri: `127.0.0.1:${far.parley.sip!.addresses.udp!.port}`, transport: "UDP" } as never);
    await client.phoneNumber.import({ phone_number: "+14155557301", termination_uri: `127.0.0.1:${silent.address().port}`, transport: "UDP" } as never);
    type Health = { parley_trunk_health?: { state: string; code?: number; why?: string } };
    let up: Health = {};
    let down: Health = {};
    await waitFor("both probed", async () => {
      up = (await client.phoneNumber.retrieve("+14155557300")) as unknown as Health;
      down = (await client.phoneNumber.retrieve("+14155557301")) as unknown as Health;
      return Boolean(up.parley_trunk_health && down.parley_trunk_health);
    }, 30_000, 200);
    assert.equal(up.parley_trunk_health?.state, "up");
    assert.equal(up.parley_trunk_health?.code, 200);
    assert.equal(down.parley_trunk_health?.state, "down");
    assert.match(String(down.parley_trunk_health?.why), /no answer to OPTIONS/);
  } finally {
    await p.close();
    await far.close();
    silent.close();
  }
});
