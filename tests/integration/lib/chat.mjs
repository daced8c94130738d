// tests/integration/lib/chat.mjs: chat fixtures for the 3x/4x/5x tests:
// users, servers with members, sockets, and waiting for events with a
// deadline (never a fixed sleep as an assertion).
import { io } from 'socket.io-client';
import { api, signup } from './client.mjs';

export { api, signup };

/** Create a server owned by user; returns the full server JSON. */
export async function makeServer(url, user, name = 'srv') {
  const r = await api(url, 'POST', '/api/servers', {
    token: user.token, body: { name, imageUrl: 'https://img.example/x.png' },
  });
  if (r.status !== 201) throw new Error(`server create: ${r.status} ${r.text}`);
  return r.json;
}

/** user joins server by its invite code; returns the server JSON. */
export async function join(url, user, server) {
  const r = await api(url, 'POST', `/api/invites/${server.inviteCode}`, { token: user.token });
  if (r.status !== 200) throw new Error(`join: ${r.status} ${r.text}`);
  return r.json;
}

/** The member of profile in a full server JSON. */
export function memberOf(server, user) {
  return server.members.find((m) => m.profileId === user.profile.id);
}

export function general(server) {
  return server.channels.find((c) => c.name === 'general');
}

/** POST a channel message; returns the response. */
export function post(url, user, server, channelId, content, extra = {}) {
  return api(url, 'POST', `/api/socket/messages?serverId=${server.id}&channelId=${channelId}`, {
    token: user.token, body: { content, ...extra },
  });
}

/** One page of history (query string after ?). */
export function history(url, user, qs) {
  return api(url, 'GET', `/api/messages?${qs}`, { token: user.token });
}

/**
 * Connect a socket.io client. opts: transports, auth (token) or cookie
 * (extraHeaders), path with or without the trailing slash. Resolves once
 * connected; rejects on connect_error.
 */
export function connect(url, { token, cookie, transports, addTrailingSlash = false,
  origin, reconnection = false, timeoutMs = 8000, auth } = {}) {
  const extraHeaders = {};
  if (cookie) extraHeaders.cookie = cookie;
  if (origin) extraHeaders.origin = origin;
  const socket = io(url, {
    path: '/api/socket/io',
    addTrailingSlash,
    transports,
    reconnection,
    forceNew: true,
    extraHeaders,
    auth: auth ?? (token ? { token } : undefined),
    timeout: timeoutMs,
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { socket.close(); reject(new Error('connect timeout')); }, timeoutMs);
    socket.once('connect', () => { clearTimeout(t); resolve(socket); });
    socket.once('connect_error', (err) => { clearTimeout(t); socket.close(); reject(err); });
  });
}

/** Resolve with the first payload of event on socket, or reject after ms. */
export function once(socket, event, ms = 5000, pred = () => true) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      socket.off(event, h);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    function h(...args) {
      if (!pred(...args)) return;
      clearTimeout(t);
      socket.off(event, h);
      resolve(args[0]);
    }
    socket.on(event, h);
  });
}

/** Record every event a socket receives (any name). */
export function recorder(socket) {
  const events = [];
  socket.onAny((event, ...args) => events.push({ event, args }));
  return events;
}

/** Emit with an ack and a deadline. */
export function emitAck(socket, event, payload, ms = 5000) {
  return socket.timeout(ms).emitWithAck(event, payload);
}

/** Poll fn until it returns truthy, up to ms. */
export async function until(fn, ms = 5000, step = 50) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, step));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
