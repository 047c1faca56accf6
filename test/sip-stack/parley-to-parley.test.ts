import { test } from "node:test";
import assert from "node:assert/strict";
import { createSipStack, type SipStack } from "../../src/sip/stack.js";
import type { SipTrace } from "../../src/sip/transport-layer.js";
import type { Dialog } from "../../src/sip/dialog.js";
import type { TransportKind } from "../../src/sip/transport.js";
import { within } from "./harness.js";

async function pair(): Promise<{ a: SipStack; b: SipStack }> {
  const a = createSipStack({ host: "127.0.0.1", port: 0, timers: { t1Ms: 50 } });
  const b = createSipStack({ host: "127.0.0.2", port: 0, timers: { t1Ms: 50 } });
  await a.listen();
  await b.listen();
  return { a, b };
}

for (const transport of ["udp", "tcp"] as const satisfies readonly TransportKind[]) {
  test(`INVITE → 180 → 200 → ACK → BYE between two stacks over ${transport}`, async () => {
    const { a, b } = await pair();
    try {
      const acked = new Promise<void>((resolve) => {
        b.onRequest((tx) => {
          if (tx.request.method === "INVITE") {
            tx.respond(180, "Ringing");
            tx.respond(200, "OK", { headers: [["Contact", b.contact(transport)]] });
            tx.on((e) => { if (e.type === "ack") resolve(); });
          } else if (tx.request.method === "BYE") {
            assert.ok(tx.dialog, "the BYE matched the UAS dialog");
            tx.respond(200, "OK");
          } else tx.respond(405, "Method Not Allowed");
        });
      });
      const trace: SipTrace[] = [];
      a.onMessage((t) => trace.push(t));
      const bAddr = b.addresses[transport]!;
      const invite = a.createRequest("INVITE", `sip:bob@${bAddr.address}:${bAddr.port}${transport === "tcp" ? ";transport=tcp" : ""}`, { contactTransport: transport });
      const tx = a.request(invite);
      const out = await within(tx.outcome, 5000, "the INVITE outcome");
      assert.equal(out.kind, "final");
      if (out.kind !== "final") return;
      assert.equal(out.response.status, 200);
      assert.equal(out.provisionals.alerted, true);
      const dialog = tx.dialog;
      assert.ok(dialog && dialog.state === "confirmed");
      await a.sendAck(dialog);
      await within(acked, 5000, "the ACK at the UAS");
      assert.equal(b.dialogs.size, 1);
      const bye = a.requestInDialog(dialog, "BYE");
      const byeOut = await within(bye.outcome, 5000, "the BYE outcome");
      assert.equal(byeOut.kind === "final" && byeOut.response.status, 200);
      assert.equal(a.dialogs.size, 0);
      assert.equal(b.dialogs.size, 0);
      const labels = trace.flatMap((t) => (t.type === "message"
        ? [`${t.direction}:${t.message.kind === "request" ? t.message.method : `${t.message.status}/${t.message.headers.cseq()?.method}`}`]
        : []));
      // First occurrences only: on a loaded machine the INVITE, the 200 or the ACK may be retransmitted.
      assert.deepEqual([...new Set(labels)].filter((m) => !m.startsWith("in:100")),
        ["out:INVITE", "in:180/INVITE", "in:200/INVITE", "out:ACK", "out:BYE", "in:200/BYE"]);
      assert.ok(trace.every((t) => t.type !== "message" || t.peer.transport === transport));
    } finally {
      await a.close();
      await b.close();
    }
  });
}

test("stack.cancel after the 100 Trying sends CANCEL at once; the INVITE ends 487 and early dialogs go", async () => {
  const { a, b } = await pair();
  try {
    let ring: (() => void) | undefined;
    const cancelled = new Promise<void>((resolve) => {
      b.onRequest((tx) => {
        if (tx.request.method !== "INVITE") return void tx.respond(200, "OK");
        tx.on((e) => { if (e.type === "cancel") resolve(); });
        ring = () => tx.respond(180, "Ringing");
      });
    });
    const trace: string[] = [];
    a.onMessage((t) => { if (t.type === "message" && t.direction === "out" && t.message.kind === "request") trace.push(t.message.method); });
    const bAddr = b.addresses.udp!;
    const tx = a.request(a.createRequest("INVITE", `sip:bob@${bAddr.address}:${bAddr.port}`));
    const gotTrying = new Promise<void>((resolve) => tx.on((e) => { if (e.type === "provisional" && e.response.status === 100) resolve(); }));
    await within(gotTrying, 5000, "the automatic 100 Trying");
    // A 100 is a provisional too, so the CANCEL may go at once; ring afterwards to show it does not matter.
    a.cancel(tx, 'SIP;cause=487;text="ring timeout"');
    ring?.();
    await within(cancelled, 5000, "the CANCEL at the UAS");
    const out = await within(tx.outcome, 5000, "the INVITE outcome");
    assert.equal(out.kind === "final" && out.response.status, 487);
    assert.deepEqual([...new Set(trace)], ["INVITE", "CANCEL", "ACK"]);
    assert.equal(a.dialogs.size, 0);
    assert.equal(b.dialogs.size, 0, "the early dialog died with the 487");
  } finally {
    await a.close();
    await b.close();
  }
});

test("a CANCEL asked for before any provisional is held until one arrives", async () => {
  const { a, b } = await pair();
  try {
    let respond180: (() => void) | undefined;
    const invited = new Promise<void>((resolve) => {
      b.onRequest((tx) => {
        if (tx.request.method !== "INVITE") return;
        respond180 = () => tx.respond(180, "Ringing");
        resolve();
      });
    });
    const sent: string[] = [];
    a.onMessage((t) => { if (t.type === "message" && t.direction === "out" && t.message.kind === "request") sent.push(t.message.method); });
    const bAddr = b.addresses.udp!;
    // B's automatic 100 comes after 200 ms; by then the CANCEL has long been asked for.
    const tx = a.request(a.createRequest("INVITE", `sip:bob@${bAddr.address}:${bAddr.port}`));
    a.cancel(tx);
    await within(invited, 5000, "the INVITE at B");
    assert.ok(!sent.includes("CANCEL"), "no CANCEL before a provisional");
    respond180?.();
    const out = await within(tx.outcome, 5000, "the INVITE outcome");
    assert.equal(out.kind === "final" && out.response.status, 487);
    assert.ok(sent.includes("CANCEL"));
  } finally {
    await a.close();
    await b.close();
  }
});

test("in-dialog requests: unknown dialog → 481, a stale CSeq → 500, a CANCEL without INVITE → 481", async () => {
  const { a, b } = await pair();
  try {
    let handled = 0;
    b.onRequest((tx) => {
      handled++;
      if (tx.request.method === "INVITE") tx.respond(200, "OK"); // the stack adds our Contact
      else tx.respond(200, "OK");
    });
    const bAddr = b.addresses.udp!;
    const uri = `sip:bob@${bAddr.address}:${bAddr.port}`;
    const stray = await within(a.request(a.createRequest("BYE", uri, { to: `<${uri}>;tag=nosuchdialog` })).outcome, 5000, "the stray BYE");
    assert.equal(stray.kind === "final" && stray.response.status, 481);
    const cancel = a.createRequest("CANCEL", uri);
    const lone = await within(a.request(cancel).outcome, 5000, "the lone CANCEL");
    assert.equal(lone.kind === "final" && lone.response.status, 481);
    assert.equal(handled, 0, "neither reached the application");

    const tx = a.request(a.createRequest("INVITE", uri));
    const out = await within(tx.outcome, 5000, "the INVITE");
    assert.equal(out.kind === "final" && out.response.status, 200);
    assert.ok(tx.dialog);
    assert.equal(tx.dialog.remoteTarget, `sip:${bAddr.address}:${bAddr.port}`, "the default Contact became the remote target");
    await a.sendAck(tx.dialog);
    const info = tx.dialog.createRequest("INFO");
    const first = await within(a.request(info).outcome, 5000, "the INFO");
    assert.equal(first.kind === "final" && first.response.status, 200);
    // The same CSeq again, in a new transaction: out of order for the UAS dialog (§12.2.2).
    const replay = tx.dialog.createRequest("INFO");
    replay.headers.set("CSeq", `${info.headers.cseq()!.seq} INFO`);
    const second = await within(a.request(replay).outcome, 5000, "the replayed INFO");
    assert.equal(second.kind === "final" && second.response.status, 500);
  } finally {
    await a.close();
    await b.close();
  }
});

test("a 401 is answered with a follow-up INVITE carrying Authorization (digest), which then succeeds", async () => {
  const { DigestServer, authorizeRequest } = await import("../../src/sip/digest.js");
  const { a, b } = await pair();
  try {
    const digest = new DigestServer({ realm: "parley.test" });
    b.onRequest((tx) => {
      if (tx.request.method !== "INVITE") return void tx.respond(200, "OK");
      const verdict = digest.verify(tx.request.headers.authorization()[0], "INVITE", (u) => (u === "alice" ? { password: "s3cret" } : undefined));
      if (!verdict.ok) tx.respond(401, "Unauthorized", { headers: digest.challenge().map((c) => ["WWW-Authenticate", c] as const) });
      else tx.respond(200, "OK");
    });
    const bAddr = b.addresses.udp!;
    const first = a.createRequest("INVITE", `sip:bob@${bAddr.address}:${bAddr.port}`);
    const o1 = await within(a.request(first).outcome, 5000, "the challenge");
    assert.ok(o1.kind === "final" && o1.response.status === 401);
    const auth = authorizeRequest(first, o1.response, { username: "alice", password: "s3cret" });
    assert.ok(auth);
    const second = a.createFollowUp(first, { headers: [[auth.name, auth.value]] });
    assert.equal(second.headers.cseq()?.seq, 2);
    assert.equal(second.headers.callId(), first.headers.callId());
    assert.equal(second.headers.from()?.tag, first.headers.from()?.tag);
    const tx = a.request(second);
    const o2 = await within(tx.outcome, 5000, "the authorised INVITE");
    assert.equal(o2.kind === "final" && o2.response.status, 200);
    assert.notEqual(second.headers.via()?.branch, first.headers.via()?.branch);
    assert.ok(tx.dialog);
    await a.sendAck(tx.dialog);
  } finally {
    await a.close();
    await b.close();
  }
});

test("a call over IPv6 loopback (UDP)", async (t) => {
  const a = createSipStack({ host: "::1", port: 0, transports: ["udp"], timers: { t1Ms: 50 } });
  const b = createSipStack({ host: "::1", port: 0, transports: ["udp"], timers: { t1Ms: 50 } });
  try {
    await a.listen();
    await b.listen();
  } catch (err) {
    await a.close();
    await b.close();
    t.skip(`no IPv6 loopback here: ${(err as Error).message}`);
    return;
  }
  try {
    b.onRequest((tx) => tx.respond(200, "OK"));
    const bAddr = b.addresses.udp!;
    const tx = a.request(a.createRequest("INVITE", `sip:bob@[::1]:${bAddr.port}`));
    const out = await within(tx.outcome, 5000, "the INVITE over IPv6");
    assert.equal(out.kind === "final" && out.response.status, 200);
    assert.ok(tx.dialog);
    assert.equal(tx.dialog.remoteTarget, `sip:[::1]:${bAddr.port}`);
    await a.sendAck(tx.dialog);
    const bye = await within(a.requestInDialog(tx.dialog, "BYE").outcome, 5000, "the BYE over IPv6");
    assert.equal(bye.kind === "final" && bye.response.status, 200);
  } finally {
    await a.close();
    await b.close();
  }
});

test("an idle TCP connection is closed by the pool, and the next request opens a new one", async () => {
  const a = createSipStack({ host: "127.0.0.1", port: 0, transports: ["tcp"], idleTimeoutMs: 100, timers: { t1Ms: 50 } });
  const b = createSipStack({ host: "127.0.0.2", port: 0, transports: ["tcp"], timers: { t1Ms: 50 } });
  await a.listen();
  await b.listen();
  try {
    const events: SipTrace[] = [];
    let onClosed: (() => void) | undefined;
    a.onMessage((t) => {
      events.push(t);
      if (t.type === "connection" && t.event.type === "closed") onClosed?.();
    });
    const closed = new Promise<void>((r) => { onClosed = r; });
    const bAddr = b.addresses.tcp!;
    const uri = `sip:bob@${bAddr.address}:${bAddr.port};transport=tcp`;
    const o1 = await within(a.request(a.createRequest("OPTIONS", uri)).outcome, 5000, "the first OPTIONS");
    assert.equal(o1.kind === "final" && o1.response.status, 200);
    await within(closed, 5000, "the idle close");
    const closes = events.filter((t) => t.type === "connection" && t.event.type === "closed");
    assert.equal(closes.length, 1);
    assert.ok(closes[0]?.type === "connection" && closes[0].event.type === "closed" && closes[0].event.why === "idle");
    const o2 = await within(a.request(a.createRequest("OPTIONS", uri)).outcome, 5000, "the second OPTIONS");
    assert.equal(o2.kind === "final" && o2.response.status, 200);
    const opened = events.filter((t) => t.type === "connection" && t.event.type === "opened");
    assert.equal(opened.length, 2, "a fresh connection for the second request");
  } finally {
    await a.close();
    await b.close();
  }
});

test("a re-INVITE inside the dialog is answered, ACKed with its own CSeq, and the ACK reaches the UAS", async () => {
  const { a, b } = await pair();
  try {
    const acks: number[] = [];
    b.onRequest((tx) => {
      if (tx.request.method === "INVITE") {
        tx.on((e) => { if (e.type === "ack") acks.push(e.request.headers.cseq()?.seq ?? -1); });
        tx.respond(200, "OK");
      } else tx.respond(200, "OK");
    });
    const bAddr = b.addresses.udp!;
    const tx = a.request(a.createRequest("INVITE", `sip:bob@${bAddr.address}:${bAddr.port}`));
    const out = await within(tx.outcome, 5000, "the INVITE");
    assert.ok(out.kind === "final" && tx.dialog);
    const dialog = tx.dialog;
    await a.sendAck(dialog);
    const re = a.requestInDialog(dialog, "INVITE", { contentType: "application/sdp", body: "v=0\r\n" });
    const reOut = await within(re.outcome, 5000, "the re-INVITE");
    assert.equal(reOut.kind === "final" && reOut.response.status, 200);
    assert.equal(re.dialog, dialog, "the re-INVITE stayed in the same dialog");
    await a.sendAck(dialog);
    const bye = await within(a.requestInDialog(dialog, "BYE").outcome, 5000, "the BYE");
    assert.equal(bye.kind === "final" && bye.response.status, 200);
    assert.deepEqual(acks, [1, 2], "one ACK per INVITE, each with its INVITE's CSeq");
    assert.equal(b.dialogs.size, 0);
  } finally {
    await a.close();
    await b.close();
  }
});

test("the callee hangs up: a BYE from the UAS dialog reaches the caller's dialog, both dialogs end", async () => {
  const { a, b } = await pair();
  try {
    let bDialog: Dialog | undefined;
    const answered = new Promise<void>((resolve) => {
      b.onRequest((tx) => {
        if (tx.request.method !== "INVITE") return void tx.respond(200, "OK");
        tx.respond(200, "OK");
        bDialog = tx.dialog;
        tx.on((e) => { if (e.type === "ack") resolve(); });
      });
    });
    let byeDialogMatched = false;
    a.onRequest((tx) => {
      byeDialogMatched = tx.request.method === "BYE" && tx.dialog !== undefined;
      tx.respond(200, "OK");
    });
    const bAddr = b.addresses.udp!;
    const tx = a.request(a.createRequest("INVITE", `sip:bob@${bAddr.address}:${bAddr.port}`));
    const out = await within(tx.outcome, 5000, "the INVITE");
    assert.ok(out.kind === "final" && tx.dialog);
    await a.sendAck(tx.dialog);
    await within(answered, 5000, "the ACK");
    assert.ok(bDialog);
    assert.equal(bDialog.role, "uas");
    const byeOut = await within(b.requestInDialog(bDialog, "BYE").outcome, 5000, "the callee's BYE");
    assert.equal(byeOut.kind === "final" && byeOut.response.status, 200);
    assert.equal(byeDialogMatched, true);
    assert.equal(a.dialogs.size, 0);
    assert.equal(b.dialogs.size, 0);
  } finally {
    await a.close();
    await b.close();
  }
});
