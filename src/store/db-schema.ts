/**
 * Row shapes of every table as Kysely sees them. Rows never leave the store: each repository maps
 * them to the domain objects in types.ts. Epoch ms are numbers on both engines (PG int8 is parsed
 * to number in dialect.ts); booleans are 0/1 integers on both so no mapping depends on the engine;
 * JSON columns hold serialized text on the way in and come back as text (PG jsonb parser disabled).
 */

export interface WorkspacesTable {
  id: string;
  name: string;
  concurrency_limit: number;
  billing_status: string;
  webhook_url: string | null;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  workspace_id: string;
  name: string;
  key_hash: string;
  key_prefix: string;
  is_webhook_key: number;
  secret_encrypted: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface AgentsTable {
  agent_id: string;
  version: number;
  workspace_id: string;
  agent_name: string | null;
  config: string;
  is_published: number;
  last_modification_timestamp: number;
  deleted_at: number | null;
}

export interface PhoneNumbersTable {
  phone_number: string;
  workspace_id: string;
  kind: string;
  nickname: string | null;
  termination_uri: string | null;
  transport: string | null;
  auth_username: string | null;
  auth_password_encrypted: string | null;
  inbound_agents: string | null;
  outbound_agents: string | null;
  inbound_webhook_url: string | null;
  fallback_agent_id: string | null;
  allowed_inbound_countries: string | null;
  allowed_outbound_countries: string | null;
  allowed_inbound_ips: string | null;
  config: string | null;
  created_at: number;
  last_modification_timestamp: number;
}

export interface CallsTable {
  call_id: string;
  workspace_id: string;
  call_type: string;
  direction: string | null;
  agent_id: string;
  agent_version: number;
  call_status: string;
  disconnection_reason: string | null;
  data_storage_setting: string;
  from_number: string | null;
  to_number: string | null;
  start_timestamp: number;
  end_timestamp: number | null;
  duration_ms: number | null;
  owner_node: string | null;
  end_phase: string | null;
  end_fault: string | null;
  end_sip_code: number | null;
  metadata: string | null;
  dynamic_variables: string | null;
  end_detail: string | null;
  timestamps: string;
  /** {transcript, transcriptObject, transcriptWithToolCalls}: apart so lists can skip it. */
  transcripts: string | null;
  /** Every other CallRecord field, so new fields persist without a migration. */
  extra: string;
}

export interface CallEventsTable {
  call_id: string;
  seq: number;
  t_ms: number;
  at: number;
  type: string;
  data: string;
  /** A SIP message's bytes (sip.in / sip.out), read back as `data.raw`. */
  raw: Buffer | null;
}

export interface WebhookOutboxTable {
  id: string;
  workspace_id: string;
  call_id: string | null;
  event: string;
  url: string;
  payload: string;
  attempts: number;
  status: string;
  next_attempt_at: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface NodesTable {
  node_id: string;
  started_at: number;
  heartbeat_at: number;
}

export interface Db {
  workspaces: WorkspacesTable;
  api_keys: ApiKeysTable;
  agents: AgentsTable;
  phone_numbers: PhoneNumbersTable;
  calls: CallsTable;
  call_events: CallEventsTable;
  webhook_outbox: WebhookOutboxTable;
  nodes: NodesTable;
}
