/**
 * API keys, stored as sha256 so a database leak does not leak keys. The webhook key is the one
 * exception kept reversibly (encrypted): Retell's webhook signature is keyed by the API key itself.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Selectable } from "kysely";
import { newId } from "../core/ids.js";
import type { ApiKeysTable } from "./db-schema.js";
import { translateDbError } from "./dialect.js";
import type { RepoContext } from "./repo-context.js";
import { StoreError, type ApiKey, type ApiKeyIdentity, type ApiKeyRepo } from "./types.js";

const PREFIX_CHARS = 8;

/** Lowercase hex sha256 of a key, the value kept in key_hash. */
export function hashApiKey(plaintextKey: string): string {
  return createHash("sha256").update(plaintextKey, "utf8").digest("hex");
}

function secretContext(id: string): string {
  return `api_keys.secret:${id}`;
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  const key: ApiKey = {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    keyPrefix: row.key_prefix,
    isWebhookKey: row.is_webhook_key === 1,
    createdAt: row.created_at,
  };
  if (row.revoked_at !== null) key.revokedAt = row.revoked_at;
  return key;
}

/** API key repository over one Kysely handle. */
export class ApiKeys implements ApiKeyRepo {
  constructor(private readonly ctx: RepoContext) {}

  async create(workspaceId: string, plaintextKey: string, opts: { name: string; isWebhookKey: boolean; createdAt?: number }): Promise<ApiKey> {
    if (typeof plaintextKey !== "string" || plaintextKey.length < 16) {
      throw new StoreError("invalid", "an API key must be a string of at least 16 characters");
    }
    const id = newId("key_");
    const row = {
      id,
      workspace_id: workspaceId,
      name: opts.name,
      key_hash: hashApiKey(plaintextKey),
      key_prefix: plaintextKey.slice(0, PREFIX_CHARS),
      is_webhook_key: opts.isWebhookKey ? 1 : 0,
      secret_encrypted: opts.isWebhookKey ? this.ctx.box.seal(plaintextKey, secretContext(id)) : null,
      created_at: opts.createdAt ?? Date.now(),
      revoked_at: null,
    };
    try {
      await this.ctx.db.insertInto("api_keys").values(row).execute();
    } catch (e) {
      throw translateDbError(e, "this API key");
    }
    return toApiKey(row);
  }

  async findByPlaintext(plaintextKey: string): Promise<ApiKeyIdentity | undefined> {
    if (typeof plaintextKey !== "string" || plaintextKey.length === 0) return undefined;
    const hash = hashApiKey(plaintextKey);
    const row = await this.ctx.db
      .selectFrom("api_keys")
      .select(["id", "workspace_id", "name", "is_webhook_key", "key_hash"])
      .where("key_hash", "=", hash)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    // The index finds the row by hash; the explicit constant-time compare keeps the final check
    // free of early-exit timing whatever the database's string comparison does.
    if (!row || !timingSafeEqual(Buffer.from(row.key_hash, "hex"), Buffer.from(hash, "hex"))) return undefined;
    return { id: row.id, workspaceId: row.workspace_id, name: row.name, isWebhookKey: row.is_webhook_key === 1 };
  }

  async webhookSigningKey(workspaceId: string): Promise<string | undefined> {
    const row = await this.ctx.db
      .selectFrom("api_keys")
      .select(["id", "secret_encrypted"])
      .where("workspace_id", "=", workspaceId)
      .where("is_webhook_key", "=", 1)
      .where("revoked_at", "is", null)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .executeTakeFirst();
    if (!row || row.secret_encrypted === null) return undefined;
    return this.ctx.box.open(row.secret_encrypted, secretContext(row.id));
  }

  async list(workspaceId: string): Promise<ApiKey[]> {
    const rows = await this.ctx.db
      .selectFrom("api_keys")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toApiKey);
  }

  async revoke(id: string, at = Date.now()): Promise<boolean> {
    const res = await this.ctx.db
      .updateTable("api_keys")
      .set({ revoked_at: at, secret_encrypted: null })
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }
}
