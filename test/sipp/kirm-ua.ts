/**
 * A small programmable SIP UA on the `sip` npm package (kirm), used as the far end of SIPp in
 * interop tests: a UAC that places one INVITE and reports every response (answering digest
 * challenges, ACKing and hanging up a 2xx, or CANCELling on request), and a UAS for SIPp's UAC
 * scenarios. The package has no types; the shapes below are the parts these tests use.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface Aor {
  name?: string;
  uri: string;
  params: Record<string, string | undefined>;
}

export interface KirmMessage {
  method?: string;
  uri?: string;
  status?: number;
  reason?: string;
  version?: string;
  headers: {
    to: Aor;
    from: Aor;
    "call-id": string;
    cseq: { method: string; seq: number };
    contact?: Aor[];
    via?: unknown[];
    "content-type"?: string;
    [name: string]: unknown;
  };
  content?: string;
}

interface KirmStack {
  send(m: KirmMessage, onResponse?: (rs: KirmMessage) => void): void;
  destroy(): void;
}

interface KirmModule {
  create(options: { address: string; port: number; tcp: boolean; udp?: boolean }, onRequest: (rq: KirmMessage) => void): KirmStack;
  makeResponse(rq: KirmMessage, status: number, reason: string, extension?: { headers?: Record<string, unknown>; content?: string }): KirmMessage;
  copyMessage(m: KirmMessage, deep?: boolean): KirmMessage;
}

interface KirmDigest {
  signRequest(ctx: object | null, rq: KirmMessage, rs: KirmMessage, creds: { user: string; password: string }): unknown;
}

const sip = require("sip") as KirmModule;
const digest = require("sip/digest") as KirmDigest;

/** An SDP offer of PCMU/PCMA at `address:port`. */
export function offerSdp(address: string, port: number): string {
  return [
    "v=0",
    `o=parley 1 1 IN IP4 ${address}`,
    "s=-",
    `c=IN IP4 ${address}`,
    "t=0 0",
    `m=audio ${port} RTP/AVP 0 8`,
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "",
  ].join("\r\n");
}

export const OFFER_SDP = offerSdp("127.0.0.2", 49170);

export interface InviteOptions {
  /** Request-URI, e.g. `sip:+15551230000@127.0.0.1:5070`. */
  readonly uri: string;
  readonly credentials?: { readonly user: string; readonly password: string };
  /** Send CANCEL once this provisional code arrives. */
  readonly cancelOn?: number;
  /** Hang up a 2xx with BYE at once (default), or wait for the peer's BYE. */
  readonly onAnswer?: "bye" | "await-bye";
  /** Extra headers to put on the INVITE. */
  readonly headers?: Record<string, string>;
  /** The SDP offer; default OFFER_SDP (PCMU/PCMA on 127.0.0.2:49170). */
  readonly sdp?: string;
}

/** What came back to one INVITE, in order. */
export interface InviteOutcome {
  /** Every response code in arrival order, across the challenge and the retry. */
  readonly codes: number[];
  readonly provisionals: KirmMessage[];
  readonly final: KirmMessage;
  /** Set when a CANCEL was sent: the response to it. */
  readonly cancelResponse?: KirmMessage;
  /** Set on a 2xx: the response to our BYE, or the BYE the peer sent. */
  readonly bye?: KirmMessage;
}

/** A kirm stack bound to a loopback address; `invite` runs one call as a UAC. */
export class KirmUa {
  readonly #stack: KirmStack;
  readonly #address: string;
  readonly #port: number;
  readonly #byeWaiters = new Map<string, (bye: KirmMessage) => void>();
  readonly #onRequest: ((rq: KirmMessage) => KirmMessage | undefined) | undefined;

  /**
   * `onRequest` answers requests that are not a BYE of an INVITE placed here (UAS use);
   * return a response to send it, or undefined to stay silent.
   */
  constructor(
    address: string,
    port: number,
    onRequest?: (rq: KirmMessage) => KirmMessage | undefined,
    options: { readonly tcp?: boolean } = {},
  ) {
    this.#address = address;
    this.#port = port;
    this.#onRequest = onRequest;
    const tcp = options.tcp ?? false;
    this.#stack = sip.create({ address, port, tcp, udp: !tcp }, (rq) => this.#request(rq));
  }

  #request(rq: KirmMessage): void {
    if (rq.method === "BYE") {
      const waiter = this.#byeWaiters.get(rq.headers["call-id"]);
      if (waiter) {
        this.#stack.send(sip.makeResponse(rq, 200, "OK"));
        waiter(rq);
        return;
      }
    }
    if (rq.method === "ACK") {
      this.#onRequest?.(rq);
      return;
    }
    const rs = this.#onRequest?.(rq) ?? sip.makeResponse(rq, 405, "Method Not Allowed");
    this.#stack.send(rs);
  }

  /** Sends a response built by the caller (UAS use). */
  send(m: KirmMessage): void {
    this.#stack.send(m);
  }

  /** Builds a response to `rq` (UAS use). */
  static response(rq: KirmMessage, status: number, reason: string, extension?: { headers?: Record<string, unknown>; content?: string }): KirmMessage {
    return sip.makeResponse(rq, status, reason, extension);
  }

  /** Places one INVITE and resolves with everything that came back. */
  invite(options: InviteOptions): Promise<InviteOutcome> {
    const callId = `${randomBytes(8).toString("hex")}@${this.#address}`;
    const codes: number[] = [];
    const provisionals: KirmMessage[] = [];
    let cancelResponse: KirmMessage | undefined;
    let cancelled = false;
    let authTried = false;
    const invite: KirmMessage = {
      method: "INVITE",
      uri: options.uri,
      headers: {
        to: { uri: options.uri, params: {} },
        from: { uri: `sip:parley@${this.#address}:${this.#port}`, params: { tag: randomBytes(4).toString("hex") } },
        "call-id": callId,
        cseq: { method: "INVITE", seq: 1 },
        contact: [{ uri: `sip:parley@${this.#address}:${this.#port}`, params: {} }],
        "content-type": "application/sdp",
        "max-forwards": "70",
        ...(options.headers ?? {}),
      },
      content: options.sdp ?? OFFER_SDP,
    };

    return new Promise<InviteOutcome>((resolve, reject) => {
      const onResponse = (current: KirmMessage) => (rs: KirmMessage): void => {
        const status = rs.status ?? 0;
        codes.push(status);
        if (status < 200) {
          provisionals.push(rs);
          if (options.cancelOn === status && !cancelled) {
            cancelled = true;
            const cancel: KirmMessage = {
              method: "CANCEL",
              uri: current.uri!,
              headers: {
                to: current.headers.to,
                from: current.headers.from,
                "call-id": current.headers["call-id"],
                cseq: { method: "CANCEL", seq: current.headers.cseq.seq },
                via: current.headers.via ?? [],
              },
            };
            this.#stack.send(cancel, (crs) => {
              cancelResponse = crs;
            });
          }
          return;
        }
        if ((status === 401 || status === 407) && options.credentials && !authTried) {
          authTried = true;
          const retry = sip.copyMessage(invite, true);
          retry.headers.cseq.seq = current.headers.cseq.seq + 1;
          retry.headers.via = [];
          digest.signRequest({}, retry, rs, options.credentials);
          this.#stack.send(retry, onResponse(retry));
          return;
        }
        if (status >= 300) {
          resolve({ codes, provisionals, final: rs, ...(cancelResponse ? { cancelResponse } : {}) });
          return;
        }
        // 2xx: ACK it ourselves (kirm only ACKs non-2xx), then end the call.
        const target = rs.headers.contact?.[0]?.uri ?? options.uri;
        const dialogTo = rs.headers.to;
        this.#stack.send({
          method: "ACK",
          uri: target,
          headers: {
            to: dialogTo,
            from: current.headers.from,
            "call-id": callId,
            cseq: { method: "ACK", seq: current.headers.cseq.seq },
            via: [],
          },
        });
        const done = (bye: KirmMessage): void =>
          resolve({ codes, provisionals, final: rs, bye, ...(cancelResponse ? { cancelResponse } : {}) });
        if (options.onAnswer === "await-bye") {
          this.#byeWaiters.set(callId, (bye) => {
            this.#byeWaiters.delete(callId);
            done(bye);
          });
          return;
        }
        this.#stack.send(
          {
            method: "BYE",
            uri: target,
            headers: {
              to: dialogTo,
              from: current.headers.from,
              "call-id": callId,
              cseq: { method: "BYE", seq: current.headers.cseq.seq + 1 },
              via: [],
            },
          },
          (byeRs) => {
            if ((byeRs.status ?? 0) >= 200) done(byeRs);
          },
        );
      };
      try {
        this.#stack.send(invite, onResponse(invite));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** Closes the stack's sockets. */
  close(): void {
    this.#stack.destroy();
  }
}

/** Raw header values of a kirm response as `classifyFinalResponse` takes them. */
export function rawHeaders(m: KirmMessage, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = m.headers[name.toLowerCase()];
    if (typeof v === "string") out[name] = v;
  }
  return out;
}
