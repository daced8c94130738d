// Engine.IO under a burst: 1000 sessions (polling and WebSocket, two
// workers) opened at once and dropped without a goodbye; the server lives
// on, reaps them by heartbeat, and serves new sessions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import WebSocket from 'ws';
import { startFixture, stats, request, handshake, poll, post, sleep } from './lib/eio_fixture.mjs';

let fx;
before(async () => { fx = await startFixture({ workers: 2 }); });
after(async () => { await fx?.stop(); });

async function allStats() {
  const m = new Map();
  for (let i = 0; i < 60 && m.size < 2; i++) {
    for (const s of await Promise.all(Array.from({ length: 32 }, () => stats(fx.base)))) m.set(s.worker, s);
  }
  return [...m.values()];
}

test('1000 sessions opened and dropped at once', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });
  const sids = [];
  const openedBefore = (await allStats()).reduce((a, s) => a + s.opened, 0);
  // 600 polling handshakes, each with a parked GET that is then dropped.
  const getJson = (url) => new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let b = ''; res.on('data', (d) => { b += d; }); res.on('end', () => resolve(b));
    }).on('error', reject);
  });
  const opened = await Promise.all(Array.from({ length: 600 }, () => getJson(`${fx.url}?EIO=4&transport=polling`)));
  for (const o of opened) sids.push(JSON.parse(o.slice(1)).sid);
  const parked = sids.map((sid) => {
    const req = http.get(`${fx.url}?EIO=4&transport=polling&sid=${sid}`, { agent: false });
    req.on('error', () => {});
    return req;
  });
  // 400 WebSocket-only sessions.
  const sockets = await Promise.all(Array.from({ length: 400 }, () => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${fx.port}/engine.io/?EIO=4&transport=websocket`);
    ws.on('message', () => resolve(ws));
    ws.on('error', reject);
  })));
  // (With pingTimeout 200 the first ones may already be gone: count opens.)
  const during = await allStats();
  const total = during.reduce((a, s) => a + s.opened, 0) - openedBefore;
  assert.ok(total >= 1000, `sessions opened: ${total}`);
  // Drop everything at once.
  for (const r of parked) r.destroy();
  for (const ws of sockets) ws.terminate();
  agent.destroy();
  await sleep(1500);
  // The server lives on: a new session works end to end.
  assert.ok(fx.alive(), 'fixture still running');
  const { sid } = await handshake(fx.url);
  await post(fx.url, sid, '4after-the-storm');
  assert.equal((await poll(fx.url, sid)).text, '4after-the-storm');
  await post(fx.url, sid, '1');
  // Everything dropped has been reaped (transport error / close).
  const left = await allStats();
  assert.equal(left.length, 2);
  for (const s of left) {
    assert.equal(s.sessions, 0, `worker ${s.worker} still has ${s.sessions} sessions`);
    assert.equal(s.relays, 0);
  }
  assert.doesNotMatch(fx.log(), /died|sandbox violation|fatal/i);
});
