// tests/integration/lib/server.mjs: start and stop parley for a test file.
//
// Each call starts its own parley (a fresh config from conf/parley.conf via
// `kore.build genconf`, a free port) on the test run's throwaway database
// ($DATABASE_URL, set by kore.build), in its own process group, and keeps
// its log so that a failing test can print it.
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = process.env.PARLEY_ROOT ?? path.resolve(import.meta.dirname, '../../..');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url, child, deadlineMs) {
  const until = Date.now() + deadlineMs;
  let last = 'no answer';
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`parley exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`parley did not become healthy: ${last}`);
}

/**
 * Start parley. Options: workers (default 2), tls (default true), env
 * (extra environment). Returns { url, port, pid, stop(), logText() }.
 */
export async function startParley({ workers = 2, tls = true, env = {} } = {}) {
  const module = process.env.PARLEY_MODULE;
  if (!module) throw new Error('PARLEY_MODULE is not set: run through ./kore.build');
  const port = await freePort();
  const conf = path.join(ROOT, 'var', 'run', `test-${process.pid}-${port}.conf`);
  execFileSync(path.join(ROOT, 'kore.build'),
    ['genconf', conf, String(port), String(workers), tls ? 'yes' : 'no', module]);

  const child = spawn('stdbuf', ['-oL', '-eL', 'kore', '-fnrc', conf], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PARLEY_SCRYPT_LOG2N: '12', ...env },
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });

  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await exited;
    clearTimeout(t);
  };
  try {
    await waitHealthy(url, child, 30000);
  } catch (err) {
    await stop();
    err.message += `\n--- parley log ---\n${log.slice(-4000)}`;
    throw err;
  }
  return { url, port, pid: child.pid, stop, logText: () => log };
}
