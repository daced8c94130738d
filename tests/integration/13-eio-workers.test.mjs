// Engine.IO with two Kore workers and no stickiness: every polling request
// on a new TCP connection (Connection: close), upgrades landing on either
// worker. The owner worker is named by the sid; requests that reach the
// other worker are routed to it (kore_msg). Kore hands sequential
// connections to the worker holding the accept lock, so the tests run
// sessions concurrently to spread connections, and check (through the
// fixture's per-worker stats) that both workers were hit and that
// requests were forwarded and WebSockets relayed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Socket } from 'engine.io-client';
import { startFixture, stats, handshake, poll, post, RS, sleep } from './lib/eio_fixture.mjs';

let fx;
// A longer heartbeat than the conformance values (300/200): these tests
// run many sessions at once on a shared machine.
const PI = 1000;
const PT = 1000;
before(async () => { fx = await startFixture({ workers: 2, pingInterval: PI, pingTimeout: PT }); });
after(async () => { await fx?.stop(); });

// Latest stats of every worker (asks until both have answered).
async function allStats() {
  const byWorker = new Map();
  for (let i = 0; i < 60 && byWorker.size < 2; i++) {
    const burst = await Promise.all(Array.from({ length: 32 }, () => stats(fx.base)));
    for (const s of burst) byWorker.set(s.worker, s);
    if (byWorker.size < 2) await sleep(20);
  }
  assert.equal(byWorker.size, 2, 'both workers answer');
  return byWorker;
}

test('polling sessions on both workers, every request on a new connection', async () => {
  const owners = new Set();
  const before = [...(await allStats()).values()].reduce((a, s) => a + s.forwarded, 0);
  // Handshakes in parallel bursts until both workers own sessions.
  let sids = [];
  for (let b = 0; b < 60 && owners.size < 2; b++) {
    const burst = await Promise.all(Array.from({ length: 32 }, () => handshake(fx.url)));
    sids = sids.concat(burst.map((o) => o.sid));
    for (const o of burst) owners.add(o.sid.slice(0, 2));
  }
  sids = [...sids.filter((x) => x.startsWith('01')).slice(0, 8), ...sids.filter((x) => x.startsWith('02')).slice(0, 8)];
  await Promise.all(sids.map(async (sid, i) => {
    for (let j = 0; j < 6; j++) {
      // Park a GET, then POST (each on its own connection, so on any worker).
      const parked = poll(fx.url, sid);
      await sleep(5);
      const p = await post(fx.url, sid, `4m${i}-${j}${RS}bAQI=`);
      assert.equal(p.status, 200);
      assert.equal(p.text, 'ok');
      // Collect the echo; pong any ping that comes with or before it.
      let pkts = [];
      let r = await parked;
      for (;;) {
        assert.equal(r.status, 200);
        const all = r.text.split(RS);
        if (all.includes('2')) await post(fx.url, sid, '3');
        pkts = pkts.concat(all.filter((x) => x !== '2'));
        if (pkts.length >= 2) break;
        r = await poll(fx.url, sid);
      }
      assert.deepEqual(pkts, [`4m${i}-${j}`, 'bAQI=']);
    }
    await post(fx.url, sid, '1');
  }));
  assert.deepEqual([...owners].sort(), ['01', '02'], 'sessions owned by both workers');
  const after = [...(await allStats()).values()].reduce((a, s) => a + s.forwarded, 0);
  assert.ok(after - before > 10, `requests routed between workers: ${after - before}`);
});

test('cross-worker: unknown sid, overlapping GET, heartbeat', async () => {
  // A sid naming a worker that does not have it.
  for (const w of ['01', '02', '07']) {
    const r = await poll(fx.url, `${w}AAAAAAAAAAAAAAAAAAAA`);
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.text), { code: 1, message: 'Session ID unknown' });
  }
  // Overlap, wherever the two GETs land.
  await Promise.all(Array.from({ length: 8 }, async () => {
    const { sid } = await handshake(fx.url);
    const first = poll(fx.url, sid);
    await sleep(150);
    const second = await poll(fx.url, sid);
    assert.equal(second.status, 400);
    assert.equal((await first).text, '1');
    assert.equal((await poll(fx.url, sid)).status, 400);
  }));
  // Heartbeat through forwarded polls: pings arrive, no pong closes.
  await Promise.all(Array.from({ length: 8 }, async () => {
    const { sid } = await handshake(fx.url);
    assert.equal((await poll(fx.url, sid)).text, '2');
    await post(fx.url, sid, '3');
    assert.equal((await poll(fx.url, sid)).text, '2');
    await sleep(PT + 300);
    assert.equal((await post(fx.url, sid, '4x')).status, 400);
  }));
});

test('engine.io-client upgrades with polling and WebSocket on either worker', async () => {
  let relaysSeen = 0;
  for (let round = 0; round < 3; round++) {
    const socks = [];
    for (let i = 0; i < 12; i++) {
      socks.push(new Socket(fx.base, { path: '/engine.io/', agent: false }));
    }
    await Promise.all(socks.map((s) => new Promise((resolve, reject) => {
      s.on('upgrade', resolve);
      s.on('error', reject);
      setTimeout(() => reject(new Error('no upgrade')), 5000);
    })));
    for (const st of (await allStats()).values()) relaysSeen += st.relays;
    // Echo over the upgraded (maybe relayed) WebSockets, text and binary.
    await Promise.all(socks.map((s, i) => new Promise((resolve, reject) => {
      const got = [];
      s.on('message', (m) => {
        got.push(m);
        if (got.length === 2) {
          try {
            assert.equal(got[0], `hi ${i}`);
            assert.deepEqual([...new Uint8Array(got[1])], [i, 255]);
            resolve();
          } catch (e) { reject(e); }
        }
      });
      s.send(`hi ${i}`);
      s.send(new Uint8Array([i, 255]));
    })));
    // Survive heartbeats (pings cross workers for relayed sockets).
    await sleep(PI + PT / 2);
    for (const s of socks) assert.equal(s.readyState, 'open');
    for (const s of socks) s.close();
  }
  assert.ok(relaysSeen > 0, 'some WebSockets were relayed to the owner worker');
  await sleep(300);
  for (const st of (await allStats()).values()) {
    assert.equal(st.relays, 0, `worker ${st.worker} released its relays`);
    assert.equal(st.websocket, 0, `worker ${st.worker} has no websocket sessions left`);
  }
});

test('raw upgrade landing on either worker; second WS for the sid is closed', async () => {
  await Promise.all(Array.from({ length: 12 }, async () => {
    const { sid } = await handshake(fx.url);
    const ws = new WebSocket(`ws://127.0.0.1:${fx.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    const msgs = [];
    const waiters = [];
    ws.on('message', (d, bin) => {
      const m = bin ? Buffer.from(d) : d.toString();
      if (m === '2') { ws.send('3'); return; } // heartbeat: pong, skip
      const w = waiters.shift(); if (w) w(m); else msgs.push(m);
    });
    const next = () => new Promise((res, rej) => {
      if (msgs.length) return res(msgs.shift());
      const t = setTimeout(() => rej(new Error('no message')), 2000);
      waiters.push((m) => { clearTimeout(t); res(m); });
    });
    await new Promise((r, j) => { ws.on('open', r); ws.on('error', j); });
    const parked = poll(fx.url, sid);
    await sleep(10);
    ws.send('2probe');
    assert.equal(await next(), '3probe');
    assert.equal((await parked).text, '6');
    ws.send('5');
    ws.send('4up');
    assert.equal(await next(), '4up');
    ws.send(Buffer.from([1, 2]));
    assert.deepEqual([...(await next())], [1, 2]);
    assert.equal((await poll(fx.url, sid)).status, 400);
    const ws2 = new WebSocket(`ws://127.0.0.1:${fx.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    ws2.on('error', () => {});
    const closed = await Promise.race([new Promise((r) => ws2.on('close', () => r(true))), sleep(1500).then(() => false)]);
    assert.ok(closed, 'second websocket closed');
    ws.send('4still');
    assert.equal(await next(), '4still');
    const c = new Promise((r) => ws.on('close', r));
    ws.close();
    await c;
  }));
});

test('a dead owner worker: its sids become unknown (400 code 1), the other worker serves on', async () => {
  // Sessions on both workers.
  let sids = [];
  for (let b = 0; b < 60; b++) {
    const burst = await Promise.all(Array.from({ length: 32 }, () => handshake(fx.url)));
    sids = sids.concat(burst.map((o) => o.sid));
    if (sids.some((x) => x.startsWith('01')) && sids.some((x) => x.startsWith('02'))) break;
  }
  const victim = sids.find((x) => x.startsWith('01'));
  const survivor = sids.find((x) => x.startsWith('02'));
  assert.ok(victim && survivor);
  const st = await allStats();
  process.kill(st.get(1).pid, 'SIGKILL');
  await sleep(300);
  // Whichever worker gets them: the victim's sid is unknown (the restarted
  // worker 1 has no sessions, or worker 2 times out asking the dead one).
  const results = await Promise.all(Array.from({ length: 6 }, () => post(fx.url, victim, '4x')));
  for (const r of results) {
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.text), { code: 1, message: 'Session ID unknown' });
  }
  const ok = await post(fx.url, survivor, '4alive');
  assert.equal(ok.text, 'ok');
  let got = (await poll(fx.url, survivor)).text.split(RS).filter((x) => x !== '2');
  assert.deepEqual(got, ['4alive']);
  // Worker 1 came back and makes sessions again.
  const after = await allStats();
  assert.notEqual(after.get(1).pid, st.get(1).pid);
});
