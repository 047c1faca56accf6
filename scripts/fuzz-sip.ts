// Mutation fuzzer for the SIP message layer: every input must give a result or a ParseError, never an
// exception. Deterministic from --seed. Run: node --import tsx scripts/fuzz-sip.ts --count 1000000 --seed 1
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { benchMessages } from "../bench/sip-parser.js";
import { parseMessage } from "../src/sip/parse.js";
import { SipStreamFramer } from "../src/sip/parse-stream.js";
import { serializeMessage } from "../src/sip/serialize.js";
import { parseUri } from "../src/sip/uri.js";
import { parseSdp } from "../src/sip/sdp.js";
import { parseChallenge } from "../src/sip/digest.js";
import type { SipMessage } from "../src/sip/message.js";
import { mulberry32 as rng } from "../src/core/prng.js";

export interface FuzzReport {
  messages: number;
  crashes: number;
  parsed: number;
  /** Parsed messages whose serialization did not parse back (a bug, but not a crash). */
  roundTripFailures: number;
  elapsedMs: number;
  /** The first few crashing inputs with their stack, to reproduce. */
  samples: Array<{ input: string; error: string }>;
}


/** The seed corpus: RFC 4475 valid messages plus the benchmark's realistic traffic. */
export function fuzzCorpus(): Buffer[] {
  const dir = join(fileURLToPath(new URL(".", import.meta.url)), "..", "test", "sip-torture", "valid");
  const torture = readdirSync(dir).filter((f) => f.endsWith(".dat")).map((f) => readFileSync(join(dir, f)));
  return [...torture, ...benchMessages().map((m) => m.data)];
}

const SPECIAL = Buffer.from('\r\n:;,"<>\0 \t=@[]%\\/?');

/** One mutated copy of `input`, built from 1–3 random mutations. */
export function mutate(input: Buffer, rand: () => number, corpus: Buffer[]): Buffer {
  let b = Buffer.from(input);
  const n = 1 + Math.floor(rand() * 3);
  const pick = (len: number): number => Math.floor(rand() * Math.max(1, len));
  for (let k = 0; k < n; k++) {
    switch (Math.floor(rand() * 10)) {
      case 0: {
        // bit flips
        const flips = 1 + pick(8);
        for (let i = 0; i < flips && b.length; i++) b[pick(b.length)]! ^= 1 << pick(8);
        break;
      }
      case 1: {
        // byte insert, often a separator
        const at = pick(b.length + 1);
        const byte = rand() < 0.6 ? SPECIAL[pick(SPECIAL.length)]! : pick(256);
        b = Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
        break;
      }
      case 2: {
        // delete a range
        const at = pick(b.length);
        const len = 1 + pick(rand() < 0.8 ? 4 : 200);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
        break;
      }
      case 3: {
        // duplicate a header line, sometimes many times
        const lines = b.toString("latin1").split("\r\n");
        const i = 1 + pick(Math.max(1, lines.length - 2));
        const times = rand() < 0.9 ? 1 : pick(400);
        for (let t = 0; t < times; t++) lines.splice(i, 0, lines[i] ?? "");
        b = Buffer.from(lines.join("\r\n"), "latin1");
        break;
      }
      case 4:
        // truncation
        b = b.subarray(0, pick(b.length));
        break;
      case 5: {
        // a huge value inside a header
        const s = b.toString("latin1");
        const colon = s.indexOf(":", pick(s.length));
        if (colon > 0) {
          const filler = rand() < 0.5 ? "a" : rand() < 0.5 ? ";x" : ",<sip:a@b>";
          b = Buffer.from(s.slice(0, colon + 1) + filler.repeat(1 + pick(8000)) + s.slice(colon + 1), "latin1");
        }
        break;
      }
      case 6: {
        // random Content-Length
        const values = ["-1", "0", "99999999999", "abc", " 5 ", "4294967296", "", String(pick(3000)), "1e3", "0x10"];
        b = Buffer.from(b.toString("latin1").replace(/(Content-Length|l)[ \t]*:[^\r\n]*/i, `$1: ${values[pick(values.length)]}`), "latin1");
        break;
      }
      case 7: {
        // CRLF games
        const s = b.toString("latin1");
        const games = [
          () => s.replace(/\r\n/g, "\n"),
          () => s.replace("\r\n", "\r"),
          () => s.replace(/\r\n(?=[A-Za-z])/, "\r\n "),
          () => s.replace("\r\n\r\n", "\r\n"),
          () => `\r\n\r\n${s}`,
          () => s.replace("\r\n", "\r\n\r\n"),
          () => s.split("\r\n").join("\r\n\t"),
        ];
        b = Buffer.from(games[pick(games.length)]!(), "latin1");
        break;
      }
      case 8: {
        // splice with another message
        const other = corpus[pick(corpus.length)]!;
        const at = pick(b.length);
        b = Buffer.concat([b.subarray(0, at), other.subarray(pick(other.length))]);
        break;
      }
      default: {
        // random bytes overwrite
        const at = pick(b.length);
        const len = 1 + pick(16);
        for (let i = at; i < Math.min(b.length, at + len); i++) b[i] = pick(256);
      }
    }
  }
  return b;
}

/** Reads every lazy view of a message, as the layers above would; none may throw. */
function touch(m: SipMessage): void {
  const h = m.headers;
  h.vias();
  h.via();
  h.from();
  h.to();
  h.cseq();
  h.contacts();
  h.routes();
  h.recordRoutes();
  h.maxForwards();
  h.contentLength();
  h.contentType();
  h.reasons();
  for (const c of h.wwwAuthenticate()) parseChallenge(c);
  h.proxyAuthenticate();
  h.authorization();
  h.proxyAuthorization();
  if (m.kind === "request") parseUri(m.uri);
  for (const na of [h.from(), h.to(), ...h.contacts()]) if (na) parseUri(na.uri);
  if (m.body.length) parseSdp(m.body);
}

/** Runs `count` mutations from `seed` through the parser, the stream framer and the serializer. */
export function runFuzz(count: number, seed: number): FuzzReport {
  const rand = rng(seed);
  const corpus = fuzzCorpus();
  const report: FuzzReport = { messages: 0, crashes: 0, parsed: 0, roundTripFailures: 0, elapsedMs: 0, samples: [] };
  const t0 = performance.now();
  let framer = new SipStreamFramer();
  for (let i = 0; i < count; i++) {
    const input = mutate(corpus[Math.floor(rand() * corpus.length)]!, rand, corpus);
    report.messages++;
    try {
      const r = parseMessage(input);
      if (r.ok) {
        report.parsed++;
        touch(r.message);
        const again = parseMessage(serializeMessage(r.message));
        if (!again.ok) report.roundTripFailures++;
        else touch(again.message);
      }
      // The same bytes as a TCP stream, in random chunks; after a fatal event the connection would be
      // closed, so the rest of this input is dropped and the next one gets a fresh framer.
      let at = 0;
      let dead = false;
      while (at < input.length && !dead) {
        const size = 1 + Math.floor(rand() * 1024);
        for (const e of framer.push(input.subarray(at, at + size))) {
          if (e.type === "message") touch(e.message);
          if (e.type === "fatal") dead = true;
        }
        at += size;
      }
      if (dead) framer = new SipStreamFramer();
      if (framer.buffered > 70_000) framer = new SipStreamFramer();
    } catch (e) {
      report.crashes++;
      if (report.samples.length < 5) {
        report.samples.push({ input: input.toString("latin1").slice(0, 2000), error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
      framer = new SipStreamFramer();
    }
  }
  report.elapsedMs = performance.now() - t0;
  return report;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) ? v : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const count = arg("--count", 100_000);
  const seed = arg("--seed", 1);
  const r = runFuzz(count, seed);
  console.log(`fuzz-sip seed=${seed}`);
  console.log(`messages      ${r.messages}`);
  console.log(`parsed ok     ${r.parsed}`);
  console.log(`round-trip    ${r.roundTripFailures} failures`);
  console.log(`crashes       ${r.crashes}`);
  console.log(`elapsed       ${(r.elapsedMs / 1000).toFixed(1)} s`);
  console.log(`messages/s    ${Math.round(r.messages / (r.elapsedMs / 1000))}`);
  for (const s of r.samples) console.log(`--- crash\n${s.error}\n--- input\n${JSON.stringify(s.input)}`);
  process.exitCode = r.crashes === 0 ? 0 : 1;
}
