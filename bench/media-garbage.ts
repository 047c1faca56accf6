// Garbage per RTP packet on the media plane, measured by allocation rather than by timing (timing
// on a shared machine is noisy; bytes allocated are not). In this process: N connected calls as
// bench/media-rtp.ts builds them — a SipLeg (RtpSession with RTCP, adaptive jitter buffer) and its
// CallEvidence (PCAP, two WAVs), an "agent" answering every played frame. In a worker thread (its
// own V8 heap, so none of its allocation is counted): one phone per call sending G.711 every 20 ms.
// V8's sampling heap profiler, told to keep objects that minor and major GCs collected, sees every
// allocation of the main thread while it runs; the total divided by the RTP packets Parley sent and
// received is the garbage per packet. Also printed: that figure with Node's own dgram work (the
// received Buffer, rinfo, send requests) set apart, the allocating functions, and the scavenges.
//
//   node --import tsx bench/media-garbage.ts [--calls 100] [--seconds 5] [--top 25] [--interval 64] [--stacks]

import { Session } from "node:inspector/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { g711Encode } from "../src/media/g711.js";
import { PortAllocator } from "../src/media/port-allocator.js";
import { CallEvidence } from "../src/recording/call-evidence.js";
import { SipLeg } from "../src/telephony/sip-leg.js";

const PORTS = "30000-31999";

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function tone(): Int16Array[] {
  const t = Int16Array.from({ length: 8000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  return Array.from({ length: 50 }, (_, k) => t.subarray(k * 160, k * 160 + 160));
}

function waitMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------- phones (worker thread)

/**
 * One socket per call; every 20 ms each sends a frame (RTP header + G.711) to its Parley port,
 * until told to stop. Plain JavaScript run with `eval`: tsx's loader does not reach worker threads.
 */
const PHONES = `
const { createSocket } = require("node:dgram");
const { parentPort, workerData } = require("node:worker_threads");
const { targets, payloads } = workerData;
const sockets = targets.map(() => createSocket("udp4"));
let n = 0;
let timer = null;
const start = performance.now();
function tick() {
  for (let i = 0; i < targets.length; i++) {
    const payload = payloads[(n + i) % payloads.length];
    const packet = Buffer.allocUnsafe(12 + payload.length);
    packet[0] = 0x80;
    packet[1] = n === 0 ? 0x80 : 0;
    packet.writeUInt16BE(n & 0xffff, 2);
    packet.writeUInt32BE((n * 160) >>> 0, 4);
    packet.writeUInt32BE(0x1000 + i, 8);
    packet.set(payload, 12);
    sockets[i].send(packet, targets[i], "127.0.0.1");
  }
  n++;
  timer = setTimeout(tick, Math.max(0, start + n * 20 - performance.now()));
}
let bound = 0;
for (const s of sockets) {
  s.on("message", () => undefined);
  s.bind(0, "127.0.0.1", () => { if (++bound === sockets.length) tick(); });
}
parentPort.on("message", () => {
  clearTimeout(timer);
  for (const s of sockets) s.close();
  parentPort.close();
});
`;

// ---------------------------------------------------------------- Parley (main thread)

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

interface Attribution {
  total: number;
  /** Bytes allocated with no Parley frame on the stack: Node's dgram, timers, streams. */
  nodeOnly: number;
  /** Bytes by the innermost Parley (src/ or bench/) function on the stack. */
  byParleyFunction: Map<string, number>;
  /** Bytes by the allocating (innermost) function, whoever it is. */
  bySelf: Map<string, number>;
  /** Bytes by the last four frames of the allocating stack. */
  byStack: Map<string, number>;
}

function frameName(n: ProfileNode): string {
  const url = n.callFrame.url.replace(/^.*\/(src|bench|node_modules)\//, "$1/");
  return `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`;
}

function attribute(root: ProfileNode): Attribution {
  const a: Attribution = { total: 0, nodeOnly: 0, byParleyFunction: new Map(), bySelf: new Map(), byStack: new Map() };
  const path: string[] = [];
  const walk = (n: ProfileNode, parley: string | null): void => {
    path.push(frameName(n));
    const ours = /\/(src|bench)\//.test(n.callFrame.url) && !n.callFrame.url.includes("node_modules");
    const owner = ours ? frameName(n) : parley;
    if (n.selfSize > 0) {
      a.total += n.selfSize;
      const self = frameName(n);
      a.bySelf.set(self, (a.bySelf.get(self) ?? 0) + n.selfSize);
      if (owner === null) a.nodeOnly += n.selfSize;
      else a.byParleyFunction.set(owner, (a.byParleyFunction.get(owner) ?? 0) + n.selfSize);
      const stack = path.slice(-4).reverse().join(" ← ");
      a.byStack.set(stack, (a.byStack.get(stack) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c, owner);
    path.pop();
  };
  walk(root, null);
  return a;
}

function top(m: Map<string, number>, k: number, packets: number): string[] {
  return [...m.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, k)
    .map(([name, bytes]) => `  ${(bytes / packets).toFixed(1).padStart(8)} B/pkt  ${name}`);
}

async function main(): Promise<void> {
  const calls = argValue("--calls", 100);
  const seconds = argValue("--seconds", 5);
  const topK = argValue("--top", 25);
  const interval = argValue("--interval", 64);
  const dir = await mkdtemp(join(tmpdir(), "parley-media-garbage-"));
  const ports = PortAllocator.fromText(PORTS, "127.0.0.1");
  if (!ports.ok) throw new Error(ports.error.message);
  const frames = tone();
  const legs: SipLeg[] = [];
  const evidence: CallEvidence[] = [];
  const targets: number[] = [];
  for (let i = 0; i < calls; i++) {
    const lease = await ports.allocator.allocate();
    if (!lease.ok) throw new Error(lease.error.message);
    // Parley sends to a port nobody reads from until the phone's first packet latches the real one.
    const ev = await CallEvidence.open(dir, `call-${i}`, "everything", Date.now());
    const leg = await SipLeg.open({
      lease: lease.lease,
      remote: { address: "127.0.0.1", port: 9 },
      codec: "PCMU",
      telephoneEventPt: 101,
      evidence: ev,
      timeouts: { initialMs: 600_000, afterMs: 600_000 },
    });
    let next = (i * 11) % 50;
    leg.on((e) => {
      if (e.type === "audio" && leg.queuedMs < 60) leg.sendAudio(frames[next++ % 50] as Int16Array);
    });
    for (let k = 0; k < 3; k++) leg.sendAudio(frames[next++ % 50] as Int16Array);
    legs.push(leg);
    evidence.push(ev);
    targets.push(lease.lease.rtpPort);
  }
  const payloads = frames.map((f) => new Uint8Array(g711Encode("PCMU", f)));
  const worker = new Worker(PHONES, { eval: true, workerData: { targets, payloads } });
  await waitMs(2000); // warm-up: latching, jitter buffers filled, code optimised

  const packets = (): number => legs.reduce((n, l) => n + l.stats().sent.packets + l.stats().received.packets, 0);
  let scavenges = 0;
  let majors = 0;
  let pauseMs = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind;
      if (kind === 1) scavenges++;
      else majors++;
      pauseMs += e.duration;
    }
  });
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", { samplingInterval: interval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  gcObserver.observe({ entryTypes: ["gc"] });
  const before = packets();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await waitMs(seconds * 1000);
  const n = packets() - before;
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const { profile } = (await session.post("HeapProfiler.stopSampling")) as { profile: { head: ProfileNode } };
  gcObserver.disconnect();
  session.disconnect();

  worker.postMessage("stop");
  await Promise.all(legs.map((l) => l.close()));
  await Promise.all(evidence.map((e) => e.close()));
  await rm(dir, { recursive: true, force: true });

  const a = attribute(profile.head);
  console.log(`media-garbage: ${calls} calls, ${seconds} s sampled (allocation sampling every ${interval} B, GC-collected objects kept), node ${process.version}`);
  console.log(`RTP packets (Parley sent + received): ${n} (${((n / elapsed) * 1000).toFixed(0)}/s)`);
  console.log(`allocated: ${(a.total / 1e6).toFixed(1)} MB = ${(a.total / n).toFixed(0)} B per packet`);
  console.log(`  with a Parley frame on the stack: ${((a.total - a.nodeOnly) / n).toFixed(0)} B per packet; Node alone (dgram receive/send, timers): ${(a.nodeOnly / n).toFixed(0)} B per packet`);
  console.log(`GC: ${scavenges} scavenges, ${majors} other, ${pauseMs.toFixed(0)} ms paused (${((scavenges / n) * 1000).toFixed(2)} scavenges per 1000 packets)`);
  console.log(`CPU (both threads; the phones' share included): ${(((cpu.user + cpu.system) / 1000 / elapsed) * 100).toFixed(1)} % of a core`);
  console.log(`by innermost Parley function on the stack (B per packet):`);
  for (const l of top(a.byParleyFunction, topK, n)) console.log(l);
  console.log(`by allocating function (B per packet):`);
  for (const l of top(a.bySelf, topK, n)) console.log(l);
  if (process.argv.includes("--stacks")) {
    console.log(`by allocating stack, innermost last four frames (B per packet):`);
    for (const l of top(a.byStack, topK, n)) console.log(l);
  }
}

await main();
