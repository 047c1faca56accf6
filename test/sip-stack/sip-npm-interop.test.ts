// Parley's stack against the `sip` npm package (kirm) as a programmable UA on 127.0.0.2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { createSipStack } from "../../src/sip/stack.js";
import type { ServerOutcome } from "../../src/sip/transaction.js";
import { freePort, within } from "./harness.js";

/** The slice of the untyped `sip` package these tests use. */
interface KirmMessage {
  method?: string;
  uri?: string;
  status?: number;
  reason?: string;
  headers: Record<string, unknown> & { via?: unknown[]; cseq?: { seq: number; method: string }; to?: { uri: string; params: Record<string, string> }; contact?: Array<{ uri: string }> };
  content?: string;
}
interface KirmStack {
  send(m: KirmMessage, onResponse?: (rs: KirmMessage) => void): void;
  destroy(): void;
}
interface KirmSip {
  create(options: { address: string; port: number; tcp?: boolean; udp?: boolean }, onRequest: (rq: KirmMessage) => void): KirmStack;
  makeResponse(rq: KirmMessage, status: number, reason?: string): KirmMessage;
}
const sip = createRequire(import.meta.url)("sip") as KirmSip;

test("a CANCEL from the sip package stops a ringing Parley INVITE: 200 to CANCEL, 487 ACKed", { timeout: 15_000 }, async () => {
  const stack = createSipStack({ host: "127.0.0.1", port: 0, transports: ["udp"], timers: { t1Ms: 50, t4Ms: 100 } });
  await stack.listen();
  let serverOutcome: Promise<ServerOutcome> | undefined;
  let cancelSeen = false;
  stack.onRequest((tx) => {
    if (tx.request.method !== "INVITE") return void tx.respond(405, "Method Not Allowed");
    serverOutcome = tx.outcome;
    tx.on((e) => { if (e.type === "cancel") cancelSeen = true; });
    tx.respond(180, "Ringing"); // and never answers
  });
  const port = await freePort("127.0.0.2");
  const ua = sip.create({ address: "127.0.0.2", port, tcp: false }, (rq) => ua.send(sip.makeResponse(rq, 405, "Not Allowed")));
  try {
    const { port: parleyPort } = stack.addresses.udp!;
    const invite: KirmMessage = {
      method: "INVITE",
      uri: `sip:agent@127.0.0.1:${parleyPort}`,
      headers: {
        to: { uri: `sip:agent@127.0.0.1:${parleyPort}`, params: {} },
        from: { uri: `sip:caller@127.0.0.2:${port}`, params: { tag: "kirm1" } },
        "call-id": `kirm-${Date.now()}@127.0.0.2`,
        cseq: { method: "INVITE", seq: 1 },
        contact: [{ uri: `sip:caller@127.0.0.2:${port}` }],
        "max-forwards": 70,
      },
    };
    const results: number[] = [];
    const cancelAnswer = new Promise<number>((resolveCancel) => {
      const inviteFinal = new Promise<number>((resolveInvite) => {
        ua.send(invite, (rs) => {
          if (rs.status === 180) {
            const cancel: KirmMessage = {
              method: "CANCEL",
              uri: invite.uri!,
              headers: {
                via: invite.headers.via,
                to: invite.headers.to!,
                from: invite.headers.from,
                "call-id": invite.headers["call-id"],
                cseq: { method: "CANCEL", seq: 1 },
              },
            };
            ua.send(cancel, (crs) => resolveCancel(crs.status ?? 0));
          } else if ((rs.status ?? 0) >= 200) resolveInvite(rs.status ?? 0);
        });
      });
      void inviteFinal.then((s) => results.push(s));
    });
    assert.equal(await within(cancelAnswer, 5000, "the answer to CANCEL"), 200);
    assert.ok(serverOutcome);
    const out = await within(serverOutcome, 10_000, "the INVITE server transaction to end");
    assert.deepEqual(out, { kind: "completed", status: 487, acked: true }, "the 487 was ACKed by the sip package");
    assert.deepEqual(results, [487]);
    assert.equal(cancelSeen, true);
  } finally {
    ua.destroy();
    await stack.close();
  }
});

test("Parley calls a sip-package UAS: 200 with Contact, ACK and BYE reach it", { timeout: 15_000 }, async () => {
  const port = await freePort("127.0.0.2");
  const seen: string[] = [];
  let ackDone!: () => void;
  const ackSeen = new Promise<void>((r) => { ackDone = r; });
  const ua = sip.create({ address: "127.0.0.2", port, tcp: false }, (rq) => {
    seen.push(rq.method ?? "?");
    if (rq.method === "INVITE") {
      const rs = sip.makeResponse(rq, 200, "OK");
      rs.headers.to = { ...rq.headers.to!, params: { ...rq.headers.to!.params, tag: "uas1" } };
      rs.headers.contact = [{ uri: `sip:uas@127.0.0.2:${port}` }];
      ua.send(rs);
    } else if (rq.method === "ACK") ackDone();
    else ua.send(sip.makeResponse(rq, 200, "OK"));
  });
  const stack = createSipStack({ host: "127.0.0.1", port: 0, transports: ["udp"], timers: { t1Ms: 50 } });
  await stack.listen();
  try {
    const tx = stack.request(stack.createRequest("INVITE", `sip:uas@127.0.0.2:${port}`));
    const out = await within(tx.outcome, 5000, "the INVITE outcome");
    assert.equal(out.kind === "final" && out.response.status, 200);
    assert.ok(tx.dialog);
    assert.equal(tx.dialog.remoteTarget, `sip:uas@127.0.0.2:${port}`);
    await stack.sendAck(tx.dialog);
    await within(ackSeen, 5000, "the ACK at the sip package");
    const bye = await within(stack.requestInDialog(tx.dialog, "BYE").outcome, 5000, "the BYE outcome");
    assert.equal(bye.kind === "final" && bye.response.status, 200);
    assert.deepEqual(seen, ["INVITE", "ACK", "BYE"]);
  } finally {
    ua.destroy();
    await stack.close();
  }
});
