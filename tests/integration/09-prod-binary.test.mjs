// The single production binary: built with Kore's sources from the Debian
// package, config and assets embedded, TLS working (the key fix is in the
// binary too), migrations applied by its parent.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './lib/server.mjs';
import { api } from './lib/client.mjs';

const ROOT = process.env.PARLEY_ROOT;
let child;
after(() => { if (child && child.exitCode === null) process.kill(-child.pid, 'SIGKILL'); });

test('./kore.build prod makes a binary that serves TLS from the repository root', { timeout: 300000 }, async () => {
  const port = await freePort();
  const out = path.join(ROOT, 'var', 'run', `parley-prod-${port}`);
  execFileSync(path.join(ROOT, 'kore.build'), ['prod'], {
    env: { ...process.env, PARLEY_PROD_PORT: String(port), PARLEY_PROD_OUT: out },
    stdio: 'ignore',
  });
  const version = execFileSync(out, ['-v']).toString();
  assert.match(version, /pgsql tasks/);

  child = spawn(out, ['-fnr'], { cwd: ROOT, detached: true, stdio: 'ignore',
    env: { ...process.env, PARLEY_SCRYPT_LOG2N: '12' } });
  const url = `https://127.0.0.1:${port}`;
  let r = { status: 0 };
  for (let i = 0; i < 100 && r.status !== 200; i++) {
    await new Promise((res) => setTimeout(res, 100));
    r = await api(url, 'GET', '/healthz').catch(() => ({ status: 0 }));
  }
  assert.equal(r.status, 200);
  const signup = await api(url, 'POST', '/api/auth/signup',
    { body: { email: `prod-${port}@example.test`, name: 'Prod', password: 'password1' } });
  assert.equal(signup.status, 201);

  const exited = new Promise((res) => child.once('exit', (code, sig) => res({ code, sig })));
  process.kill(-child.pid, 'SIGTERM');
  const { code } = await exited;
  assert.equal(code, 0, 'a clean shutdown exits 0');
});
