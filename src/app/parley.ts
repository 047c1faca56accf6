import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { Admission } from "../admission/admission.js";
import type { ConcurrencyLimiter } from "../admission/concurrency.js";
import { MemoryConcurrencyLimiter } from "../admission/concurrency-memory.js";
import { RedisConcurrencyLimiter } from "../admission/concurrency-redis.js";
import { buildServer } from "../api/server.js";
import { CallService, noSipDialer, type OutboundDialer } from "../calls/call-service.js";
import type { LegRunner } from "../calls/call-session.js";
import { conversationLegRunner } from "./conversation-runner.js";
import { ArtifactUrls } from "../calls/signed-urls.js";
import { callEnd } from "../core/index.js";
import { openStore } from "../store/index.js";
import type { Store, Workspace } from "../store/types.js";
import { WebhookDispatcher } from "../webhooks/dispatcher.js";
import type { ParleyConfig } from "./config.js";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { PortAllocator } from "../media/index.js";
import { createSipStack, type SipStack } from "../sip/stack.js";
import { tokenBucketLimiter } from "../sip/transport-rate-limit.js";
import { InboundRouter } from "../telephony/inbound-router.js";
import { SipHub } from "../telephony/sip-hub.js";
import { isScanner } from "../telephony/scanner.js";
import { TrunkHealthMonitor } from "../telephony/trunk-health.js";
import type { PhoneNumber } from "../store/types.js";

export interface RunningParley {
  readonly config: ParleyConfig;
  readonly store: Store;
  readonly calls: CallService;
  readonly http: FastifyInstance;
  /** e.g. http://127.0.0.1:8080 (the actual port when 0 was asked). */
  readonly url: string;
  /** The key generated on first start (printed once), if one was generated now. */
  readonly generatedApiKey: string | undefined;
  readonly defaultWorkspace: Workspace;
  /** The SIP stack, when SIP is enabled (its bound addresses carry the real ports). */
  readonly sip: SipStack | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logger: Logger;
  /** Replaces the SIP dialer (tests, or a node without SIP). */
  readonly dialer?: OutboundDialer;
  /** Replaces what runs on a connected leg (tests; default: the conversation engine). */
  readonly legRunner?: LegRunner;
}

const DEFAULT_WS = "ws_default";

/** Makes sure the default workspace exists and knows the configured key (or a new one). */
async function bootstrapWorkspace(store: Store, config: ParleyConfig): Promise<{ ws: Workspace; generated: string | undefined }> {
  let ws = await store.workspaces.get(DEFAULT_WS);
  if (!ws) ws = await store.workspaces.create({ id: DEFAULT_WS, name: "Default workspace", concurrencyLimit: config.defaultConcurrencyLimit });
  if (config.apiKey) {
    const known = await store.apiKeys.findByPlaintext(config.apiKey);
    if (!known) await store.apiKeys.create(ws.id, config.apiKey, { name: "PARLEY_API_KEY", isWebhookKey: true });
    else if (known.workspaceId !== ws.id) throw new Error("PARLEY_API_KEY belongs to another workspace");
    return { ws, generated: undefined };
  }
  const keys = await store.apiKeys.list(ws.id);
  if (keys.some((k) => !k.revokedAt)) return { ws, generated: undefined };
  const key = "key_" + randomBytes(20).toString("hex");
  await store.apiKeys.create(ws.id, key, { name: "generated on first start", isWebhookKey: true });
  return { ws, generated: key };
}

/** Probes the trunks of every workspace's imported numbers. */
async function probeTrunks(store: Store, health: TrunkHealthMonitor): Promise<void> {
  const trunks: PhoneNumber[] = [];
  for (const ws of await store.workspaces.list()) {
    let key: string | undefined;
    do {
      const page = await store.phoneNumbers.list(ws.id, { limit: 1000, sortOrder: "ascending", ...(key ? { paginationKey: key } : {}) });
      trunks.push(...page.items.filter((n) => n.kind === "imported"));
      key = page.hasMore ? page.paginationKey : undefined;
    } while (key);
  }
  await health.probeAll(trunks);
}

/** Wires every layer from the configuration and starts serving. */
export async function startParley(config: ParleyConfig, opts: StartOptions): Promise<RunningParley> {
  const log = opts.logger;
  const store = await openStore(
    config.databaseUrl
      ? { kind: "postgres", url: config.databaseUrl, secretKey: config.secretKey }
      : { kind: "sqlite", path: join(config.dataDir, "parley.db"), secretKey: config.secretKey },
  );
  const { ws, generated } = await bootstrapWorkspace(store, config);
  const limiter: ConcurrencyLimiter = config.redisUrl
    ? new RedisConcurrencyLimiter({ redis: config.redisUrl, keyPrefix: `${config.redisPrefix}concurrency:` })
    : new MemoryConcurrencyLimiter();
  let baseUrl = config.publicBaseUrl;
  const urls = new ArtifactUrls(() => baseUrl, config.secretKey);
  const dispatcher = new WebhookDispatcher({
    store,
    nodeId: config.nodeId,
    timeoutMs: config.webhookTimeoutMs,
    maxRetries: config.webhookMaxRetries,
    log: log.child({ part: "webhooks" }),
  });
  let sip: { stack: SipStack; hub: SipHub } | undefined;
  if (config.sipEnabled && !opts.dialer) {
    const ports = PortAllocator.fromText(`${config.rtpPorts.min}-${config.rtpPorts.max}`, config.sipHost);
    if (!ports.ok) throw new Error(`PARLEY_RTP_PORTS: ${ports.error.message}`);
    const stack = createSipStack({
      host: config.sipHost,
      port: config.sipPort,
      publicHost: config.publicHost,
      timers: { t1Ms: config.sipT1Ms },
      ...(config.sipTlsPort !== undefined && config.sipTlsCertFile && config.sipTlsKeyFile
        ? {
            tls: {
              port: config.sipTlsPort,
              cert: readFileSync(config.sipTlsCertFile),
              key: readFileSync(config.sipTlsKeyFile),
              ...(config.sipTlsCaFile ? { ca: readFileSync(config.sipTlsCaFile) } : {}),
            },
          }
        : {}),
      inviteRateLimit: { limiter: tokenBucketLimiter({ ratePerSec: config.sipInviteRatePerSec, burst: config.sipInviteRatePerSec * 2 }), action: "reject", retryAfterSec: 1 },
      acceptPeer: (_peer, req) => !isScanner(req),
      unknownPeerAction: "drop",
    });
    await stack.listen();
    sip = {
      stack,
      hub: new SipHub({
        stack,
        ports: ports.allocator,
        publicHost: config.publicHost,
        dataDir: config.dataDir,
        mediaTimeouts: { initialMs: config.mediaInitialTimeoutMs, afterMs: config.mediaTimeoutMs },
        mediaEnabled: config.mediaEnabled,
        log: log.child({ part: "sip" }),
      }),
    };
  }
  const calls = new CallService({
    store,
    admission: new Admission(limiter),
    urls,
    nodeId: config.nodeId,
    dialer: opts.dialer ?? sip?.hub ?? noSipDialer,
    kickWebhooks: () => dispatcher.kick(),
    log: log.child({ part: "calls" }),
    joinTimeoutMs: config.joinTimeoutMs,
    registeredCallTimeoutMs: config.registeredCallTimeoutMs,
    legRunner: opts.legRunner ?? conversationLegRunner(urls),
  });
  if (sip) {
    const router = new InboundRouter({ hub: sip.hub, store, calls, log: log.child({ part: "inbound" }), webhookTimeoutMs: config.webhookTimeoutMs, webhookRetries: config.webhookMaxRetries });
    sip.hub.onInvite((tx) => router.handle(tx));
  }
  const health = sip ? new TrunkHealthMonitor(sip.stack, config.publicHost) : undefined;
  let ready = false;
  const http = await buildServer(
    { store, calls, limiter, urls, dataDir: config.dataDir, ready: () => ready, ...(health ? { trunkHealth: (n: PhoneNumber) => health.get(n) } : {}) },
    { logger: log.child({ part: "http" }), audio: { mediaTimeouts: { initialMs: config.mediaInitialTimeoutMs, ongoingMs: config.mediaTimeoutMs } } },
  );
  await http.listen({ host: config.httpHost, port: config.httpPort });
  const port = (http.server.address() as AddressInfo).port;
  const url = `http://${config.httpHost.includes(":") ? `[${config.httpHost}]` : config.httpHost}:${port}`;
  if (!process.env.PARLEY_PUBLIC_URL) baseUrl = `http://${config.publicHost}:${port}`;

  // Calls this node left behind when it last died are ended before new ones are taken.
  const swept = await calls.sweepOrphans(config.nodeId, "the Parley node restarted while this call was live");
  if (swept > 0) log.warn({ swept }, "ended calls left unfinished by a previous run of this node");
  await store.nodes.heartbeat(config.nodeId, Date.now());
  const beat = setInterval(() => {
    void (async () => {
      await store.nodes.heartbeat(config.nodeId, Date.now());
      for (const dead of await store.nodes.deadNodes(60_000, Date.now())) {
        if (dead.nodeId === config.nodeId) continue;
        const n = await calls.sweepOrphans(dead.nodeId, `Parley node ${dead.nodeId} stopped answering while this call was live`);
        if (n > 0) log.warn({ node: dead.nodeId, ended: n }, "ended calls of a dead node");
        await store.nodes.remove(dead.nodeId);
      }
    })().catch((err: unknown) => log.warn({ err: String(err) }, "node heartbeat failed"));
  }, 10_000);
  beat.unref();
  dispatcher.start();
  const probe =
    health && config.trunkProbeIntervalMs > 0
      ? setInterval(() => {
          void probeTrunks(store, health).catch((err: unknown) => log.warn({ err: String(err) }, "trunk probe failed"));
        }, config.trunkProbeIntervalMs)
      : undefined;
  probe?.unref();
  ready = true;

  let closed = false;
  return {
    config,
    store,
    calls,
    http,
    url,
    generatedApiKey: generated,
    defaultWorkspace: ws,
    sip: sip?.stack,
    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      clearInterval(beat);
      if (probe) clearInterval(probe);
      await calls.endAll(callEnd("error_retell", { phase: "in_call", fault: "platform", message: "the Parley node is shutting down" }));
      await http.close();
      sip?.hub.close();
      await sip?.stack.close();
      await dispatcher.stop();
      await limiter.close();
      await store.close();
    },
  };
}
