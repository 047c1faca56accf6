/**
 * Everything that differs between SQLite and PostgreSQL lives here: opening the connection, the
 * JSON column type, reading a key out of a JSON column, and row locking for the outbox claim.
 * Repositories stay engine-neutral by calling these helpers.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql, type Expression, type QueryResult, type RawBuilder, type SelectQueryBuilder, type SqlBool } from "kysely";
import pg from "pg";
import type { Db } from "./db-schema.js";
import { StoreError, type StoreLocation } from "./types.js";

export type Engine = "sqlite" | "postgres";

export interface OpenedDatabase {
  readonly engine: Engine;
  readonly db: Kysely<Db>;
  /** SQLite only: runs compiled SQL on the connection itself, without Kysely's per-query machinery. */
  readonly direct?: DirectSql;
}

/** Runs one compiled statement synchronously on the single SQLite connection. */
export type DirectSql = (sql: string, params: readonly unknown[]) => QueryResult<unknown>;

/** The direct runner over a (statement-cached) better-sqlite3 handle, with Kysely's result shape. */
function directSql(database: Database.Database): DirectSql {
  return (text, params) => {
    const stmt = database.prepare(text);
    if (stmt.reader) return { rows: stmt.all(params) };
    const { changes } = stmt.run(params);
    return { rows: [], numAffectedRows: BigInt(changes) };
  };
}

const PG_INT8 = 20;
const PG_JSON = 114;
const PG_JSONB = 3802;

/**
 * PG hands int8 back as a string by default. Every int8 here is an epoch ms, a duration or a count,
 * written from a JS number (safe integers are checked on write), so the conversion is exact.
 */
function parseInt8(value: string): number {
  return Number(value);
}

/** JSON comes back as text so both engines share one decode path (and pg never guesses types). */
function keepText(value: string): string {
  return value;
}

const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === PG_INT8) return parseInt8;
    if (oid === PG_JSON || oid === PG_JSONB) return keepText;
    return pg.types.getTypeParser(oid, format ?? "text");
  }) as pg.CustomTypesConfig["getTypeParser"],
};

/** Wraps better-sqlite3 so each distinct SQL text is prepared once (Kysely prepares per query). */
function withStatementCache(database: Database.Database, max = 256): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, prop, receiver) {
      if (prop !== "prepare") return Reflect.get(target, prop, receiver) as unknown;
      return (text: string) => {
        let stmt = cache.get(text);
        if (stmt === undefined) {
          stmt = prepare(text);
          if (cache.size >= max) {
            const oldest = cache.keys().next().value;
            if (oldest !== undefined) cache.delete(oldest);
          }
          cache.set(text, stmt);
        }
        return stmt;
      };
    },
  });
}

/** Opens a SQLite file in WAL mode: writers do not block readers and commits skip a full fsync. */
export function openSqlite(path: string): Database.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("busy_timeout = 5000");
  database.pragma("foreign_keys = ON");
  // 64 MB of page cache (default 2 MB): list pages read rows scattered over the file.
  database.pragma("cache_size = -65536");
  return database;
}

/** Opens the Kysely instance for a location. */
export function openDatabase(location: StoreLocation, poolSize = 10): OpenedDatabase {
  if (location.kind === "sqlite") {
    const database = withStatementCache(openSqlite(location.path));
    return { engine: "sqlite", db: new Kysely<Db>({ dialect: new SqliteDialect({ database }) }), direct: directSql(database) };
  }
  if (!/^postgres(ql)?:\/\//.test(location.url)) {
    throw new StoreError("invalid", `a PostgreSQL URL must start with postgres:// (got "${location.url}")`);
  }
  const pool = new pg.Pool({ connectionString: location.url, max: poolSize, types: pgTypes, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  return { engine: "postgres", db: new Kysely<Db>({ dialect: new PostgresDialect({ pool }) }) };
}

/** Column type for JSON that queries look into (metadata filters); plain text elsewhere. */
export function queryableJsonType(engine: Engine): RawBuilder<unknown> {
  return engine === "postgres" ? sql`jsonb` : sql`text`;
}

/**
 * The value at `key` of a JSON object column as text, or NULL when absent. Booleans read as
 * "true"/"false" and numbers in their JSON spelling on both engines.
 */
export function jsonKeyText(engine: Engine, column: string, key: string): RawBuilder<string | null> {
  if (engine === "postgres") return sql<string | null>`(${sql.ref(column)} ->> cast(${key} as text))`;
  const path = `$.${JSON.stringify(key)}`;
  return sql<string | null>`(case json_type(${sql.ref(column)}, ${path}) when 'true' then 'true' when 'false' then 'false' else cast(json_extract(${sql.ref(column)}, ${path}) as text) end)`;
}

/**
 * Case-sensitive prefix / suffix / substring match on both engines: LIKE on PostgreSQL (its
 * default escape is backslash); GLOB on SQLite, whose LIKE ignores ASCII case.
 */
export function patternMatch(engine: Engine, expr: Expression<string | null>, op: "sw" | "ew" | "co", value: string): RawBuilder<SqlBool> {
  if (engine === "postgres") {
    const lit = value.replace(/[\\%_]/g, (c) => `\\${c}`);
    const pattern = op === "sw" ? `${lit}%` : op === "ew" ? `%${lit}` : `%${lit}%`;
    return sql<SqlBool>`(${expr} like ${pattern})`;
  }
  const lit = value.replace(/[*?[]/g, (c) => `[${c}]`);
  const pattern = op === "sw" ? `${lit}*` : op === "ew" ? `*${lit}` : `*${lit}*`;
  return sql<SqlBool>`(${expr} glob ${pattern})`;
}

/**
 * The column a list's key phase uses to find its rows again: SQLite's rowid goes straight to the
 * row, where the text primary key would cost one more index descent per row.
 */
export function rowLocator(engine: Engine): "rowid" | "call_id" {
  return engine === "sqlite" ? "rowid" : "call_id";
}

/** Locks the selected rows for a claim. SQLite needs nothing: one UPDATE statement is one write transaction. */
export function lockForClaim<DB, TB extends keyof DB, O>(engine: Engine, qb: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
  return engine === "postgres" ? qb.forUpdate().skipLocked() : qb;
}

/** Maps a driver constraint error to a StoreError; other errors pass through unchanged. */
export function translateDbError(error: unknown, what: string): unknown {
  if (typeof error !== "object" || error === null) return error;
  const code = (error as { code?: unknown }).code;
  if (code === "23505" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE") {
    return new StoreError("conflict", `${what} already exists`);
  }
  if (code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY") {
    return new StoreError("invalid", `${what} refers to a workspace that does not exist`);
  }
  if (code === "23502" || code === "SQLITE_CONSTRAINT_NOTNULL" || code === "23514" || code === "SQLITE_CONSTRAINT_CHECK") {
    return new StoreError("invalid", `${what} is missing a required field or has a bad value`);
  }
  if (code === "22P05" || code === "22021" || code === "22P02" || code === "22003") {
    return new StoreError("invalid", `${what} holds a value the database cannot store (e.g. a NUL character or an out-of-range number)`);
  }
  return error;
}
