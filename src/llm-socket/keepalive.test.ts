import assert from "node:assert/strict";
import { test } from "node:test";
import { Keepalive } from "./keepalive.js";

test("pings at once and every interval; echoes give round trips; silence declares death once", async () => {
  const pings: number[] = [];
  const rtts: number[] = [];
  let deaths = 0;
  let echoes = 0;
  let ka: Keepalive | undefined;
  const died = new Promise<number>((resolve) => {
    ka = new Keepalive(
      { intervalMs: 10, deadAfterMs: 60 },
      {
        ping: (ts) => {
          pings.push(ts);
          // Answer the first three pings, then fall silent.
          if (echoes < 3) {
            echoes += 1;
            setImmediate(() => ka?.received(ts));
          }
        },
        rtt: (ms) => rtts.push(ms),
        dead: (silentMs) => {
          deaths += 1;
          resolve(silentMs);
        },
      },
    );
    ka.start();
    assert.equal(pings.length, 1);
  });
  const silentMs = await died;
  assert.equal(deaths, 1);
  // Node's timer clock has millisecond granularity, so a timer may fire up to 1 ms "early".
  assert.ok(silentMs >= 59, `silent ${silentMs}`);
  assert.ok(rtts.length >= 1 && rtts.length <= 3);
  for (const r of rtts) assert.ok(r >= 0);
  // How many pings fit before the death depends on the machine's load; the order does not.
  assert.ok(pings.length >= rtts.length);
  // Death stops the keepalive itself: no timer is left to ping again.
  assert.equal(ka?.running, false);
});

test("an echo with an unknown timestamp keeps the connection alive without an RTT", () => {
  const rtts: number[] = [];
  const ka = new Keepalive({ intervalMs: 1000, deadAfterMs: 1000 }, { ping: () => {}, rtt: (ms) => rtts.push(ms), dead: () => assert.fail("dead") });
  ka.start();
  ka.received(42);
  ka.stop();
  assert.deepEqual(rtts, []);
  assert.equal(ka.running, false);
});
