// SIP dialogs (RFC 3261 §12): state shared by the two ends of a call, how in-dialog requests are
// built from it, and how incoming requests are matched to it.
import { Headers } from "./headers.js";
import { formatNameAddr, parseNameAddr, type NameAddr } from "./headers-typed.js";
import { createRequest, type SipRequest, type SipResponse } from "./message.js";

export type DialogState = "early" | "confirmed" | "terminated";

/** Call-ID plus the two tags: what identifies a dialog at our end. */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/** Body and extra headers for a request built inside a dialog. */
export interface InDialogRequestOptions {
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Buffer | string;
  readonly contentType?: string;
}

/** The verdict on an incoming in-dialog request (§12.2.2). */
export type RemoteRequestCheck = { readonly ok: true } | { readonly ok: false; readonly status: 500; readonly reason: string };

/** One dialog, UAC or UAS side. Mutable: CSeq numbers, state and remote target change over its life. */
export class Dialog {
  #state: DialogState;
  #localSeq: number;
  #remoteSeq: number | undefined;
  #remoteTarget: string;
  #routeSet: string[];
  /** CSeq of the latest INVITE we sent in this dialog (the first one, then re-INVITEs). */
  #ackSeq: number;

  constructor(
    readonly role: "uac" | "uas",
    readonly id: DialogId,
    /** Our From (UAC) or To (UAS), tag included. */
    readonly local: NameAddr,
    /** The other end's party, tag included. */
    readonly remote: NameAddr,
    init: { state: DialogState; localSeq: number; remoteSeq?: number; remoteTarget: string; routeSet: string[]; inviteSeq: number; secure: boolean },
  ) {
    this.#state = init.state;
    this.#localSeq = init.localSeq;
    this.#remoteSeq = init.remoteSeq;
    this.#remoteTarget = init.remoteTarget;
    this.#routeSet = init.routeSet;
    this.inviteSeq = init.inviteSeq;
    this.#ackSeq = init.inviteSeq;
    this.secure = init.secure;
  }

  /** CSeq number of the INVITE that made the dialog (the 2xx ACK reuses it). */
  readonly inviteSeq: number;
  /** True when the dialog was made over sips:/TLS end to end. */
  readonly secure: boolean;

  /** early, confirmed or terminated. */
  get state(): DialogState {
    return this.#state;
  }

  /** The DialogTable key. */
  get key(): string {
    return dialogKey(this.id.callId, this.id.localTag, this.id.remoteTag);
  }

  /** The URI in-dialog requests are sent to (the peer's Contact). */
  get remoteTarget(): string {
    return this.#remoteTarget;
  }

  /** Route header values for in-dialog requests, in order. */
  get routeSet(): readonly string[] {
    return this.#routeSet;
  }

  /** CSeq number of our latest request in the dialog. */
  get localSeq(): number {
    return this.#localSeq;
  }

  /** CSeq number of the peer's latest request, once one arrived. */
  get remoteSeq(): number | undefined {
    return this.#remoteSeq;
  }

  /**
   * A 2xx to an INVITE of this dialog. Early → confirmed, taking the 2xx's Record-Route as the route
   * set (§12.1.2); once confirmed the route set is fixed and a 2xx only refreshes the target (§12.2.1.2).
   */
  confirm(response?: SipResponse): void {
    if (this.#state === "terminated") return;
    if (response !== undefined && this.role === "uac") {
      const contact = response.headers.contact()?.uri;
      if (contact !== undefined) this.#remoteTarget = contact;
      if (this.#state === "early") this.#routeSet = response.headers.getAll("record-route").reverse();
    }
    this.#state = "confirmed";
  }

  /** No more requests in this dialog. */
  terminate(): void {
    this.#state = "terminated";
  }

  /**
   * Builds an in-dialog request (BYE, re-INVITE, INFO, REFER, UPDATE…) with the next local CSeq.
   * For ACK use `createAck`, which reuses the INVITE's CSeq.
   */
  createRequest(method: string, options: InDialogRequestOptions = {}): SipRequest {
    if (method === "ACK") return this.createAck(options);
    if (method === "CANCEL") throw new Error("a CANCEL is built from the INVITE it cancels (buildCancel), not from the dialog");
    this.#localSeq += 1;
    if (method === "INVITE") this.#ackSeq = this.#localSeq;
    return this.#build(method, this.#localSeq, options);
  }

  /** The ACK for a 2xx to the dialog's latest INVITE (§13.2.2.4): its CSeq number, a new transaction. */
  createAck(options: InDialogRequestOptions = {}): SipRequest {
    return this.#build("ACK", this.#ackSeq, options);
  }

  /** Checks and records the CSeq of an incoming in-dialog request; a target refresh updates the remote target. */
  acceptRemoteRequest(req: SipRequest): RemoteRequestCheck {
    const seq = req.headers.cseq()?.seq;
    if (seq === undefined) return { ok: false, status: 500, reason: "Missing CSeq" };
    if (req.method !== "ACK" && req.method !== "CANCEL") {
      if (this.#remoteSeq !== undefined && seq <= this.#remoteSeq) return { ok: false, status: 500, reason: "CSeq Out of Order" };
      this.#remoteSeq = seq;
    }
    if (req.method === "INVITE" || req.method === "UPDATE") {
      const contact = req.headers.contact()?.uri;
      if (contact !== undefined) this.#remoteTarget = contact;
    }
    return { ok: true };
  }

  #build(method: string, seq: number, options: InDialogRequestOptions): SipRequest {
    const h = new Headers();
    // Strict routing (§12.2.1.1): a first route without `lr` becomes the Request-URI.
    let uri = this.#remoteTarget;
    let routes = this.#routeSet;
    const first = routes[0];
    const firstUri = first === undefined ? undefined : parseNameAddr(first)?.uri;
    if (firstUri !== undefined && !/;lr(?:[;=>]|$)/i.test(firstUri)) {
      uri = firstUri;
      routes = [...routes.slice(1), `<${this.#remoteTarget}>`];
    }
    for (const r of routes) h.append("Route", r);
    h.append("From", formatNameAddr(this.local));
    h.append("To", formatNameAddr(this.remote));
    h.append("Call-ID", this.id.callId);
    h.append("CSeq", `${seq} ${method}`);
    h.append("Max-Forwards", "70");
    for (const [n, v] of options.headers ?? []) h.append(n, v);
    if (options.contentType !== undefined) h.set("Content-Type", options.contentType);
    return createRequest(method, uri, h, options.body);
  }
}

/** The table key of a dialog. */
export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\n${localTag}\n${remoteTag}`;
}

/**
 * The UAC's dialog from its INVITE and a response carrying a To tag: early for a 1xx, confirmed
 * for a 2xx (§12.1.2). Undefined when the response has no To tag or the INVITE no From tag.
 */
export function dialogFromUac(invite: SipRequest, res: SipResponse): Dialog | undefined {
  const local = invite.headers.from();
  const remote = res.headers.to();
  const callId = invite.headers.callId();
  if (local?.tag === undefined || remote?.tag === undefined || callId === undefined) return undefined;
  const remoteTarget = res.headers.contact()?.uri ?? invite.uri;
  const seq = invite.headers.cseq()?.seq ?? 1;
  return new Dialog("uac", { callId, localTag: local.tag, remoteTag: remote.tag }, local, remote, {
    state: res.status >= 200 ? "confirmed" : "early",
    localSeq: seq,
    remoteTarget,
    routeSet: res.headers.getAll("record-route").reverse(),
    inviteSeq: seq,
    secure: invite.uri.toLowerCase().startsWith("sips:"),
  });
}

/** The UAS's dialog from the INVITE and our response carrying a To tag (§12.1.1). */
export function dialogFromUas(invite: SipRequest, res: SipResponse): Dialog | undefined {
  const remote = invite.headers.from();
  const local = res.headers.to();
  const callId = invite.headers.callId();
  if (local?.tag === undefined || remote?.tag === undefined || callId === undefined) return undefined;
  const seq = invite.headers.cseq()?.seq ?? 1;
  return new Dialog("uas", { callId, localTag: local.tag, remoteTag: remote.tag }, local, remote, {
    state: res.status >= 200 ? "confirmed" : "early",
    localSeq: 0,
    remoteSeq: seq,
    remoteTarget: invite.headers.contact()?.uri ?? remote.uri,
    routeSet: invite.headers.getAll("record-route"),
    inviteSeq: seq,
    secure: invite.uri.toLowerCase().startsWith("sips:"),
  });
}

/**
 * A CANCEL for a pending INVITE (§9.1): same Request-URI, Call-ID, From, To (no tag added), CSeq
 * number, top Via (same branch) and Route set.
 */
export function buildCancel(invite: SipRequest, reason?: string): SipRequest {
  const h = new Headers();
  const via = invite.headers.get("via");
  if (via !== undefined) h.append("Via", via);
  for (const r of invite.headers.getLines("route")) h.append("Route", r);
  for (const name of ["from", "to", "call-id"]) {
    const v = invite.headers.get(name);
    if (v !== undefined) h.append(name, v);
  }
  h.append("CSeq", `${invite.headers.cseq()?.seq ?? 1} CANCEL`);
  h.append("Max-Forwards", "70");
  // RFC 3326: say why, e.g. `SIP;cause=480;text="ring timeout"`.
  if (reason !== undefined) h.append("Reason", reason);
  return createRequest("CANCEL", invite.uri, h);
}

/** Dialogs by id, and the lookups the stack needs for requests and responses. */
export class DialogTable {
  readonly #byKey = new Map<string, Dialog>();

  /** Adds (or replaces) a dialog. */
  add(d: Dialog): Dialog {
    this.#byKey.set(d.key, d);
    return d;
  }

  /** The dialog an incoming request belongs to: its To tag is ours, its From tag theirs. */
  matchRequest(req: SipRequest): Dialog | undefined {
    const callId = req.headers.callId();
    const localTag = req.headers.to()?.tag;
    const remoteTag = req.headers.from()?.tag;
    if (callId === undefined || localTag === undefined || remoteTag === undefined) return undefined;
    return this.#byKey.get(dialogKey(callId, localTag, remoteTag));
  }

  /** The dialog a response to our request belongs to: its From tag is ours, its To tag theirs. */
  matchResponse(res: SipResponse): Dialog | undefined {
    const callId = res.headers.callId();
    const localTag = res.headers.from()?.tag;
    const remoteTag = res.headers.to()?.tag;
    if (callId === undefined || localTag === undefined || remoteTag === undefined) return undefined;
    return this.#byKey.get(dialogKey(callId, localTag, remoteTag));
  }

  /** Forgets a dialog and marks it terminated. */
  remove(d: Dialog): void {
    d.terminate();
    if (this.#byKey.get(d.key) === d) this.#byKey.delete(d.key);
  }

  /** How many dialogs are live. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Every live dialog. */
  all(): Dialog[] {
    return [...this.#byKey.values()];
  }
}
