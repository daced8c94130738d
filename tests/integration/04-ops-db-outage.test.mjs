// The database goes away under a running parley and comes back: /healthz
// says 503 meanwhile (never a crash, never a hang), the workers survive the
// dead pooled connections (db_cleanup / db_check_conn) and answer 200 again.
// parley reaches PostgreSQL through a TCP relay this test controls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startParley, freePort } from './lib/server.mjs';
import { api, signup } from './lib/client.mjs';

let srv;
let relay;
let relayPort;
const sockets = new Set();
let open = true;

function startRelay(port, target) {
  return new Promise((resolve) => {
    const s = net.createServer((client) => {
      if (!open) { client.destroy(); return; }
      const upstream = net.connect(target.port, target.host);
      sockets.add(client); sockets.add(upstream);
      client.pipe(upstream); upstream.pipe(client);
      const done = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
      client.on('error', done); upstream.on('error', done);
      client.on('close', done); upstream.on('close', done);
    });
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

before(async () => {
  const url = new URL(process.env.DATABASE_URL);
  relayPort = await freePort();
  relay = await startRelay(relayPort, { host: url.hostname, port: Number(url.port) });
  url.port = String(relayPort);
  srv = await startParley({ workers: 2, env: { DATABASE_URL: url.toString() } });
});
after(async () => { await srv?.stop(); relay?.close(); for (const s of sockets) s.destroy(); });

async function health() {
  const t0 = Date.now();
  const r = await api(srv.url, 'GET', '/healthz');
  return { status: r.status, ms: Date.now() - t0, json: r.json };
}

test('healthz is 503 while the database is unreachable, 200 after', async () => {
  // Warm both workers' pools.
  for (let i = 0; i < 6; i++) assert.equal((await health()).status, 200);
  const u = await signup(srv.url);

  open = false;
  for (const s of sockets) s.destroy();
  let saw503 = 0;
  for (let i = 0; i < 8; i++) {
    const h = await health();
    assert.ok(h.status === 503 || h.status === 200, `status ${h.status}`);
    if (h.status === 503) {
      saw503++;
      assert.equal(h.json.error.code, 'db_unavailable');
    }
    assert.ok(h.ms < 8000, `answered in ${h.ms} ms`);
  }
  assert.ok(saw503 >= 6, `503 answers: ${saw503}`);

  open = true;
  let back = 0;
  for (let i = 0; i < 40 && back < 6; i++) {
    const h = await health();
    if (h.status === 200) back++;
    else await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(back, 6, 'every worker serves again');
  const p = await api(srv.url, 'GET', '/api/profile', { token: u.token });
  assert.equal(p.status, 200);
  assert.doesNotMatch(srv.logText(), /died|sandbox violation|fatal/i);
});
