// 24-sio-recovery: connection-state recovery, offered only to clients that
// opt in with {"recover": true} in their CONNECT auth: pid in the CONNECT
// reply, offsets on events, missed packets replayed (room-filtered), same
// socket id and rooms after the transport comes back, on any worker; and
// plain Socket.IO (no pid, no offsets, no recovery) without the opt-in.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFixture } from "./lib/fixture-sio.mjs";
import { connect, count, once, sleep } from "./lib/sio-helpers.mjs";

const RECONNECT = { reconnection: true, reconnectionDelay: 800, reconnectionDelayMax: 800, randomizationFactor: 0 };

for (const workers of [1, 2]) {
  describe(`sio recovery, workers ${workers}`, () => {
    let fx;
    before(async () => { fx = await startFixture({ workers, env: { SIO_FIXTURE_RECOVERY: "120000" } }); });
    after(async () => { await fx.stop(); });

    for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
      test(`${transports.join("+")}: opted-in socket recovers missed packets and rooms`, async () => {
        const a = await connect(fx, { transports, auth: { recover: true, token: "t" }, ...RECONNECT });
        const b = await connect(fx, { transports: ["websocket"] });
        try {
          assert.equal(typeof a._pid, "string", "CONNECT reply carries a pid");
          assert.equal(a.authPayload.recover, true);
          assert.equal(a.authPayload.token, "t");
          // Events to an opted-in socket carry an offset as last argument.
          const auth = a.received.get("auth")[0];
          assert.equal(auth.length, 2);
          assert.equal(typeof auth[1], "string");
          const hello = once(a, "hello");
          a.emit("emit-self", "hello", "first");
          const h = await hello;
          assert.equal(h[0], "first");
          assert.equal(typeof h[1], "string");
          // Acks carry no offset.
          assert.deepEqual(await new Promise((r) => a.emit("message-with-ack", "x", (...args) => r(args))), ["x"]);

          assert.equal(await a.timeout(3000).emitWithAck("join", "r"), "ok");
          const id = a.id;
          const pid = a._pid;

          const gone = once(a, "disconnect");
          a.io.engine.close();
          assert.match((await gone)[0], /forced close|transport close/);
          await sleep(150);   // the server notices and saves the session

          await b.timeout(3000).emitWithAck("emit-to", { rooms: ["r"], event: "missed-room", args: [1, { k: "v" }] });
          await b.timeout(3000).emitWithAck("emit-to", { event: "missed-all", args: [2] });
          await b.timeout(3000).emitWithAck("emit-to", { rooms: ["other"], event: "not-for-a", args: [3] });

          await once(a, "connect", 5000);
          assert.equal(a.recovered, true);
          assert.equal(a.id, id);
          assert.equal(a._pid, pid);
          await sleep(200);
          assert.equal(count(a, "missed-room"), 1);
          assert.deepEqual(a.received.get("missed-room")[0].slice(0, 2), [1, { k: "v" }]);
          assert.equal(count(a, "missed-all"), 1);
          assert.equal(count(a, "not-for-a"), 0);
          // Rooms came back.
          assert.equal(await a.timeout(3000).emitWithAck("in", "r"), true);
          const who = await a.timeout(3000).emitWithAck("whoami");
          assert.equal(who.recovered, true);
          assert.equal(who.id, id);
          // And live room emits reach it again.
          await b.timeout(3000).emitWithAck("emit-to", { rooms: ["r"], event: "live", args: [] });
          await sleep(200);
          assert.equal(count(a, "live"), 1);
        } finally {
          a.close();
          b.close();
        }
      });
    }

    if (workers === 2) {
      test("recovery on the other worker (session and replay seen by every worker)", async () => {
        const b = await connect(fx, { transports: ["websocket"] });
        let crossed = 0;
        try {
          // Several sockets at once per round: concurrent handshakes land
          // on both workers far more often than one at a time.
          const one = async (i) => {
            // The reconnect must come after the server saw the transport
            // close (a POSTed close packet, forwarded to the owner): give
            // it a second, as a loaded machine may need it.
            const a = await connect(fx, { transports: ["polling"], auth: { recover: true },
              ...RECONNECT, reconnectionDelay: 1000, reconnectionDelayMax: 1000 });
            try {
              const w0 = (await a.timeout(3000).emitWithAck("whoami")).worker;
              await a.timeout(3000).emitWithAck("join", `x${i}`);
              const id = a.id;
              const gone = once(a, "disconnect");
              a.io.engine.close();
              await gone;
              await sleep(300);
              await b.timeout(3000).emitWithAck("emit-to", { rooms: [`x${i}`], event: "missed", args: [i] });
              await once(a, "connect", 5000);
              assert.equal(a.recovered, true);
              assert.equal(a.id, id);
              await sleep(150);
              assert.equal(count(a, "missed"), 1);
              assert.deepEqual(a.received.get("missed")[0][0], i);
              const w1 = await a.timeout(3000).emitWithAck("whoami");
              assert.equal(w1.recovered, true);
              if (w1.worker !== w0) crossed++;
            } finally {
              a.close();
            }
          };
          for (let round = 0; round < 6 && crossed === 0; round++) {
            await Promise.all([0, 1, 2, 3].map((j) => one(round * 4 + j)));
          }
          assert.ok(crossed > 0, "no reconnect landed on the other worker in 24 tries");
        } finally {
          b.close();
        }
      });
    }

    test("without the opt-in: no pid, no offsets, no recovery", async () => {
      const c = await connect(fx, { transports: ["websocket"], auth: { token: "t" }, ...RECONNECT });
      const b = await connect(fx, { transports: ["websocket"] });
      try {
        assert.equal(c._pid, undefined);
        assert.deepEqual(c.received.get("auth")[0], [{ token: "t" }]);
        const hello = once(c, "hello");
        c.emit("emit-self", "hello", "first");
        assert.deepEqual(await hello, ["first"]);
        const id = c.id;
        const gone = once(c, "disconnect");
        c.io.engine.close();
        await gone;
        await sleep(150);
        await b.timeout(3000).emitWithAck("emit-to", { event: "missed-all", args: [2] });
        await once(c, "connect", 5000);
        assert.ok(!c.recovered);
        assert.notEqual(c.id, id);
        await sleep(200);
        assert.equal(count(c, "missed-all"), 0);
      } finally {
        c.close();
        b.close();
      }
    });

    test("unknown pid/offset falls back to a new connection", async () => {
      const s = await connect(fx, { transports: ["websocket"], auth: { recover: true, pid: "nope", offset: "nope" } });
      try {
        assert.ok(!s.recovered);
        assert.equal(typeof s._pid, "string");
        assert.notEqual(s._pid, "nope");
        const who = await s.timeout(3000).emitWithAck("whoami");
        assert.equal(who.recovered, false);
      } finally {
        s.close();
      }
    });

    test("a client namespace disconnect is not recoverable", async () => {
      const s = await connect(fx, { transports: ["websocket"], auth: { recover: true }, ...RECONNECT });
      const id = s.id;
      s.disconnect();
      s.connect();
      await once(s, "connect", 5000);
      assert.ok(!s.recovered);
      assert.notEqual(s.id, id);
      s.close();
    });
  });
}
