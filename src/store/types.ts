/**
 * The store's public face: domain objects (camelCase, never raw rows) and the repository
 * interfaces the engines, calls/ and api/ program against. Implementations live next to this file.
 */
import type { CallEvent } from "../core/call-event.js";
import type { CallRecord } from "../core/call-record.js";
import type { CallStatus } from "../core/reasons.js";

/** Where the data lives. */
export type StoreLocation = { readonly kind: "sqlite"; readonly path: string } | { readonly kind: "postgres"; readonly url: string };

export type OpenStoreOptions = StoreLocation & {
  /** 32 bytes; encrypts trunk passwords and the webhook key at rest (AES-256-GCM). */
  readonly secretKey: Buffer;
  /** Run migrations on open (default true). */
  readonly migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  readonly poolSize?: number;
};

export type SortOrder = "ascending" | "descending";

/** Cursor paging options shared by the simple lists. */
export interface ListOptions {
  readonly limit: number;
  readonly sortOrder: SortOrder;
  /** Opaque; taken from a previous page's `paginationKey`. */
  readonly paginationKey?: string;
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
  /** Present when `hasMore`: pass it back to get the next page. */
  paginationKey?: string;
}

/** Why a store operation was refused. Bad input never crashes the store; it throws one of these. */
export type StoreErrorCode = "not_found" | "conflict" | "invalid";

export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(readonly code: StoreErrorCode, message: string) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Workspaces

export type BillingStatus = "active" | "inactive" | "overdue";

export interface Workspace {
  id: string;
  name: string;
  concurrencyLimit: number;
  billingStatus: BillingStatus;
  /** The account-level webhook URL; an agent's own `webhook_url` overrides it. */
  webhookUrl?: string;
  createdAt: number;
}

export interface NewWorkspace {
  /** Defaults to a fresh `ws_…` id. */
  id?: string;
  name: string;
  /** Default 20. */
  concurrencyLimit?: number;
  /** Default "active". */
  billingStatus?: BillingStatus;
  webhookUrl?: string;
  createdAt?: number;
}

export interface WorkspacePatch {
  name?: string;
  concurrencyLimit?: number;
  billingStatus?: BillingStatus;
  /** null clears it. */
  webhookUrl?: string | null;
}

export interface WorkspaceRepo {
  /** Creates a workspace; `conflict` if the id exists. */
  create(input: NewWorkspace): Promise<Workspace>;
  get(id: string): Promise<Workspace | undefined>;
  /** Applies a patch; `not_found` if missing, `invalid` for a bad limit or status. */
  update(id: string, patch: WorkspacePatch): Promise<Workspace>;
  list(): Promise<Workspace[]>;
}

// ---------------------------------------------------------------------------------------------
// API keys

export interface ApiKey {
  id: string;
  workspaceId: string;
  name: string;
  /** The first characters of the key, for display. */
  keyPrefix: string;
  isWebhookKey: boolean;
  createdAt: number;
  revokedAt?: number;
}

/** What authentication learns from a presented key. */
export interface ApiKeyIdentity {
  id: string;
  workspaceId: string;
  name: string;
  isWebhookKey: boolean;
}

export interface ApiKeyRepo {
  /** Stores the key's sha256; only a webhook key is also kept reversibly (encrypted). */
  create(workspaceId: string, plaintextKey: string, opts: { name: string; isWebhookKey: boolean; createdAt?: number }): Promise<ApiKey>;
  /** The identity of a live (not revoked) key, found by its hash. */
  findByPlaintext(plaintextKey: string): Promise<ApiKeyIdentity | undefined>;
  /** Plaintext of the workspace's newest live webhook key (Retell signs webhooks with the key itself). */
  webhookSigningKey(workspaceId: string): Promise<string | undefined>;
  list(workspaceId: string): Promise<ApiKey[]>;
  /** Revokes a key; false if it did not exist or was already revoked. */
  revoke(id: string, at?: number): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Agents (versioned)

/** The whole Retell agent body as sent by the user (snake_case wire fields). */
export type AgentConfig = Record<string, unknown>;

export interface AgentVersion {
  workspaceId: string;
  agentId: string;
  version: number;
  agentName?: string;
  config: AgentConfig;
  isPublished: boolean;
  lastModificationTimestamp: number;
}

export interface AgentRepo {
  /** Inserts one version; `conflict` if (agentId, version) exists. */
  insertVersion(agent: AgentVersion): Promise<AgentVersion>;
  /** A version, or the latest one when `version` is omitted; deleted agents are not found. */
  getVersion(workspaceId: string, agentId: string, version?: number): Promise<AgentVersion | undefined>;
  /** The latest version of each agent, ordered by (lastModificationTimestamp, agentId). */
  listLatest(workspaceId: string, opts: ListOptions): Promise<Page<AgentVersion>>;
  /** Every live version of an agent, oldest first. */
  listVersions(workspaceId: string, agentId: string): Promise<AgentVersion[]>;
  /** Replaces a version's name, config, flag and timestamp; `not_found` if missing. */
  updateVersion(agent: AgentVersion): Promise<AgentVersion>;
  /** Marks a version published; `not_found` if missing. */
  publish(workspaceId: string, agentId: string, version: number): Promise<AgentVersion>;
  /** Deletes every version of an agent; false if none existed. */
  delete(workspaceId: string, agentId: string, at?: number): Promise<boolean>;
  /** Deletes one version; false if it did not exist. */
  deleteVersion(workspaceId: string, agentId: string, version: number, at?: number): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Phone numbers

export type PhoneNumberKind = "imported" | "purchased";
export type SipTransport = "udp" | "tcp" | "tls";

/** One weighted agent choice on a number (Retell's `inbound_agents` / `outbound_agents`). */
export interface AgentWeight {
  agentId: string;
  /** An int, a tag, "latest" or "latest_published"; absent = latest. */
  agentVersion?: number | string;
  weight: number;
}

export interface PhoneNumber {
  /** E.164; unique across all workspaces. */
  phoneNumber: string;
  workspaceId: string;
  kind: PhoneNumberKind;
  nickname?: string;
  terminationUri?: string;
  transport?: SipTransport;
  authUsername?: string;
  /** Plaintext here; the database only holds ciphertext. */
  authPassword?: string;
  inboundAgents?: AgentWeight[];
  outboundAgents?: AgentWeight[];
  inboundWebhookUrl?: string;
  /** Agent used when the inbound webhook fails. */
  fallbackAgentId?: string;
  allowedInboundCountries?: string[];
  allowedOutboundCountries?: string[];
  /** Source addresses/CIDRs allowed to send INVITEs for this number. */
  allowedInboundIps?: string[];
  /** Every other Retell field (snake_case), kept as given. */
  config?: Record<string, unknown>;
  createdAt: number;
  lastModificationTimestamp: number;
}

export interface PhoneNumberRepo {
  /** `conflict` if the number exists in any workspace. */
  insert(number: PhoneNumber): Promise<PhoneNumber>;
  get(workspaceId: string, phoneNumber: string): Promise<PhoneNumber | undefined>;
  /** For inbound routing: the number in whatever workspace holds it. */
  findByNumber(phoneNumber: string): Promise<PhoneNumber | undefined>;
  /** Ordered by (createdAt, phoneNumber). */
  list(workspaceId: string, opts: ListOptions): Promise<Page<PhoneNumber>>;
  /** Replaces the whole number (same workspace and phoneNumber); `not_found` if missing. */
  update(number: PhoneNumber): Promise<PhoneNumber>;
  /** False if it did not exist. */
  delete(workspaceId: string, phoneNumber: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Calls

/** Fields that take `in` (enum) filters. */
export type CallEnumField = "call_id" | "call_status" | "call_type" | "direction" | "disconnection_reason" | "data_storage_setting";
export type CallStringField = "call_id" | "from_number" | "to_number";
export type CallNumberField = "start_timestamp" | "end_timestamp" | "duration_ms";
export type StringOp = "eq" | "ne" | "sw" | "ew" | "co";
export type NumberOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le";
export type KeyedSource = "metadata" | "dynamic_variables";

/** One AND-ed condition of a call list (Retell v2 and v3 filter_criteria both map onto these). */
export type CallFilter =
  | { readonly kind: "in"; readonly field: CallEnumField; readonly values: readonly string[] }
  /** OR over agents; `versions` narrows one agent to some versions. */
  | { readonly kind: "agent"; readonly agents: readonly { readonly agentId: string; readonly versions?: readonly number[] }[] }
  | { readonly kind: "string"; readonly field: CallStringField; readonly op: StringOp; readonly value: string }
  | { readonly kind: "number"; readonly field: CallNumberField; readonly op: NumberOp; readonly value: number }
  /** Inclusive on both ends; either end may be omitted (v2 lower/upper thresholds). */
  | { readonly kind: "range"; readonly field: CallNumberField; readonly lo?: number; readonly hi?: number }
  /** metadata.<key> / dynamic_variables.<key>, compared as strings. */
  | { readonly kind: "keyed"; readonly source: KeyedSource; readonly key: string; readonly op: StringOp; readonly value: string }
  | { readonly kind: "keyed_in"; readonly source: KeyedSource; readonly key: string; readonly values: readonly string[] }
  | { readonly kind: "keyed_present"; readonly source: KeyedSource; readonly key: string; readonly present: boolean };

export interface CallListQuery {
  readonly filters: readonly CallFilter[];
  /** By startTimestamp, then callId. */
  readonly sortOrder: SortOrder;
  /** 1..1000. */
  readonly limit: number;
  /** Opaque cursor from a previous page (or from `callPageKey`). */
  readonly paginationKey?: string;
  /** Rows to skip after the cursor (v3 `skip`). */
  readonly skip?: number;
  /** Also count every row matching the filters (ignores cursor and skip). */
  readonly includeTotal?: boolean;
  /** Leave transcript, transcriptObject and transcriptWithToolCalls out (v3 list items omit them). */
  readonly omitTranscripts?: boolean;
}

export interface CallListResult {
  items: CallRecord[];
  hasMore: boolean;
  paginationKey?: string;
  total?: number;
}

/**
 * What one write left in the store for a call, as the writer saw it. A live call's owner keeps the
 * last one that committed and hands it to its next update, which then writes only what changed.
 */
export interface StoredCall {
  readonly callId: string;
  readonly columns: Readonly<Record<string, unknown>>;
}

export interface CallRepo {
  /** `conflict` if the call id exists. */
  insert(record: CallRecord): Promise<StoredCall>;
  /**
   * Replaces the record; `not_found` if missing (nothing changes then). Given `since` — what
   * this caller's last committed write stored — only the columns that differ are written, so
   * indexes on unchanged columns are not touched; a write that changes nothing is skipped.
   */
  update(record: CallRecord, since?: StoredCall): Promise<StoredCall>;
  get(workspaceId: string, callId: string): Promise<CallRecord | undefined>;
  /** Any workspace; for internal use (media sockets, SIP, sweeps). */
  getById(callId: string): Promise<CallRecord | undefined>;
  /** Deletes the call and its events; false if missing. */
  delete(workspaceId: string, callId: string): Promise<boolean>;
  /** `invalid` for a bad query (limit, cursor, key). */
  list(workspaceId: string, query: CallListQuery): Promise<CallListResult>;
  /** Calls still registered or ongoing, any workspace; optionally only one node's. */
  listUnfinished(opts?: { ownerNode?: string }): Promise<CallRecord[]>;
  /** Number of calls per status in a workspace (every status present, zero when none). */
  countByStatus(workspaceId: string): Promise<Record<CallStatus, number>>;
}

// ---------------------------------------------------------------------------------------------
// Call events

export interface CallEventRepo {
  /**
   * Appends after the call's existing events, keeping the given order. A caller that is the
   * call's only writer passes `firstSeq` (1 for a new call, then the value this returned) and
   * saves reading the log's end; returns the number the next event takes.
   */
  append(callId: string, events: readonly CallEvent[], firstSeq?: number): Promise<number>;
  /** Every event of the call in append order. */
  list(callId: string): Promise<CallEvent[]>;
}

// ---------------------------------------------------------------------------------------------
// Webhook outbox

export type OutboxStatus = "pending" | "delivered" | "dead";

export interface OutboxEntry {
  id: string;
  workspaceId: string;
  callId?: string;
  /** e.g. call_started, call_ended, call_analyzed, transfer_*. */
  event: string;
  url: string;
  /** The exact JSON body to send (signed as is). */
  payload: string;
  /** Delivery attempts started (incremented by each claim). */
  attempts: number;
  status: OutboxStatus;
  nextAttemptAt: number;
  lockedBy?: string;
  lockedUntil?: number;
  lastError?: string;
  createdAt: number;
  deliveredAt?: number;
}

export interface NewOutboxEntry {
  workspaceId: string;
  callId?: string;
  event: string;
  url: string;
  payload: string;
  /** Default now. */
  createdAt?: number;
  /** Default createdAt. */
  nextAttemptAt?: number;
}

export interface OutboxRepo {
  enqueue(entry: NewOutboxEntry): Promise<OutboxEntry>;
  /**
   * Atomically leases up to `limit` due pending entries to `nodeId` until `now + leaseMs`;
   * two nodes never get the same entry while its lease runs.
   */
  claimDue(opts: { nodeId: string; now: number; limit: number; leaseMs: number }): Promise<OutboxEntry[]>;
  markDelivered(id: string, at: number): Promise<void>;
  /** Releases the lease; `dead` stops retries. */
  markFailed(id: string, opts: { error: string; nextAttemptAt: number; dead: boolean }): Promise<void>;
  /** Pending entries, oldest first (for tests and the dashboard). */
  pending(callId?: string): Promise<OutboxEntry[]>;
  get(id: string): Promise<OutboxEntry | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Nodes

export interface NodeInfo {
  nodeId: string;
  startedAt: number;
  heartbeatAt: number;
}

export interface NodeRepo {
  /** Records that a node is alive (creates it on first beat). */
  heartbeat(nodeId: string, now: number): Promise<void>;
  /** Nodes whose last beat is older than `olderThanMs` before `now`. */
  deadNodes(olderThanMs: number, now: number): Promise<NodeInfo[]>;
  list(): Promise<NodeInfo[]>;
  remove(nodeId: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------

/** Every repository, bound either to the store or to one transaction. */
export interface Repositories {
  readonly workspaces: WorkspaceRepo;
  readonly apiKeys: ApiKeyRepo;
  readonly agents: AgentRepo;
  readonly phoneNumbers: PhoneNumberRepo;
  readonly calls: CallRepo;
  readonly callEvents: CallEventRepo;
  readonly outbox: OutboxRepo;
  readonly nodes: NodeRepo;
}

export interface Store extends Repositories {
  readonly kind: "sqlite" | "postgres";
  /** Brings the schema up to date; safe to run again. */
  migrate(): Promise<void>;
  /**
   * Runs `fn` in one transaction (e.g. persist the ended call and enqueue call_ended together). On
   * SQLite it may share its commit with others queued at the same moment, and may run a second
   * time if another member of that group fails: `fn` must only touch the database.
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
