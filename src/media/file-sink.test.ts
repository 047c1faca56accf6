import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSink } from "./file-sink.js";

/** Runs `body` with the path of a file in a fresh directory, removed afterwards. */
async function withFile(body: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "parley-sink-"));
  try {
    await body(join(dir, "out.bin"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("small, chunk-sized and large writes land in order, and the header patch goes to its position", async () => {
  await withFile(async (path) => {
    const sink = await FileSink.create(path, 64);
    const expected: number[] = [0, 0, 0, 0];
    sink.write(Buffer.from([0, 0, 0, 0]));
    let v = 1;
    for (const size of [3, 60, 1, 64, 200, 7, 63, 64, 5]) {
      const b = Buffer.alloc(size);
      for (let i = 0; i < size; i++) b[i] = v++ & 0xff;
      sink.write(b);
      expected.push(...b);
      // The caller may reuse its buffer at once: the sink must have copied it.
      b.fill(0xee);
    }
    assert.equal(sink.bytes, expected.length);
    await sink.close({ data: Buffer.from([9, 8, 7, 6]), position: 0 });
    expected.splice(0, 4, 9, 8, 7, 6);
    assert.deepEqual([...(await readFile(path))], expected);
  });
});

test("claimed space is written where it was claimed, also when larger than a chunk", async () => {
  await withFile(async (path) => {
    const sink = await FileSink.create(path, 16);
    const expected: number[] = [];
    let v = 1;
    for (const size of [5, 10, 3, 16, 40, 1]) {
      const space = sink.claim(size);
      assert.equal(space.length, size);
      for (let i = 0; i < size; i++) space[i] = v++ & 0xff;
      expected.push(...space);
      sink.write(Buffer.from([0xaa]));
      expected.push(0xaa);
    }
    assert.equal(sink.bytes, expected.length);
    await sink.close();
    assert.deepEqual([...(await readFile(path))], expected);
  });
});

test("claimAt gives an offset into the current chunk, and -1 (nothing claimed) for a record too large for one", async () => {
  await withFile(async (path) => {
    const sink = await FileSink.create(path, 16);
    const expected: number[] = [];
    let v = 1;
    for (const size of [5, 10, 3, 15, 1, 7]) {
      const at = sink.claimAt(size);
      assert.ok(at >= 0 && at + size <= 16);
      const chunk = sink.current;
      for (let i = 0; i < size; i++) {
        chunk[at + i] = v & 0xff;
        expected.push(v++ & 0xff);
      }
    }
    const before = sink.bytes;
    assert.equal(sink.claimAt(16), -1);
    assert.equal(sink.bytes, before);
    await sink.close();
    assert.deepEqual([...(await readFile(path))], expected);
  });
});
