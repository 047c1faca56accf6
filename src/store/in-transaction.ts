/** Runs work atomically whether or not the caller already opened a transaction. */
import type { Kysely, Transaction } from "kysely";

/** Uses the caller's transaction when there is one, else opens a new one. */
export async function inTransaction<DB, T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  return db.transaction().execute((trx: Transaction<DB>) => fn(trx));
}
