/**
 * The schema, as one list of migrations defined in code and run by Kysely's Migrator on either
 * engine. Append new migrations; never edit one that has shipped.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from "kysely";
import { queryableJsonType, type Engine } from "./dialect.js";

function initialSchema(engine: Engine): Migration {
  const json = queryableJsonType(engine);
  return {
    async up(db) {
      await db.schema
        .createTable("workspaces")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("concurrency_limit", "integer", (c) => c.notNull().defaultTo(20))
        .addColumn("billing_status", "text", (c) => c.notNull().defaultTo("active"))
        .addColumn("webhook_url", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("api_keys")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("key_hash", "text", (c) => c.notNull().unique())
        .addColumn("key_prefix", "text", (c) => c.notNull())
        .addColumn("is_webhook_key", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("secret_encrypted", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("revoked_at", "bigint")
        .execute();
      await db.schema.createIndex("api_keys_workspace").on("api_keys").columns(["workspace_id", "created_at"]).execute();

      await db.schema
        .createTable("agents")
        .addColumn("agent_id", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id"))
        .addColumn("agent_name", "text")
        .addColumn("config", json, (c) => c.notNull())
        .addColumn("is_published", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("last_modification_timestamp", "bigint", (c) => c.notNull())
        .addColumn("deleted_at", "bigint")
        .addPrimaryKeyConstraint("agents_pk", ["agent_id", "version"])
        .execute();
      await db.schema.createIndex("agents_workspace_agent").on("agents").columns(["workspace_id", "agent_id", "version"]).execute();

      await db.schema
        .createTable("phone_numbers")
        .addColumn("phone_number", "text", (c) => c.primaryKey())
        .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id"))
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("nickname", "text")
        .addColumn("termination_uri", "text")
        .addColumn("transport", "text")
        .addColumn("auth_username", "text")
        .addColumn("auth_password_encrypted", "text")
        .addColumn("inbound_agents", json)
        .addColumn("outbound_agents", json)
        .addColumn("inbound_webhook_url", "text")
        .addColumn("fallback_agent_id", "text")
        .addColumn("allowed_inbound_countries", json)
        .addColumn("allowed_outbound_countries", json)
        .addColumn("allowed_inbound_ips", json)
        .addColumn("config", json)
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("last_modification_timestamp", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("phone_numbers_workspace").on("phone_numbers").columns(["workspace_id", "created_at", "phone_number"]).execute();

      await db.schema
        .createTable("calls")
        .addColumn("call_id", "text", (c) => c.primaryKey())
        .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id"))
        .addColumn("call_type", "text", (c) => c.notNull())
        .addColumn("direction", "text")
        .addColumn("agent_id", "text", (c) => c.notNull())
        .addColumn("agent_version", "integer", (c) => c.notNull())
        .addColumn("call_status", "text", (c) => c.notNull())
        .addColumn("disconnection_reason", "text")
        .addColumn("data_storage_setting", "text", (c) => c.notNull())
        .addColumn("from_number", "text")
        .addColumn("to_number", "text")
        .addColumn("start_timestamp", "bigint", (c) => c.notNull())
        .addColumn("end_timestamp", "bigint")
        .addColumn("duration_ms", "bigint")
        .addColumn("owner_node", "text")
        .addColumn("end_phase", "text")
        .addColumn("end_fault", "text")
        .addColumn("end_sip_code", "integer")
        .addColumn("metadata", json)
        .addColumn("dynamic_variables", json)
        .addColumn("end_detail", "text")
        .addColumn("timestamps", "text", (c) => c.notNull())
        .addColumn("transcripts", "text")
        .addColumn("extra", "text", (c) => c.notNull())
        .execute();
      // Every list is "within a workspace, newest first, maybe narrowed by one indexed column":
      // each index ends in (start_timestamp, call_id) so the cursor walks it without sorting.
      const byTime = ["start_timestamp", "call_id"];
      for (const [name, lead] of [
        ["calls_ws_start", []],
        ["calls_ws_status", ["call_status"]],
        ["calls_ws_reason", ["disconnection_reason"]],
        ["calls_ws_agent", ["agent_id"]],
        ["calls_ws_from", ["from_number"]],
        ["calls_ws_to", ["to_number"]],
      ] as const) {
        await db.schema.createIndex(name).on("calls").columns(["workspace_id", ...lead, ...byTime]).execute();
      }
      await db.schema
        .createIndex("calls_unfinished")
        .on("calls")
        .columns(["owner_node", "call_status"])
        .where(sql<boolean>`call_status in ('registered', 'ongoing')`)
        .execute();

      await db.schema
        .createTable("call_events")
        .addColumn("call_id", "text", (c) => c.notNull())
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("t_ms", "bigint", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("data", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("call_events_pk", ["call_id", "seq"])
        .execute();

      await db.schema
        .createTable("webhook_outbox")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id"))
        .addColumn("call_id", "text")
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
        .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
        .addColumn("locked_by", "text")
        .addColumn("locked_until", "bigint")
        .addColumn("last_error", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("delivered_at", "bigint")
        .execute();
      await db.schema.createIndex("webhook_outbox_due").on("webhook_outbox").columns(["status", "next_attempt_at"]).execute();
      await db.schema.createIndex("webhook_outbox_call").on("webhook_outbox").columns(["call_id", "created_at"]).execute();

      await db.schema
        .createTable("nodes")
        .addColumn("node_id", "text", (c) => c.primaryKey())
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("heartbeat_at", "bigint", (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * A SIP message's text in its own column: written as the bytes that went over the wire, it skips
 * the text decoding and JSON escaping that made the call log the costliest part of storing a call.
 */
function callEventRaw(engine: Engine): Migration {
  return {
    async up(db) {
      await db.schema.alterTable("call_events").addColumn("raw", engine === "postgres" ? "bytea" : "blob").execute();
    },
  };
}

/** The ordered migrations for an engine. */
export function migrationsFor(engine: Engine): Record<string, Migration> {
  return { "0001_initial": initialSchema(engine), "0002_call_event_raw": callEventRaw(engine) };
}

/** Brings the schema to the latest migration; a no-op when already there. */
export async function migrateToLatest<DB>(db: Kysely<DB>, engine: Engine): Promise<void> {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrationsFor(engine)) };
  const migrator = new Migrator({ db, provider, migrationTableName: "parley_migration", migrationLockTableName: "parley_migration_lock" });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(failed ? `store migration ${failed} failed: ${why}` : `cannot migrate the store: ${why}`, { cause: error });
  }
}
