import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Retell from "retell-sdk";
import type { LegRunner } from "../../src/calls/call-session.js";
import { startTestParley } from "../helpers/parley.js";
import { freePort, waitFor } from "../helpers/net.js";

const run = promisify(execFile);

/** Each side plays a steady tone so neither hits its media timeout. */
const tone: LegRunner = (_s, leg) => {
  const pcm = new Int16Array(8000 * 10);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  leg.sendAudio(pcm);
  return () => undefined;
};

test("a call over SIP/TLS between two Parley nodes: the caller's PCAP holds the decrypted SIP ladder, marked reconstructed, and tshark reads it", { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-tls-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
  const tlsEnv = { PARLEY_SIP_TLS_CERT: join(dir, "cert.pem"), PARLEY_SIP_TLS_KEY: join(dir, "key.pem"), PARLEY_SIP_TLS_CA: join(dir, "cert.pem"), PARLEY_SIP_HOST: "127.0.0.1" };
  const calleeTls = await freePort();
  const callee = await startTestParley({ legRunner: tone, env: { ...tlsEnv, PARLEY_SIP_TLS_PORT: String(calleeTls), PARLEY_RTP_PORTS: "24300-24349" } });
  const caller = await startTestParley({ legRunner: tone, env: { ...tlsEnv, PARLEY_SIP_TLS_PORT: String(await freePort()), PARLEY_RTP_PORTS: "24350-24399" } });
  try {
    const a = new Retell({ apiKey: caller.apiKey, baseURL: caller.url, maxRetries: 0 });
    const b = new Retell({ apiKey: callee.apiKey, baseURL: callee.url, maxRetries: 0 });
    const engine = { type: "custom-llm" as const, llm_websocket_url: "ws://127.0.0.1:9" };
    const bAgent = await b.agent.create({ response_engine: engine, voice_id: "espeak-en-us-male" });
    await b.phoneNumber.import({ phone_number: "+14155559000", termination_uri: "127.0.0.1:5999", inbound_agents: [{ agent_id: bAgent.agent_id, weight: 1 }] } as never);
    const aAgent = await a.agent.create({ response_engine: engine, voice_id: "espeak-en-us-male" });
    await a.phoneNumber.import({ phone_number: "+14155559001", termination_uri: `127.0.0.1:${calleeTls}`, transport: "TLS", outbound_agents: [{ agent_id: aAgent.agent_id, weight: 1 }] } as never);
    const { call_id } = await a.call.createPhoneCall({ from_number: "+14155559001", to_number: "+14155559000" });
    await waitFor("connected over TLS", async () => (await a.call.retrieve(call_id)).call_status === "ongoing", 20_000, 100);
    await waitFor("some RTP both ways", async () => (caller.parley.calls.live(call_id)?.record.startTimestamp ?? 0) < Date.now() - 1500, 5_000, 100);
    await a.call.stop(call_id);
    const call = (await a.call.retrieve(call_id)) as unknown as { disconnection_reason: string; pcap_url: string };
    assert.equal(call.disconnection_reason, "manual_stopped");
    const file = join(dir, "tls.pcap");
    writeFileSync(file, Buffer.from(await (await fetch(call.pcap_url)).arrayBuffer()));
    const decode = ["-d", `tcp.port==${calleeTls},sip`];
    const stat = (await run("tshark", ["-r", file, ...decode, "-q", "-z", "sip,stat"])).stdout;
    for (const method of ["INVITE", "ACK", "BYE"]) assert.match(stat, new RegExp(`${method}\\s+:?\\s*[1-9]`), `${method} in:\n${stat}`);
    const marker = (await run("tshark", ["-r", file, "-Y", "udp.port == 9", "-T", "fields", "-e", "data.data"])).stdout.trim();
    assert.match(Buffer.from(marker.split("\n")[0] ?? "", "hex").toString(), /reconstructed/);
    const streams = (await run("tshark", ["-r", file, ...decode, "-q", "-z", "rtp,streams"])).stdout;
    assert.ok(streams.split("\n").filter((l) => /g711[UA]|PCM[AU]/i.test(l)).length >= 2, `RTP both ways:\n${streams}`);
    assert.equal((await run("tshark", ["-r", file, ...decode, "-Y", "_ws.malformed"])).stdout.trim(), "");
  } finally {
    await caller.close();
    await callee.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
