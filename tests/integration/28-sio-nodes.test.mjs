// 28-sio-nodes: two fixture instances (2 workers each) on one PostgreSQL
// database exchange emits and room operations through LISTEN/NOTIFY
// (src/bus/bus_node.c): each socket gets each emit exactly once, whatever
// instance and worker it is on; a large emit (many NOTIFY chunks) arrives
// intact. Uses $DATABASE_URL (set by ./kore.build test/integration), or
// the private cluster of ./kore.build db-start.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { startFixture, ROOT } from "./lib/fixture-sio.mjs";
import { count, sleep, spreadOverWorkers } from "./lib/sio-helpers.mjs";

function databaseUrl() {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  execFileSync(`${ROOT}/kore.build`, ["db-start"], { stdio: ["ignore", "ignore", "inherit"] });
  return execFileSync(`${ROOT}/kore.build`, ["db-url"]).toString().trim();
}

async function until(cond, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(50);
}

describe("sio across nodes (PostgreSQL LISTEN/NOTIFY)", () => {
  let fx1, fx2, s1, s2, all;
  before(async () => {
    const env = { SIO_FIXTURE_DB: databaseUrl() };
    [fx1, fx2] = await Promise.all([startFixture({ workers: 2, env }), startFixture({ workers: 2, env })]);
    [s1] = await spreadOverWorkers(fx1, 4, { transports: ["websocket"] });
    [s2] = await spreadOverWorkers(fx2, 4, { transports: ["polling", "websocket"] });
    all = [...s1, ...s2];
    await sleep(300);   // listeners are up
  });
  after(async () => {
    all?.forEach((s) => s.close());
    await Promise.all([fx1?.stop(), fx2?.stop()]);
  });

  test("room emit from one node reaches every member on both nodes once", async () => {
    const members = [s1[0], s1[s1.length - 1], s2[0], s2[s2.length - 1]];
    for (const s of members) assert.equal(await s.timeout(3000).emitWithAck("join", "n-room"), "ok");
    await s2[1].timeout(3000).emitWithAck("emit-to", { rooms: ["n-room"], event: "n-news", args: [{ a: 1 }] });
    await until(() => members.every((s) => count(s, "n-news") >= 1));
    await sleep(300);
    for (const s of all) {
      const want = members.includes(s) ? 1 : 0;
      assert.equal(count(s, "n-news"), want, `socket ${s.id}`);
    }
    assert.deepEqual(members[0].received.get("n-news")[0], [{ a: 1 }]);
  });

  test("broadcast with except, and a large payload in many NOTIFY chunks", async () => {
    const big = "z".repeat(60000) + "é";
    await s1[0].timeout(3000).emitWithAck("emit-to", { except: [s2[0].id], event: "n-big", args: [big, 2] });
    await until(() => all.filter((s) => s !== s2[0]).every((s) => count(s, "n-big") >= 1));
    await sleep(300);
    for (const s of all) {
      assert.equal(count(s, "n-big"), s === s2[0] ? 0 : 1, `socket ${s.id}`);
      if (s !== s2[0]) assert.deepEqual(s.received.get("n-big")[0], [big, 2]);
    }
  });

  test("adapter-wide room operations reach the other node", async () => {
    assert.equal(await s1[0].timeout(3000).emitWithAck("join", "n-sel"), "ok");
    assert.equal(await s2[0].timeout(3000).emitWithAck("join", "n-sel"), "ok");
    await s2[1].timeout(3000).emitWithAck("rooms-join", { sel: "n-sel", room: "n-grp" });
    await sleep(600);
    const ins = await Promise.all(all.map((s) => s.timeout(3000).emitWithAck("in", "n-grp")));
    all.forEach((s, i) => assert.equal(ins[i], s === s1[0] || s === s2[0], `socket ${s.id}`));
    assert.equal(fx1.alive() && fx2.alive(), true);
    assert.doesNotMatch(fx1.log() + fx2.log(), /sandbox violation|died|fatal/i);
  });
});
