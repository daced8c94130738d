// Live events: authenticated sockets, scoped delivery (a non-member hears
// nothing), membership changes taking effect on live sockets at once,
// sending over the socket, typing and presence. workers 2, polling and
// WebSocket clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from './lib/server.mjs';
import {
  api, signup, makeServer, join, memberOf, general, post, connect, once, recorder,
  emitAck, until, sleep,
} from './lib/chat.mjs';

let srv, url;
let A, B, C, D; // A owns s1; B, D members of s1; C owns s2 and is not in s1
let s1, s2, ch1, ch2;
let sa, sb, sc, sd; // sa polling only, sb default (polling then websocket), sc websocket, sd websocket
let cEvents;
const opened = [];

// Post as user in channel one and wait until every socket in socks heard
// it (listeners set before the post: the event may beat the response).
async function postSeen(user, content, socks) {
  const waits = socks.map((s) => once(s, `chat:${ch1}:messages`, 8000, (x) => x.content === content));
  const r = await post(url, user, s1, ch1, content);
  assert.equal(r.status, 200);
  await Promise.all(waits);
  return r.json;
}

async function sock(user, opts = {}) {
  const s = await connect(url, { token: user.token, ...opts });
  opened.push(s);
  return s;
}

before(async () => {
  srv = await startParley({ workers: 2, env: { PARLEY_POST_BURST: '200', PARLEY_POST_RATE: '200' } });
  url = srv.url;
  [A, B, C, D] = await Promise.all(['A', 'B', 'C', 'D'].map((n) => signup(url, { name: n })));
  s1 = await makeServer(url, A, 'one');
  s2 = await makeServer(url, C, 'two');
  await join(url, B, s1);
  s1 = await join(url, D, s1);
  ch1 = general(s1).id;
  ch2 = general(s2).id;
  sa = await sock(A, { transports: ['polling'] });
  sb = await sock(B, { cookie: B.cookie, token: undefined });
  sc = await sock(C, { transports: ['websocket'] });
  cEvents = recorder(sc);
  sd = await sock(D, { transports: ['websocket'], addTrailingSlash: true });
});

after(async () => {
  for (const s of opened) s.close();
  await srv?.stop();
});

test('a socket without a valid session, or from a foreign Origin, is refused', async () => {
  await assert.rejects(connect(url, {}), (e) => /unauthorized/.test(e.message));
  await assert.rejects(connect(url, { token: 'x'.repeat(43) }), (e) => /unauthorized/.test(e.message));
  await assert.rejects(connect(url, { auth: { token: 42 } }), (e) => /unauthorized/.test(e.message));
  await assert.rejects(connect(url, { cookie: 'parley_session=nope' }), (e) => /unauthorized/.test(e.message));
  // cross-site WebSocket hijacking: a foreign page riding the cookie
  await assert.rejects(connect(url, { cookie: A.cookie, origin: 'https://evil.example', transports: ['websocket'] }));
  await assert.rejects(connect(url, { cookie: A.cookie, origin: 'https://evil.example', transports: ['polling'] }));
  // our own origin is fine
  const ok = await sock(A, { cookie: A.cookie, token: undefined, origin: url, transports: ['websocket'] });
  assert.ok(ok.connected);
  ok.close();
  // a logged-out session can no longer connect
  const E = await signup(url, { name: 'E' });
  const r = await api(url, 'POST', '/api/auth/logout', { token: E.token });
  assert.equal(r.status, 204);
  await assert.rejects(connect(url, { token: E.token }), (e) => /unauthorized/.test(e.message));
});

test('a channel message reaches the members, polling and WebSocket, on both workers', async () => {
  const key = `chat:${ch1}:messages`;
  const waits = [sa, sb, sd].map((s) => once(s, key, 8000));
  const r = await post(url, B, s1, ch1, 'hello members');
  assert.equal(r.status, 200);
  const got = await Promise.all(waits);
  for (const m of got) assert.deepEqual(m, r.json);
  assert.equal(sd.io.engine.transport.name, 'websocket');
  assert.equal(sa.io.engine.transport.name, 'polling');
});

test('sockets owned by both workers receive the same emit once each', async () => {
  // The Engine.IO sid names its owner worker (2 hex digits first).
  const extra = [];
  const owners = () => new Set([sa, sb, sc, sd, ...extra].map((s) => s.io.engine.id.slice(0, 2)));
  for (let i = 0; i < 12 && owners().size < 2; i++) {
    extra.push(await sock(i % 2 ? B : D, { transports: i % 3 ? ['websocket'] : ['polling'] }));
  }
  assert.ok(owners().size >= 2, 'sockets on two workers');
  const members = [sa, sb, sd, ...extra];
  const counts = new Map(members.map((s) => [s, 0]));
  const key = `chat:${ch1}:messages`;
  const handlers = members.map((s) => {
    const h = (m) => { if (m.content === 'to every worker') counts.set(s, counts.get(s) + 1); };
    s.on(key, h);
    return [s, h];
  });
  const r = await post(url, A, s1, ch1, 'to every worker');
  assert.equal(r.status, 200);
  await until(() => [...counts.values()].every((n) => n >= 1), 8000);
  await sleep(200);
  assert.ok([...counts.values()].every((n) => n === 1), 'exactly once each');
  for (const [s, h] of handlers) s.off(key, h);
  for (const s of extra) s.close();
});

test('edits and deletes emit :messages:update with the stored row', async () => {
  const m = (await post(url, B, s1, ch1, 'to be edited')).json;
  const q = `?serverId=${s1.id}&channelId=${ch1}`;
  let w = once(sa, `chat:${ch1}:messages:update`, 8000, (x) => x.id === m.id);
  let r = await api(url, 'PATCH', `/api/socket/messages/${m.id}${q}`, { token: B.token, body: { content: 'edited!' } });
  assert.equal(r.status, 200);
  assert.deepEqual(await w, r.json);
  w = once(sd, `chat:${ch1}:messages:update`, 8000, (x) => x.id === m.id);
  const wa = once(sa, `chat:${ch1}:messages:update`, 8000, (x) => x.id === m.id && x.deleted);
  r = await api(url, 'DELETE', `/api/socket/messages/${m.id}${q}`, { token: A.token });
  const upd = await w;
  await wa;
  assert.equal(upd.deleted, true);
  assert.equal(upd.content, 'This message has been deleted.');
  // a refused edit emits nothing
  const quiet = recorder(sa);
  r = await api(url, 'PATCH', `/api/socket/messages/${m.id}${q}`, { token: B.token, body: { content: 'zombie' } });
  assert.equal(r.status, 409);
  await postSeen(A, 'marker', [sa]);
  assert.equal(quiet.filter((e) => e.event.endsWith(':update')).length, 0);
});

test('message:send over the socket shares the REST code path (ack, emit, rules)', async () => {
  const w = once(sa, `chat:${ch1}:messages`, 8000, (x) => x.content === 'over the socket');
  const ack = await emitAck(sd, 'message:send', { serverId: s1.id, channelId: ch1, content: '  over the socket ', fileUrl: 'https://f.example/x' });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  assert.equal(ack.status, 200);
  assert.equal(ack.message.content, 'over the socket');
  assert.equal(ack.message.member.profile.id, D.profile.id);
  assert.deepEqual(await w, ack.message);
  const h = await api(url, 'GET', `/api/messages?channelId=${ch1}`, { token: A.token });
  assert.equal(h.json.items[0].id, ack.message.id);

  const bad = [
    [{ serverId: s1.id, channelId: ch1, content: '' }, 400],
    [{ serverId: s1.id, channelId: ch1, content: 'x'.repeat(4001) }, 400],
    [{ serverId: s1.id, channelId: ch1, content: 'x', fileUrl: 'javascript:alert(1)' }, 400],
    [{ serverId: 'nope', channelId: ch1, content: 'x' }, 400],
    [{ serverId: s1.id, channelId: ch2, content: 'x' }, 404],
    ['not an object', 400],
  ];
  for (const [payload, status] of bad) {
    const a = await emitAck(sd, 'message:send', payload);
    assert.equal(a.ok, false);
    assert.equal(a.status, status, JSON.stringify(payload).slice(0, 80));
    assert.equal(typeof a.error.code, 'string');
  }
  // a non-member cannot post over the socket either
  const a = await emitAck(sc, 'message:send', { serverId: s1.id, channelId: ch1, content: 'intruder' });
  assert.equal(a.status, 404);

  // edit and delete over the socket
  const ew = once(sb, `chat:${ch1}:messages:update`, 8000, (x) => x.id === ack.message.id);
  let e = await emitAck(sd, 'message:edit', { serverId: s1.id, channelId: ch1, messageId: ack.message.id, content: 'edited over socket' });
  assert.equal(e.ok, true);
  assert.equal((await ew).content, 'edited over socket');
  e = await emitAck(sb, 'message:edit', { serverId: s1.id, channelId: ch1, messageId: ack.message.id, content: 'not mine' });
  assert.equal(e.status, 403);
  e = await emitAck(sb, 'message:delete', { serverId: s1.id, channelId: ch1, messageId: ack.message.id });
  assert.equal(e.status, 403);
  e = await emitAck(sa, 'message:delete', { serverId: s1.id, channelId: ch1, messageId: ack.message.id });
  assert.equal(e.ok, true);
  assert.equal(e.message.deleted, true);
});

test('direct messages reach the two members only', async () => {
  const conv = (await api(url, 'POST', `/api/conversations?serverId=${s1.id}`,
    { token: B.token, body: { memberId: memberOf(s1, D).id } })).json;
  const key = `chat:${conv.id}:messages`;
  const aHeard = recorder(sa);
  const wb = once(sb, key, 8000);
  const wd = once(sd, key, 8000);
  const r = await api(url, 'POST', `/api/socket/direct-messages?conversationId=${conv.id}`,
    { token: B.token, body: { content: 'secret' } });
  assert.equal(r.status, 200);
  assert.deepEqual(await wb, r.json);
  assert.deepEqual(await wd, r.json);
  const wr = once(sb, key, 8000, (m) => m.content === 'reply');
  const ack = await emitAck(sd, 'dm:send', { conversationId: conv.id, content: 'reply' });
  assert.equal(ack.ok, true);
  assert.equal((await wr).id, ack.message.id);
  const uw = once(sb, `${key}:update`, 8000);
  const del = await emitAck(sd, 'dm:delete', { conversationId: conv.id, messageId: ack.message.id });
  assert.equal(del.ok, true);
  assert.equal((await uw).deleted, true);
  const no = await emitAck(sa, 'dm:send', { conversationId: conv.id, content: 'me too' });
  assert.equal(no.status, 404);
  // A (same server, not in the conversation) heard nothing of it
  await postSeen(A, 'dm marker', [sa]);
  assert.equal(aHeard.filter((e) => e.event.startsWith(`chat:${conv.id}`)).length, 0);
});

test('joining by invite, leaving and being kicked take effect on live sockets at once', async () => {
  const E = await signup(url, { name: 'E' });
  const se = await sock(E, { transports: ['websocket'] });
  const seEvents = recorder(se);
  // not a member yet: hears nothing
  let m = await postSeen(A, 'before E joins', [sa]);
  // joins: the same socket now hears the channel
  const full = await join(url, E, s1);
  const w = once(se, `chat:${ch1}:messages`, 8000);
  m = (await post(url, A, s1, ch1, 'after E joins')).json;
  assert.equal((await w).id, m.id);
  assert.equal(seEvents.filter((e) => e.args[0]?.content === 'before E joins').length, 0);
  // kicked: stops hearing at once, and cannot post over the socket
  const k = await api(url, 'DELETE', `/api/members/${memberOf(full, E).id}?serverId=${s1.id}`, { token: A.token });
  assert.equal(k.status, 200);
  m = await postSeen(A, 'after E is kicked', [sa, sb]);
  const a = await emitAck(se, 'message:send', { serverId: s1.id, channelId: ch1, content: 'still here?' });
  assert.equal(a.status, 404);
  assert.equal(seEvents.filter((e) => e.args[0]?.content === 'after E is kicked').length, 0);
  // leave: the same for a member that leaves
  await join(url, E, s1);
  m = await postSeen(A, 'E back', [se]);
  const l = await api(url, 'PATCH', `/api/servers/${s1.id}/leave`, { token: E.token });
  assert.equal(l.status, 200);
  m = await postSeen(A, 'after E left', [sa, sb]);
  await sleep(300); // let a stray delivery show up if there were one
  assert.equal(seEvents.filter((e) => e.args[0]?.content === 'after E left').length, 0);
});

test('a kick racing with sockets that are connecting still settles: none of them hears the server', async () => {
  const G = await signup(url, { name: 'G' });
  const full = await join(url, G, s1);
  // sockets connecting while the kick commits: some read the membership
  // before it, and join their rooms after the room leave went by
  const conns = [];
  let kick;
  for (let i = 0; i < 24; i++) {
    conns.push(connect(url, { token: G.token, transports: i % 2 ? ['websocket'] : ['polling'] })
      .then((s) => { opened.push(s); return s; }));
    if (i === 8) kick = api(url, 'DELETE', `/api/members/${memberOf(full, G).id}?serverId=${s1.id}`, { token: A.token });
    await sleep(2);
  }
  assert.equal((await kick).status, 200);
  const gs = await Promise.all(conns);
  const heard = gs.map((s) => recorder(s));
  await sleep(2600); // the membership is checked again 2 s after a change
  await postSeen(A, 'after the racing kick', [sa, sb]);
  await sleep(300);
  for (const h of heard) assert.equal(h.filter((e) => e.event.startsWith(`chat:${ch1}`)).length, 0);
  for (const s of gs) s.close();
});

test('creating, deleting channels and servers updates live sockets', async () => {
  const cw = once(sb, 'channel:create', 8000);
  const r = await api(url, 'POST', `/api/channels?serverId=${s1.id}`, { token: A.token, body: { name: 'extra' } });
  assert.equal(r.status, 201);
  const created = await cw;
  assert.equal(created.name, 'extra');
  const dw = once(sd, 'channel:delete', 8000);
  await api(url, 'DELETE', `/api/channels/${created.id}?serverId=${s1.id}`, { token: A.token });
  assert.equal((await dw).id, created.id);
  // a new server: its creator's live socket hears it at once
  const s3 = await makeServer(url, A, 'three');
  const w = once(sa, `chat:${general(s3).id}:messages`, 8000);
  const p = await post(url, A, s3, general(s3).id, 'in three');
  assert.equal((await w).id, p.json.id);
  // server deletion: members are told, then hear nothing more from it
  await join(url, B, s3);
  const sw = once(sb, 'server:delete', 8000);
  const d = await api(url, 'DELETE', `/api/servers/${s3.id}`, { token: A.token });
  assert.equal(d.status, 200);
  assert.deepEqual(await sw, { serverId: s3.id });
});

test('typing goes to the channel room except the sender, rate-limited', async () => {
  const senderHeard = recorder(sd);
  const wa = once(sa, 'typing', 8000);
  const wb = once(sb, 'typing', 8000);
  const ack = await emitAck(sd, 'typing', { channelId: ch1 });
  assert.equal(ack.ok, true);
  const t = await wa;
  assert.deepEqual(t, { serverId: s1.id, channelId: ch1, profileId: D.profile.id });
  await wb;
  const again = await emitAck(sd, 'typing', { channelId: ch1 });
  assert.equal(again.status, 429);
  assert.equal(senderHeard.filter((e) => e.event === 'typing').length, 0);
  const no = await emitAck(sc, 'typing', { channelId: ch1 });
  assert.equal(no.status, 404);
  const bad = await emitAck(sb, 'typing', { channelId: 'x' });
  assert.equal(bad.status, 400);
});

test('presence: online members of a server across workers', async () => {
  const F = await signup(url, { name: 'F' });
  await join(url, F, s1);
  const on = once(sa, 'presence', 8000, (p) => p.profileId === F.profile.id && p.online === true);
  const sf1 = await sock(F, { transports: ['websocket'] });
  const sf2 = await sock(F, { transports: ['polling'] });
  await on;
  let list = await emitAck(sb, 'presence:list', { serverId: s1.id });
  assert.equal(list.ok, true);
  for (const u of [A, B, D, F]) assert.ok(list.profileIds.includes(u.profile.id), u.profile.name);
  assert.ok(!list.profileIds.includes(C.profile.id));
  // one of two sockets closes: still online; the last one: offline
  const offEvents = recorder(sa);
  sf1.close();
  const off = once(sa, 'presence', 8000, (p) => p.profileId === F.profile.id && p.online === false);
  await sleep(300);
  assert.equal(offEvents.filter((e) => e.event === 'presence' && e.args[0].online === false).length, 0);
  sf2.close();
  await off;
  list = await emitAck(sb, 'presence:list', { serverId: s1.id });
  assert.ok(!list.profileIds.includes(F.profile.id));
  const no = await emitAck(sc, 'presence:list', { serverId: s1.id });
  assert.equal(no.status, 404);
});

test('a non-member listening to every event name received nothing of server one', async () => {
  // C's socket has been recording every event since the start. A marker in
  // C's own server shows that its socket is live and caught up.
  const w = once(sc, `chat:${ch2}:messages`, 8000);
  const m = (await post(url, C, s2, ch2, 'marker for C')).json;
  assert.equal((await w).id, m.id);
  const leaked = cEvents.filter((e) => JSON.stringify(e.args).includes(s1.id) ||
    e.event.includes(ch1) || (e.event === 'typing' || e.event === 'presence'));
  assert.deepEqual(leaked.filter((e) => !(e.event === 'presence' && e.args[0].profileId === C.profile.id)), []);
  assert.ok(cEvents.length >= 1);
});
