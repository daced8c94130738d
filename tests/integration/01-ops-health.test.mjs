// Operations: /healthz, /metrics, JSON 404s, TLS 1.2 and 1.3 handshakes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { startParley } from './lib/server.mjs';
import { api, errorCode } from './lib/client.mjs';

let srv;
before(async () => { srv = await startParley({ workers: 2 }); });
after(async () => { await srv?.stop(); });

test('healthz answers 200 with the database reachable', async () => {
  const r = await api(srv.url, 'GET', '/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ok');
  assert.equal(r.json.database, 'ok');
  assert.match(r.json.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('metrics are Prometheus text', async () => {
  const r = await api(srv.url, 'GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  assert.match(r.text, /^parley_worker_connections\{worker="\d+"\} \d+$/m);
  for (const name of ['eio_sessions', 'eio_sessions_websocket', 'eio_queued_bytes',
    'sio_sockets', 'sio_emits_total', 'sio_deliveries_total']) {
    assert.match(r.text, new RegExp(`^# TYPE parley_${name} (gauge|counter)$`, 'm'), name);
    assert.match(r.text, new RegExp(`^parley_${name}\\{worker="\\d+"\\} \\d+$`, 'm'), name);
  }
});

test('unknown API paths get a JSON 404', async () => {
  for (const p of ['/api/nope', '/api/auth/nope', '/api/servers/x/y/z']) {
    const r = await api(srv.url, 'GET', p);
    assert.equal(r.status, 404, p);
    assert.equal(errorCode(r), 'not_found');
  }
});

for (const version of ['TLSv1.2', 'TLSv1.3']) {
  test(`a real ${version} handshake and a request over it`, async () => {
    const answer = await new Promise((resolve, reject) => {
      const s = tls.connect({
        host: '127.0.0.1', port: srv.port, servername: 'localhost',
        minVersion: version, maxVersion: version,
      }, () => {
        try {
          assert.equal(s.getProtocol(), version);
          assert.equal(s.authorized, true, String(s.authorizationError));
        } catch (err) { reject(err); return; }
        s.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      });
      let data = '';
      s.on('data', (d) => { data += d; });
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(answer, /strict-transport-security/i);
  });
}

test('plain HTTP on the TLS port is refused without killing the server', async () => {
  const r = await fetch(srv.url.replace('https', 'http') + '/healthz').then(
    (x) => x.status, (err) => err.cause?.code ?? 'error');
  assert.notEqual(r, 200);
  const ok = await api(srv.url, 'GET', '/healthz');
  assert.equal(ok.status, 200);
});
