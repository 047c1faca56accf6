// Media plane load: N concurrent RTP call pairs on loopback in one process, G.711 20 ms frames both
// ways, the Parley side of each pair recording a 2-channel WAV. Prints pacing jitter at the sender
// and the receiver, loss, memory and CPU per call.
//
// Run pinned to one core, as the figures are per core (each step runs in a fresh child process,
// which inherits the affinity):
//   taskset -c 0 node --import tsx bench/media-rtp.ts [--steps 100,250,500,750] [--seconds 20] [--verbose]

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Pacer } from "../src/media/pacer.js";
import { RtpSession, type PacketTapEntry } from "../src/media/rtp-session.js";
import { WavWriter } from "../src/media/wav.js";

/** Options for `runMediaBench`. */
export interface MediaBenchOptions {
  /** Concurrent call pairs per step. */
  steps?: number[];
  /** Measured seconds per step (after a warm-up). */
  seconds?: number;
  warmupSeconds?: number;
  codec?: "PCMU" | "PCMA";
  /** Print one line per step as it finishes (the table is printed at the end either way). */
  verbose?: boolean;
}

/** Histogram of |interval − 20 ms| at 10 µs resolution (up to 200 ms). */
class DeviationHistogram {
  private readonly bins = new Uint32Array(20000);
  count = 0;
  add(deviationMs: number): void {
    const i = Math.min(this.bins.length - 1, Math.round(Math.abs(deviationMs) * 100));
    this.bins[i]!++;
    this.count++;
  }
  percentile(p: number): number {
    const target = Math.ceil(this.count * p);
    let acc = 0;
    for (let i = 0; i < this.bins.length; i++) {
      acc += this.bins[i]!;
      if (acc >= target) return i / 100;
    }
    return NaN;
  }
}

interface StepResult {
  pairs: number;
  sendP50: number;
  sendP90: number;
  sendP99: number;
  recvP50: number;
  recvP90: number;
  recvP99: number;
  rfcJitterMs: number;
  sent: number;
  lost: number;
  lossPct: number;
  skipped: number;
  memPerPairKb: number;
  cpuPerPairPct: number;
  elu: number;
  /** The machine's 1-minute load average at the end of the step (other processes compete for the core). */
  load: number;
}

function tone(ms: number): Int16Array {
  const n = (8000 * ms) / 1000;
  return Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000) * (0.6 + 0.4 * Math.sin(i / 4000))));
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
}

function waitMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runStep(pairs: number, seconds: number, warmup: number, codec: "PCMU" | "PCMA", dir: string): Promise<StepResult> {
  const source = tone(1000);
  const pacer = new Pacer();
  const sendHist = new DeviationHistogram();
  const recvHist = new DeviationHistogram();
  let measuring = false;
  gc();
  const memBefore = process.memoryUsage();

  const lastOut = new Map<number, number>();
  const lastIn = new Map<number, number>();
  // Sender pacing: the gap between two consecutive packets of one stream, against 20 ms.
  const tapFor = (id: number) => (t: PacketTapEntry) => {
    if (t.protocol !== "rtp") return;
    const map = t.direction === "out" ? lastOut : lastIn;
    const prev = map.get(id);
    map.set(id, t.atMs);
    if (measuring && prev !== undefined) (t.direction === "out" ? sendHist : recvHist).add(t.atMs - prev - 20);
  };

  const sessions: RtpSession[] = [];
  const writers: WavWriter[] = [];
  for (let i = 0; i < pairs; i++) {
    const phone = await RtpSession.open({ codec, bind: { address: "127.0.0.1" }, pacer, tap: tapFor(2 * i), jitterBuffer: false });
    const parley = await RtpSession.open({
      codec,
      bind: { address: "127.0.0.1" },
      remote: phone.local,
      remoteRtcp: phone.localRtcp,
      pacer,
      tap: tapFor(2 * i + 1),
      jitterBuffer: { mode: "adaptive", depthFrames: 3 },
    });
    phone.setRemote(parley.local, parley.localRtcp);
    const wav = await WavWriter.create(join(dir, `call-${i}.wav`), 8000, 2);
    let offPhone = (i * 37) % 50;
    let offParley = (i * 11) % 50;
    const frameAt = (k: number) => source.subarray((k % 50) * 160, (k % 50) * 160 + 160);
    // Each side keeps about 60 ms queued; the Parley side records caller (left) and its own audio (right).
    phone.on((e) => {
      if (e.type === "first-packet" || (e.type === "audio" && phone.queuedMs < 60)) phone.sendAudio(frameAt(offPhone++));
    });
    parley.on((e) => {
      if (e.type !== "audio") return;
      const mine = frameAt(offParley++);
      if (parley.queuedMs < 60) parley.sendAudio(mine);
      wav.writeStereo(e.pcm, mine);
    });
    phone.sendAudio(frameAt(offPhone++));
    parley.sendAudio(frameAt(offParley++));
    sessions.push(phone, parley);
    writers.push(wav);
  }

  await waitMs(warmup * 1000);
  const sentBefore = sessions.reduce((n, s) => n + s.stats().sent.packets, 0);
  const skippedBefore = pacer.skipped;
  measuring = true;
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await waitMs(seconds * 1000);
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  measuring = false;
  const memAfter = process.memoryUsage();

  let lost = 0;
  let expected = 0;
  let jitterSum = 0;
  for (const s of sessions) {
    const st = s.stats();
    lost += st.received.lost;
    expected += st.received.expected;
    jitterSum += st.received.jitterMs;
  }
  const sent = sessions.reduce((n, s) => n + s.stats().sent.packets, 0) - sentBefore;
  const skipped = pacer.skipped - skippedBefore;
  await Promise.all(sessions.map((s) => s.close()));
  await Promise.all(writers.map((w) => w.close()));
  return {
    pairs,
    sendP50: sendHist.percentile(0.5),
    sendP90: sendHist.percentile(0.9),
    sendP99: sendHist.percentile(0.99),
    recvP50: recvHist.percentile(0.5),
    recvP90: recvHist.percentile(0.9),
    recvP99: recvHist.percentile(0.99),
    rfcJitterMs: jitterSum / sessions.length,
    sent,
    lost,
    lossPct: expected ? (100 * lost) / expected : 0,
    skipped,
    memPerPairKb: (memAfter.rss - memBefore.rss) / 1024 / pairs,
    cpuPerPairPct: ((cpu.user + cpu.system) / 1000 / elapsedMs / pairs) * 100,
    elu: elu.utilization,
    load: loadavg()[0] ?? 0,
  };
}

/** The noise floor of this machine: no-op frame clocks on the same pacer, no sockets, no audio. */
async function pacerBaseline(streams: number, seconds: number): Promise<string> {
  const pacer = new Pacer();
  const hist = new DeviationHistogram();
  const handles = [];
  for (let i = 0; i < streams; i++) {
    let last: number | null = null;
    handles.push(
      pacer.add(20, () => {
        const t = performance.now();
        if (last !== null) hist.add(t - last - 20);
        last = t;
      }),
    );
  }
  await waitMs(seconds * 1000);
  for (const h of handles) h.stop();
  return `noise floor (${streams} no-op frame clocks, ${seconds} s): interval deviation p50 ${hist.percentile(0.5).toFixed(2)} / p90 ${hist.percentile(0.9).toFixed(2)} / p99 ${hist.percentile(0.99).toFixed(2)} ms, load ${(loadavg()[0] ?? 0).toFixed(1)}`;
}

function pinnedNote(): string {
  try {
    const m = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync("/proc/self/status", "utf8"));
    const list = m?.[1] ?? "?";
    return /^\d+$/.test(list) ? `pinned to CPU ${list}` : `NOT pinned (CPUs ${list}); run under taskset -c 0 for per-core figures`;
  } catch {
    return "CPU affinity unknown";
  }
}

function row(cells: Array<string | number>, widths: number[]): string {
  return cells.map((c, i) => String(c).padStart(widths[i] ?? 10)).join("  ");
}

/** Runs the ramp and prints the table. */
export async function runMediaBench(opts: MediaBenchOptions = {}): Promise<void> {
  const steps = opts.steps ?? [100, 250, 500, 750];
  const seconds = opts.seconds ?? 20;
  const warmup = opts.warmupSeconds ?? 3;
  const codec = opts.codec ?? "PCMU";
  console.log(`media-rtp: ${codec} 20 ms, ${seconds} s per step after ${warmup} s warm-up, ${pinnedNote()}, node ${process.version}`);
  console.log("a 'pair' is one call: a phone-side and a Parley-side RtpSession (both in this process), RTCP on, Parley side with adaptive jitter buffer + 2-ch WAV");
  console.log(await pacerBaseline(500, Math.min(10, seconds)));
  const results: StepResult[] = [];
  for (const n of steps) {
    // Each step in a fresh process (same CPU affinity): memory and GC state do not carry over.
    const r = await runStepInChild(n, seconds, warmup, codec);
    results.push(r);
    if (opts.verbose) console.log(JSON.stringify(r));
  }
  const head = ["pairs", "sessions", "send p50", "send p90", "send p99", "recv p50", "recv p90", "recv p99", "RFC3550 J", "sent pkts", "lost", "loss %", "skipped", "KB/pair", "CPU%/pair", "loop util", "loadavg"];
  const widths = head.map((h) => Math.max(9, h.length));
  console.log("jitter columns: |packet interval − 20 ms| in ms (send: at the sender's send time; recv: at arrival); RFC3550 J: mean interarrival jitter (ms)");
  console.log("skipped: frames the pacer dropped because the event loop was > 100 ms late; CPU%/pair: process CPU time / wall time / pairs");
  console.log(row(head, widths));
  for (const r of results) {
    console.log(
      row(
        [
          r.pairs,
          r.pairs * 2,
          r.sendP50.toFixed(2),
          r.sendP90.toFixed(2),
          r.sendP99.toFixed(2),
          r.recvP50.toFixed(2),
          r.recvP90.toFixed(2),
          r.recvP99.toFixed(2),
          r.rfcJitterMs.toFixed(2),
          r.sent,
          r.lost,
          r.lossPct.toFixed(3),
          r.skipped,
          r.memPerPairKb.toFixed(0),
          r.cpuPerPairPct.toFixed(3),
          r.elu.toFixed(2),
          r.load.toFixed(1),
        ],
        widths,
      ),
    );
  }
}

function runStepInChild(pairs: number, seconds: number, warmup: number, codec: "PCMU" | "PCMA"): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(import.meta.url);
    const child = spawn(process.execPath, [...process.execArgv, script, "--child", String(pairs), String(seconds), String(warmup), codec], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !line) reject(new Error(`bench step ${pairs} exited ${code}: ${out}`));
      else resolve(JSON.parse(line) as StepResult);
    });
  });
}

/** One step in this process: prints its result as one JSON line. */
async function childStep(args: string[]): Promise<void> {
  const [pairs, seconds, warmup, codec] = args;
  const dir = await mkdtemp(join(tmpdir(), "parley-media-bench-"));
  try {
    const r = await runStep(Number(pairs), Number(seconds), Number(warmup), codec === "PCMA" ? "PCMA" : "PCMU", dir);
    console.log(JSON.stringify(r));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const childAt = process.argv.indexOf("--child");
if (childAt >= 0) {
  await childStep(process.argv.slice(childAt + 1));
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const steps = argValue("--steps")?.split(",").map(Number);
  const seconds = argValue("--seconds");
  await runMediaBench({
    ...(steps ? { steps } : {}),
    ...(seconds ? { seconds: Number(seconds) } : {}),
    verbose: process.argv.includes("--verbose"),
  });
}
