/**
 * Phone numbers and their SIP trunk settings. A number is unique across all workspaces (inbound
 * routing finds it without knowing the workspace). The trunk password is encrypted at rest.
 */
import type { Selectable } from "kysely";
import type { PhoneNumbersTable } from "./db-schema.js";
import { translateDbError } from "./dialect.js";
import { fromJson, toJson } from "./json-column.js";
import { checkLimit, decodePageKey, encodePageKey } from "./page-key.js";
import type { RepoContext } from "./repo-context.js";
import type { SecretBox } from "./secret-box.js";
import {
  StoreError,
  type AgentWeight,
  type ListOptions,
  type Page,
  type PhoneNumber,
  type PhoneNumberKind,
  type PhoneNumberRepo,
  type SipTransport,
} from "./types.js";

const KINDS: readonly PhoneNumberKind[] = ["imported", "purchased"];
const TRANSPORTS: readonly SipTransport[] = ["udp", "tcp", "tls"];

function passwordContext(phoneNumber: string): string {
  return `phone_numbers.auth_password:${phoneNumber}`;
}

function checkNumber(n: PhoneNumber): void {
  const problems: string[] = [];
  if (typeof n.phoneNumber !== "string" || n.phoneNumber.length === 0) problems.push("phoneNumber must be a non-empty string");
  if (typeof n.workspaceId !== "string" || n.workspaceId.length === 0) problems.push("workspaceId must be a non-empty string");
  if (!KINDS.includes(n.kind)) problems.push(`kind must be one of ${KINDS.join(", ")}`);
  if (n.transport !== undefined && !TRANSPORTS.includes(n.transport)) problems.push(`transport must be one of ${TRANSPORTS.join(", ")}`);
  if (!Number.isFinite(n.createdAt) || !Number.isFinite(n.lastModificationTimestamp)) problems.push("timestamps must be epoch ms");
  if (problems.length > 0) throw new StoreError("invalid", `bad phone number: ${problems.join("; ")}`);
}

function toRow(n: PhoneNumber, box: SecretBox): Selectable<PhoneNumbersTable> {
  return {
    phone_number: n.phoneNumber,
    workspace_id: n.workspaceId,
    kind: n.kind,
    nickname: n.nickname ?? null,
    termination_uri: n.terminationUri ?? null,
    transport: n.transport ?? null,
    auth_username: n.authUsername ?? null,
    auth_password_encrypted: n.authPassword === undefined ? null : box.seal(n.authPassword, passwordContext(n.phoneNumber)),
    inbound_agents: toJson(n.inboundAgents),
    outbound_agents: toJson(n.outboundAgents),
    inbound_webhook_url: n.inboundWebhookUrl ?? null,
    fallback_agent_id: n.fallbackAgentId ?? null,
    allowed_inbound_countries: toJson(n.allowedInboundCountries),
    allowed_outbound_countries: toJson(n.allowedOutboundCountries),
    allowed_inbound_ips: toJson(n.allowedInboundIps),
    config: toJson(n.config),
    created_at: n.createdAt,
    last_modification_timestamp: n.lastModificationTimestamp,
  };
}

function toPhoneNumber(row: Selectable<PhoneNumbersTable>, box: SecretBox): PhoneNumber {
  const where = `phone number ${row.phone_number}`;
  const n: PhoneNumber = {
    phoneNumber: row.phone_number,
    workspaceId: row.workspace_id,
    kind: row.kind as PhoneNumberKind,
    createdAt: row.created_at,
    lastModificationTimestamp: row.last_modification_timestamp,
  };
  if (row.nickname !== null) n.nickname = row.nickname;
  if (row.termination_uri !== null) n.terminationUri = row.termination_uri;
  if (row.transport !== null) n.transport = row.transport as SipTransport;
  if (row.auth_username !== null) n.authUsername = row.auth_username;
  if (row.auth_password_encrypted !== null) n.authPassword = box.open(row.auth_password_encrypted, passwordContext(row.phone_number));
  const inbound = fromJson<AgentWeight[]>(row.inbound_agents, where);
  if (inbound !== undefined) n.inboundAgents = inbound;
  const outbound = fromJson<AgentWeight[]>(row.outbound_agents, where);
  if (outbound !== undefined) n.outboundAgents = outbound;
  if (row.inbound_webhook_url !== null) n.inboundWebhookUrl = row.inbound_webhook_url;
  if (row.fallback_agent_id !== null) n.fallbackAgentId = row.fallback_agent_id;
  const inCountries = fromJson<string[]>(row.allowed_inbound_countries, where);
  if (inCountries !== undefined) n.allowedInboundCountries = inCountries;
  const outCountries = fromJson<string[]>(row.allowed_outbound_countries, where);
  if (outCountries !== undefined) n.allowedOutboundCountries = outCountries;
  const ips = fromJson<string[]>(row.allowed_inbound_ips, where);
  if (ips !== undefined) n.allowedInboundIps = ips;
  const config = fromJson<Record<string, unknown>>(row.config, where);
  if (config !== undefined) n.config = config;
  return n;
}

/** Phone number repository over one Kysely handle. */
export class PhoneNumbers implements PhoneNumberRepo {
  constructor(private readonly ctx: RepoContext) {}

  async insert(number: PhoneNumber): Promise<PhoneNumber> {
    checkNumber(number);
    try {
      await this.ctx.db.insertInto("phone_numbers").values(toRow(number, this.ctx.box)).execute();
    } catch (e) {
      throw translateDbError(e, `phone number ${number.phoneNumber}`);
    }
    return { ...number };
  }

  async get(workspaceId: string, phoneNumber: string): Promise<PhoneNumber | undefined> {
    const row = await this.ctx.db
      .selectFrom("phone_numbers")
      .selectAll()
      .where("phone_number", "=", phoneNumber)
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirst();
    return row && toPhoneNumber(row, this.ctx.box);
  }

  async findByNumber(phoneNumber: string): Promise<PhoneNumber | undefined> {
    const row = await this.ctx.db.selectFrom("phone_numbers").selectAll().where("phone_number", "=", phoneNumber).executeTakeFirst();
    return row && toPhoneNumber(row, this.ctx.box);
  }

  async list(workspaceId: string, opts: ListOptions): Promise<Page<PhoneNumber>> {
    checkLimit(opts.limit);
    const desc = opts.sortOrder !== "ascending";
    let q = this.ctx.db.selectFrom("phone_numbers").selectAll().where("workspace_id", "=", workspaceId);
    if (opts.paginationKey !== undefined) {
      const after = decodePageKey(opts.paginationKey);
      q = q.where((eb) => eb(eb.refTuple("created_at", "phone_number"), desc ? "<" : ">", eb.tuple(after.at, after.id)));
    }
    const dir = desc ? "desc" : "asc";
    const rows = await q.orderBy("created_at", dir).orderBy("phone_number", dir).limit(opts.limit + 1).execute();
    const hasMore = rows.length > opts.limit;
    const items = rows.slice(0, opts.limit).map((r) => toPhoneNumber(r, this.ctx.box));
    const last = items[items.length - 1];
    const page: Page<PhoneNumber> = { items, hasMore };
    if (hasMore && last) page.paginationKey = encodePageKey(last.createdAt, last.phoneNumber);
    return page;
  }

  async update(number: PhoneNumber): Promise<PhoneNumber> {
    checkNumber(number);
    const { phone_number: _pn, workspace_id: _ws, created_at: _created, ...set } = toRow(number, this.ctx.box);
    const res = await this.ctx.db
      .updateTable("phone_numbers")
      .set(set)
      .where("phone_number", "=", number.phoneNumber)
      .where("workspace_id", "=", number.workspaceId)
      .executeTakeFirst()
      .catch((e: unknown) => Promise.reject(translateDbError(e, `phone number ${number.phoneNumber}`)));
    if (res.numUpdatedRows === 0n) throw new StoreError("not_found", `phone number ${number.phoneNumber} not found`);
    const stored = await this.get(number.workspaceId, number.phoneNumber);
    if (!stored) throw new StoreError("not_found", `phone number ${number.phoneNumber} not found`);
    return stored;
  }

  async delete(workspaceId: string, phoneNumber: string): Promise<boolean> {
    const res = await this.ctx.db
      .deleteFrom("phone_numbers")
      .where("phone_number", "=", phoneNumber)
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirst();
    return res.numDeletedRows > 0n;
  }
}
