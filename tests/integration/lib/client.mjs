// tests/integration/lib/client.mjs: small HTTP helpers for the tests.
// The server's self-signed certificate is trusted through
// NODE_EXTRA_CA_CERTS (kore.build sets it to cert/server.pem), so TLS is
// verified for real, as a browser would.
import crypto from 'node:crypto';

/** One request; returns { status, headers, json, text }. */
export async function api(base, method, path, { token, cookie, body, raw, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (cookie) h.cookie = cookie;
  let payload;
  if (raw !== undefined) payload = raw;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, { method, headers: h, body: payload });
  const text = await res.text();
  let json = null;
  try { json = text.length ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json, text };
}

export function uniqueEmail(tag = 'user') {
  return `${tag}-${crypto.randomBytes(6).toString('hex')}@example.test`;
}

/** Sign up a fresh user; returns { token, profile, email, password, cookie }. */
export async function signup(base, { name = 'Tester', tag = 'user' } = {}) {
  const email = uniqueEmail(tag);
  const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
  const r = await api(base, 'POST', '/api/auth/signup', { body: { email, name, password } });
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${r.text}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0];
  return { token: r.json.token, profile: r.json.profile, email, password, cookie };
}

/** Assert the one error shape and return its code. */
export function errorCode(r) {
  if (!r.json || typeof r.json.error !== 'object' || typeof r.json.error.code !== 'string' ||
      typeof r.json.error.message !== 'string') {
    throw new Error(`not an error body: ${r.status} ${r.text}`);
  }
  return r.json.error.code;
}
