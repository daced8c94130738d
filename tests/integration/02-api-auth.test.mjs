// Accounts: signup, login, logout, profile; cookie and Bearer; expiry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startParley } from './lib/server.mjs';
import { api, signup, uniqueEmail, errorCode } from './lib/client.mjs';

let srv;
let db;
before(async () => {
  srv = await startParley({ workers: 2 });
  db = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
});
after(async () => { await db?.end(); await srv?.stop(); });

test('signup returns 201 {profile, token} and an HttpOnly session cookie', async () => {
  const email = uniqueEmail('signup');
  const r = await api(srv.url, 'POST', '/api/auth/signup',
    { body: { email, name: '  Ada  ', password: 'correct horse', imageUrl: 'https://img.example/a.png' } });
  assert.equal(r.status, 201);
  assert.equal(r.json.profile.email, email);
  assert.equal(r.json.profile.name, 'Ada');
  assert.equal(r.json.profile.imageUrl, 'https://img.example/a.png');
  assert.match(r.json.profile.id, /^[0-9a-f-]{36}$/);
  assert.match(r.json.profile.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(r.json.profile.password_hash, undefined);
  assert.equal(r.json.profile.passwordHash, undefined);
  assert.match(r.json.token, /^[A-Za-z0-9_-]{43}$/);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^parley_session=[A-Za-z0-9_-]{43}; /);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.match(cookie, /Secure/);
});

test('tokens and passwords are stored hashed', async () => {
  const u = await signup(srv.url);
  const s = await db.query('SELECT token_hash FROM sessions WHERE profile_id = $1', [u.profile.id]);
  assert.equal(s.rows.length, 1);
  assert.notEqual(s.rows[0].token_hash, u.token);
  assert.match(s.rows[0].token_hash, /^[0-9a-f]{64}$/);
  const p = await db.query('SELECT password_hash FROM profiles WHERE id = $1', [u.profile.id]);
  assert.match(p.rows[0].password_hash, /^scrypt\$\d+\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
  assert.ok(!p.rows[0].password_hash.includes(u.password));
});

test('duplicate signup is 409, whatever the case of the email', async () => {
  const u = await signup(srv.url);
  const r = await api(srv.url, 'POST', '/api/auth/signup',
    { body: { email: u.email.toUpperCase(), name: 'Again', password: 'whatever123' } });
  assert.equal(r.status, 409);
  assert.equal(errorCode(r), 'email_taken');
});

test('login gives a new session; profile works with Bearer and with the cookie', async () => {
  const u = await signup(srv.url);
  const r = await api(srv.url, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password } });
  assert.equal(r.status, 200);
  assert.equal(r.json.profile.id, u.profile.id);
  assert.notEqual(r.json.token, u.token);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const viaBearer = await api(srv.url, 'GET', '/api/profile', { token: r.json.token });
  assert.equal(viaBearer.status, 200);
  assert.equal(viaBearer.json.id, u.profile.id);
  const viaCookie = await api(srv.url, 'GET', '/api/profile', { cookie });
  assert.equal(viaCookie.status, 200);
  assert.equal(viaCookie.json.email, u.email);
});

test('wrong password and unknown email get the same 401', async () => {
  const u = await signup(srv.url);
  const wrong = await api(srv.url, 'POST', '/api/auth/login', { body: { email: u.email, password: 'not-it-1' } });
  const unknown = await api(srv.url, 'POST', '/api/auth/login',
    { body: { email: uniqueEmail('ghost'), password: 'not-it-1' } });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.deepEqual(wrong.json, unknown.json);
  assert.equal(wrong.headers.get('set-cookie'), null);
});

test('logout ends the session: 204, then the token is refused', async () => {
  const u = await signup(srv.url);
  const out = await api(srv.url, 'POST', '/api/auth/logout', { token: u.token });
  assert.equal(out.status, 204);
  assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
  const again = await api(srv.url, 'GET', '/api/profile', { token: u.token });
  assert.equal(again.status, 401);
  assert.equal(errorCode(again), 'unauthorized');
  const twice = await api(srv.url, 'POST', '/api/auth/logout', { token: u.token });
  assert.equal(twice.status, 401);
});

test('unknown, malformed and expired tokens are 401', async () => {
  const u = await signup(srv.url);
  await db.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE profile_id = $1",
    [u.profile.id]);
  for (const token of [u.token, 'A'.repeat(43), 'short', 'x'.repeat(200), "' OR 1=1 --"]) {
    const r = await api(srv.url, 'GET', '/api/profile', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 401, token);
    assert.equal(errorCode(r), 'unauthorized');
  }
  const none = await api(srv.url, 'GET', '/api/profile');
  assert.equal(none.status, 401);
});

test('a cookie-authenticated write from a foreign Origin is refused', async () => {
  const u = await signup(srv.url);
  const r = await api(srv.url, 'POST', '/api/auth/logout',
    { cookie: u.cookie, headers: { origin: 'https://evil.example' } });
  assert.equal(r.status, 403);
  assert.equal(errorCode(r), 'bad_origin');
  const same = await api(srv.url, 'POST', '/api/auth/logout',
    { cookie: u.cookie, headers: { origin: srv.url } });
  assert.equal(same.status, 204);
});
