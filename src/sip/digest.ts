// HTTP Digest authentication for SIP (RFC 2617, RFC 7616, RFC 8760: SHA-256 in SIP, RFC 3261 §22).
// Client: answer a 401/407 challenge. Server: issue stateless, expiring nonces and verify credentials.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { parseAuthValue, quote, type AuthValue } from "./headers-typed.js";
import type { SipRequest, SipResponse } from "./message.js";

export type DigestAlgorithm = "MD5" | "MD5-sess" | "SHA-256" | "SHA-256-sess";
const ALGORITHMS: readonly DigestAlgorithm[] = ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess"];

/** A Digest challenge as read from WWW-Authenticate / Proxy-Authenticate. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** qop options offered, lowercased; empty for an RFC 2069 challenge. */
  qop: string[];
  stale: boolean;
}

/** Reads a Digest challenge; undefined when it is not Digest, lacks realm/nonce, or names an unknown algorithm. */
export function parseChallenge(v: AuthValue | string): DigestChallenge | undefined {
  const a = typeof v === "string" ? parseAuthValue(v) : v;
  if (a === undefined || a.scheme.toLowerCase() !== "digest") return undefined;
  const realm = a.params.get("realm");
  const nonce = a.params.get("nonce");
  if (realm === undefined || nonce === undefined) return undefined;
  const algorithm = toAlgorithm(a.params.get("algorithm"));
  if (algorithm === undefined) return undefined;
  const qopRaw = a.params.get("qop");
  const c: DigestChallenge = {
    realm,
    nonce,
    algorithm,
    qop: qopRaw === undefined ? [] : qopRaw.split(",").map((q) => q.trim().toLowerCase()).filter((q) => q.length > 0),
    stale: (a.params.get("stale") ?? "").toLowerCase() === "true",
  };
  const opaque = a.params.get("opaque");
  if (opaque !== undefined) c.opaque = opaque;
  return c;
}

/** The challenge to answer among several: the strongest supported algorithm (RFC 8760 §2.4: SHA-256 first). */
export function pickChallenge(values: ReadonlyArray<AuthValue | string>): DigestChallenge | undefined {
  const rank = (c: DigestChallenge): number => (c.algorithm.startsWith("SHA-256") ? 2 : 1);
  let best: DigestChallenge | undefined;
  for (const v of values) {
    const c = parseChallenge(v);
    if (c !== undefined && (best === undefined || rank(c) > rank(best))) best = c;
  }
  return best;
}

export interface DigestAnswerInput {
  challenge: DigestChallenge;
  method: string;
  /** The digest-uri: the Request-URI of the request being authorised. */
  uri: string;
  username: string;
  password: string;
  /** Needed only when the challenge offers nothing but qop=auth-int. */
  body?: Buffer;
  /** Nonce count for this nonce (1 for the first request). Default 1. */
  nc?: number;
  /** Client nonce; random when omitted. */
  cnonce?: string;
}

/** Computes the Authorization / Proxy-Authorization header value answering a challenge. */
export function buildAuthorization(input: DigestAnswerInput): string {
  const { challenge: c, method, uri, username, password } = input;
  const qop = c.qop.includes("auth") ? "auth" : c.qop.includes("auth-int") ? "auth-int" : undefined;
  const cnonce = input.cnonce ?? randomBytes(12).toString("hex");
  const nc = (input.nc ?? 1).toString(16).padStart(8, "0");
  const response = digestResponse({
    algorithm: c.algorithm, username, realm: c.realm, password, nonce: c.nonce, method, uri, qop, nc, cnonce, body: input.body,
  });
  const parts = [
    `username=${quote(username)}`, `realm=${quote(c.realm)}`, `nonce=${quote(c.nonce)}`, `uri=${quote(uri)}`,
    `response="${response}"`, `algorithm=${c.algorithm}`,
  ];
  if (qop !== undefined) parts.push(`cnonce=${quote(cnonce)}`, `qop=${qop}`, `nc=${nc}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  return `Digest ${parts.join(", ")}`;
}

/** Answers a 401/407 for `req`: the header to add (name and value), or undefined if no usable challenge. */
export function authorizeRequest(
  req: SipRequest,
  challengeResponse: SipResponse,
  creds: { username: string; password: string; nc?: number },
): { name: "Authorization" | "Proxy-Authorization"; value: string } | undefined {
  const proxy = challengeResponse.status === 407;
  const h = challengeResponse.headers;
  const challenge = pickChallenge(proxy ? h.proxyAuthenticate() : h.wwwAuthenticate());
  if (challenge === undefined) return undefined;
  const value = buildAuthorization({
    challenge, method: req.method, uri: req.uri, username: creds.username, password: creds.password, body: req.body,
    nc: creds.nc,
  });
  return { name: proxy ? "Proxy-Authorization" : "Authorization", value };
}

/** Inputs of the digest `response` computation. */
export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password?: string;
  /** H(username:realm:password) when the password itself is not stored. */
  ha1?: string;
  nonce: string;
  method: string;
  uri: string;
  qop: string | undefined;
  nc: string;
  cnonce: string;
  body: Buffer | undefined;
}

/** The `response` value of RFC 7616 §3.4.1 (and RFC 2069 when there is no qop). */
export function digestResponse(i: DigestResponseInput): string {
  const H = hasher(i.algorithm);
  let ha1 = i.ha1 ?? H(`${i.username}:${i.realm}:${i.password ?? ""}`);
  if (i.algorithm.endsWith("-sess")) ha1 = H(`${ha1}:${i.nonce}:${i.cnonce}`);
  const ha2 = i.qop === "auth-int" ? H(`${i.method}:${i.uri}:${H(i.body ?? Buffer.alloc(0))}`) : H(`${i.method}:${i.uri}`);
  return i.qop === undefined ? H(`${ha1}:${i.nonce}:${ha2}`) : H(`${ha1}:${i.nonce}:${i.nc}:${i.cnonce}:${i.qop}:${ha2}`);
}

/** H(username:realm:password) for storing instead of the password. */
export function digestHa1(algorithm: "MD5" | "SHA-256", username: string, realm: string, password: string): string {
  return hasher(algorithm)(`${username}:${realm}:${password}`);
}

function hasher(algorithm: DigestAlgorithm): (data: string | Buffer) => string {
  const name = algorithm.startsWith("SHA-256") ? "sha256" : "md5";
  return (data) => createHash(name).update(data).digest("hex");
}

function toAlgorithm(v: string | undefined): DigestAlgorithm | undefined {
  if (v === undefined || v === "") return "MD5";
  return ALGORITHMS.find((a) => a.toLowerCase() === v.toLowerCase());
}

// ---------------------------------------------------------------- server side

export interface DigestServerOptions {
  realm: string;
  /** HMAC key for nonces; random per process when omitted (nonces then die with the process). */
  secret?: Buffer;
  /** How long a nonce is accepted. Default 5 minutes. */
  nonceTtlMs?: number;
  /** Algorithms to offer, one challenge each, strongest first. Default SHA-256 then MD5. */
  algorithms?: DigestAlgorithm[];
  /** Clock, for tests. */
  now?: () => number;
}

export type DigestVerdict =
  | { ok: true; username: string }
  | {
      ok: false;
      reason:
        | "missing" | "malformed" | "wrong_realm" | "unknown_user" | "bad_nonce" | "stale" | "unsupported_algorithm"
        | "bad_response" | "replay";
      /** True when the client should simply retry with a fresh nonce (answer 401 with stale=true). */
      stale?: boolean;
    };

/** Where a verifier gets a user's secret: the password, or the stored HA1 for an algorithm. */
export type DigestSecretLookup = (username: string) => { password: string } | { ha1: Partial<Record<"MD5" | "SHA-256", string>> } | undefined;

/** Issues challenges with self-validating, expiring nonces and verifies answers to them. */
export class DigestServer {
  private readonly realm: string;
  private readonly secret: Buffer;
  private readonly ttlMs: number;
  private readonly algorithms: DigestAlgorithm[];
  private readonly now: () => number;
  // Highest nonce-count accepted per nonce (qop requests), oldest first, bounded: a replayed
  // Authorization with the same or a lower nc is refused (RFC 7616 §3.4.5).
  private readonly lastNc = new Map<string, number>();
  private static readonly MAX_TRACKED_NONCES = 10_000;

  constructor(o: DigestServerOptions) {
    this.realm = o.realm;
    this.secret = o.secret ?? randomBytes(32);
    this.ttlMs = o.nonceTtlMs ?? 300_000;
    this.algorithms = o.algorithms ?? ["SHA-256", "MD5"];
    this.now = o.now ?? Date.now;
  }

  /** WWW-Authenticate / Proxy-Authenticate values, one per algorithm (add each as its own header line). */
  challenge(options: { stale?: boolean } = {}): string[] {
    const nonce = this.newNonce();
    return this.algorithms.map(
      (alg) =>
        `Digest realm=${quote(this.realm)}, nonce="${nonce}", algorithm=${alg}, qop="auth"` +
        (options.stale ? ", stale=true" : ""),
    );
  }

  /** Verifies one Authorization / Proxy-Authorization value for a request with `method`. */
  verify(credentials: AuthValue | string | undefined, method: string, lookup: DigestSecretLookup, body?: Buffer): DigestVerdict {
    if (credentials === undefined) return { ok: false, reason: "missing" };
    const a = typeof credentials === "string" ? parseAuthValue(credentials) : credentials;
    if (a === undefined || a.scheme.toLowerCase() !== "digest") return { ok: false, reason: "malformed" };
    const p = a.params;
    const username = p.get("username");
    const realm = p.get("realm");
    const nonce = p.get("nonce");
    const uri = p.get("uri");
    const response = p.get("response");
    if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
      return { ok: false, reason: "malformed" };
    }
    if (realm !== this.realm) return { ok: false, reason: "wrong_realm" };
    const algorithm = toAlgorithm(p.get("algorithm"));
    if (algorithm === undefined || !this.algorithms.includes(algorithm)) return { ok: false, reason: "unsupported_algorithm" };
    const age = this.nonceAge(nonce);
    if (age === undefined) return { ok: false, reason: "bad_nonce" };
    const qop = p.get("qop")?.toLowerCase();
    if (qop !== undefined && qop !== "auth" && qop !== "auth-int") return { ok: false, reason: "malformed" };
    const nc = p.get("nc") ?? "";
    const cnonce = p.get("cnonce") ?? "";
    if (qop !== undefined && (!/^[0-9a-fA-F]{8}$/.test(nc) || cnonce.length === 0)) return { ok: false, reason: "malformed" };
    const secret = lookup(username);
    if (secret === undefined) return { ok: false, reason: "unknown_user" };
    const base = algorithm.startsWith("SHA-256") ? "SHA-256" : "MD5";
    let ha1: string | undefined;
    let password: string | undefined;
    if ("password" in secret) password = secret.password;
    else ha1 = secret.ha1[base];
    if (password === undefined && ha1 === undefined) return { ok: false, reason: "unsupported_algorithm" };
    const expected = digestResponse({ algorithm, username, realm, password, ha1, nonce, method, uri, qop, nc, cnonce, body });
    if (!constantTimeEqual(expected, response.toLowerCase())) return { ok: false, reason: "bad_response" };
    // Right password on an expired nonce: the client only needs a fresh one (RFC 7616 §3.3 stale).
    if (age > this.ttlMs) return { ok: false, reason: "stale", stale: true };
    if (qop !== undefined && !this.acceptNc(nonce, parseInt(nc, 16))) return { ok: false, reason: "replay" };
    return { ok: true, username };
  }

  private acceptNc(nonce: string, nc: number): boolean {
    const last = this.lastNc.get(nonce);
    if (last !== undefined && nc <= last) return false;
    this.lastNc.delete(nonce);
    this.lastNc.set(nonce, nc);
    if (this.lastNc.size > DigestServer.MAX_TRACKED_NONCES) {
      const oldest = this.lastNc.keys().next().value;
      if (oldest !== undefined) this.lastNc.delete(oldest);
    }
    return true;
  }

  private newNonce(): string {
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.now()))));
    const salt = randomBytes(8);
    const mac = createHmac("sha256", this.secret).update(ts).update(salt).digest().subarray(0, 16);
    return Buffer.concat([ts, salt, mac]).toString("base64url");
  }

  /** Age of a nonce this server issued, or undefined when it did not issue it. */
  private nonceAge(nonce: string): number | undefined {
    const raw = Buffer.from(nonce, "base64url");
    if (raw.length !== 32 || raw.toString("base64url") !== nonce) return undefined;
    const ts = raw.subarray(0, 8);
    const mac = createHmac("sha256", this.secret).update(ts).update(raw.subarray(8, 16)).digest().subarray(0, 16);
    if (!timingSafeEqual(mac, raw.subarray(16))) return undefined;
    return this.now() - Number(ts.readBigUInt64BE());
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
