/** Opens Parley's store on SQLite or PostgreSQL and binds every repository to it. */
import { join } from "node:path";
import type { Kysely } from "kysely";
import { Agents } from "./agents.js";
import { ApiKeys } from "./api-keys.js";
import { CallEvents } from "./call-events.js";
import { Calls } from "./calls.js";
import type { Db } from "./db-schema.js";
import { cachedReads, ConfigCache, invalidatingWrites } from "./config-cache.js";
import { openDatabase, type DirectSql, type Engine } from "./dialect.js";
import { GroupCommit } from "./group-commit.js";
import { migrateToLatest } from "./migrations.js";
import { Nodes } from "./nodes.js";
import { Outbox } from "./outbox.js";
import { PhoneNumbers } from "./phone-numbers.js";
import { QueryShapes } from "./query-shapes.js";
import type { RepoContext } from "./repo-context.js";
import { SecretBox } from "./secret-box.js";
import type { OpenStoreOptions, Repositories, Store } from "./types.js";
import { Workspaces } from "./workspaces.js";

/** `${PARLEY_DATA_DIR}/parley.db`, with PARLEY_DATA_DIR defaulting to ./data. */
export function defaultSqlitePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.PARLEY_DATA_DIR ?? "./data", "parley.db");
}

/**
 * Repositories over one handle, each built on first use: a transaction usually touches one or two,
 * and building all of them for each of thousands of call writes a second costs more than the writes.
 */
function repositories(ctx: RepoContext, onConfigWrite: () => void): Repositories {
  const built: Partial<Repositories> = {};
  const once = <K extends keyof Repositories>(key: K, make: () => Repositories[K]): Repositories[K] => (built[key] ??= make()) as Repositories[K];
  return {
    get workspaces() {
      return once("workspaces", () => invalidatingWrites(new Workspaces(ctx), ["create", "update"], onConfigWrite));
    },
    get apiKeys() {
      return once("apiKeys", () => new ApiKeys(ctx));
    },
    get agents() {
      return once("agents", () => invalidatingWrites(new Agents(ctx), ["insertVersion", "updateVersion", "publish", "delete", "deleteVersion"], onConfigWrite));
    },
    get phoneNumbers() {
      return once("phoneNumbers", () => invalidatingWrites(new PhoneNumbers(ctx), ["insert", "update", "delete"], onConfigWrite));
    },
    get calls() {
      return once("calls", () => new Calls(ctx));
    },
    get callEvents() {
      return once("callEvents", () => new CallEvents(ctx));
    },
    get outbox() {
      return once("outbox", () => new Outbox(ctx));
    },
    get nodes() {
      return once("nodes", () => new Nodes(ctx));
    },
  };
}

/** The root store's repositories: configuration lookups answered from `cache`. */
function cachedRepositories(ctx: RepoContext, cache: ConfigCache): Repositories {
  const repos = repositories(ctx, () => cache.invalidate());
  return {
    ...repos,
    workspaces: cachedReads(repos.workspaces, ["get"], cache),
    agents: cachedReads(repos.agents, ["getVersion"], cache),
    phoneNumbers: cachedReads(repos.phoneNumbers, ["get", "findByNumber"], cache),
  };
}

class KyselyStore implements Store {
  readonly workspaces;
  readonly apiKeys;
  readonly agents;
  readonly phoneNumbers;
  readonly calls;
  readonly callEvents;
  readonly outbox;
  readonly nodes;
  #closed = false;
  readonly #group: GroupCommit<Db> | undefined;
  readonly #cache = new ConfigCache();
  readonly #shapes: QueryShapes;

  constructor(
    readonly kind: Engine,
    private readonly db: Kysely<Db>,
    private readonly box: SecretBox,
    direct?: DirectSql,
  ) {
    this.#shapes = new QueryShapes(256, direct);
    const repos = cachedRepositories({ db, engine: kind, box, shapes: this.#shapes }, this.#cache);
    this.workspaces = repos.workspaces;
    this.apiKeys = repos.apiKeys;
    this.agents = repos.agents;
    this.phoneNumbers = repos.phoneNumbers;
    this.calls = repos.calls;
    this.callEvents = repos.callEvents;
    this.outbox = repos.outbox;
    this.nodes = repos.nodes;
    // PostgreSQL runs transactions side by side over its pool; SQLite has one writer, so they share commits.
    this.#group = kind === "sqlite" ? new GroupCommit(db) : undefined;
  }

  migrate(): Promise<void> {
    return migrateToLatest(this.db, this.kind);
  }

  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    let wroteConfig = false;
    const onConfigWrite = (): void => {
      wroteConfig = true;
      this.#cache.invalidate();
    };
    const work = (trx: Kysely<Db>): Promise<T> => fn(repositories({ db: trx, engine: this.kind, box: this.box, shapes: this.#shapes }, onConfigWrite));
    const done = this.#group ? this.#group.run(work) : this.db.transaction().execute(work);
    // A read racing the commit may have cached the old row: drop it again once the outcome is final.
    return done.finally(() => {
      if (wroteConfig) this.#cache.invalidate();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
  }
}

/** Opens (and by default migrates) the store. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const box = new SecretBox(options.secretKey);
  const { engine, db, direct } = openDatabase(options, options.poolSize);
  const store = new KyselyStore(engine, db, box, direct);
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}
