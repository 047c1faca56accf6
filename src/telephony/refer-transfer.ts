import type { TransferResult } from "../core/audio-leg.js";
import type { Dialog } from "../sip/dialog.js";
import type { ServerTransaction, SipStack } from "../sip/stack.js";

/** The status line inside a message/sipfrag NOTIFY body, e.g. "SIP/2.0 200 OK". */
function sipfragStatus(body: Buffer): { code: number; line: string } | undefined {
  const line = body.toString("utf8").split(/\r?\n/)[0]?.trim() ?? "";
  const m = /^SIP\/2\.0\s+(\d{3})/.exec(line);
  return m ? { code: Number(m[1]), line } : undefined;
}

/**
 * A cold transfer by REFER (RFC 3515): the far end is asked to call `target`; it answers 202,
 * then reports the new call's progress in NOTIFYs carrying message/sipfrag. A 2xx sipfrag means
 * the transfer happened; a final ≥ 300 or silence means it did not.
 */
export class ReferTransfer {
  #resolve: ((r: TransferResult) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stack: SipStack,
    private readonly dialog: Dialog,
    private readonly referredBy: string,
  ) {}

  /** Sends the REFER and resolves with the outcome (at most `timeoutMs` after the 202). */
  async run(target: string, timeoutMs = 30_000): Promise<TransferResult> {
    const done = new Promise<TransferResult>((resolve) => {
      this.#resolve = resolve;
    });
    const tx = this.stack.requestInDialog(this.dialog, "REFER", { headers: [["Refer-To", `<${target}>`], ["Referred-By", this.referredBy]] });
    const outcome = await tx.outcome;
    if (outcome.kind !== "final") return this.#finish({ ok: false, why: `no answer to REFER (${outcome.kind})` });
    if (outcome.response.status >= 300) return this.#finish({ ok: false, why: `REFER refused: ${outcome.response.status} ${outcome.response.reason}` });
    this.#timer = setTimeout(() => this.#finish({ ok: false, why: `no final NOTIFY within ${timeoutMs} ms of the REFER's ${outcome.response.status}` }), timeoutMs);
    return done.then((r) => r);
  }

  /** Handles a NOTIFY of this subscription. */
  notify(tx: ServerTransaction, target: string): void {
    tx.respond(200, "OK");
    const frag = sipfragStatus(tx.request.body);
    if (!frag || frag.code < 200) return;
    this.#finish(frag.code < 300 ? { ok: true, target } : { ok: false, why: `the transfer target answered ${frag.line}` });
  }

  #finish(r: TransferResult): TransferResult {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.(r);
    return r;
  }
}
