import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { GroupCommit } from "./group-commit.js";

interface T {
  t: { id: number };
}

const dir = mkdtempSync(join(tmpdir(), "parley-group-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function fresh(name: string, gap?: { minGapMs: number; busyMembers: number }): Promise<{ db: Kysely<T>; group: GroupCommit<T>; raw: Database.Database }> {
  const raw = new Database(join(dir, `${name}.db`));
  raw.pragma("journal_mode = WAL");
  const db = new Kysely<T>({ dialect: new SqliteDialect({ database: raw }) });
  await sql`create table t (id integer primary key)`.execute(db);
  return { db, group: gap ? new GroupCommit(db, gap.minGapMs, gap.busyMembers) : new GroupCommit(db), raw };
}

test("transactions asked for together share one commit and each gets its own result", async () => {
  const { db, group, raw } = await fresh("share");
  const results = await Promise.all([1, 2, 3, 4].map((id) => group.run(async (trx) => (await trx.insertInto("t").values({ id }).execute(), id * 10))));
  assert.deepEqual(results, [10, 20, 30, 40]);
  assert.deepEqual(group.stats, { commits: 1, members: 4, fallbacks: 0 });
  assert.equal((raw.prepare("select count(*) n from t").get() as { n: number }).n, 4);
  await db.destroy();
});

test("a failing member rolls back alone; the others commit", async () => {
  const { db, group, raw } = await fresh("fail");
  const outcomes = await Promise.allSettled([
    group.run((trx) => trx.insertInto("t").values({ id: 1 }).execute()),
    group.run(async (trx) => {
      await trx.insertInto("t").values({ id: 2 }).execute();
      throw new Error("member 2 fails after writing");
    }),
    group.run((trx) => trx.insertInto("t").values({ id: 3 }).execute()),
  ]);
  assert.deepEqual(outcomes.map((o) => o.status), ["fulfilled", "rejected", "fulfilled"]);
  assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /member 2 fails/);
  assert.equal(group.stats.fallbacks, 1);
  const ids = (raw.prepare("select id from t order by id").all() as { id: number }[]).map((r) => r.id);
  assert.deepEqual(ids, [1, 3]);
  await db.destroy();
});

test("work queued while a commit runs goes into the next one", async () => {
  const { db, group } = await fresh("next");
  let second: Promise<unknown> | undefined;
  await group.run(async (trx) => {
    second = group.run((t2) => t2.insertInto("t").values({ id: 2 }).execute());
    await trx.insertInto("t").values({ id: 1 }).execute();
  });
  await second;
  assert.equal(group.stats.commits, 2);
  await db.destroy();
});

test("after a busy commit the next one waits for its slot, and gathers what came meanwhile", async () => {
  const { db, group } = await fresh("gap", { minGapMs: 200, busyMembers: 3 });
  const insert = (id: number) => group.run((trx) => trx.insertInto("t").values({ id }).execute());
  // The gap runs from the start of the busy commit.
  const busyAt = performance.now();
  await Promise.all([1, 2, 3].map(insert));
  // Three writers arriving one after another, as calls do under load: one commit, after the gap.
  const late = [insert(4)];
  await new Promise((r) => setImmediate(r));
  late.push(insert(5));
  await new Promise((r) => setTimeout(r, 5));
  late.push(insert(6));
  await Promise.all(late);
  // Timers may fire up to a millisecond early.
  assert.ok(performance.now() - busyAt >= 199, "the second commit waited for the gap");
  assert.deepEqual(group.stats, { commits: 2, members: 6, fallbacks: 0 });
  await db.destroy();
});

test("a lone writer's chain of transactions never waits for the gap", { timeout: 5000 }, async () => {
  // With a one-minute gap, any wait would run past the test's timeout.
  const { db, group } = await fresh("lone", { minGapMs: 60_000, busyMembers: 2 });
  for (let id = 1; id <= 20; id++) await group.run((trx) => trx.insertInto("t").values({ id }).execute());
  assert.deepEqual(group.stats, { commits: 20, members: 20, fallbacks: 0 });
  await db.destroy();
});
