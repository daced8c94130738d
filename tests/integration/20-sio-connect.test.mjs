// 20-sio-connect: socket.io-client 4.8 against the fixture's /socket.io/
// over every transport mix, with 1 and 2 workers: CONNECT with auth, the
// "auth" event, events with any JSON and binary args, acks, multiplexing.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Manager } from "socket.io-client";
import { startFixture } from "./lib/fixture-sio.mjs";
import { connect, once, sleep, spreadOverWorkers } from "./lib/sio-helpers.mjs";

const MIXES = [
  { name: "polling only", transports: ["polling"], expect: "polling" },
  { name: "websocket only", transports: ["websocket"], expect: "websocket" },
  { name: "polling then upgrade", transports: ["polling", "websocket"], expect: "websocket" },
];

for (const workers of [1, 2]) {
  describe(`sio connect, workers ${workers}`, () => {
    let fx;
    before(async () => { fx = await startFixture({ workers }); });
    after(async () => { await fx.stop(); });

    for (const mix of MIXES) {
      test(`${mix.name}: auth, echo with binary, acks`, async () => {
        const s = await connect(fx, { transports: mix.transports, auth: { token: "abc", n: [1, 2] } });
        try {
          assert.deepEqual(s.authPayload, { token: "abc", n: [1, 2] });
          if (mix.expect === "websocket" && mix.transports.length > 1 &&
              s.io.engine.transport.name !== "websocket") {
            await once(s.io.engine, "upgrade", 3000);
          }
          const who = await s.timeout(3000).emitWithAck("whoami");
          assert.equal(who.id, s.id);
          assert.equal(who.transport, mix.expect);
          assert.equal(who.recovered, false);

          const args = [1, "two", { three: [3, null, true] }, [], "é\u2028\"\\", -1.5,
            Buffer.from([1, 2, 3]), { nested: Buffer.from([]) }];
          const back = once(s, "message-back");
          s.emit("message", ...args);
          const got = await back;
          assert.equal(got.length, args.length);
          assert.deepEqual(got.slice(0, 6), args.slice(0, 6));
          assert.ok(Buffer.isBuffer(got[6]));
          assert.deepEqual([...got[6]], [1, 2, 3]);
          assert.ok(Buffer.isBuffer(got[7].nested));
          assert.equal(got[7].nested.length, 0);

          const acked = await new Promise((resolve) =>
            s.emit("message-with-ack", 7, "x", Buffer.from([9, 8]), (...a) => resolve(a)));
          assert.equal(acked.length, 3);
          assert.equal(acked[0], 7);
          assert.equal(acked[1], "x");
          assert.deepEqual([...acked[2]], [9, 8]);

          // Many events in a row arrive in order.
          const seen = [];
          s.on("message-back", (i) => seen.push(i));
          for (let i = 0; i < 50; i++) s.emit("message", i);
          for (let t = 0; t < 60 && seen.length < 50; t++) await sleep(50);
          assert.deepEqual(seen, [...Array(50).keys()]);
        } finally {
          s.close();
        }
      });
    }

    test("no auth payload gives auth {}", async () => {
      const s = await connect(fx, { transports: ["websocket"] });
      assert.deepEqual(s.authPayload, {});
      s.close();
    });

    test("multiplexing: / and /custom over one Engine.IO session", async () => {
      const m = new Manager(fx.url, { transports: ["polling"], reconnection: false });
      const a = await connect(fx, { manager: m });
      const b = await connect(fx, { nsp: "/custom", manager: m, auth: { x: 1 } });
      try {
        assert.equal(a.io, b.io);
        assert.deepEqual(b.authPayload, { x: 1 });
        assert.notEqual(a.id, b.id);
        const [r] = await Promise.all([
          once(b, "message-back"),
          b.emit("message", "on-custom"),
        ]);
        assert.deepEqual(r, ["on-custom"]);
        // The event went to /custom only.
        await sleep(100);
        assert.equal(a.received.has("message-back"), false);
      } finally {
        a.close();
        b.close();
        m._close();
      }
    });

    if (workers === 2) {
      test("polling sessions on both workers work (forwarded requests)", async () => {
        const [socks, who] = await spreadOverWorkers(fx, 4, { transports: ["polling"] });
        try {
          assert.ok(new Set(who.map((w) => w.worker)).size >= 2, `all on one worker: ${JSON.stringify(who)}`);
          for (const s of socks) {
            const [r] = await Promise.all([once(s, "message-back"), s.emit("message", s.id, Buffer.from([7]))]);
            assert.equal(r[0], s.id);
            assert.deepEqual([...r[1]], [7]);
          }
        } finally {
          socks.forEach((s) => s.close());
        }
      });
    }

    test("server is alive and clean after the tests", async () => {
      assert.equal(fx.alive(), true);
      assert.doesNotMatch(fx.log(), /fatal|sanitizer|SIGSEGV|worker .* exited/i);
    });
  });
}
