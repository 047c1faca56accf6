import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { waitFor } from "./net.js";

export interface Baresip {
  readonly port: number;
  readonly recDir: string;
  readonly exited: Promise<number | null>;
  output(): string;
  stop(): Promise<void>;
  /** WAV files the sndfile module wrote: `-dec` = what baresip heard, `-enc` = what it sent. */
  recordings(): string[];
}

/**
 * Starts baresip as an auto-answering phone on 127.0.0.1 (spec/tooling.md recipe 8): it plays
 * `sourceWav` (8 kHz mono) into each call, records both directions, and hangs up when the file ends.
 */
export async function startBaresip(o: { dir: string; port: number; user: string; sourceWav: string; rtpPorts: string; quitAfterSec: number }): Promise<Baresip> {
  const conf = join(o.dir, "conf");
  const recDir = join(o.dir, "rec");
  mkdirSync(conf, { recursive: true });
  mkdirSync(recDir, { recursive: true });
  writeFileSync(
    join(conf, "config"),
    [
      "poll_method epoll",
      `sip_listen 127.0.0.1:${o.port}`,
      "sip_transports udp",
      "net_interface 127.0.0.1",
      "audio_player aubridge,nowhere",
      `audio_source aufile,${o.sourceWav}`,
      "audio_alert aubridge,nowhere",
      "ausrc_srate 8000",
      "auplay_srate 8000",
      "ausrc_channels 1",
      "auplay_channels 1",
      `rtp_ports ${o.rtpPorts}`,
      "module_path /usr/lib/baresip/modules",
      "module stdio.so",
      "module g711.so",
      "module aufile.so",
      "module aubridge.so",
      "module sndfile.so",
      "module_app account.so",
      "module_app contact.so",
      "module_app menu.so",
      `snd_path ${recDir}`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(conf, "accounts"), `<sip:${o.user}@127.0.0.1:${o.port}>;regint=0;answermode=auto;audio_codecs=PCMU\n`);
  writeFileSync(join(conf, "contacts"), "");
  const child: ChildProcess = spawn("baresip", ["-f", conf, "-t", String(o.quitAfterSec)], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  await waitFor("baresip listening", () => /Listening on|All \d+ useragent|registered successfully|baresip is ready/i.test(out) || child.exitCode !== null, 15_000, 50);
  if (child.exitCode !== null) throw new Error(`baresip exited: ${out}`);
  return {
    port: o.port,
    recDir,
    exited,
    output: () => out,
    recordings: () => readdirSync(recDir).map((f) => join(recDir, f)),
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
