/**
 * Every call setup reads the same few configuration rows (the dialled number, its workspace, the
 * agent). They change rarely, so the root store answers those reads from memory. Any write to
 * workspaces, agents or phone numbers made by this process — on the store or inside a transaction —
 * drops the whole cache, before the write and again once its transaction has settled; writes made
 * by other nodes are seen within `ttlMs`.
 */

interface Entry {
  readonly at: number;
  readonly value: Promise<unknown>;
}

/** A read-through cache of configuration lookups, dropped on every local configuration write. */
export class ConfigCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Drops every entry. */
  invalidate(): void {
    this.#entries.clear();
  }

  /** The cached answer for `key`, or `load()`'s (a failed load is not kept). */
  read<T>(key: string, load: () => Promise<T>): Promise<T> {
    const t = this.now();
    const hit = this.#entries.get(key);
    if (hit && t - hit.at < this.ttlMs) return hit.value as Promise<T>;
    const value = load();
    const entry = { at: t, value };
    this.#entries.set(key, entry);
    value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return value;
  }
}

type Method = (...args: never[]) => Promise<unknown>;
type MethodsOf<R> = { [K in keyof R]: R[K] extends Method ? K : never }[keyof R];

/** Wraps `repo` so the named writes drop the cache before they run and after they settle. */
export function invalidatingWrites<R extends object>(repo: R, writes: readonly MethodsOf<R>[], onWrite: () => void): R {
  const wrapped = Object.create(repo) as R;
  for (const name of writes) {
    const original = repo[name] as Method;
    (wrapped as Record<PropertyKey, unknown>)[name] = (...args: never[]) => {
      onWrite();
      return original.apply(repo, args).finally(onWrite);
    };
  }
  return wrapped;
}

/** Wraps `repo` so the named reads go through `cache`, keyed by method name and arguments. */
export function cachedReads<R extends object>(repo: R, reads: readonly MethodsOf<R>[], cache: ConfigCache): R {
  const wrapped = Object.create(repo) as R;
  for (const name of reads) {
    const original = repo[name] as Method;
    (wrapped as Record<PropertyKey, unknown>)[name] = (...args: never[]) =>
      cache.read(`${String(name)}\u0000${args.map((a) => String(a)).join("\u0000")}`, () => original.apply(repo, args));
  }
  return wrapped;
}
