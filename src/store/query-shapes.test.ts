import assert from "node:assert/strict";
import { test } from "node:test";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { QueryShapes } from "./query-shapes.js";

interface T {
  t: { id: number; a: string; b: string };
}

test("a shape's SQL is reused with new parameters; a wrong parameter prediction is never cached", async () => {
  const raw = new Database(":memory:");
  const db = new Kysely<T>({ dialect: new SqliteDialect({ database: raw }) });
  await sql`create table t (id integer primary key, a text, b text)`.execute(db);
  const shapes = new QueryShapes();
  let builds = 0;
  const insert = (row: T["t"], params: unknown[]) =>
    shapes.run(db, "t.insert", params, () => {
      builds++;
      return db.insertInto("t").values(row);
    });
  await insert({ id: 1, a: "x", b: "y" }, [1, "x", "y"]);
  await insert({ id: 2, a: "p", b: "q" }, [2, "p", "q"]);
  assert.equal(builds, 1);
  // Parameters predicted in the wrong order: built every time, values land in the right columns.
  const update = (id: number, a: string) =>
    shapes.run(db, "t.update", [id, a], () => {
      builds++;
      return db.updateTable("t").set({ a }).where("id", "=", id);
    });
  await update(1, "changed");
  await update(2, "again");
  assert.equal(builds, 3);
  assert.deepEqual(raw.prepare("select id, a, b from t order by id").all(), [
    { id: 1, a: "changed", b: "y" },
    { id: 2, a: "again", b: "q" },
  ]);
  await db.destroy();
});
