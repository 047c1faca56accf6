// An append-only file writer that batches small writes and keeps them in order without blocking the
// event loop, with one positional write for patching a header at close. Small writes are copied
// into a chunk buffer rather than kept as separate objects: hundreds of recordings each holding
// seconds of 640-byte frames would otherwise fill V8's old generation and force frequent full GCs.

import { open, type FileHandle } from "node:fs/promises";

/** Buffered sequential writer to one file. */
export class FileSink {
  private readonly handle: FileHandle;
  private readonly chunkBytes: number;
  private chunk: Buffer;
  private used = 0;
  /**
   * Bytes the current chunk takes before it is written. The first chunk stops at a random point of
   * its second half: files opened together (calls that started together) would otherwise all issue
   * their writes in the same tick, over and over.
   */
  private limit: number;
  /** Chunks whose write has completed, ready for reuse. */
  private readonly spare: Buffer[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  /** Bytes accepted so far (written or pending). */
  bytes = 0;

  private constructor(handle: FileHandle, chunkBytes: number) {
    this.handle = handle;
    this.chunkBytes = chunkBytes;
    this.chunk = Buffer.allocUnsafe(chunkBytes);
    this.limit = chunkBytes - Math.floor(Math.random() * (chunkBytes / 2));
  }

  /** Creates (truncates) `path` for writing. */
  static async create(path: string, chunkBytes = 16 * 1024): Promise<FileSink> {
    return new FileSink(await open(path, "w"), chunkBytes);
  }

  /** Appends bytes; they reach the file in order. */
  write(data: Uint8Array): void {
    if (this.failure) throw this.failure;
    this.bytes += data.length;
    if (this.used + data.length > this.limit) this.flush();
    if (data.length >= this.chunkBytes) {
      this.enqueue(Buffer.from(data), null); // a large write: its own copy, no chunk involved
      return;
    }
    this.chunk.set(data, this.used);
    this.used += data.length;
  }

  /**
   * Appends `bytes` that the caller fills in place, synchronously, before it yields (a record is
   * built straight into the chunk: no per-record buffer, no copy). Returns the space to fill.
   */
  claim(bytes: number): Buffer {
    if (this.failure) throw this.failure;
    this.bytes += bytes;
    if (this.used + bytes > this.limit) this.flush();
    if (bytes >= this.chunkBytes) {
      // Too large for a chunk: its own buffer, whose write runs after the caller has filled it.
      const own = Buffer.allocUnsafe(bytes);
      this.enqueue(own, null);
      return own;
    }
    const at = this.used;
    this.used += bytes;
    return this.chunk.subarray(at, at + bytes);
  }

  /**
   * As `claim`, but returns where in `chunk` the space starts, so that a caller writing many small
   * records needs no view object per record; -1 (nothing claimed) when `bytes` would not fit in a
   * chunk: use `claim` for that. The offset is into the chunk as it is after this call.
   */
  claimAt(bytes: number): number {
    if (bytes >= this.chunkBytes) return -1;
    if (this.failure) throw this.failure;
    this.bytes += bytes;
    if (this.used + bytes > this.limit) this.flush();
    const at = this.used;
    this.used += bytes;
    return at;
  }

  /** The chunk being filled (see `claimAt`); it changes when full, so read it after claiming. */
  get current(): Buffer {
    return this.chunk;
  }

  private enqueue(data: Buffer, recycle: Buffer | null): void {
    this.chain = this.chain.then(async () => {
      let off = 0;
      while (off < data.length) off += (await this.handle.write(data, off, data.length - off)).bytesWritten;
      if (recycle && this.spare.length < 1) this.spare.push(recycle);
    });
    this.chain.catch((err: unknown) => {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
    });
  }

  private flush(): void {
    if (this.used === 0) return;
    const full = this.chunk;
    this.enqueue(full.subarray(0, this.used), full);
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(this.chunkBytes);
    this.used = 0;
    this.limit = this.chunkBytes;
  }

  /** Writes everything pending, then `header` at `position` (if given), and closes the file. */
  async close(header?: { data: Buffer; position: number }): Promise<void> {
    this.flush();
    try {
      await this.chain;
      if (header) await this.handle.write(header.data, 0, header.data.length, header.position);
    } finally {
      await this.handle.close();
    }
    if (this.failure) throw this.failure;
  }
}
