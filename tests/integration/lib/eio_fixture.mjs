// tests/integration/lib/eio_fixture.mjs: start the conformance fixture
// (tests/conformance: /engine.io/ echo, pingInterval 300, pingTimeout 200)
// on a free port with N workers, for the Engine.IO integration tests.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export const ROOT = process.env.PARLEY_ROOT ||
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let built = null;

// Build once per process; concurrent test files serialise on a lock file.
// EIO_FIXTURE_SO: use this module instead (e.g. an ASan build; then set
// EIO_FIXTURE_PRELOAD to the sanitizer runtimes for LD_PRELOAD).
export function buildFixture() {
  if (built) return built;
  if (process.env.EIO_FIXTURE_SO) {
    built = process.env.EIO_FIXTURE_SO;
    return built;
  }
  const out = execFileSync('flock', [path.join('/tmp', `parley-fixture-${process.getuid()}.lock`),
    path.join(ROOT, 'tests/conformance/run.sh'), '--build-only'],
  { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROOT } });
  built = out.trim().split('\n').pop();
  return built;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function get(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
  });
}

export async function startFixture({ workers = 1, pingInterval, pingTimeout } = {}) {
  const so = buildFixture();
  const port = await freePort();
  const dir = path.join(ROOT, 'var', 'run');
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, `eio-test-${port}.conf`);
  const logf = path.join(dir, `eio-test-${port}.log`);
  const tmpl = fs.readFileSync(path.join(ROOT, 'tests/conformance/conf/fixture.conf'), 'utf8');
  fs.writeFileSync(conf, `load ${so}\npidfile ${path.join(dir, `eio-test-${port}.pid`)}\n` +
    tmpl.replaceAll('@PORT@', String(port)).replaceAll('@WORKERS@', String(workers)));
  const log = fs.openSync(logf, 'w');
  const env = { ...process.env };
  if (pingInterval) env.FIXTURE_PING_INTERVAL = String(pingInterval);
  if (pingTimeout) env.FIXTURE_PING_TIMEOUT = String(pingTimeout);
  if (process.env.EIO_FIXTURE_PRELOAD) env.LD_PRELOAD = process.env.EIO_FIXTURE_PRELOAD;
  const child = spawn('stdbuf', ['-oL', '-eL', 'kore', '-fnrc', conf], { cwd: ROOT, stdio: ['ignore', log, log], detached: true, env });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      if (await get(`${base}/fixture/eio-stats`) === 200) break;
    } catch { /* not yet */ }
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`fixture did not start: ${fs.readFileSync(logf, 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // With several workers wait until every one of them answers.
  // (Kore gives sequential connections to one worker: ask in bursts.)
  if (workers > 1) {
    const seen = new Set();
    const until = Date.now() + 3000;
    while (seen.size < workers && Date.now() < until) {
      const burst = await Promise.all(Array.from({ length: 16 }, () => stats(base)));
      for (const s of burst) seen.add(s.worker);
    }
  }
  return {
    port, base, url: `${base}/engine.io/`, logf, child,
    log: () => fs.readFileSync(logf, 'utf8'),
    alive: () => child.exitCode === null,
    async stop() {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT');
      const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 4000);
      await done;
      clearTimeout(t);
    },
  };
}

// One worker's /fixture/eio-stats (a new TCP connection each time).
export function stats(base) {
  return new Promise((resolve, reject) => {
    http.get(`${base}/fixture/eio-stats`, { agent: false }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve(JSON.parse(b)));
    }).on('error', reject);
  });
}

// Raw HTTP request on a fresh connection (Connection: close, agent: false):
// resolves { status, headers, body (Buffer), text }.
export function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const h = { Connection: 'close', ...headers };
    if (body !== undefined) h['Content-Length'] = Buffer.byteLength(body);
    const req = http.request(url, { method, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, body: buf, text: buf.toString('utf8') });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const RS = '\x1e';

// Polling helpers on a fixture URL.
export async function handshake(url, extra = '') {
  const r = await request(`${url}?EIO=4&transport=polling${extra}`);
  if (r.status !== 200) throw new Error(`handshake ${r.status} ${r.text}`);
  return JSON.parse(r.text.slice(1));
}
export function poll(url, sid) {
  return request(`${url}?EIO=4&transport=polling&sid=${sid}`);
}
export function post(url, sid, body, headers = {}) {
  return request(`${url}?EIO=4&transport=polling&sid=${sid}`, {
    method: 'POST', body, headers: { 'Content-Type': 'text/plain;charset=UTF-8', ...headers },
  });
}
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
