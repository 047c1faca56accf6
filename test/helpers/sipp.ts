/**
 * SIPp as a test peer: templates the scenarios of test/sipp/ into a temp dir, runs SIPp bound to a
 * loopback address on a probed free port, waits until it is ready (its statistics file has its
 * first row, and its socket is bound), and reports the exit code and SIPp's own call counters.
 * Needs the Debian package `sip-tester` (SIPp 3.6.1). See spec/tooling.md §2 for the caveats that
 * shaped the templates (status codes cannot come from -key, 407 cannot be checked by verifyauth).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { existsSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SCENARIO_DIR = fileURLToPath(new URL("../sipp/", import.meta.url));
const SIPP = process.env["PARLEY_SIPP_BIN"] ?? "sipp";
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 2_000;

/** A provisional response the rejecting UAS sends before its final one. */
export interface UasProvisional {
  readonly code: 180 | 181 | 182 | 183;
  /** 183 only: carry an SDP answer (early media). Default true for 183. */
  readonly sdp?: boolean;
  /** Pause after sending it, before the next response. */
  readonly afterMs?: number;
}

/** Extra header lines: `["Reason: Q.850;cause=17"]` or `{ Reason: ["SIP;…", "Q.850;…"] }`. */
export type ExtraHeaders = readonly string[] | Readonly<Record<string, string | readonly string[]>>;

interface CommonOptions {
  /** Loopback address to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** SIP transport (`-t u1` / `-t t1`; this SIPp build has no TLS). Default udp. */
  readonly transport?: "udp" | "tcp";
  /** Port to bind; default a free one probed on `host`. */
  readonly port?: number;
  /** Calls to handle before SIPp exits (`-m`). Default 1. */
  readonly calls?: number;
  /** SIPp's global timeout (`-timeout`), a bound on a forgotten peer. Default 60 000 ms. */
  readonly timeoutMs?: number;
  /** Keep the temp dir (scenario, logs) after the run, for debugging; also PARLEY_TEST_KEEP_SIPP=1. */
  readonly keepFiles?: boolean;
}

/** What the SIPp UAS does with each INVITE. */
export type UasOptions = CommonOptions &
  (
    | {
        /** 100 Trying, the provisionals, then the final `code phrase` with `headers`. */
        readonly scenario?: "reject";
        readonly code: number;
        readonly phrase: string;
        readonly headers?: ExtraHeaders;
        readonly provisionals?: readonly UasProvisional[];
      }
    | {
        /** 100, 183 with SDP, `ringMs` of early media, then 480 Temporarily Unavailable. */
        readonly scenario: "early-media-480";
        readonly ringMs?: number;
        readonly headers?: ExtraHeaders;
      }
    | {
        /** Never answers anything (not even 100): the caller's Timer B decides. */
        readonly scenario: "no-answer";
        /** How long each INVITE is held (retransmissions absorbed). Default 40 000 ms. */
        readonly holdMs?: number;
      }
    | {
        /** 100, 180, then waits for CANCEL → 200 (CANCEL) + 487 (INVITE) → ACK. */
        readonly scenario: "ring-forever";
      }
    | {
        /** 100, 180, `ringMs`, 200 OK with SDP, ACK; then waits for BYE, or sends one after `hangUpAfterMs`. */
        readonly scenario: "answer";
        readonly ringMs?: number;
        readonly hangUpAfterMs?: number;
        /** Take a REFER: report the transferred call as this status line in the NOTIFY (e.g. "200 OK", "486 Busy Here"). */
        readonly referResult?: string;
        /** After the ACK, play this pcap's RTP (or a μ-law .wav, streamed) to the caller's SDP address (e.g. /usr/share/sip-tester/g711a.pcap). */
        readonly playPcap?: string;
        /** Send every RTP packet back to where it came from (`-rtp_echo`): what reaches this peer returns to its sender. */
        readonly rtpEcho?: boolean;
      }
    | {
        /** 401 digest challenge (qop=auth); the retry is checked: right → 200 … BYE, wrong → 403. */
        readonly scenario: "auth-401";
        readonly user: string;
        readonly password: string;
        readonly realm?: string;
      }
    | {
        /**
         * 407 digest challenge (no qop, fixed nonce); the retry's Proxy-Authorization response must
         * equal the digest of INVITE `requestUri` (`{port}` is replaced by the bound port).
         */
        readonly scenario: "auth-407";
        readonly user: string;
        readonly password: string;
        readonly requestUri: string;
        readonly realm?: string;
      }
  );

/** SIPp's cumulative call counters from its statistics file, plus every other column raw. */
export interface SippStats {
  readonly created: number;
  readonly successful: number;
  readonly failed: number;
  readonly raw: Readonly<Record<string, string>>;
}

export interface SippResult {
  /** SIPp's exit code: 0 all calls succeeded, 1 some failed, 97/99 other normal ends, 255/254 fatal; null if killed. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stats: SippStats | undefined;
  readonly stderr: string;
  /** SIPp's -trace_msg log: every message sent and received. */
  readonly messages: string;
}

export interface SippProcess {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** Where the scenario and logs live while it runs. */
  readonly dir: string;
  readonly done: Promise<SippResult>;
  /** Ends SIPp (SIGTERM, then SIGKILL after a grace period) and waits for it. */
  stop(): Promise<SippResult>;
  /** The message log so far. */
  messages(): string;
}

/** Options of a SIPp UAC run against a peer under test. */
export type UacOptions = Omit<CommonOptions, "port"> & {
  readonly target: { readonly host: string; readonly port: number };
  /** Request-URI user part (`[service]`), e.g. the dialed number `+15551230000`. */
  readonly service: string;
  readonly fromUser?: string;
  /** Calls per second (`-r`). Default 10. */
  readonly rate?: number;
  /** Local port; default a free one probed on `host`. */
  readonly localPort?: number;
} & (
    | {
        /** INVITE → 200 → ACK → `pauseMs` → BYE → 200. */
        readonly scenario: "call";
        readonly pauseMs?: number;
        /** A pcap whose RTP SIPp plays after the ACK (e.g. /usr/share/sip-tester/g711a.pcap). */
        readonly playPcap?: string;
      }
    | {
        /** INVITE → the final `code` → ACK; any other final fails the call. */
        readonly scenario: "expect-error";
        readonly code: number;
      }
  );

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** A port nobody on `host` uses for UDP right now (bound, read, released). */
export async function freeUdpPort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A port free for `transport` on `host` right now. */
export async function freePort(transport: "udp" | "tcp", host = "127.0.0.1"): Promise<number> {
  if (transport === "udp") return freeUdpPort(host);
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A scenario file without its comments (they name the placeholders, which must not be filled there). */
function template(name: string): string {
  return readFileSync(join(SCENARIO_DIR, name), "utf8").replace(/[ \t]*<!--[\s\S]*?-->\n?/g, "");
}

function fill(text: string, values: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [key, value] of Object.entries(values)) {
    // A placeholder alone on its line takes the whole line: an empty value must not leave a blank
    // line, which inside a SIP message would end the header section early.
    const wholeLine = new RegExp(`^[ \\t]*__${key}__\\n`, "gm");
    out = out.replace(wholeLine, () => (value === "" ? "" : `${value}\n`));
    out = out.split(`__${key}__`).join(value);
  }
  const left = /__[A-Z_]+__/.exec(out);
  if (left) throw new Error(`scenario placeholder ${left[0]} left unfilled`);
  return out;
}

/** Refuses text that would break out of the CDATA block or the SIP header line. */
function safeText(what: string, value: string): string {
  if (typeof value !== "string" || /[\r\n]/.test(value) || value.includes("]]>")) {
    throw new Error(`${what} must be one line of text without "]]>": ${JSON.stringify(value)}`);
  }
  return value;
}

function safeMs(what: string, value: number): string {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${what} must be a non-negative integer of ms, got ${value}`);
  return String(value);
}

function statusCode(value: number, min: number): string {
  if (!Number.isInteger(value) || value < min || value > 699) throw new Error(`status code must be ${min}-699, got ${value}`);
  return String(value);
}

function headerLines(headers: ExtraHeaders | undefined): string {
  if (!headers) return "";
  const lines: string[] = [];
  if (Array.isArray(headers)) {
    for (const line of headers as readonly string[]) lines.push(safeText("header line", line));
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, string | readonly string[]>)) {
      if (!/^[A-Za-z0-9!%*_+`'~.-]+$/.test(name)) throw new Error(`bad header name ${JSON.stringify(name)}`);
      for (const v of typeof value === "string" ? [value] : value) lines.push(`${name}: ${safeText(name, v)}`);
    }
  }
  for (const line of lines) if (!/^[A-Za-z0-9!%*_+`'~.-]+:/.test(line)) throw new Error(`not a header line: ${line}`);
  return lines.map((l) => `      ${l}`).join("\n");
}

const SDP_BODY = `      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 8
      a=rtpmap:0 PCMU/8000
      a=rtpmap:8 PCMA/8000
`;

const PHRASES: Readonly<Record<number, string>> = { 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued", 183: "Session Progress" };

function provisionalXml(p: UasProvisional): string {
  const sdp = p.sdp ?? p.code === 183;
  const body = sdp ? SDP_BODY : "      Content-Length: 0\n";
  const send = `  <send><![CDATA[

      SIP/2.0 ${p.code} ${PHRASES[p.code] ?? "Progress"}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
${body}
  ]]></send>`;
  return p.afterMs ? `${send}\n  <pause milliseconds="${safeMs("afterMs", p.afterMs)}"/>` : send;
}

function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

/** The XML of a UAS scenario with every placeholder filled. */
export function uasScenarioXml(options: UasOptions, port: number): string {
  switch (options.scenario) {
    case undefined:
    case "reject":
      return fill(template("uas-reject.tmpl.xml"), {
        CODE: statusCode(options.code, 300),
        PHRASE: safeText("phrase", options.phrase),
        HEADERS: headerLines(options.headers),
        PROVISIONALS: (options.provisionals ?? []).map(provisionalXml).join("\n"),
      });
    case "early-media-480":
      return uasScenarioXml(
        {
          code: 480,
          phrase: "Temporarily Unavailable",
          provisionals: [{ code: 183, sdp: true, afterMs: options.ringMs ?? 300 }],
          ...(options.headers ? { headers: options.headers } : {}),
        },
        port,
      );
    case "no-answer":
      return fill(template("uas-no-answer.tmpl.xml"), { HOLD_MS: safeMs("holdMs", options.holdMs ?? 40_000) });
    case "ring-forever":
      return template("uas-ring-forever.xml");
    case "answer":
      return fill(template("uas-answer.tmpl.xml"), {
        RING: ringPause(options.ringMs),
        ANSWER: template("fragments/answer.xml"),
        MEDIA: playPcapXml(options.playPcap),
        HANGUP: options.referResult !== undefined
          ? fill(template("fragments/accept-refer.xml"), { FRAG: safeText("referResult", options.referResult) })
          : options.hangUpAfterMs === undefined
            ? template("fragments/await-bye.xml")
            : fill(template("fragments/send-bye.xml"), { TALK_MS: safeMs("hangUpAfterMs", options.hangUpAfterMs) }),
      });
    case "auth-401":
      return fill(template("uas-auth-401.tmpl.xml"), {
        USER: safeXmlAttr("user", options.user),
        PASSWORD: safeXmlAttr("password", options.password),
        REALM: safeXmlAttr("realm", options.realm ?? "parley.test"),
        ANSWER: template("fragments/answer.xml"),
        AWAIT_BYE: template("fragments/await-bye.xml"),
      });
    case "auth-407": {
      const realm = safeXmlAttr("realm", options.realm ?? "parley.test");
      const nonce = createHash("sha1").update(`${port}:${options.user}`).digest("hex").slice(0, 24);
      const uri = options.requestUri.split("{port}").join(String(port));
      const ha1 = md5(`${options.user}:${realm}:${options.password}`);
      return fill(template("uas-auth-407.tmpl.xml"), {
        REALM: realm,
        NONCE: nonce,
        EXPECTED_RESPONSE: md5(`${ha1}:${nonce}:${md5(`INVITE:${uri}`)}`),
        ANSWER: template("fragments/answer.xml"),
        AWAIT_BYE: template("fragments/await-bye.xml"),
      });
    }
  }
}

/**
 * The ring time before the 200, or nothing. A zero-length <pause> is left out: in one CI run SIPp
 * sent 100 and 180 and then nothing for 10 s, and a zero pause was the only step between them.
 */
function ringPause(ringMs: number | undefined): string {
  const ms = safeMs("ringMs", ringMs ?? 0);
  return ms === "0" ? "" : `  <pause milliseconds="${ms}"/>`;
}

/** The action that streams a pcap's RTP to the peer's SDP address, or nothing. */
function playPcapXml(path: string | undefined): string {
  if (!path) return "";
  // A .wav (PCMU/μ-law 8 kHz) is streamed with rtp_stream; anything else is a pcap to replay.
  return path.endsWith(".wav")
    ? `  <nop><action><exec rtp_stream="${safeXmlAttr("playPcap", path)},1,0"/></action></nop>`
    : `  <nop><action><exec play_pcap_audio="${safeXmlAttr("playPcap", path)}"/></action></nop>`;
}

function safeXmlAttr(what: string, value: string): string {
  if (typeof value !== "string" || !/^[^"<>&\r\n]+$/.test(value)) throw new Error(`${what} must be plain text without quotes or <>&`);
  return value;
}

/** The XML of a UAC scenario with every placeholder filled. */
export function uacScenarioXml(options: UacOptions): string {
  const fromUser = safeText("fromUser", options.fromUser ?? "sipp");
  if (options.scenario === "call") {
    return fill(template("uac-call.tmpl.xml"), {
      FROM_USER: fromUser,
      MEDIA: playPcapXml(options.playPcap),
      PAUSE_MS: safeMs("pauseMs", options.pauseMs ?? 500),
    });
  }
  return fill(template("uac-expect-error.tmpl.xml"), { FROM_USER: fromUser, CODE: statusCode(options.code, 300) });
}

function parseStats(csvPath: string): SippStats | undefined {
  if (!existsSync(csvPath)) return undefined;
  const lines = readFileSync(csvPath, "utf8").split("\n").filter((l) => l.trim().length > 0);
  const header = lines[0]?.split(";");
  const last = lines.length > 1 ? lines[lines.length - 1]?.split(";") : undefined;
  if (!header || !last) return undefined;
  const raw: Record<string, string> = {};
  header.forEach((name, i) => {
    if (name) raw[name] = last[i] ?? "";
  });
  const num = (k: string): number => Number(raw[k] ?? "0") || 0;
  return { created: num("TotalCallCreated"), successful: num("SuccessfulCall(C)"), failed: num("FailedCall(C)"), raw };
}

/**
 * True once the kernel lists `host:port` as bound (UDP) or listening (TCP, state 0A). Linux only;
 * elsewhere the stats file alone decides.
 */
function socketBound(transport: "udp" | "tcp", host: string, port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const hexHost = host.split(".").reverse().map((o) => Number(o).toString(16).toUpperCase().padStart(2, "0")).join("");
  const local = ` ${hexHost}:${hexPort} `;
  try {
    const lines = readFileSync(`/proc/net/${transport}`, "utf8").split("\n");
    return lines.some((l) => l.includes(local) && (transport === "udp" || / 0A /.test(l)));
  } catch {
    return true;
  }
}

interface Launch {
  readonly args: readonly string[];
  readonly dir: string;
  readonly host: string;
  readonly port: number;
  readonly keepFiles: boolean;
  readonly timeoutMs: number;
}

function launch(l: Launch): { child: ChildProcess; done: Promise<SippResult>; stderr: () => string } {
  const child = spawn(SIPP, [...l.args], { cwd: l.dir, stdio: ["ignore", "ignore", "pipe"] });
  live.add(child);
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (d: string) => {
    if (stderr.length < 64_000) stderr += d;
  });
  // SIPp's own -timeout lets a call finish its retransmissions; this one is a hard bound.
  const hardLimit = setTimeout(() => {
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS).unref();
  }, l.timeoutMs + STOP_GRACE_MS);
  hardLimit.unref();
  const done = new Promise<SippResult>((resolve) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(hardLimit);
      live.delete(child);
      const messagesPath = join(l.dir, "messages.log");
      const result: SippResult = {
        exitCode,
        signal,
        stats: parseStats(join(l.dir, "stats.csv")),
        stderr,
        messages: existsSync(messagesPath) ? readFileSync(messagesPath, "utf8") : "",
      };
      if (!l.keepFiles) rmSync(l.dir, { recursive: true, force: true });
      resolve(result);
    };
    child.once("error", (e) => {
      stderr += `spawn failed: ${e.message}`;
      finish(null, null);
    });
    child.once("exit", (code, signal) => finish(code, signal));
  });
  return { child, done, stderr: () => stderr };
}

function keepFiles(options: CommonOptions): boolean {
  return options.keepFiles ?? process.env["PARLEY_TEST_KEEP_SIPP"] === "1";
}

/** Tests stay on loopback: any other address is refused. */
function loopback(host: string | undefined): string {
  const h = host ?? "127.0.0.1";
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) throw new Error(`SIPp must bind a 127.x.x.x address, got ${h}`);
  return h;
}

function timeoutOf(options: CommonOptions): number {
  const ms = options.timeoutMs ?? 60_000;
  if (!(ms > 0)) throw new Error(`timeoutMs must be positive, got ${ms}`);
  return ms;
}

function commonArgs(dir: string, host: string, port: number, options: CommonOptions, mediaPort: number, controlPort: number): string[] {
  const calls = options.calls ?? 1;
  if (!Number.isInteger(calls) || calls < 1) throw new Error(`calls must be a positive integer, got ${calls}`);
  const timeoutSec = Math.max(1, Math.ceil(timeoutOf(options) / 1000));
  return [
    "-sf", join(dir, "scenario.xml"),
    "-i", host, "-p", String(port), "-t", (options.transport ?? "udp") === "tcp" ? "t1" : "u1",
    "-mi", host, "-mp", String(mediaPort), "-cp", String(controlPort),
    "-m", String(calls),
    "-timeout", `${timeoutSec}s`,
    "-nostdin",
    "-trace_stat", "-stf", join(dir, "stats.csv"), "-fd", "1",
    "-trace_msg", "-message_file", join(dir, "messages.log"),
    "-trace_err", "-error_file", join(dir, "errors.log"),
  ];
}

/** Resolves once SIPp's stats file has its first row and its port is bound; rejects if it exits first. */
async function ready(dir: string, transport: "udp" | "tcp", host: string, port: number, done: Promise<SippResult>): Promise<void> {
  const statsPath = join(dir, "stats.csv");
  const isReady = (): boolean =>
    existsSync(statsPath) && readFileSync(statsPath, "utf8").split("\n").filter((x) => x.trim()).length >= 2 && socketBound(transport, host, port);
  if (isReady()) return;
  await new Promise<void>((resolve, reject) => {
    const watcher = watch(dir, () => check());
    // The dir is removed when SIPp exits; that ends the wait through `done`, not through an error.
    watcher.on("error", () => {});
    // inotify can coalesce or miss the write that completes the row; a slow re-check covers it.
    const tick = setInterval(() => check(), 50);
    const limit = setTimeout(() => finish(new Error(`SIPp not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    let settled = false;
    function finish(error?: Error): void {
      if (settled) return;
      settled = true;
      watcher.close();
      clearInterval(tick);
      clearTimeout(limit);
      if (error) reject(error);
      else resolve();
    }
    function check(): void {
      if (isReady()) finish();
    }
    void done.then((r) => finish(new Error(`SIPp exited (code ${r.exitCode}) before it was ready: ${r.stderr.trim()}`)));
  });
}

async function stopChild(child: ChildProcess, done: Promise<SippResult>): Promise<SippResult> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    const result = await done;
    clearTimeout(timer);
    return result;
  }
  return done;
}

/** Starts a SIPp UAS in the background and resolves once it accepts INVITEs. */
export async function startSippUas(options: UasOptions): Promise<SippProcess> {
  const host = loopback(options.host);
  let lastError: unknown;
  // A probed port can be taken between the probe and SIPp's bind: probe again a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort(options.transport ?? "udp", host));
    const dir = mkdtempSync(join(tmpdir(), "parley-sipp-"));
    writeFileSync(join(dir, "scenario.xml"), uasScenarioXml(options, port));
    const args = commonArgs(dir, host, port, options, await freeUdpPort(host), await freeUdpPort(host));
    if (options.scenario === "answer" && options.rtpEcho) args.push("-rtp_echo");
    const { child, done } = launch({ args, dir, host, port, keepFiles: keepFiles(options), timeoutMs: timeoutOf(options) });
    try {
      await ready(dir, options.transport ?? "udp", host, port, done);
    } catch (e) {
      lastError = e;
      await stopChild(child, done);
      if (options.port !== undefined) break;
      continue;
    }
    const pid = child.pid ?? -1;
    return {
      host,
      port,
      pid,
      dir,
      done,
      stop: () => stopChild(child, done),
      messages: () => {
        const p = join(dir, "messages.log");
        return existsSync(p) ? readFileSync(p, "utf8") : "";
      },
    };
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** Runs a SIPp UAC against a peer until its calls are done (or its timeout) and returns the result. */
export async function runSippUac(options: UacOptions): Promise<SippResult> {
  const host = loopback(options.host);
  loopback(options.target.host);
  const port = options.localPort ?? (await freePort(options.transport ?? "udp", host));
  const dir = mkdtempSync(join(tmpdir(), "parley-sipp-"));
  writeFileSync(join(dir, "scenario.xml"), uacScenarioXml(options));
  const rate = options.rate ?? 10;
  if (!(rate > 0)) throw new Error(`rate must be positive, got ${rate}`);
  const args = [
    `${options.target.host}:${options.target.port}`,
    ...commonArgs(dir, host, port, options, await freeUdpPort(host), await freeUdpPort(host)),
    "-s", safeText("service", options.service),
    "-r", String(rate),
  ];
  const { done } = launch({ args, dir, host, port, keepFiles: keepFiles(options), timeoutMs: timeoutOf(options) });
  return done;
}

/** Splits SIPp's -trace_msg log into the SIP messages it sent or received. */
export function sippMessages(log: string, direction: "sent" | "received"): string[] {
  const out: string[] = [];
  const re = /(?:UDP|TCP) message (sent|received) (?:\[\d+\] bytes ?:|\(\d+ bytes\):)[ \t]*\n\n([\s\S]*?)(?=\n-{10,} |$)/g;
  for (const m of log.replace(/\r\n/g, "\n").matchAll(re)) if (m[1] === direction && m[2]) out.push(m[2].trim());
  return out;
}
