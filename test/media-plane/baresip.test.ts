import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Retell from "retell-sdk";
import { envelopeCorrelation, readWav } from "../../src/media/index.js";
import type { LegRunner } from "../../src/calls/call-session.js";
import { startBaresip } from "../helpers/baresip.js";
import { startTestParley } from "../helpers/parley.js";
import { freePort, waitFor } from "../helpers/net.js";

function speech(dir: string, name: string, text: string, padSec: [number, number]): string {
  const raw = join(dir, `${name}-22k.wav`);
  const out = join(dir, `${name}.wav`);
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "150", "-w", raw, text]);
  execFileSync("sox", [raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", out, "pad", String(padSec[0]), String(padSec[1])]);
  return out;
}

function mono(path: string, channel = 0): Int16Array {
  const r = readWav(readFileSync(path));
  if (!r.ok) throw new Error(`${path}: ${r.error}`);
  if (r.wav.channels === 1) return r.wav.samples;
  const out = new Int16Array(r.wav.samples.length / r.wav.channels);
  for (let i = 0; i < out.length; i++) out[i] = r.wav.samples[i * r.wav.channels + channel]!;
  return out;
}

test("baresip interop: Parley calls an auto-answering baresip; each side's recording matches what the other sent", { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-baresip-"));
  const userWav = speech(dir, "user", "hello, this is the caller. I would like to book an appointment for next tuesday at three.", [0.5, 1.5]);
  const agentWav = speech(dir, "agent", "thank you for calling parley. how can I help you today?", [0, 0]);
  const agentPcm = mono(agentWav);
  // The media plane under test: the agent side just plays a known prompt once the call connects.
  const legRunner: LegRunner = (_session, leg) => {
    leg.sendAudio(agentPcm);
    return () => undefined;
  };
  const p = await startTestParley({ legRunner, env: { PARLEY_SIP_HOST: "127.0.0.1", PARLEY_RTP_PORTS: "24100-24199" } });
  const phone = await startBaresip({ dir, port: await freePort(), user: "+14155550123", sourceWav: userWav, rtpPorts: "24200-24210", quitAfterSec: 40 });
  try {
    const client = new Retell({ apiKey: p.apiKey, baseURL: p.url, maxRetries: 0 });
    const agent = await client.agent.create({ response_engine: { type: "custom-llm", llm_websocket_url: "ws://127.0.0.1:9" }, voice_id: "espeak-en-us-male" });
    await client.phoneNumber.import({ phone_number: "+14155557000", termination_uri: `127.0.0.1:${phone.port}`, transport: "UDP", outbound_agents: [{ agent_id: agent.agent_id, weight: 1 }] } as never);
    const { call_id } = await client.call.createPhoneCall({ from_number: "+14155557000", to_number: "+14155550123" });
    let call: Record<string, unknown> = {};
    await waitFor("baresip to hang up when its file ends", async () => {
      call = (await client.call.retrieve(call_id)) as unknown as Record<string, unknown>;
      return call.call_status === "ended" || call.call_status === "error" || call.call_status === "not_connected";
    }, 40_000, 200);
    assert.equal(call.disconnection_reason, "user_hangup", JSON.stringify(call.disconnection_detail));

    const multi = join(dir, "parley-multi.wav");
    writeFileSync(multi, Buffer.from(await (await fetch(String(call.recording_multi_channel_url))).arrayBuffer()));
    const heardByParley = mono(multi, 0);
    const user = envelopeCorrelation(mono(userWav), heardByParley, 8000, { maxLagMs: 2000 });
    assert.ok(user.correlation >= 0.95, `Parley's user channel vs the caller's WAV: envelope correlation ${user.correlation.toFixed(3)}`);

    await phone.stop();
    const dec = phone.recordings().find((f) => f.endsWith("-dec.wav"));
    assert.ok(dec, `baresip recorded what it heard: ${phone.recordings().join(", ")}`);
    const agentSide = envelopeCorrelation(agentPcm, mono(dec!), 8000, { maxLagMs: 2000 });
    assert.ok(agentSide.correlation >= 0.95, `baresip's recording vs what Parley sent: envelope correlation ${agentSide.correlation.toFixed(3)}`);
    console.log(`envelope correlation: user channel ${user.correlation.toFixed(3)} (lag ${user.lagMs} ms), baresip heard ${agentSide.correlation.toFixed(3)} (lag ${agentSide.lagMs} ms)`);
  } finally {
    await phone.stop();
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
