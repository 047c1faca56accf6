import pg from "pg";
import { randomBytes } from "node:crypto";

export const PG_BASE = process.env.PARLEY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432";

/** Creates a scratch PostgreSQL database; `drop()` removes it. */
export async function scratchDatabase(prefix = "parley_it"): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: `${PG_BASE}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: `${PG_BASE}/${name}`,
    async drop() {
      const c = new pg.Client({ connectionString: `${PG_BASE}/postgres` });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
