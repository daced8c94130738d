// 25-sio-badinput: byte-level bad input over a raw Engine.IO WebSocket (and
// polling): every malformed Socket.IO packet closes the session with a
// logged reason (or, for an unknown namespace, gets CONNECT_ERROR and the
// session lives on); the server keeps serving.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startFixture } from "./lib/fixture-sio.mjs";
import { RawClient, connect, sleep } from "./lib/sio-helpers.mjs";

// Each case: packets (strings: text frames "4..."; Buffers: binary frames)
// sent after a successful CONNECT to "/", and the decoder error logged.
const CLOSING = [
  ["unknown packet type", ["47[\"x\"]"], "unknown packet type"],
  ["unknown packet type (letter)", ["4x"], "unknown packet type"],
  ["empty Socket.IO packet", ["4"], "empty packet"],
  ["EVENT without payload", ["42"], "invalid payload"],
  ["EVENT with an object", ["42{\"a\":1}"], "invalid payload"],
  ["EVENT with an empty array", ["42[]"], "invalid payload"],
  ["reserved event name", ["42[\"disconnect\"]"], "invalid payload"],
  ["invalid JSON", ["42[\"message\",]"], "invalid payload"],
  ["truncated JSON", ["42[\"message\""], "invalid payload"],
  ["too deep JSON", ["42[\"message\"," + "[".repeat(40) + "]".repeat(40) + "]"], "payload nested too deeply"],
  ["ack id out of range", ["422147483648[\"message-with-ack\"]"], "invalid ack id"],
  ["huge ack id", ["42999999999999999999999[\"message\"]"], "invalid ack id"],
  ["illegal attachments", ["45x-[\"message\"]"], "illegal attachments"],
  ["too many attachments", ["4511-[\"message\"]"], "too many attachments"],
  ["placeholder out of range", ["451-[\"message\",{\"_placeholder\":true,\"num\":1}]"], "illegal attachments"],
  ["text while attachments pending (too few)", ["452-[\"message\",{\"_placeholder\":true,\"num\":0}]",
    Buffer.from([1]), "42[\"message\"]"], "text packet while attachments are pending"],
  ["attachment nobody announced", [Buffer.from([1, 2])], "unexpected binary attachment"],
  ["one attachment too many", ["451-[\"message\",{\"_placeholder\":true,\"num\":0}]",
    Buffer.from([1]), Buffer.from([2])], "unexpected binary attachment"],
  ["ACK payload not an array", ["430{}"], "invalid payload"],
  ["DISCONNECT with payload", ["41{}"], "invalid payload"],
  ["CONNECT twice", ["40"], "CONNECT for a joined namespace"],
  ["CONNECT_ERROR from the client", ["44{\"message\":\"x\"}"], "CONNECT_ERROR from a client"],
  ["event for a namespace not joined", ["42/custom,[\"message\"]"], "packet for a namespace not joined"],
  ["event after leaving the namespace", ["41", "42[\"message\"]"], "packet for a namespace not joined"],
  ["CONNECT payload not an object", ["40/custom,[1]"], "invalid payload"],
];

describe("sio bad input", () => {
  let fx;
  before(async () => { fx = await startFixture({ workers: 2, conformanceHeartbeat: true }); });
  after(async () => { await fx.stop(); });

  for (const [name, packets, reason] of CLOSING) {
    test(`closes the session: ${name}`, async () => {
      const c = await RawClient.connected(fx);
      const before = fx.log().split(`: ${reason}, closing`).length;
      for (const p of packets) c.send(p);
      assert.equal(await c.closesWithin(2000), true, "session not closed");
      // Closed promptly, for that reason (not by a ping timeout).
      for (let i = 0; i < 20 && fx.log().split(`: ${reason}, closing`).length === before; i++) await sleep(50);
      assert.ok(fx.log().split(`: ${reason}, closing`).length > before, `no log line for '${reason}'`);
    });
  }

  test("binary placeholders that never arrive: closed after connectTimeout", async () => {
    const c = await RawClient.connected(fx);
    const t0 = Date.now();
    c.send("451-[\"message\",{\"_placeholder\":true,\"num\":0}]");
    assert.equal(await c.closesWithin(3000), true);
    assert.ok(Date.now() - t0 >= 900, "closed before connectTimeout");
    assert.match(fx.log(), /binary attachments never arrived, closing/);
  });

  test("unregistered namespace: CONNECT_ERROR, session stays open", async () => {
    const c = await RawClient.connected(fx);
    c.send("40/nope,");
    assert.equal(await c.next(), "44/nope,{\"message\":\"Invalid namespace\"}");
    c.send("40/nope");
    assert.equal(await c.next(), "44/nope,{\"message\":\"Invalid namespace\"}");
    c.send("42[\"message\",\"still here\"]");
    assert.equal(await c.next(), "42[\"message-back\",\"still here\"]");
    assert.equal(c.closed, false);
    c.close();
  });

  test("valid edge cases are answered exactly", async () => {
    const c = await RawClient.connected(fx);
    c.send("422147483647[\"message-with-ack\",1]");
    assert.equal(await c.next(), "432147483647[1]");
    c.send("420[\"message-with-ack\"]");
    assert.equal(await c.next(), "430[]");
    // Numeric event names are allowed (no handler: dropped).
    c.send("42[1,2]");
    // Binary with zero attachments is a plain event.
    c.send("450-[\"message\",\"b0\"]");
    assert.equal(await c.next(), "42[\"message-back\",\"b0\"]");
    // Binary echo: header then the attachment, as sent.
    c.send("451-[\"message\",{\"_placeholder\":true,\"num\":0}]");
    c.send(Buffer.from([0xde, 0xad]));
    assert.equal(await c.next(), "451-[\"message-back\",{\"_placeholder\":true,\"num\":0}]");
    assert.deepEqual([...(await c.next())], [0xde, 0xad]);
    // Ack id of a binary ack.
    c.send("451-7[\"message-with-ack\",{\"_placeholder\":true,\"num\":0}]");
    c.send(Buffer.from([1]));
    assert.equal(await c.next(), "461-7[{\"_placeholder\":true,\"num\":0}]");
    assert.deepEqual([...(await c.next())], [1]);
    // /custom with its own ack ids.
    c.send("40/custom,{\"k\":1}");
    assert.match(await c.next(), /^40\/custom,\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
    assert.equal(await c.next(), "42/custom,[\"auth\",{\"k\":1}]");
    c.send("42/custom,3[\"message-with-ack\",\"c\"]");
    assert.equal(await c.next(), "43/custom,3[\"c\"]");
    assert.equal(c.closed, false);
    c.close();
  });

  test("the protocol suite's exact exchanges", async () => {
    const c = await RawClient.connected(fx);
    c.send("42[\"message\",1,\"2\",{\"3\":[true]}]");
    assert.equal(await c.next(), "42[\"message-back\",1,\"2\",{\"3\":[true]}]");
    c.send("42456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]");
    assert.equal(await c.next(), "43456[1,\"2\",{\"3\":[false]}]");
    c.send("452-789[\"message-with-ack\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
    c.send(Buffer.from([1, 2, 3]));
    c.send(Buffer.from([4, 5, 6]));
    assert.equal(await c.next(), "462-789[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
    assert.deepEqual([...(await c.next())], [1, 2, 3]);
    assert.deepEqual([...(await c.next())], [4, 5, 6]);
    c.send("40/custom,{\"token\":\"abc\"}");
    assert.match(await c.next(), /^40\/custom,\{"sid":"[^"]+"\}$/);
    assert.equal(await c.next(), "42/custom,[\"auth\",{\"token\":\"abc\"}]");
    c.send("41/custom");
    c.send("42[\"message\",\"message to main namespace\"]");
    assert.equal(await c.next(), "42[\"message-back\",\"message to main namespace\"]");
    c.send("42abc[\"message-with-ack\",1]");
    assert.equal(await c.closesWithin(2000), true);
  });

  test("no CONNECT within connectTimeout closes the session", async () => {
    const c = await RawClient.open(fx);
    const t0 = Date.now();
    assert.equal(await c.closesWithin(3000), true);
    assert.ok(Date.now() - t0 >= 900);
  });

  test("bad packet over polling closes the session; POST still answered ok", async () => {
    const base = `${fx.url}/socket.io/?EIO=4&transport=polling`;
    const req = (method, url, body) => new Promise((resolve, reject) => {
      const r = http.request(url, { method, agent: false, headers: body ? { "content-type": "text/plain;charset=UTF-8", "content-length": Buffer.byteLength(body) } : {} }, (res) => {
        let data = "";
        res.on("data", (d) => { data += d; });
        res.on("end", () => resolve({ status: res.statusCode, body: data }));
      });
      r.on("error", reject);
      if (body) r.write(body);
      r.end();
    });
    const open = await req("GET", base);
    const sid = JSON.parse(open.body.slice(1)).sid;
    assert.equal((await req("POST", `${base}&sid=${sid}`, "40")).body, "ok");
    const first = await req("GET", `${base}&sid=${sid}`);
    assert.match(first.body, /^40\{"sid":/);
    const bad = await req("POST", `${base}&sid=${sid}`, "42[\"message\"");
    assert.equal(bad.status, 200);
    assert.equal(bad.body, "ok");
    await sleep(100);
    // The session is gone: a GET gets the close packet or "Session ID unknown".
    const after = await req("GET", `${base}&sid=${sid}`);
    assert.ok(after.status === 400 || /1$/.test(after.body), `session still open: ${after.status} ${after.body}`);
  });

  test("the server lives on", async () => {
    assert.equal(fx.alive(), true);
    const s = await connect(fx, { transports: ["websocket"] });
    assert.equal(await s.timeout(3000).emitWithAck("message-with-ack", "alive"), "alive");
    s.close();
    assert.doesNotMatch(fx.log(), /sanitizer|SIGSEGV|fatal|worker .* exited/i);
  });
});
