// Media plane load: N concurrent connected calls, G.711 20 ms both ways, recording on. Two
// processes per step, each pinned to its own core so that the phone side's work is not billed to
// Parley:
//   - parley (CPU 0): per call exactly what a connected SIP call runs — a SipLeg on a leased port
//     pair (RtpSession with RTCP and the adaptive jitter buffer, the media-timeout ticker) and its
//     CallEvidence (PCAP of every datagram, two-channel and mixed WAV recordings); the "agent"
//     answers every played frame with a 20 ms frame of its own, keeping about 60 ms queued.
//   - peer (CPU 1): one lightweight phone endpoint per call (bare UDP sockets, precomputed G.711
//     frames, an RTCP receiver report every 5 s) that measures what arrives from Parley.
// Prints per step Parley's outbound packet-interval jitter at its send time and at the phone's
// arrival, loss both ways, memory and CPU per call, event-loop utilisation and load average, and
// the highest step that held p99 < 2 ms with no loss ("calls sustained").
//
//   node --import tsx bench/media-rtp.ts [--steps 250,500,750,1000] [--seconds 15] [--verbose] [--profile DIR]
//   (--profile: a V8 CPU profile of each step's Parley process, parley-<calls>.cpuprofile in DIR)
//   (the children pin themselves with taskset; run it on an otherwise quiet machine)

import { spawn, type ChildProcess } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { g711Encode, g711PayloadType, type G711Law } from "../src/media/g711.js";
import { Pacer, sharedPacer } from "../src/media/pacer.js";
import { PortAllocator } from "../src/media/port-allocator.js";
import { serializeRtcp } from "../src/media/rtcp-packet.js";
import { RTP_HEADER_BYTES, writeRtpHeader } from "../src/media/rtp-packet.js";
import { CallEvidence } from "../src/recording/call-evidence.js";
import { SipLeg } from "../src/telephony/sip-leg.js";

/** Options for `runMediaBench`. */
export interface MediaBenchOptions {
  /** Concurrent calls per step. */
  steps?: number[];
  /** Measured seconds per step (after a warm-up). */
  seconds?: number;
  warmupSeconds?: number;
  codec?: G711Law;
  /** Print each step's raw result as it finishes (the table is printed at the end either way). */
  verbose?: boolean;
  /** Write a V8 CPU profile of each step's Parley process into this directory. */
  profileDir?: string;
}

const PARLEY_CPU = 0;
const PEER_CPU = 1;
// Below the ephemeral range and away from the ranges the test suites use (20000-20999, 25000-25999).
const PARLEY_PORTS = "12000-15999";
const PEER_PORTS = "16000-19999";
const JITTER_GOAL_MS = 2;

/** Histogram of |interval − 20 ms| at 10 µs resolution (up to 200 ms). */
class DeviationHistogram {
  readonly bins = new Uint32Array(20000);
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

/** Per-stream interval tracking into one histogram, with flat arrays (no per-packet objects). */
class IntervalMeter {
  readonly hist = new DeviationHistogram();
  measuring = false;
  private readonly last: Float64Array;
  constructor(streams: number) {
    this.last = new Float64Array(streams).fill(-1);
  }
  mark(stream: number, nowMs: number): void {
    const prev = this.last[stream]!;
    this.last[stream] = nowMs;
    if (this.measuring && prev >= 0) this.hist.add(nowMs - prev - 20);
  }
  summary(): { p50: number; p90: number; p99: number; n: number } {
    return { p50: this.hist.percentile(0.5), p90: this.hist.percentile(0.9), p99: this.hist.percentile(0.99), n: this.hist.count };
  }
}

/** What the parent tells a child, over the IPC channel. */
type Command = { cmd: "open"; peers: number[] } | { cmd: "measure" } | { cmd: "report" } | { cmd: "close" };

interface ParleyReport {
  send: { p50: number; p90: number; p99: number; n: number };
  sent: number;
  /** Peer → Parley, from Parley's receive statistics (since the call started). */
  lost: number;
  expected: number;
  skipped: number;
  rssKbPerCall: number;
  heapKbPerCall: number;
  cpuPctPerCall: number;
  /** Share of that CPU time spent in the kernel (UDP send and receive, epoll, file writes). */
  systemShare: number;
  elu: number;
}

interface PeerReport {
  arrival: { p50: number; p90: number; p99: number; n: number };
  /** Parley → peer, by sequence number (since the first packet). */
  lost: number;
  expected: number;
  /** Packets whose RTP timestamp skipped more than one frame: frames Parley never sent. */
  timestampGaps: number;
  elu: number;
}

interface StepResult {
  calls: number;
  parley: ParleyReport;
  peer: PeerReport;
  load: number;
}

function tone(ms: number): Int16Array {
  const n = (8000 * ms) / 1000;
  return Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000) * (0.6 + 0.4 * Math.sin(i / 4000))));
}

/** A second of tone as 50 frames of 20 ms (views, so the send path sees the whole-frame case). */
function toneFrames(): Int16Array[] {
  const t = tone(1000);
  return Array.from({ length: 50 }, (_, k) => t.subarray(k * 160, k * 160 + 160));
}

function waitMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Sends one message to the parent (IPC) and resolves once it is handed over. */
function tell(message: unknown): Promise<void> {
  return new Promise((resolve, reject) => (process.send as NonNullable<typeof process.send>)(message, undefined, {}, (err) => (err ? reject(err) : resolve())));
}

/** Resolves with the next command from the parent. */
function nextCommand(): Promise<Command> {
  return new Promise((resolve) => process.once("message", (m) => resolve(m as Command)));
}

// ---------------------------------------------------------------- Parley side (CPU 0)

async function parleyRole(calls: number, codec: G711Law): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "parley-media-bench-"));
  const open = await nextCommand();
  if (open.cmd !== "open") throw new Error(`parley: expected open, got ${open.cmd}`);
  const ports = PortAllocator.fromText(PARLEY_PORTS, "127.0.0.1");
  if (!ports.ok) throw new Error(ports.error.message);
  const frames = toneFrames();
  const sendMeter = new IntervalMeter(calls);
  gc();
  const memBefore = process.memoryUsage();
  const legs: SipLeg[] = [];
  const evidence: CallEvidence[] = [];
  for (let i = 0; i < calls; i++) {
    const lease = await ports.allocator.allocate();
    if (!lease.ok) throw new Error(lease.error.message);
    // Outbound RTP is timed where it leaves: at the socket, whatever path led there (bench-only hook).
    const socket = lease.lease.rtpSocket;
    const send = socket.send.bind(socket) as (...args: unknown[]) => void;
    (socket as { send: (...args: unknown[]) => void }).send = (...args: unknown[]) => {
      sendMeter.mark(i, performance.now());
      send(...args);
    };
    const ev = await CallEvidence.open(dir, `call-${i}`, "everything", Date.now());
    const leg = await SipLeg.open({
      lease: lease.lease,
      remote: { address: "127.0.0.1", port: open.peers[i]! },
      codec,
      telephoneEventPt: 101,
      evidence: ev,
      timeouts: { initialMs: 600_000, afterMs: 600_000 },
    });
    let next = (i * 11) % 50;
    // The agent: a 20 ms frame for every frame played, about 60 ms kept queued (as TTS playout does).
    leg.on((e) => {
      if (e.type === "audio" && leg.queuedMs < 60) leg.sendAudio(frames[next++ % 50]!);
    });
    for (let k = 0; k < 3; k++) leg.sendAudio(frames[next++ % 50]!);
    legs.push(leg);
    evidence.push(ev);
  }
  const pacer = sharedPacer();
  await tell({ ready: true });

  await nextCommand(); // measure
  const skippedBefore = pacer.skipped;
  const sentBefore = legs.reduce((n, l) => n + l.stats().sent.packets, 0);
  sendMeter.measuring = true;
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();

  await nextCommand(); // report
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  sendMeter.measuring = false;
  const mem = process.memoryUsage();
  let lost = 0;
  let expected = 0;
  let sent = -sentBefore;
  for (const l of legs) {
    const st = l.stats();
    lost += st.received.lost;
    expected += st.received.expected;
    sent += st.sent.packets;
  }
  const report: ParleyReport = {
    send: sendMeter.summary(),
    sent,
    lost,
    expected,
    skipped: pacer.skipped - skippedBefore,
    rssKbPerCall: (mem.rss - memBefore.rss) / 1024 / calls,
    heapKbPerCall: (mem.heapUsed - memBefore.heapUsed) / 1024 / calls,
    cpuPctPerCall: ((cpu.user + cpu.system) / 1000 / elapsedMs / calls) * 100,
    systemShare: cpu.system / (cpu.user + cpu.system),
    elu: elu.utilization,
  };
  await tell(report);

  await nextCommand(); // close
  await Promise.all(legs.map((l) => l.close()));
  await Promise.all(evidence.map((e) => e.close()));
  await rm(dir, { recursive: true, force: true });
  await tell({ closed: true });
}

// ---------------------------------------------------------------- phone side (CPU 1)

/** One phone's RTP endpoint: sends G.711 frames to where Parley's packets come from, counts what arrives. */
class PhoneEndpoint {
  private readonly ssrc = (Math.random() * 0x100000000) >>> 0;
  private seq = (Math.random() * 0x10000) | 0;
  private sentAny = false;
  private ts = (Math.random() * 0x100000000) >>> 0;
  private frame: number;
  private remotePort = 0;
  private remoteAddress = "";
  // Parley → phone sequence accounting (RFC 3550 A.1 without probation: the peer is trusted).
  private baseSeq = -1;
  private maxExt = -1;
  private lastTs = 0;
  received = 0;
  timestampGaps = 0;

  constructor(
    readonly index: number,
    private readonly rtp: Socket,
    private readonly rtcp: Socket,
    private readonly payloads: Buffer[],
    private readonly payloadType: number,
    meter: IntervalMeter,
  ) {
    this.frame = (index * 37) % payloads.length;
    rtp.on("message", (msg, rinfo) => {
      meter.mark(index, performance.now());
      if (this.remotePort === 0) {
        this.remotePort = rinfo.port;
        this.remoteAddress = rinfo.address;
      }
      this.count(msg);
    });
    rtcp.on("message", () => undefined);
  }

  private count(msg: Buffer): void {
    if (msg.length < RTP_HEADER_BYTES) return;
    const seq = msg.readUInt16BE(2);
    const ts = msg.readUInt32BE(4);
    this.received++;
    if (this.maxExt < 0) {
      this.baseSeq = seq;
      this.maxExt = seq;
      this.lastTs = ts;
      return;
    }
    const delta = (seq - (this.maxExt & 0xffff) + 0x10000) & 0xffff;
    if (delta === 0 || delta >= 0x8000) return; // duplicate or reordered: counted, not a new maximum
    if (delta === 1 && ((ts - this.lastTs) >>> 0) > 160) this.timestampGaps++;
    this.maxExt += delta;
    this.lastTs = ts;
  }

  /** Parley → phone packets missing so far. */
  get lost(): number {
    return this.maxExt < 0 ? 0 : Math.max(0, this.maxExt - this.baseSeq + 1 - this.received);
  }

  get expected(): number {
    return this.maxExt < 0 ? 0 : this.maxExt - this.baseSeq + 1;
  }

  /** One 20 ms frame (once Parley's first packet told us where to send). */
  tick(): void {
    if (this.remotePort === 0) return;
    const payload = this.payloads[this.frame++ % this.payloads.length]!;
    const packet = Buffer.allocUnsafe(RTP_HEADER_BYTES + payload.length);
    writeRtpHeader(packet, !this.sentAny, this.payloadType, this.seq, this.ts, this.ssrc);
    this.sentAny = true;
    payload.copy(packet, RTP_HEADER_BYTES);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + 160) >>> 0;
    this.rtp.send(packet, this.remotePort, this.remoteAddress);
  }

  /** An RTCP receiver report with the CNAME, as a phone sends every few seconds. */
  report(): void {
    if (this.remotePort === 0) return;
    const rr = serializeRtcp([
      { type: "rr", ssrc: this.ssrc, reports: [] },
      { type: "sdes", chunks: [{ ssrc: this.ssrc, items: [{ type: 1, text: `phone-${this.index}@bench` }] }] },
    ]);
    this.rtcp.send(rr, this.remotePort + 1, this.remoteAddress);
  }
}

async function peerRole(calls: number, codec: G711Law): Promise<void> {
  const ports = PortAllocator.fromText(PEER_PORTS, "127.0.0.1");
  if (!ports.ok) throw new Error(ports.error.message);
  const payloads = toneFrames().map((f) => g711Encode(codec, f));
  const meter = new IntervalMeter(calls);
  const pacer = new Pacer();
  const phones: PhoneEndpoint[] = [];
  const localPorts: number[] = [];
  const released: Array<() => void> = [];
  for (let i = 0; i < calls; i++) {
    const lease = await ports.allocator.allocate();
    if (!lease.ok) throw new Error(lease.error.message);
    const phone = new PhoneEndpoint(i, lease.lease.rtpSocket, lease.lease.rtcpSocket as Socket, payloads, g711PayloadType(codec), meter);
    phones.push(phone);
    localPorts.push(lease.lease.rtpPort);
    released.push(lease.lease.release);
    let n = 0;
    const h = pacer.add(20, () => {
      phone.tick();
      // Every 5 s, spread over the calls by their index.
      if ((n++ + i) % 250 === 0) phone.report();
    });
    released.push(h.stop);
  }
  await tell({ peers: localPorts });

  await nextCommand(); // measure
  meter.measuring = true;
  const elu0 = performance.eventLoopUtilization();

  await nextCommand(); // report
  const elu = performance.eventLoopUtilization(elu0);
  meter.measuring = false;
  const report: PeerReport = {
    arrival: meter.summary(),
    lost: phones.reduce((n, p) => n + p.lost, 0),
    expected: phones.reduce((n, p) => n + p.expected, 0),
    timestampGaps: phones.reduce((n, p) => n + p.timestampGaps, 0),
    elu: elu.utilization,
  };
  await tell(report);

  await nextCommand(); // close
  for (const r of released) r();
  await tell({ closed: true });
}

// ---------------------------------------------------------------- noise floor

/** No-op frame clocks on one pacer, no sockets, no audio: what this core's scheduling alone costs. */
async function floorRole(streams: number, seconds: number): Promise<void> {
  const pacer = new Pacer();
  const meter = new IntervalMeter(streams);
  meter.measuring = true;
  const handles = Array.from({ length: streams }, (_, i) => pacer.add(20, () => meter.mark(i, performance.now())));
  await waitMs(seconds * 1000);
  for (const h of handles) h.stop();
  await tell(meter.summary());
}

// ---------------------------------------------------------------- orchestration

/** A child process pinned to `cpu`, talking over IPC. */
class Child {
  private readonly proc: ChildProcess;
  private readonly inbox: unknown[] = [];
  private waiter: ((m: unknown) => void) | null = null;
  private exited: Error | null = null;
  /** Resolves when the process has exited. */
  readonly done: Promise<void>;

  constructor(cpu: number | null, args: string[], nodeFlags: string[] = []) {
    const node = [...process.execArgv, "--expose-gc", ...nodeFlags, fileURLToPath(import.meta.url), ...args];
    this.proc =
      cpu === null
        ? spawn(process.execPath, node, { stdio: ["ignore", "inherit", "inherit", "ipc"] })
        : spawn("taskset", ["-c", String(cpu), process.execPath, ...node], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.proc.on("message", (m) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(m);
      } else this.inbox.push(m);
    });
    this.done = new Promise((resolve) =>
      this.proc.on("exit", (code) => {
        this.exited = new Error(`${args.join(" ")} exited with ${code}`);
        this.waiter?.(this.exited);
        resolve();
      }),
    );
  }

  /** The next message from the child. */
  async receive<T>(): Promise<T> {
    const m = this.inbox.length > 0 ? this.inbox.shift() : await new Promise<unknown>((resolve) => (this.exited ? resolve(this.exited) : (this.waiter = resolve)));
    if (m instanceof Error) throw m;
    return m as T;
  }

  send(c: Command): void {
    this.proc.send(c);
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill();
  }
}

function cpuFor(cpu: number): number | null {
  return availableParallelism() > Math.max(PARLEY_CPU, PEER_CPU) ? cpu : null;
}

async function runStep(calls: number, seconds: number, warmup: number, codec: G711Law, profileDir?: string): Promise<StepResult> {
  const peer = new Child(cpuFor(PEER_CPU), ["--role", "peer", String(calls), codec]);
  const profile = profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir, "--cpu-prof-name", `parley-${calls}.cpuprofile`] : [];
  const parley = new Child(cpuFor(PARLEY_CPU), ["--role", "parley", String(calls), codec], profile);
  try {
    const { peers } = await peer.receive<{ peers: number[] }>();
    parley.send({ cmd: "open", peers });
    await parley.receive();
    await waitMs(warmup * 1000);
    parley.send({ cmd: "measure" });
    peer.send({ cmd: "measure" });
    await waitMs(seconds * 1000);
    parley.send({ cmd: "report" });
    peer.send({ cmd: "report" });
    const [p, q] = await Promise.all([parley.receive<ParleyReport>(), peer.receive<PeerReport>()]);
    const load = loadavg()[0] ?? 0;
    parley.send({ cmd: "close" });
    await parley.receive();
    peer.send({ cmd: "close" });
    await peer.receive();
    // Let both exit on their own (a CPU profile is written at exit).
    await Promise.race([Promise.all([parley.done, peer.done]), waitMs(30_000)]);
    return { calls, parley: p, peer: q, load };
  } finally {
    parley.kill();
    peer.kill();
  }
}

async function noiseFloor(seconds: number): Promise<string> {
  const streams = 500;
  const cpus = [PARLEY_CPU, PEER_CPU];
  const kids = cpus.map((c) => new Child(cpuFor(c), ["--role", "floor", String(streams), String(seconds)]));
  const results = await Promise.all(kids.map((k) => k.receive<{ p50: number; p90: number; p99: number }>()));
  const parts = results.map((r, i) => `CPU ${cpus[i]} p50 ${r.p50.toFixed(2)} / p90 ${r.p90.toFixed(2)} / p99 ${r.p99.toFixed(2)} ms`);
  return `noise floor (${streams} no-op frame clocks per core, ${seconds} s, |interval − 20 ms|): ${parts.join("; ")}; load ${(loadavg()[0] ?? 0).toFixed(1)}`;
}

function row(cells: Array<string | number>, widths: number[]): string {
  return cells.map((c, i) => String(c).padStart(widths[i] ?? 10)).join("  ");
}

function meetsGoal(r: StepResult): boolean {
  return (
    r.parley.send.p99 < JITTER_GOAL_MS &&
    r.peer.arrival.p99 < JITTER_GOAL_MS &&
    r.parley.lost === 0 &&
    r.peer.lost === 0 &&
    r.parley.skipped === 0 &&
    r.peer.timestampGaps === 0
  );
}

/** Runs the ramp and prints the table. */
export async function runMediaBench(opts: MediaBenchOptions = {}): Promise<void> {
  const steps = opts.steps ?? [250, 500, 750, 1000];
  const seconds = opts.seconds ?? 15;
  const warmup = opts.warmupSeconds ?? 3;
  const codec = opts.codec ?? "PCMU";
  const pinned = cpuFor(PEER_CPU) !== null;
  console.log(
    `media-rtp: ${codec} 20 ms, ${seconds} s per step after ${warmup} s warm-up, node ${process.version}; ` +
      (pinned ? `Parley pinned to CPU ${PARLEY_CPU}, phones to CPU ${PEER_CPU}` : "NOT pinned (fewer than 2 CPUs): Parley and phones share the machine"),
  );
  console.log("a call = a SipLeg (RtpSession with RTCP, adaptive jitter buffer, media-timeout ticker) + CallEvidence (PCAP, 2-channel and mixed WAV) in the Parley process, and a phone endpoint in the peer process");
  console.log(await noiseFloor(Math.min(10, seconds)));
  const results: StepResult[] = [];
  for (const n of steps) {
    const r = await runStep(n, seconds, warmup, codec, opts.profileDir);
    results.push(r);
    if (opts.verbose) console.log(JSON.stringify(r));
  }
  const head = ["calls", "send p50", "send p99", "arrive p50", "arrive p99", "lost in", "lost out", "skipped", "KB/call", "CPU%/call", "kernel", "loop util", "peer util", "loadavg"];
  const widths = head.map((h) => Math.max(8, h.length));
  console.log("send/arrive: |interval − 20 ms| of Parley's outbound RTP in ms, at Parley's socket send and at the phone's arrival");
  console.log("lost in: phone → Parley (Parley's receive stats); lost out: Parley → phone (by sequence); skipped: frames Parley's pacer dropped (loop > 100 ms late)");
  console.log("KB/call: Parley RSS growth / calls; CPU%/call: Parley process CPU time / wall time / calls (kernel: the share of it in system time); loop util: Parley event-loop utilisation; peer util: the phones' (if near 1, the peer limits the figures)");
  console.log(row(head, widths));
  for (const r of results) {
    console.log(
      row(
        [
          r.calls,
          r.parley.send.p50.toFixed(2),
          r.parley.send.p99.toFixed(2),
          r.peer.arrival.p50.toFixed(2),
          r.peer.arrival.p99.toFixed(2),
          r.parley.lost,
          r.peer.lost,
          r.parley.skipped + r.peer.timestampGaps,
          r.parley.rssKbPerCall.toFixed(0),
          r.parley.cpuPctPerCall.toFixed(3),
          `${(100 * r.parley.systemShare).toFixed(0)}%`,
          r.parley.elu.toFixed(2),
          r.peer.elu.toFixed(2),
          r.load.toFixed(1),
        ],
        widths,
      ),
    );
  }
  const best = results.filter(meetsGoal).reduce<number | null>((m, r) => (m === null || r.calls > m ? r.calls : m), null);
  console.log(
    `calls sustained: ${best ?? `none of ${steps.join(", ")}`} (goal: p99 < ${JITTER_GOAL_MS} ms at send and at arrival, no loss either way, no skipped frames; ≥ 500 per core)`,
  );
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const role = argValue("--role");
if (role !== undefined) {
  const [a = "0", b = "PCMU"] = process.argv.slice(process.argv.indexOf("--role") + 2);
  const codec: G711Law = b === "PCMA" ? "PCMA" : "PCMU";
  if (role === "parley") await parleyRole(Number(a), codec);
  else if (role === "peer") await peerRole(Number(a), codec);
  else await floorRole(Number(a), Number(b));
  process.disconnect?.();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const steps = argValue("--steps")?.split(",").map(Number);
  const seconds = argValue("--seconds");
  const profileDir = argValue("--profile");
  await runMediaBench({
    ...(steps ? { steps } : {}),
    ...(seconds ? { seconds: Number(seconds) } : {}),
    ...(profileDir ? { profileDir } : {}),
    verbose: process.argv.includes("--verbose"),
  });
}
