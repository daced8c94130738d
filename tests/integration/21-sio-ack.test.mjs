// 21-sio-ack: acknowledgements both ways, with binary, server->client acks
// with a timeout, and the error a pending ack gets on disconnect.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFixture } from "./lib/fixture-sio.mjs";
import { connect, once, sleep } from "./lib/sio-helpers.mjs";

for (const workers of [1, 2]) {
  describe(`sio acks, workers ${workers}`, () => {
    let fx;
    before(async () => { fx = await startFixture({ workers }); });
    after(async () => { await fx.stop(); });

    for (const transports of [["polling"], ["websocket"]]) {
      const tn = transports.join("+");

      test(`${tn}: client->server ack with several args and binary`, async () => {
        const s = await connect(fx, { transports });
        try {
          const r = await new Promise((resolve) =>
            s.emit("message-with-ack", { a: [1, { b: Buffer.from([5, 6]) }] }, null, (...a) => resolve(a)));
          assert.equal(r.length, 2);
          assert.deepEqual([...r[0].a[1].b], [5, 6]);
          assert.equal(r[1], null);
          // Empty ack.
          const empty = await new Promise((resolve) => s.emit("message-with-ack", (...a) => resolve(a)));
          assert.deepEqual(empty, []);
          // Concurrent acks are matched by id.
          const many = await Promise.all([...Array(20).keys()].map((i) =>
            s.timeout(3000).emitWithAck("message-with-ack", i)));
          assert.deepEqual(many, [...Array(20).keys()]);
        } finally {
          s.close();
        }
      });

      test(`${tn}: server->client ack answered (text and binary)`, async () => {
        const s = await connect(fx, { transports });
        try {
          s.on("question", (...args) => {
            const cb = args.pop();
            cb("answer-to", ...args, Buffer.from([4, 2]));
          });
          const answer = once(s, "answer");
          assert.equal(await s.timeout(3000).emitWithAck("ask", { timeout: 2000, args: [42, "q"] }), "asked");
          const [res] = await answer;
          assert.equal(res.ok.length, 4);
          assert.deepEqual(res.ok.slice(0, 3), ["answer-to", 42, "q"]);
          assert.ok(Buffer.isBuffer(res.ok[3]));
          assert.deepEqual([...res.ok[3]], [4, 2]);
        } finally {
          s.close();
        }
      });

      test(`${tn}: server->client ack times out`, async () => {
        const s = await connect(fx, { transports });
        try {
          let asked = 0;
          s.on("question", () => { asked++; /* never acks */ });
          const t0 = Date.now();
          const answer = once(s, "answer", 3000);
          await s.timeout(3000).emitWithAck("ask", { timeout: 300, args: [] });
          const [res] = await answer;
          assert.equal(asked, 1);
          assert.deepEqual(res, { error: "operation has timed out" });
          assert.ok(Date.now() - t0 >= 250, "timed out too early");
        } finally {
          s.close();
        }
      });
    }

    test("pending server->client ack fails with a disconnect error", async () => {
      const s = await connect(fx, { transports: ["websocket"] });
      const who = await s.timeout(3000).emitWithAck("whoami");
      const asked = once(s, "question");
      await s.timeout(3000).emitWithAck("ask", { timeout: 0, args: [] });
      await asked;
      s.close();
      for (let i = 0; i < 40 && !fx.log().includes(`ack of ${who.id} failed`); i++) await sleep(50);
      assert.match(fx.log(), new RegExp(`ack of ${who.id} failed: socket has been disconnected`));
    });

    test("a late ack after the timeout is ignored", async () => {
      const s = await connect(fx, { transports: ["websocket"] });
      try {
        let cb;
        s.on("question", (...a) => { cb = a.pop(); });
        const answer = once(s, "answer", 3000);
        await s.timeout(3000).emitWithAck("ask", { timeout: 200, args: [] });
        assert.deepEqual((await answer)[0], { error: "operation has timed out" });
        cb("too late");
        await sleep(200);
        assert.equal(s.received.get("answer").length, 1);
        // The session is still fine.
        assert.equal(await s.timeout(2000).emitWithAck("message-with-ack", "still"), "still");
      } finally {
        s.close();
      }
    });
  });
}
