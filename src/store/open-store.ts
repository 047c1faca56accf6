/** Opens Parley's store on SQLite or PostgreSQL and binds every repository to it. */
import { join } from "node:path";
import type { Kysely } from "kysely";
import { Agents } from "./agents.js";
import { ApiKeys } from "./api-keys.js";
import { CallEvents } from "./call-events.js";
import { Calls } from "./calls.js";
import type { Db } from "./db-schema.js";
import { openDatabase, type Engine } from "./dialect.js";
import { migrateToLatest } from "./migrations.js";
import { Nodes } from "./nodes.js";
import { Outbox } from "./outbox.js";
import { PhoneNumbers } from "./phone-numbers.js";
import type { RepoContext } from "./repo-context.js";
import { SecretBox } from "./secret-box.js";
import type { OpenStoreOptions, Repositories, Store } from "./types.js";
import { Workspaces } from "./workspaces.js";

/** `${PARLEY_DATA_DIR}/parley.db`, with PARLEY_DATA_DIR defaulting to ./data. */
export function defaultSqlitePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.PARLEY_DATA_DIR ?? "./data", "parley.db");
}

function repositories(ctx: RepoContext): Repositories {
  return {
    workspaces: new Workspaces(ctx),
    apiKeys: new ApiKeys(ctx),
    agents: new Agents(ctx),
    phoneNumbers: new PhoneNumbers(ctx),
    calls: new Calls(ctx),
    callEvents: new CallEvents(ctx),
    outbox: new Outbox(ctx),
    nodes: new Nodes(ctx),
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

  constructor(
    readonly kind: Engine,
    private readonly db: Kysely<Db>,
    private readonly box: SecretBox,
  ) {
    const repos = repositories({ db, engine: kind, box });
    this.workspaces = repos.workspaces;
    this.apiKeys = repos.apiKeys;
    this.agents = repos.agents;
    this.phoneNumbers = repos.phoneNumbers;
    this.calls = repos.calls;
    this.callEvents = repos.callEvents;
    this.outbox = repos.outbox;
    this.nodes = repos.nodes;
  }

  migrate(): Promise<void> {
    return migrateToLatest(this.db, this.kind);
  }

  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(repositories({ db: trx, engine: this.kind, box: this.box })));
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
  const { engine, db } = openDatabase(options, options.poolSize);
  const store = new KyselyStore(engine, db, box);
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
