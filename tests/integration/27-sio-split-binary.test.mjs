// 27-sio-split-binary: a binary packet whose header arrives over polling
// and whose attachment arrives over the WebSocket after the upgrade (the
// client does this, socketio-wire.md section 7): reassembly is per
// session, not per transport. Run with 2 workers, so the polling requests
// may be forwarded to the session's owner.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import WebSocket from "ws";
import { startFixture } from "./lib/fixture-sio.mjs";

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

describe("sio binary split across transports", () => {
  let fx;
  before(async () => { fx = await startFixture({ workers: 2 }); });
  after(async () => { await fx.stop(); });

  for (let round = 0; round < 3; round++) {
    test(`header over polling, attachment over WebSocket (${round + 1})`, async () => {
      const base = `${fx.url}/socket.io/?EIO=4&transport=polling`;
      const open = await req("GET", base);
      const sid = JSON.parse(open.body.slice(1)).sid;
      assert.equal((await req("POST", `${base}&sid=${sid}`, "40")).body, "ok");
      const first = await req("GET", `${base}&sid=${sid}`);
      assert.match(first.body, /^40\{"sid":"/);
      assert.equal((await req("POST", `${base}&sid=${sid}`,
        "451-[\"message\",{\"_placeholder\":true,\"num\":0}]")).body, "ok");

      const ws = new WebSocket(`${fx.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
      const frames = [];
      let wake = null;
      ws.on("message", (data, isBinary) => {
        const f = isBinary ? Buffer.from(data) : data.toString();
        if (f === "2") { ws.send("3"); return; }
        frames.push(f);
        if (wake) wake();
      });
      const next = async () => {
        const deadline = Date.now() + 3000;
        while (frames.length === 0) {
          if (Date.now() > deadline) throw new Error("no frame");
          await new Promise((r) => { wake = r; setTimeout(r, 50); });
        }
        return frames.shift();
      };
      await new Promise((resolve, reject) => { ws.once("open", resolve); ws.once("error", reject); });
      ws.send("2probe");
      assert.equal(await next(), "3probe");
      ws.send("5");
      ws.send(Buffer.from([1, 2, 3]));
      // Skip what was queued before (the "auth" event), then the echo.
      let f;
      do { f = await next(); } while (f !== "451-[\"message-back\",{\"_placeholder\":true,\"num\":0}]" && typeof f === "string" && !f.startsWith("45"));
      assert.equal(f, "451-[\"message-back\",{\"_placeholder\":true,\"num\":0}]");
      assert.deepEqual([...(await next())], [1, 2, 3]);
      ws.close();
    });
  }
});
