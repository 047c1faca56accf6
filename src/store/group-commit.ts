/**
 * Group commit for SQLite. SQLite has one writer and each commit appends every touched page to
 * the WAL, so a commit costs far more than the statements in it. Transactions asked for in the
 * same moment therefore share one commit: they run one after another inside a single SQLite
 * transaction and each caller's promise settles once that commit is durable.
 *
 * Atomicity per caller is kept without savepoints on the fast path: if any member throws, the
 * whole group rolls back and every member is run again in a transaction of its own, so the failing
 * one rejects alone and the rest commit. Members must only touch the database (they may run twice).
 */
import type { Kysely, Transaction } from "kysely";

interface Member<DB> {
  readonly fn: (trx: Kysely<DB>) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/** Batches transactions on one SQLite handle into shared commits. */
export class GroupCommit<DB> {
  #queue: Member<DB>[] = [];
  #running = false;
  #scheduled = false;
  /** Commits made and the members they carried (the tests read them). */
  readonly stats = { commits: 0, members: 0, fallbacks: 0 };

  constructor(private readonly db: Kysely<DB>) {}

  /** Runs `fn` in a transaction that may be shared with others queued at the same moment. */
  run<T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running || this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate lets every callback of the current I/O phase queue its writes first.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue;
        this.#queue = [];
        await this.#commit(group);
      }
    } finally {
      this.#running = false;
    }
  }

  async #commit(group: Member<DB>[]): Promise<void> {
    const results: unknown[] = [];
    try {
      await this.db.transaction().execute(async (trx: Transaction<DB>) => {
        for (const m of group) results.push(await m.fn(trx));
      });
    } catch (err) {
      if (group.length === 1) return group[0]!.reject(err);
      this.stats.fallbacks++;
      for (const m of group) await this.#alone(m);
      return;
    }
    this.stats.commits++;
    this.stats.members += group.length;
    group.forEach((m, i) => m.resolve(results[i]));
  }

  async #alone(m: Member<DB>): Promise<void> {
    try {
      m.resolve(await this.db.transaction().execute((trx: Transaction<DB>) => m.fn(trx)));
    } catch (err) {
      m.reject(err);
    }
  }
}
