// Engine.IO v4 handshake and request validation against the conformance
// fixture (raw HTTP): the exact open packet, headers, and every error
// status/body of docs/socketio-wire.md §1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, request, handshake, poll } from './lib/eio_fixture.mjs';

let fx;
before(async () => { fx = await startFixture({ workers: 1 }); });
after(async () => { await fx?.stop(); });

test('polling handshake: exact open packet and headers', async () => {
  const r = await request(`${fx.url}?EIO=4&transport=polling&t=abc`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/plain; charset=UTF-8');
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.equal(r.headers['access-control-allow-origin'], '*');
  assert.equal(r.text[0], '0');
  const open = JSON.parse(r.text.slice(1));
  assert.deepEqual(Object.keys(open).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
  assert.deepEqual(open.upgrades, ['websocket']);
  assert.equal(open.pingInterval, 300);
  assert.equal(open.pingTimeout, 200);
  assert.equal(open.maxPayload, 1000000);
  assert.match(open.sid, /^[0-9a-f]{2}[A-Za-z0-9_-]{20}$/);
  // The session exists: a POST is accepted.
  const p = await request(`${fx.url}?EIO=4&transport=polling&sid=${open.sid}`, { method: 'POST', body: '4x' });
  assert.equal(p.status, 200);
  assert.equal(p.text, 'ok');
  assert.equal(p.headers['content-type'], 'text/html');
});

test('path with and without trailing slash', async () => {
  const a = await request(`${fx.base}/engine.io?EIO=4&transport=polling`);
  const b = await request(`${fx.base}/engine.io/?EIO=4&transport=polling`);
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  const sid = JSON.parse(a.text.slice(1)).sid;
  // A session made on one form is usable on the other.
  const p = await request(`${fx.base}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '4y' });
  assert.equal(p.text, 'ok');
  const g = await request(`${fx.base}/engine.io?EIO=4&transport=polling&sid=${sid}`);
  assert.equal(g.text, '4y');
});

const errors = [
  ['transport missing', '?EIO=4', {}, 400, 0, 'Transport unknown'],
  ['transport unknown', '?EIO=4&transport=carrier-pigeon', {}, 400, 0, 'Transport unknown'],
  ['unknown sid', '?EIO=4&transport=polling&sid=01AAAAAAAAAAAAAAAAAAAA', {}, 400, 1, 'Session ID unknown'],
  ['malformed sid', '?EIO=4&transport=polling&sid=nope', {}, 400, 1, 'Session ID unknown'],
  ['handshake with POST', '?EIO=4&transport=polling', { method: 'POST', body: '' }, 400, 2, 'Bad handshake method'],
  ['handshake with PUT', '?EIO=4&transport=polling', { method: 'PUT', body: '' }, 400, 2, 'Bad handshake method'],
  ['websocket without Upgrade', '?EIO=4&transport=websocket', {}, 400, 3, 'Bad request'],
  ['allowRequest refuses', '?EIO=4&transport=polling&deny=', {}, 403, 4, 'Forbidden'],
  ['allowRequest custom reason', '?EIO=4&transport=polling&deny=custom', {}, 403, 4, 'custom "reason"'],
  ['EIO missing', '?transport=polling', {}, 400, 5, 'Unsupported protocol version'],
  ['EIO=3', '?EIO=3&transport=polling', {}, 400, 5, 'Unsupported protocol version'],
  ['EIO=abc', '?EIO=abc&transport=polling', {}, 400, 5, 'Unsupported protocol version'],
];
for (const [name, qs, opts, status, code, message] of errors) {
  test(`error: ${name} -> ${status} code ${code}`, async () => {
    const r = await request(`${fx.url}${qs}`, opts);
    assert.equal(r.status, status);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.deepEqual(JSON.parse(r.text), { code, message });
    assert.equal(r.text, JSON.stringify({ code, message }));
  });
}

// Kore itself refuses header values with control characters (plain 400,
// before the route runs); eio's own check (code 3) is a second line.
test('Origin with invalid characters -> 400', async () => {
  // Node refuses to send control characters in headers; use a raw socket.
  const net = await import('node:net');
  const text = await new Promise((resolve, reject) => {
    const s = net.connect(fx.port, '127.0.0.1', () => {
      s.write('GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: a\x01b\r\nConnection: close\r\n\r\n');
    });
    let b = '';
    s.on('data', (d) => { b += d; });
    s.on('end', () => resolve(b));
    s.on('error', reject);
  });
  assert.match(text, /^HTTP\/1\.1 400/);
});

test('PUT on a valid sid -> 400 (never 5xx)', async () => {
  const { sid } = await handshake(fx.url);
  const r = await request(`${fx.url}?EIO=4&transport=polling&sid=${sid}`, { method: 'PUT', body: 'x' });
  assert.equal(r.status, 400);
  assert.deepEqual(JSON.parse(r.text), { code: 3, message: 'Bad request' });
});

test('CORS preflight', async () => {
  const r = await request(`${fx.url}?EIO=4&transport=polling`, {
    method: 'OPTIONS', headers: { Origin: 'http://elsewhere.example', 'Access-Control-Request-Headers': 'content-type,x-foo' },
  });
  assert.equal(r.status, 204);
  assert.equal(r.headers['access-control-allow-origin'], '*');
  assert.equal(r.headers['access-control-allow-methods'], 'GET,HEAD,PUT,PATCH,POST,DELETE');
  assert.equal(r.headers['access-control-allow-headers'], 'content-type,x-foo');
  assert.match(r.headers.vary, /Access-Control-Request-Headers/);
  assert.equal(r.text, '');
});

test('a fresh session has nothing queued: the first GET parks until a ping', async () => {
  const { sid } = await handshake(fx.url);
  const t0 = Date.now();
  const r = await poll(fx.url, sid);
  const dt = Date.now() - t0;
  assert.equal(r.status, 200);
  assert.equal(r.text, '2');
  assert.ok(dt >= 200 && dt < 1000, `ping after ${dt} ms`);
});
