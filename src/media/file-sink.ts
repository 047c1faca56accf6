// An append-only file writer that batches small writes and keeps them in order without blocking the
// event loop, with one positional write for patching a header at close.

import { open, type FileHandle } from "node:fs/promises";

/** Buffered sequential writer to one file. */
export class FileSink {
  private readonly handle: FileHandle;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private readonly flushBytes: number;
  /** Bytes accepted so far (written or pending). */
  bytes = 0;

  private constructor(handle: FileHandle, flushBytes: number) {
    this.handle = handle;
    this.flushBytes = flushBytes;
  }

  /** Creates (truncates) `path` for writing. */
  static async create(path: string, flushBytes = 64 * 1024): Promise<FileSink> {
    return new FileSink(await open(path, "w"), flushBytes);
  }

  /** Appends bytes; they reach the file in order. */
  write(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.pending.push(b);
    this.pendingBytes += b.length;
    this.bytes += b.length;
    if (this.pendingBytes >= this.flushBytes) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.chain = this.chain.then(async () => {
      let off = 0;
      while (off < data.length) off += (await this.handle.write(data, off, data.length - off)).bytesWritten;
    });
    this.chain.catch((err: unknown) => {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
    });
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
