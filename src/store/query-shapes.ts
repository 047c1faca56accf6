/**
 * Kysely builds an operation tree and compiles it to SQL on every call: for a 40-column call row
 * that costs more than SQLite takes to run the statement. The per-call writes have a handful of
 * shapes, so each shape's SQL is compiled once and reused with fresh parameters.
 *
 * A shape is only reused when its first compile produced exactly the parameters the caller
 * predicted, so a wrong prediction falls back to building the query every time instead of
 * binding values to the wrong columns.
 */
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from "kysely";

/** Compiled SQL per query shape, shared by every handle of one store. */
export class QueryShapes {
  readonly #sql = new Map<string, string | null>();

  /** At most this many shapes are kept; later ones are built every time. */
  constructor(private readonly max = 256) {}

  /**
   * Runs the query `build()` would make. `key` names its shape (same key ⇒ same SQL text) and
   * `params` are the values it binds, in order.
   */
  async run<DB, R>(db: Kysely<DB>, key: string, params: readonly unknown[], build: () => Compilable<R>): Promise<QueryResult<R>> {
    const sql = this.#sql.get(key);
    if (typeof sql === "string") return db.executeQuery<R>(CompiledQuery.raw(sql, [...params]));
    const compiled = build().compile();
    if (sql === undefined && this.#sql.size < this.max) this.#sql.set(key, sameValues(compiled.parameters, params) ? compiled.sql : null);
    return db.executeQuery(compiled);
  }
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}
