import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";

/** Parley's whole configuration, validated once at start-up. */
export interface ParleyConfig {
  readonly httpHost: string;
  readonly httpPort: number;
  readonly sipHost: string;
  readonly sipPort: number;
  /** New INVITEs accepted per second from one source address (burst twice that). */
  readonly sipInviteRatePerSec: number;
  /** SIP T1 (RTT estimate); Timer B is 64·T1. Only tests shorten it. */
  readonly sipT1Ms: number;
  /** How often imported trunks get an OPTIONS probe; 0 turns probing off. */
  readonly trunkProbeIntervalMs: number;
  readonly sipTlsPort: number | undefined;
  readonly sipTlsCertFile: string | undefined;
  readonly sipTlsKeyFile: string | undefined;
  /** Extra CA certificates (PEM file) trusted when dialing TLS trunks. */
  readonly sipTlsCaFile: string | undefined;
  readonly rtpPorts: { readonly min: number; readonly max: number };
  readonly publicHost: string;
  /** Base of every URL Parley hands out (recordings, logs, PCAPs). */
  readonly publicBaseUrl: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  /** Prefix of every Redis key, so several deployments can share one Redis. */
  readonly redisPrefix: string;
  readonly apiKey: string | undefined;
  readonly nodeId: string;
  /** 32 bytes for encryption at rest and URL signing; kept in the data dir unless given. */
  readonly secretKey: Buffer;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  readonly defaultConcurrencyLimit: number;
  /** How long a web call's client has to join, and a registered call's stream to connect. */
  readonly joinTimeoutMs: number;
  /** No caller audio for this long after it started → error_no_audio_received. */
  readonly mediaTimeoutMs: number;
  /** No caller audio at all this long after connecting → error_no_audio_received. */
  readonly mediaInitialTimeoutMs: number;
  readonly registeredCallTimeoutMs: number;
  readonly webhookTimeoutMs: number;
  readonly webhookMaxRetries: number;
  readonly sipEnabled: boolean;
  /** False (PARLEY_MEDIA=off): SIP signalling only — no RTP, recordings or conversation (load tests). */
  readonly mediaEnabled: boolean;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(name, `"${raw}" is not a port number (0-65535)`);
  return n;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(name, `"${raw}" is not a non-negative integer`);
  return n;
}

function portRange(env: Env, name: string, fallback: string): { min: number; max: number } {
  const raw = env[name] || fallback;
  const m = /^(\d+)-(\d+)$/.exec(raw);
  const min = m ? Number(m[1]) : NaN;
  const max = m ? Number(m[2]) : NaN;
  if (!m || min < 1024 || max > 65535 || min >= max) throw new ConfigError(name, `"${raw}" is not a range like 20000-20999 within 1024-65535`);
  return { min, max };
}

function loadSecret(env: Env, dataDir: string): Buffer {
  const given = env.PARLEY_SECRET_KEY;
  if (given) {
    const key = Buffer.from(given, "hex");
    if (key.length !== 32) throw new ConfigError("PARLEY_SECRET_KEY", "must be 64 hex characters (32 bytes)");
    return key;
  }
  const file = join(dataDir, "secret.key");
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, "utf8").trim(), "hex");
    if (key.length !== 32) throw new ConfigError("PARLEY_SECRET_KEY", `${file} does not hold 64 hex characters`);
    return key;
  }
  const key = randomBytes(32);
  writeFileSync(file, key.toString("hex") + "\n", { mode: 0o600 });
  return key;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Reads and validates the configuration from PARLEY_* environment variables. */
export function loadConfig(env: Env = process.env): ParleyConfig {
  const httpHost = env.PARLEY_HTTP_HOST || "127.0.0.1";
  const httpPort = port(env, "PARLEY_HTTP_PORT", 8080);
  const publicHost = env.PARLEY_PUBLIC_HOST || "127.0.0.1";
  const dataDir = resolve(env.PARLEY_DATA_DIR || "./data");
  mkdirSync(dataDir, { recursive: true });
  const databaseUrl = env.PARLEY_DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("PARLEY_DATABASE_URL", "must be a postgres:// URL (leave it unset for the embedded SQLite)");
  }
  const redisUrl = env.PARLEY_REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError("PARLEY_REDIS_URL", "must be a redis:// URL");
  const logLevel = (env.PARLEY_LOG_LEVEL || "info") as ParleyConfig["logLevel"];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError("PARLEY_LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}`);
  const apiKey = env.PARLEY_API_KEY || undefined;
  if (apiKey !== undefined && apiKey.length < 16) throw new ConfigError("PARLEY_API_KEY", "must be at least 16 characters");
  const tlsCert = env.PARLEY_SIP_TLS_CERT || undefined;
  const tlsKey = env.PARLEY_SIP_TLS_KEY || undefined;
  if (Boolean(tlsCert) !== Boolean(tlsKey)) throw new ConfigError("PARLEY_SIP_TLS_CERT", "PARLEY_SIP_TLS_CERT and PARLEY_SIP_TLS_KEY go together");
  const publicPort = httpPort === 0 ? 8080 : httpPort;
  return {
    httpHost,
    httpPort,
    sipHost: env.PARLEY_SIP_HOST || "0.0.0.0",
    sipPort: port(env, "PARLEY_SIP_PORT", 5060),
    sipInviteRatePerSec: positiveInt(env, "PARLEY_SIP_INVITE_RATE", 200),
    sipT1Ms: positiveInt(env, "PARLEY_SIP_T1_MS", 500),
    trunkProbeIntervalMs: positiveInt(env, "PARLEY_TRUNK_PROBE_INTERVAL_MS", 60_000),
    sipTlsPort: tlsCert ? port(env, "PARLEY_SIP_TLS_PORT", 5061) : undefined,
    sipTlsCertFile: tlsCert,
    sipTlsKeyFile: tlsKey,
    sipTlsCaFile: env.PARLEY_SIP_TLS_CA || undefined,
    rtpPorts: portRange(env, "PARLEY_RTP_PORTS", "20000-20999"),
    publicHost,
    publicBaseUrl: (env.PARLEY_PUBLIC_URL || `http://${publicHost}:${publicPort}`).replace(/\/+$/, ""),
    dataDir,
    databaseUrl,
    redisUrl,
    redisPrefix: env.PARLEY_REDIS_PREFIX || "parley:",
    apiKey,
    nodeId: env.PARLEY_NODE_ID || `${hostname()}-${process.pid}`,
    secretKey: loadSecret(env, dataDir),
    logLevel,
    defaultConcurrencyLimit: positiveInt(env, "PARLEY_CONCURRENCY_LIMIT", 20),
    joinTimeoutMs: positiveInt(env, "PARLEY_JOIN_TIMEOUT_MS", 30_000),
    mediaTimeoutMs: positiveInt(env, "PARLEY_MEDIA_TIMEOUT_MS", 15_000),
    mediaInitialTimeoutMs: positiveInt(env, "PARLEY_MEDIA_INITIAL_TIMEOUT_MS", 30_000),
    registeredCallTimeoutMs: positiveInt(env, "PARLEY_REGISTERED_CALL_TIMEOUT_MS", 30_000),
    webhookTimeoutMs: positiveInt(env, "PARLEY_WEBHOOK_TIMEOUT_MS", 10_000),
    webhookMaxRetries: positiveInt(env, "PARLEY_WEBHOOK_MAX_RETRIES", 3),
    sipEnabled: env.PARLEY_SIP_DISABLED !== "1",
    mediaEnabled: env.PARLEY_MEDIA !== "off",
  };
}
