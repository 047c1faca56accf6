/** What every repository is built from: a Kysely handle (store-wide or one transaction), the engine and the secret box. */
import type { Kysely } from "kysely";
import type { Db } from "./db-schema.js";
import type { Engine } from "./dialect.js";
import type { QueryShapes } from "./query-shapes.js";
import type { SecretBox } from "./secret-box.js";

export interface RepoContext {
  readonly db: Kysely<Db>;
  readonly engine: Engine;
  readonly box: SecretBox;
  /** Compiled SQL of the hot per-call statements. */
  readonly shapes: QueryShapes;
}
