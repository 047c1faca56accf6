/**
 * Kysely builds an operation tree and compiles it to SQL on every call: for a 40-column call row
 * that costs more than SQLite takes to run the statement. The per-call writes have a handful of
 * shapes, so each shape's SQL is compiled once and reused with fresh parameters.
 *
 * A shape is only reused when its first compile produced exactly the parameters the caller
 * predicted, so a wrong prediction falls back to building the query every time instead of
 * binding values to the wrong columns.
 *
 * On SQLite, inside a transaction, a known shape also skips Kysely's executor: the transaction
 * holds the one connection, so running the statement on it directly is the same statement in
 * the same transaction, without the executor, plugin and promise layers built for every query.
 */
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from "kysely";
import type { DirectSql } from "./dialect.js";

/** Compiled SQL per query shape, shared by every handle of one store. */
export class QueryShapes {
  readonly #sql = new Map<string, string | null>();

  /** At most `max` shapes are kept (later ones are built every time); `direct` is the SQLite fast path. */
  constructor(
    private readonly max = 256,
    private readonly direct?: DirectSql,
  ) {}

  /**
   * Runs the query `build()` would make. `key` names its shape (same key ⇒ same SQL text) and
   * `params` are the values it binds, in order.
   */
  async run<DB, R>(db: Kysely<DB>, key: string, params: readonly unknown[], build: () => Compilable<R>): Promise<QueryResult<R>> {
    const sql = this.#sql.get(key);
    if (typeof sql === "string") {
      // Outside a transaction the connection may be lent to someone else's, so only inside one.
      if (this.direct !== undefined && db.isTransaction) return Promise.resolve(this.direct(sql, params) as QueryResult<R>);
      return db.executeQuery<R>(CompiledQuery.raw(sql, [...params]));
    }
    const compiled = build().compile();
    if (sql === undefined && this.#sql.size < this.max) this.#sql.set(key, sameValues(compiled.parameters, params) ? compiled.sql : null);
    return db.executeQuery(compiled);
  }
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}
