// 26-sio-backpressure: a consumer that does not read (a polling client that
// stops polling, a WebSocket client that stops reading) is disconnected
// once its queue passes max_queue (1 MB here), with a logged reason; the
// worker's memory stays bounded and other clients are unaffected.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import { startFixture } from "./lib/fixture-sio.mjs";
import { RawClient, connect, sleep } from "./lib/sio-helpers.mjs";

function req(method, url, body) {
  return new Promise((resolve, reject) => {
    const headers = body ? { "content-type": "text/plain;charset=UTF-8", "content-length": Buffer.byteLength(body) } : {};
    const r = http.request(url, { method, agent: false, headers }, (res) => {
      let data = "";
      res.on("data", (d) => { data += d; });
      res.on("end", () => resolve({ status: res.statusCode, body: data }));
    });
    r.on("error", reject);
    if (body) r.write(body);
    r.end();
  });
}

function rssKb(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m[1]);
}

describe("sio backpressure", () => {
  let fx;
  before(async () => { fx = await startFixture({ workers: 1, env: { SIO_FIXTURE_MAX_QUEUE: "1000000" } }); });
  after(async () => { await fx.stop(); });

  test("polling client that stops polling is closed, reason logged", async () => {
    const base = `${fx.url}/socket.io/?EIO=4&transport=polling`;
    const open = await req("GET", base);
    const sid = JSON.parse(open.body.slice(1)).sid;
    assert.equal((await req("POST", `${base}&sid=${sid}`, "40")).body, "ok");
    // No GET from now on: everything stays queued. 400 KB per request.
    for (let i = 0; i < 4; i++) {
      const r = await req("POST", `${base}&sid=${sid}`, "42[\"flood\",40,10000]");
      if (r.status !== 200) break;
      await sleep(50);
    }
    for (let i = 0; i < 40 && !fx.log().includes(`session ${sid} closed: slow consumer`); i++) await sleep(50);
    assert.match(fx.log(), new RegExp(`eio: session ${sid}: send queue overflow`));
    assert.match(fx.log(), new RegExp(`sio: session ${sid} closed: slow consumer`));
    const after = await req("GET", `${base}&sid=${sid}`);
    assert.ok(after.status === 400 || /1$/.test(after.body), `still open: ${after.status}`);
  });

  test("WebSocket client that stops reading is closed; memory bounded", async (t) => {
    const ok = await connect(fx, { transports: ["websocket"] });
    const who = await ok.timeout(3000).emitWithAck("whoami");
    const rss0 = rssKb(who.pid);
    const c = await RawClient.connected(fx);
    c.ws._socket.pause();            // stop reading: the kernel buffers fill up
    // 200 KB per burst, each under max_queue; the backlog grows until the
    // session is closed. The client's own writes still go through.
    const slow = () => fx.log().split("slow consumer").length;
    const before = slow();
    let closedAt = -1;
    for (let i = 0; i < 400; i++) {
      c.send("42[\"flood\",20,10000]");
      await sleep(10);
      if (slow() > before) { closedAt = i; break; }
    }
    assert.ok(closedAt >= 0, "never closed");
    assert.ok(closedAt > 0, "closed by the first burst: not a slow-consumer case");
    assert.match(fx.log(), /send queue overflow/);
    // Memory did not grow with the (up to 80 MB) it was asked to send.
    const rss1 = rssKb(who.pid);
    t.diagnostic(`closed after ${closedAt + 1} bursts of 200 KB; worker RSS ${rss0} -> ${rss1} kB`);
    assert.ok(rss1 - rss0 < 64 * 1024, `worker RSS grew by ${rss1 - rss0} kB`);
    // Other clients are fine.
    assert.equal(await ok.timeout(3000).emitWithAck("message-with-ack", "fine"), "fine");
    ok.close();
    c.ws.terminate();   // a paused socket would wait 30 s for the close handshake
  });
});
