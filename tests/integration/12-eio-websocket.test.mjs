// Engine.IO v4 WebSocket transport against the echo fixture: upgrade from
// polling (engine.io-client and by hand), WebSocket-only sessions, binary
// frames, heartbeat, bad frames, second WebSocket for an upgraded sid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Socket } from 'engine.io-client';
import { startFixture, request, handshake, poll, post, sleep } from './lib/eio_fixture.mjs';

// fx: a slow heartbeat (pings would interleave with the frames these
// tests look at on a loaded machine); hb: the conformance values 300/200
// for the heartbeat tests.
let fx;
let hb;
before(async () => {
  fx = await startFixture({ workers: 1, pingInterval: 20000, pingTimeout: 20000 });
  hb = await startFixture({ workers: 1 });
});
after(async () => { await fx?.stop(); await hb?.stop(); });

function wsUrl(qs, f = fx) { return `ws://127.0.0.1:${f.port}/engine.io/?EIO=4&transport=websocket${qs}`; }

// A raw WebSocket with a message queue.
function openWs(qs, f = fx) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(qs, f), { perMessageDeflate: false });
    ws.msgs = [];
    ws.waiters = [];
    ws.on('message', (data, isBinary) => {
      const m = isBinary ? Buffer.from(data) : data.toString();
      const w = ws.waiters.shift();
      if (w) w(m); else ws.msgs.push(m);
    });
    ws.next = (ms = 2000) => new Promise((res, rej) => {
      if (ws.msgs.length) return res(ws.msgs.shift());
      const t = setTimeout(() => rej(new Error('no message')), ms);
      ws.waiters.push((m) => { clearTimeout(t); res(m); });
    });
    ws.closed = new Promise((res) => ws.on('close', (code) => res(code)));
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (req, res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body: b })));
    });
    ws.on('error', reject);
  });
}

test('engine.io-client upgrades polling -> websocket and echoes', async () => {
  const sock = new Socket(hb.base, { path: '/engine.io/' });
  const upgraded = new Promise((resolve, reject) => {
    sock.on('upgrade', resolve);
    sock.on('error', reject);
    setTimeout(() => reject(new Error('no upgrade')), 5000);
  });
  await new Promise((r) => sock.on('open', r));
  assert.equal(sock.transport.name, 'polling');
  await upgraded;
  assert.equal(sock.transport.name, 'websocket');
  const got = [];
  const done = new Promise((resolve) => sock.on('message', (m) => { got.push(m); if (got.length === 2) resolve(); }));
  sock.send('over ws');
  sock.send(Buffer.from([9, 8, 7]));
  await done;
  assert.equal(got[0], 'over ws');
  assert.deepEqual([...new Uint8Array(got[1])], [9, 8, 7]);
  await sleep(800); // heartbeats over the WebSocket
  assert.equal(sock.readyState, 'open');
  sock.close();
});

test('engine.io-client websocket only', async () => {
  const sock = new Socket(fx.base, { path: '/engine.io/', transports: ['websocket'] });
  const msg = await new Promise((resolve, reject) => {
    sock.on('open', () => sock.send('ws-only'));
    sock.on('message', resolve);
    sock.on('error', reject);
    setTimeout(() => reject(new Error('timeout')), 5000);
  });
  assert.equal(sock.transport.name, 'websocket');
  assert.equal(msg, 'ws-only');
  sock.close();
});

test('raw websocket handshake: open packet with upgrades []', async () => {
  const ws = await openWs('');
  const open = await ws.next();
  assert.equal(open[0], '0');
  const o = JSON.parse(open.slice(1));
  assert.deepEqual(Object.keys(o).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
  assert.deepEqual(o.upgrades, []);
  ws.send('4abc');
  assert.equal(await ws.next(), '4abc');
  ws.send(Buffer.from([0, 1, 2]));
  assert.deepEqual([...await ws.next()], [0, 1, 2]);
  // A big text message (multi-frame header sizes).
  const big = '4' + 'z'.repeat(200000);
  ws.send(big);
  assert.equal(await ws.next(), big);
  ws.close();
});

test('raw websocket: ping at pingInterval; no pong -> closed', async () => {
  const ws = await openWs('', hb);
  await ws.next();
  const t0 = Date.now();
  assert.equal(await ws.next(1000), '2');
  assert.ok(Date.now() - t0 >= 250);
  ws.send('3');
  assert.equal(await ws.next(1000), '2');
  // no pong now
  const code = await Promise.race([ws.closed, sleep(1000).then(() => 'still open')]);
  assert.equal(code, 1005);
});

test('raw websocket: invalid packet closes, ping from client closes', async () => {
  for (const bad of ['abc', '2', '']) {
    const ws = await openWs('');
    await ws.next();
    ws.send(bad);
    const code = await Promise.race([ws.closed, sleep(1000).then(() => 'still open')]);
    assert.notEqual(code, 'still open', `after ${JSON.stringify(bad)}`);
  }
});

test('raw websocket: close packet closes the session', async () => {
  const ws = await openWs('');
  const sid = JSON.parse((await ws.next()).slice(1)).sid;
  ws.send('1');
  const code = await Promise.race([ws.closed, sleep(1000).then(() => 'still open')]);
  assert.notEqual(code, 'still open');
  const r = await poll(fx.url, sid);
  assert.equal(r.status, 400);
});

test('manual upgrade: probe, noop to the parked GET, 5, buffered packets follow', async () => {
  const { sid } = await handshake(fx.url);
  const ws = await openWs(`&sid=${sid}`);
  const parked = poll(fx.url, sid);
  await sleep(20);
  ws.send('2probe');
  assert.equal(await ws.next(), '3probe');
  const t0 = Date.now();
  const g = await parked;
  assert.equal(g.text, '6');
  assert.ok(Date.now() - t0 < 400);
  // Queue something while still on polling, then switch.
  await post(fx.url, sid, '4queued');
  ws.send('5');
  assert.equal(await ws.next(), '4queued');
  ws.send('4after');
  assert.equal(await ws.next(), '4after');
  // Polling is refused after the upgrade.
  const r = await poll(fx.url, sid);
  assert.equal(r.status, 400);
  assert.deepEqual(JSON.parse(r.text), { code: 3, message: 'Bad request' });
  const p = await post(fx.url, sid, '4x');
  assert.equal(p.status, 400);
  // A second WebSocket for the upgraded sid is accepted and closed.
  const ws2 = await openWs(`&sid=${sid}`);
  const code = await Promise.race([ws2.closed, sleep(1000).then(() => 'still open')]);
  assert.notEqual(code, 'still open');
  // The first one still works.
  ws.send('4alive');
  assert.equal(await ws.next(), '4alive');
  ws.close();
});

test('websocket with unknown sid -> 400 Session ID unknown', async () => {
  await assert.rejects(openWs('&sid=01AAAAAAAAAAAAAAAAAAAA'), (e) => e.status === 400 && /Session ID unknown/.test(e.body));
  await assert.rejects(openWs('&sid=garbage'), (e) => e.status === 400);
});

test('a packet other than 5 on the probe aborts the upgrade; polling goes on', async () => {
  const { sid } = await handshake(fx.url);
  const ws = await openWs(`&sid=${sid}`);
  ws.send('4not-yet');
  const code = await Promise.race([ws.closed, sleep(1000).then(() => 'still open')]);
  assert.notEqual(code, 'still open');
  await post(fx.url, sid, '4still-polling');
  assert.equal((await poll(fx.url, sid)).text, '4still-polling');
});

test('server-initiated close reaches the websocket client (ping timeout)', async () => {
  const sock = new Socket(hb.base, { path: '/engine.io/', transports: ['websocket'] });
  await new Promise((r) => sock.on('open', r));
  // Stop answering pings: detach the client from its transport's packets.
  sock.transport.removeAllListeners('packet');
  const t0 = Date.now();
  const reason = await Promise.race([
    new Promise((resolve) => sock.on('close', (r) => resolve(r))),
    sleep(3000).then(() => 'no close'),
  ]);
  assert.match(reason, /^(transport close|ping timeout)$/);
  assert.ok(Date.now() - t0 < 1500);
});

test('a WebSocket client that stops reading is closed on send queue overflow', async () => {
  const ws = await openWs('');
  const sid = JSON.parse((await ws.next()).slice(1)).sid;
  ws._socket.pause(); // stop reading: the echoes pile up at the server
  const chunk = '4' + 'w'.repeat(900000);
  for (let i = 0; i < 40 && ws.readyState === WebSocket.OPEN; i++) {
    ws.send(chunk);
    await sleep(10);
    if (/send queue overflow/.test(fx.log()) && fx.log().includes(sid)) break;
  }
  await sleep(200);
  assert.match(fx.log(), new RegExp(`session ${sid}: send queue overflow`));
  ws.terminate();
});
