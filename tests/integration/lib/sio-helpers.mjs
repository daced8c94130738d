// tests/integration/lib/sio-helpers.mjs: small helpers for the 2x-sio tests:
// socket.io-client connections that record what they receive, and a raw
// Engine.IO WebSocket client for byte-level (bad input) tests.
import { io } from "socket.io-client";
import WebSocket from "ws";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Resolve with the args of the next `event` on `emitter`, or reject after ms.
export function once(emitter, event, ms = 3000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no '${event}' within ${ms} ms`));
    }, ms);
    function on(...args) { clearTimeout(t); resolve(args); }
    emitter.once(event, on);
  });
}

// Connect a socket.io-client socket to fx (nsp "/" by default). Resolves
// with the socket once connected and its "auth" event arrived; the socket
// records every event in socket.received (name -> array of arg lists).
// Pass manager (a socket.io-client Manager) to multiplex namespaces over
// one Engine.IO session.
export async function connect(fx, { nsp = "/", manager = null, ...opts } = {}) {
  const s = manager ? manager.socket(nsp, opts) :
    io(fx.url + nsp, { reconnection: false, forceNew: true, ...opts });
  s.received = new Map();
  s.onAny((event, ...args) => {
    if (!s.received.has(event)) s.received.set(event, []);
    s.received.get(event).push(args);
  });
  const auth = once(s, "auth", 5000);
  auth.catch(() => { /* reported below when it matters */ });
  await new Promise((resolve, reject) => {
    s.once("connect", resolve);
    s.once("connect_error", reject);
  });
  s.authPayload = (await auth)[0];
  return s;
}

export function count(s, event) {
  return s.received.has(event) ? s.received.get(event).length : 0;
}

// Open sockets until they span two workers (connections spread over the
// workers, so this takes a few at most). Returns [sockets, whoami list].
export async function spreadOverWorkers(fx, n, opts = {}) {
  const socks = [];
  const who = [];
  // Concurrent handshakes land on different workers far more often than
  // sequential ones (an idle worker wins every accept race).
  for (let round = 0; round < 12; round++) {
    const batch = await Promise.all([...Array(6)].map(() => connect(fx, opts)));
    for (const s of batch) {
      socks.push(s);
      who.push(await s.timeout(3000).emitWithAck("whoami"));
    }
    const workers = new Set(who.map((w) => w.worker));
    if (socks.length >= n && workers.size >= 2) break;
  }
  return [socks, who];
}

// Raw Engine.IO v4 WebSocket: answers pings, collects text/binary frames.
export class RawClient {
  static async open(fx, { query = "" } = {}) {
    const c = new RawClient();
    c.ws = new WebSocket(`${fx.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket${query}`);
    c.frames = [];
    c.waiters = [];
    c.closed = false;
    c.closedAt = 0;
    c.ws.on("message", (data, isBinary) => {
      const f = isBinary ? Buffer.from(data) : data.toString();
      if (f === "2") { c.ws.send("3"); return; }
      c.frames.push(f);
      c.waiters.splice(0).forEach((w) => w());
    });
    c.closedP = new Promise((resolve) => c.ws.on("close", () => {
      c.closed = true;
      c.closedAt = Date.now();
      c.waiters.splice(0).forEach((w) => w());
      resolve();
    }));
    await new Promise((resolve, reject) => { c.ws.once("open", resolve); c.ws.once("error", reject); });
    const open = await c.next();
    if (!String(open).startsWith("0{")) throw new Error(`bad open packet ${open}`);
    return c;
  }
  // Next frame (skipping nothing), or null if the socket closed.
  async next(ms = 3000) {
    const deadline = Date.now() + ms;
    while (this.frames.length === 0) {
      if (this.closed) return null;
      if (Date.now() > deadline) throw new Error("no frame in time");
      await new Promise((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
    }
    return this.frames.shift();
  }
  send(data) { this.ws.send(data); }
  // Resolve true if the socket closes within ms.
  async closesWithin(ms) {
    await Promise.race([this.closedP, sleep(ms)]);
    return this.closed;
  }
  close() { try { this.ws.close(); } catch { /* already */ } }
  // Engine.IO open + Socket.IO CONNECT to "/" (returns the CONNECT reply).
  static async connected(fx) {
    const c = await RawClient.open(fx);
    c.send("40");
    const reply = await c.next();
    if (!String(reply).startsWith("40{\"sid\":")) throw new Error(`bad CONNECT reply ${reply}`);
    const auth = await c.next();
    if (auth !== "42[\"auth\",{}]") throw new Error(`bad auth event ${auth}`);
    return c;
  }
}
