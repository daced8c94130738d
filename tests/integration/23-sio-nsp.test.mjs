// 23-sio-nsp: namespaces: "/" and "/custom" exist, unknown ones are refused
// with CONNECT_ERROR "Invalid namespace" (the session stays usable), and an
// async middleware admits or refuses with a reason and data.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Manager } from "socket.io-client";
import { startFixture } from "./lib/fixture-sio.mjs";
import { connect, once } from "./lib/sio-helpers.mjs";

function refused(fx, nsp, opts = {}) {
  return connect(fx, { nsp, ...opts }).then(
    (s) => { s.close(); throw new Error(`${nsp} was accepted`); },
    (err) => err);
}

for (const workers of [1, 2]) {
  describe(`sio namespaces, workers ${workers}`, () => {
    let fx;
    before(async () => { fx = await startFixture({ workers }); });
    after(async () => { await fx.stop(); });

    for (const transports of [["polling"], ["websocket"]]) {
      test(`${transports[0]}: unknown namespace refused, session stays usable`, async () => {
        const m = new Manager(fx.url, { transports, reconnection: false });
        try {
          const main = await connect(fx, { manager: m });
          const err = await refused(fx, "/random", { manager: m });
          assert.equal(err.message, "Invalid namespace");
          assert.equal(err.data, undefined);
          // Same Engine.IO session, still fine.
          assert.equal(await main.timeout(3000).emitWithAck("message-with-ack", "ok"), "ok");
          const custom = await connect(fx, { nsp: "/custom", manager: m });
          assert.equal(await custom.timeout(3000).emitWithAck("message-with-ack", "c"), "c");
        } finally {
          m._close();
        }
      });
    }

    test("async middleware refuses with message and data", async () => {
      const err = await refused(fx, "/private", { transports: ["websocket"], auth: { token: "nope" } });
      assert.equal(err.message, "not allowed");
      assert.deepEqual(err.data, { code: "E_AUTH" });
      const err2 = await refused(fx, "/private", { transports: ["polling"] });
      assert.equal(err2.message, "not allowed");
    });

    test("async middleware admits", async () => {
      const s = await connect(fx, { nsp: "/private", transports: ["polling"], auth: { token: "letmein" } });
      try {
        assert.deepEqual(s.authPayload, { token: "letmein" });
        assert.equal(await s.timeout(3000).emitWithAck("message-with-ack", "in"), "in");
        // The middleware joined "vip" before the socket connected.
        assert.equal(await s.timeout(3000).emitWithAck("in", "vip"), true);
        const got = new Promise((resolve) => s.once("vip-news", resolve));
        await s.timeout(3000).emitWithAck("emit-to", { rooms: ["vip"], event: "vip-news", args: [1] });
        assert.equal(await got, 1);
        // Refused sockets left the room they joined in the middleware: an
        // emit to it must not touch the freed socket (the server lives on).
        await refused(fx, "/private", { transports: ["websocket"] });
        await s.timeout(3000).emitWithAck("emit-to", { rooms: ["refused"], event: "nobody", args: [] });
        await s.timeout(3000).emitWithAck("emit-to", { rooms: ["vip"], except: ["refused"], event: "still", args: [] });
      } finally {
        s.close();
      }
    });

    test("client disconnecting from a namespace while the middleware runs", async () => {
      const m = new Manager(fx.url, { transports: ["websocket"], reconnection: false });
      const main = await connect(fx, { manager: m });
      const p = m.socket("/private", { auth: { token: "letmein" } });
      p.disconnect();   // before the 20 ms middleware answers
      assert.equal(await main.timeout(3000).emitWithAck("message-with-ack", 1), 1);
      m._close();
      assert.equal(fx.alive(), true);
    });

    test("client namespace disconnect leaves the session open", async () => {
      const m = new Manager(fx.url, { transports: ["websocket"], reconnection: false });
      const a = await connect(fx, { manager: m });
      const b = await connect(fx, { nsp: "/custom", manager: m });
      b.disconnect();
      assert.equal(await a.timeout(3000).emitWithAck("message-with-ack", "a"), "a");
      // Reconnecting the namespace gets a fresh socket id.
      const oldId = b.id;
      b.connect();
      await once(b, "connect");
      assert.notEqual(b.id, oldId);
      m._close();
    });
  });
}
