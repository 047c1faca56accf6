import assert from "node:assert/strict";
import { test } from "node:test";
import { cachedReads, ConfigCache, invalidatingWrites } from "./config-cache.js";

class Repo {
  value = "a";
  reads = 0;
  async get(id: string): Promise<string> {
    this.reads++;
    return `${id}:${this.value}`;
  }
  async set(v: string): Promise<void> {
    this.value = v;
  }
}

test("reads are answered from the cache until a write through any wrapper drops it", async () => {
  const cache = new ConfigCache(60_000);
  const repo = new Repo();
  const reader = cachedReads(repo, ["get"], cache);
  const writer = invalidatingWrites(repo, ["set"], () => cache.invalidate());
  assert.equal(await reader.get("x"), "x:a");
  assert.equal(await reader.get("x"), "x:a");
  assert.equal(repo.reads, 1);
  assert.equal(await reader.get("y"), "y:a");
  assert.equal(repo.reads, 2);
  await writer.set("b");
  assert.equal(await reader.get("x"), "x:b");
  assert.equal(repo.reads, 3);
});

test("entries expire after the TTL, and failed loads are not kept", async () => {
  let now = 0;
  const cache = new ConfigCache(1000, () => now);
  let calls = 0;
  const load = async (): Promise<number> => ++calls;
  assert.equal(await cache.read("k", load), 1);
  now = 999;
  assert.equal(await cache.read("k", load), 1);
  now = 1000;
  assert.equal(await cache.read("k", load), 2);
  await assert.rejects(cache.read("bad", () => Promise.reject(new Error("db down"))));
  assert.equal(await cache.read("bad", async () => "recovered"), "recovered");
});
