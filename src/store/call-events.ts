/** A call's detailed log: events appended in order, numbered per call by `seq`. */
import type { CallEvent, CallEventType } from "../core/call-event.js";
import { inTransaction } from "./in-transaction.js";
import { fromJson } from "./json-column.js";
import type { RepoContext } from "./repo-context.js";
import { StoreError, type CallEventRepo } from "./types.js";

const CHUNK = 500;
const RETRIES = 5;

function checkEvent(e: CallEvent, i: number): void {
  if (typeof e !== "object" || e === null || !Number.isFinite(e.tMs) || !Number.isFinite(e.at) || typeof e.type !== "string" || typeof e.data !== "object" || e.data === null) {
    throw new StoreError("invalid", `call event #${i} needs numeric tMs and at, a type and a data object`);
  }
}

/** Call event repository over one Kysely handle. */
export class CallEvents implements CallEventRepo {
  constructor(private readonly ctx: RepoContext) {}

  async append(callId: string, events: readonly CallEvent[]): Promise<void> {
    if (typeof callId !== "string" || callId.length === 0) throw new StoreError("invalid", "call events need a call id");
    events.forEach(checkEvent);
    if (events.length === 0) return;
    // Two writers racing on one call's numbering collide on the primary key; the loser retries
    // with fresh numbers (not possible inside a caller's transaction, so it just fails there).
    for (let attempt = 1; ; attempt++) {
      try {
        await inTransaction(this.ctx.db, async (trx) => {
          const top = await this.ctx.shapes.run(trx, "call_events.max_seq", [callId], () =>
            trx.selectFrom("call_events").select((eb) => eb.fn.max("seq").as("seq")).where("call_id", "=", callId),
          );
          const base = (top.rows[0]?.seq ?? 0) + 1;
          for (let i = 0; i < events.length; i += CHUNK) {
            const rows = events.slice(i, i + CHUNK).map((e, j) => ({
              call_id: callId,
              seq: base + i + j,
              t_ms: e.tMs,
              at: e.at,
              type: e.type,
              data: JSON.stringify(e.data),
            }));
            const params = rows.flatMap((r) => [r.call_id, r.seq, r.t_ms, r.at, r.type, r.data]);
            await this.ctx.shapes.run(trx, `call_events.insert.${rows.length}`, params, () => trx.insertInto("call_events").values(rows));
          }
        });
        return;
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        const collided = code === "23505" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
        if (!collided || this.ctx.db.isTransaction || attempt >= RETRIES) throw e;
      }
    }
  }

  async list(callId: string): Promise<CallEvent[]> {
    const rows = await this.ctx.db.selectFrom("call_events").selectAll().where("call_id", "=", callId).orderBy("seq").execute();
    return rows.map((r) => ({
      tMs: r.t_ms,
      at: r.at,
      type: r.type as CallEventType,
      data: fromJson<Record<string, unknown>>(r.data, `event ${r.seq} of call ${callId}`) ?? {},
    }));
  }
}
