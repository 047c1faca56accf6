import { callEnd, type TransferResult } from "../core/index.js";
import type { DialHost } from "./dial-host.js";
import type { Dialog } from "../sip/dialog.js";
import type { ServerTransaction, SipStack } from "../sip/stack.js";
import { ReferTransfer } from "./refer-transfer.js";
import { CallEvidence } from "../recording/call-evidence.js";

/** Answers the far end's BYE and ends the call as the user's hang-up, keeping its Reason header. */
export function endOnRemoteBye(tx: ServerTransaction, session: DialHost, who: string): void {
  tx.respond(200, "OK");
  session.stamp({ bye: Date.now() });
  const reason = tx.request.headers.getAll("reason").join(", ");
  void session.end(
    callEnd("user_hangup", {
      phase: "in_call",
      message: `${who} hung up (BYE${reason ? `, Reason: ${reason}` : ""})`,
      sip: { method: "BYE", ...(reason ? { reasonHeader: reason } : {}) },
    }),
  );
}

/** One cold transfer at a time on a dialog: the REFER and the NOTIFYs that report on it. */
export class TransferSlot {
  #current: { transfer: ReferTransfer; target: string } | undefined;

  /** Starts a REFER to `target` unless one is under way. */
  async start(stack: SipStack, dialog: Dialog | undefined, referredBy: string, target: string | undefined): Promise<TransferResult> {
    if (!dialog) return { ok: false, why: "the call is not connected" };
    if (this.#current) return { ok: false, why: "a transfer is already in progress" };
    if (!target) return { ok: false, why: "no route for the transfer target" };
    const transfer = new ReferTransfer(stack, dialog, referredBy);
    this.#current = { transfer, target };
    const result = await transfer.run(target);
    if (!result.ok) this.#current = undefined;
    return result;
  }

  /** Routes an in-dialog NOTIFY to the REFER under way (or just acknowledges it). */
  notify(tx: ServerTransaction): void {
    if (this.#current) this.#current.transfer.notify(tx, this.#current.target);
    else tx.respond(200, "OK");
  }
}

/** Opens the call's PCAP and recordings (as its storage setting allows) and points the record at them. */
export async function openEvidence(dataDir: string, session: DialHost, mediaEnabled = true): Promise<CallEvidence> {
  // Without media there is nothing to record; the SIP stays in the call log.
  const setting = mediaEnabled ? session.record.dataStorageSetting : "basic_attributes_only";
  const evidence = await CallEvidence.open(dataDir, session.callId, setting, Date.now());
  const p = evidence.paths;
  session.update({
    ...(p.pcap ? { pcapPath: p.pcap } : {}),
    ...(p.recording ? { recordingPath: p.recording } : {}),
    ...(p.recordingMultiChannel ? { recordingMultiChannelPath: p.recordingMultiChannel } : {}),
  });
  return evidence;
}
