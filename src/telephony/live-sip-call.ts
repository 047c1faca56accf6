import type { ServerTransaction } from "../sip/stack.js";
import type { Dialog } from "../sip/dialog.js";

/** A connected SIP call as the telephony hub sees it: in-dialog requests are handed to it. */
export interface LiveSipCall {
  readonly dialog: Dialog;
  /** Our current SDP, re-offered unchanged when the far end refreshes the session. */
  readonly localSdp: string;
  /** The far end hung up. */
  remoteBye(tx: ServerTransaction): void;
  /** An in-dialog NOTIFY (REFER progress). */
  notify?(tx: ServerTransaction): void;
}

/** Waits for a promise, but not longer than `ms`; resolves undefined on timeout. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
