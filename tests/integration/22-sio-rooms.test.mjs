// 22-sio-rooms: rooms and broadcasts with sockets spread over two workers:
// room emits reach each member exactly once on every worker, except-rooms,
// union of rooms, leave, leave-all on disconnect, and the adapter-wide
// operations (socketsJoin / socketsLeave / disconnectSockets).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Manager } from "socket.io-client";
import { startFixture } from "./lib/fixture-sio.mjs";
import { connect, count, once, sleep, spreadOverWorkers } from "./lib/sio-helpers.mjs";

async function settle(ms = 300) { await sleep(ms); }

for (const workers of [1, 2]) {
  describe(`sio rooms, workers ${workers}`, () => {
    let fx;
    before(async () => { fx = await startFixture({ workers }); });
    after(async () => { await fx.stop(); });

    test("room emits, except, union, leave", async () => {
      // Six sockets, mixed transports, over both workers.
      const [socks, who] = await spreadOverWorkers(fx, 6, { transports: ["polling", "websocket"] });
      const [a, b, c, d] = socks.slice(0, 4);
      const rest = socks.slice(4);
      try {
        if (workers === 2) assert.ok(new Set(who.map((w) => w.worker)).size >= 2);
        for (const s of [a, b, c]) assert.equal(await s.timeout(3000).emitWithAck("join", "r1"), "ok");
        assert.equal(await a.timeout(3000).emitWithAck("join", "r2"), "ok");
        assert.equal(await d.timeout(3000).emitWithAck("join", "r2"), "ok");
        assert.equal(await a.timeout(3000).emitWithAck("in", "r1"), true);
        assert.equal(await d.timeout(3000).emitWithAck("in", "r1"), false);

        // To r1, sent by a socket outside it.
        assert.equal(await d.timeout(3000).emitWithAck("emit-to",
          { rooms: ["r1"], event: "news", args: [{ n: 1 }, "x"] }), "ok");
        await settle();
        for (const s of [a, b, c]) {
          assert.equal(count(s, "news"), 1);
          assert.deepEqual(s.received.get("news")[0], [{ n: 1 }, "x"]);
        }
        for (const s of [d, ...rest]) assert.equal(count(s, "news"), 0);

        // Union r1 + r2: a (in both) once, d once.
        await d.timeout(3000).emitWithAck("emit-to", { rooms: ["r1", "r2"], event: "u", args: [] });
        await settle();
        for (const s of [a, b, c, d]) assert.equal(count(s, "u"), 1, "union delivered once");
        for (const s of rest) assert.equal(count(s, "u"), 0);

        // Everyone except r1 (and except the sender's own room).
        await d.timeout(3000).emitWithAck("emit-to", { except: ["r1", d.id], event: "all-but", args: [1] });
        await settle();
        for (const s of [a, b, c, d]) assert.equal(count(s, "all-but"), 0);
        for (const s of rest) assert.equal(count(s, "all-but"), 1);

        // Room r1 except r2: b and c only.
        await d.timeout(3000).emitWithAck("emit-to", { rooms: ["r1"], except: ["r2"], event: "r1-not-r2", args: [] });
        await settle();
        assert.equal(count(a, "r1-not-r2"), 0);
        assert.equal(count(b, "r1-not-r2"), 1);
        assert.equal(count(c, "r1-not-r2"), 1);
        assert.equal(count(d, "r1-not-r2"), 0);

        // To one socket by its id (its own room), from another worker maybe.
        await a.timeout(3000).emitWithAck("emit-to", { rooms: [c.id], event: "direct", args: ["hi"] });
        await settle();
        assert.equal(count(c, "direct"), 1);
        assert.equal(count(a, "direct") + count(b, "direct") + count(d, "direct"), 0);

        // Broadcast to all.
        await a.timeout(3000).emitWithAck("emit-to", { event: "everyone", args: [true] });
        await settle();
        for (const s of socks) assert.equal(count(s, "everyone"), 1);

        // Leave.
        assert.equal(await b.timeout(3000).emitWithAck("leave", "r1"), "ok");
        await d.timeout(3000).emitWithAck("emit-to", { rooms: ["r1"], event: "after-leave", args: [] });
        await settle();
        assert.equal(count(a, "after-leave"), 1);
        assert.equal(count(b, "after-leave"), 0);
        assert.equal(count(c, "after-leave"), 1);

        // Leave-all on disconnect: c goes, r1 still works for a.
        c.close();
        await settle(200);
        await d.timeout(3000).emitWithAck("emit-to", { rooms: ["r1"], event: "after-disc", args: [] });
        await settle();
        assert.equal(count(a, "after-disc"), 1);
      } finally {
        socks.forEach((s) => s.close());
      }
    });

    test("a large binary room emit crosses workers intact", async () => {
      const [socks] = await spreadOverWorkers(fx, 4, { transports: ["websocket"] });
      try {
        for (const s of socks) await s.timeout(3000).emitWithAck("join", "big");
        const text = "é".repeat(150000);                    // 300 KB of UTF-8
        const bin = Buffer.alloc(200000, 7);
        // emit-to carries no binary; message (echo) does: use both paths.
        await socks[0].timeout(5000).emitWithAck("emit-to", { rooms: ["big"], event: "big", args: [text, { n: 1 }] });
        const echo = new Promise((resolve) => socks[1].once("message-back", (...a) => resolve(a)));
        socks[1].emit("message", bin);
        for (let i = 0; i < 100 && socks.some((s) => count(s, "big") < 1); i++) await sleep(50);
        for (const s of socks) {
          assert.equal(count(s, "big"), 1);
          assert.equal(s.received.get("big")[0][0], text);
          assert.deepEqual(s.received.get("big")[0][1], { n: 1 });
        }
        const [back] = await echo;
        assert.ok(Buffer.isBuffer(back) && back.length === 200000 && back.every((b) => b === 7));
      } finally {
        socks.forEach((s) => s.close());
      }
    });

    test("adapter-wide socketsJoin / socketsLeave / disconnectSockets", async () => {
      const [socks] = await spreadOverWorkers(fx, 4, { transports: ["websocket"] });
      const [a, b, c] = socks;
      try {
        await a.timeout(3000).emitWithAck("join", "sel");
        await b.timeout(3000).emitWithAck("join", "sel");
        // Every socket in "sel" (on every worker) joins "grp".
        assert.equal(await c.timeout(3000).emitWithAck("rooms-join", { sel: "sel", room: "grp" }), "ok");
        await settle(200);
        assert.equal(await a.timeout(3000).emitWithAck("in", "grp"), true);
        assert.equal(await b.timeout(3000).emitWithAck("in", "grp"), true);
        assert.equal(await c.timeout(3000).emitWithAck("in", "grp"), false);

        // Everyone joins "all".
        await c.timeout(3000).emitWithAck("rooms-join", { room: "all" });
        await settle(200);
        for (const s of socks) assert.equal(await s.timeout(3000).emitWithAck("in", "all"), true);

        // "sel" leaves "grp".
        await c.timeout(3000).emitWithAck("rooms-leave", { sel: "sel", room: "grp" });
        await settle(200);
        assert.equal(await a.timeout(3000).emitWithAck("in", "grp"), false);
        assert.equal(await b.timeout(3000).emitWithAck("in", "grp"), false);

        // Disconnect every socket in "sel": a and b get "io server disconnect".
        const da = once(a, "disconnect");
        const db = once(b, "disconnect");
        await c.timeout(3000).emitWithAck("rooms-disconnect", { sel: "sel" });
        assert.deepEqual((await da)[0], "io server disconnect");
        assert.deepEqual((await db)[0], "io server disconnect");
        await settle(200);
        assert.equal(c.connected, true);
        assert.equal(await c.timeout(3000).emitWithAck("message-with-ack", 1), 1);
      } finally {
        socks.forEach((s) => s.close());
      }
    });

    test("server-side disconnect of one socket, and of the whole session", async () => {
      const m1 = new Manager(fx.url, { transports: ["websocket"], reconnection: false });
      const s = await connect(fx, { manager: m1 });
      const c2 = await connect(fx, { nsp: "/custom", manager: m1 });
      const d1 = once(s, "disconnect");
      s.emit("disconnect-me", false);
      assert.equal((await d1)[0], "io server disconnect");
      // /custom on the same session is still connected.
      assert.equal(await c2.timeout(3000).emitWithAck("message-with-ack", "c2"), "c2");
      const m2 = new Manager(fx.url, { transports: ["websocket"], reconnection: false });
      const s3 = await connect(fx, { manager: m2 });
      const c4 = await connect(fx, { nsp: "/custom", manager: m2 });
      const d3 = once(s3, "disconnect");
      const d4 = once(c4, "disconnect");
      s3.emit("disconnect-me", true);
      assert.equal((await d3)[0], "io server disconnect");
      // The whole Engine.IO session went: the other namespace sees it too.
      assert.match((await d4)[0], /transport close|io server disconnect/);
      c2.close();
      m1._close();
    });
  });
}
