// Engine.IO v4 long-polling against the echo fixture: batching, binary,
// overlapping GET, limits, bad packets, close semantics, heartbeat, and the
// official engine.io-client on the polling transport.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'engine.io-client';
import { startFixture, stats, request, handshake, poll, post, RS, sleep } from './lib/eio_fixture.mjs';

// fx: a slow heartbeat (pings would interleave with the packets these
// tests look at on a loaded machine); hb: the conformance values 300/200
// for the heartbeat tests.
let fx;
let hb;
before(async () => {
  fx = await startFixture({ workers: 1, pingInterval: 20000, pingTimeout: 20000 });
  hb = await startFixture({ workers: 1 });
});
after(async () => { await fx?.stop(); await hb?.stop(); });

test('POSTed messages are echoed, batched in one GET', async () => {
  const { sid } = await handshake(fx.url);
  const p = await post(fx.url, sid, `4hello${RS}4wörld${RS}6${RS}3`);
  assert.equal(p.status, 200);
  assert.equal(p.text, 'ok');
  const g = await poll(fx.url, sid);
  assert.equal(g.status, 200);
  assert.equal(g.headers['content-type'], 'text/plain; charset=UTF-8');
  assert.equal(g.headers['cache-control'], 'no-store');
  assert.equal(g.text, `4hello${RS}4wörld`);
});

test('a parked GET is answered by the next POST', async () => {
  const { sid } = await handshake(fx.url);
  const pending = poll(fx.url, sid);
  await sleep(50);
  await post(fx.url, sid, '4late');
  const g = await pending;
  assert.equal(g.text, '4late');
});

test('binary messages: b+base64 in, b+base64 out', async () => {
  const { sid } = await handshake(fx.url);
  await post(fx.url, sid, `bAQIDBA==${RS}4text${RS}b`);
  const g = await poll(fx.url, sid);
  assert.equal(g.text, `bAQIDBA==${RS}4text${RS}b`);
});

test('overlapping GET: second gets 400, first gets close, session gone', async () => {
  const { sid } = await handshake(fx.url);
  const first = poll(fx.url, sid);
  await sleep(50);
  const second = await poll(fx.url, sid);
  assert.equal(second.status, 400);
  const f = await first;
  assert.equal(f.status, 200);
  assert.equal(f.text, '1');
  const later = await poll(fx.url, sid);
  assert.equal(later.status, 400);
  assert.deepEqual(JSON.parse(later.text), { code: 1, message: 'Session ID unknown' });
});

test('POST over maxPayload -> 413, session stays open', async () => {
  const { sid } = await handshake(fx.url);
  const big = '4' + 'x'.repeat(1000000);
  const r = await post(fx.url, sid, big);
  assert.equal(r.status, 413);
  const ok = await post(fx.url, sid, '4still-here');
  assert.equal(ok.text, 'ok');
  assert.equal((await poll(fx.url, sid)).text, '4still-here');
});

test('POST exactly maxPayload is accepted', async () => {
  const { sid } = await handshake(fx.url);
  const body = '4' + 'y'.repeat(999999);
  const r = await post(fx.url, sid, body);
  assert.equal(r.status, 200);
  const g = await poll(fx.url, sid);
  assert.equal(g.text.length, 1000000);
});

test('application/octet-stream POST -> 400 and the session is closed', async () => {
  const { sid } = await handshake(fx.url);
  const r = await post(fx.url, sid, '4x', { 'Content-Type': 'application/octet-stream' });
  assert.equal(r.status, 400);
  assert.equal((await poll(fx.url, sid)).status, 400);
});

for (const [name, body] of [['invalid type', '9oops'], ['invalid base64', 'b!!!'], ['empty body', ''],
  ['only separators', `${RS}${RS}`], ['valid then invalid', `4a${RS}x`]]) {
  test(`bad packet (${name}): POST ok, session closed`, async () => {
    const { sid } = await handshake(fx.url);
    const r = await post(fx.url, sid, body);
    assert.equal(r.status, 200);
    assert.equal(r.text, 'ok');
    const g = await poll(fx.url, sid);
    assert.equal(g.status, 400);
    assert.deepEqual(JSON.parse(g.text), { code: 1, message: 'Session ID unknown' });
  });
}

test('ping from the client closes the session; a parked GET gets "1"', async () => {
  const { sid } = await handshake(fx.url);
  const pending = poll(fx.url, sid);
  await sleep(30);
  await post(fx.url, sid, '2');
  assert.equal((await pending).text, '1');
  assert.equal((await poll(fx.url, sid)).status, 400);
});

test('close packet from the client: parked GET gets noop, session gone', async () => {
  const { sid } = await handshake(fx.url);
  const pending = poll(fx.url, sid);
  await sleep(30);
  await post(fx.url, sid, '1');
  const g = await pending;
  assert.equal(g.text.split(RS)[0], '6');
  assert.equal((await post(fx.url, sid, '4x')).status, 400);
});

test('heartbeat: ping at pingInterval, pong keeps it, silence closes it', async () => {
  const { sid } = await handshake(hb.url);
  // Answer two pings, then stop answering.
  for (let i = 0; i < 2; i++) {
    const t0 = Date.now();
    const g = await poll(hb.url, sid);
    assert.equal(g.text, '2');
    assert.ok(Date.now() - t0 < 600);
    assert.equal((await post(hb.url, sid, '3')).text, 'ok');
  }
  const g = await poll(hb.url, sid);
  assert.equal(g.text, '2');
  await sleep(350); // > pingTimeout (200) without a pong
  const r = await poll(hb.url, sid);
  assert.equal(r.status, 400);
  assert.deepEqual(JSON.parse(r.text), { code: 1, message: 'Session ID unknown' });
});

test('a client that never pongs is closed after pingInterval + pingTimeout', async () => {
  const { sid } = await handshake(hb.url);
  await sleep(700);
  const r = await post(hb.url, sid, '4x');
  assert.equal(r.status, 400);
});

test('a parked GET whose client disconnects closes the session', async () => {
  const { sid } = await handshake(fx.url);
  const http = await import('node:http');
  const req = http.get(`${fx.url}?EIO=4&transport=polling&sid=${sid}`, { agent: false });
  req.on('error', () => {});
  await sleep(50);
  req.destroy();
  await sleep(1300); // Kore frees dead requests within its 1 s wake-up
  const r = await post(fx.url, sid, '4x');
  assert.equal(r.status, 400);
});

test('engine.io-client, polling only: echo text and binary', async () => {
  const sock = new Socket(hb.base, { path: '/engine.io/', transports: ['polling'] });
  const got = [];
  await new Promise((resolve, reject) => {
    sock.on('open', () => {
      sock.send('hello');
      sock.send(new Uint8Array([1, 2, 3, 255]));
      sock.send('ünïcødé ✓');
    });
    sock.on('message', (m) => { got.push(m); if (got.length === 3) resolve(); });
    sock.on('error', reject);
    setTimeout(() => reject(new Error(`timeout, got ${got.length}`)), 5000);
  });
  assert.equal(sock.transport.name, 'polling');
  assert.equal(got[0], 'hello');
  assert.deepEqual([...new Uint8Array(got[1])], [1, 2, 3, 255]);
  assert.equal(got[2], 'ünïcødé ✓');
  // It survives several heartbeats.
  await sleep(1000);
  assert.equal(sock.readyState, 'open');
  sock.close();
});

test('send queue overflow (max_queue 4 MiB) closes the session, logged', async () => {
  const { sid } = await handshake(fx.url);
  const chunk = '4' + 'q'.repeat(999000);
  for (let i = 0; i < 5; i++) {
    const r = await post(fx.url, sid, chunk);
    if (r.status !== 200) break;
  }
  const g = await poll(fx.url, sid);
  assert.equal(g.status, 400);
  assert.deepEqual(JSON.parse(g.text), { code: 1, message: 'Session ID unknown' });
  assert.match(fx.log(), new RegExp(`session ${sid}: send queue overflow`));
});

test('cancelled polling request: the next GET right after gets 400', async () => {
  const { sid } = await handshake(fx.url);
  await fetch(`${fx.base}/fixture/eio-stats`); // load undici before timing anything
  const controller = new AbortController();
  fetch(`${fx.url}?EIO=4&transport=polling&sid=${sid}`, { signal: controller.signal }).catch(() => {});
  // The official suite waits 5 ms; on a loaded machine the GET may not be
  // there yet, so wait until the server has it parked.
  for (let i = 0; i < 100 && (await stats(fx.base)).parked < 1; i++) await sleep(10);
  controller.abort();
  const r = await fetch(`${fx.url}?EIO=4&transport=polling&sid=${sid}`);
  assert.equal(r.status, 400, `got ${r.status} ${await r.text()}`);
});

test('GET and POST "1" together: the GET gets "6", then the sid is unknown', async () => {
  const { sid } = await handshake(fx.url);
  const [g, p] = await Promise.all([
    fetch(`${fx.url}?EIO=4&transport=polling&sid=${sid}`),
    sleep(60).then(() => fetch(`${fx.url}?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '1' })),
  ]);
  assert.equal(g.status, 200);
  assert.equal(await g.text(), '6');
  assert.equal(p.status, 200);
  assert.equal((await fetch(`${fx.url}?EIO=4&transport=polling&sid=${sid}`)).status, 400);
});

test('duplicate poll 5 ms apart (fetch keep-alive): first "1", second 400', async () => {
  const { sid } = await handshake(fx.url);
  const [a, b] = await Promise.all([
    fetch(`${fx.url}?EIO=4&transport=polling&sid=${sid}`),
    sleep(60).then(() => fetch(`${fx.url}?EIO=4&transport=polling&sid=${sid}&t=burst`)),
  ]);
  assert.equal(a.status, 200);
  assert.equal(await a.text(), '1');
  assert.equal(b.status, 400);
  assert.equal((await fetch(`${fx.url}?EIO=4&transport=polling&sid=${sid}`)).status, 400);
});
