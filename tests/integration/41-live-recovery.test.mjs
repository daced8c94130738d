// Catch-up after a dropped connection: a client that opts in (auth
// {recover: true}) gets what it missed replayed once, keeps its identity
// (the session is resolved again) and its rooms; a client that does not
// opt in gets no replay and catches up with GET /api/messages?after=.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from './lib/server.mjs';
import { api, signup, makeServer, join, general, post, connect, once, emitAck, until, sleep } from './lib/chat.mjs';

let srv, url, A, B, s1, ch;

before(async () => {
  srv = await startParley({ workers: 2, env: { PARLEY_POST_BURST: '200', PARLEY_POST_RATE: '200' } });
  url = srv.url;
  [A, B] = await Promise.all([signup(url, { name: 'A' }), signup(url, { name: 'B' })]);
  s1 = await makeServer(url, A, 'rec');
  await join(url, B, s1);
  ch = general(s1).id;
});
after(async () => { await srv?.stop(); });

async function dropAndPost(socket, n, tag) {
  socket.io.reconnectionDelay(2000);
  socket.io.randomizationFactor(0);
  const down = once(socket, 'disconnect', 8000);
  socket.io.engine.close();
  await down;
  const ids = [];
  for (let i = 0; i < n; i++) ids.push((await post(url, B, s1, ch, `${tag} ${i}`)).json.id);
  return ids;
}

test('an opted-in client recovers: missed messages replayed once, identity and rooms kept', async () => {
  const s = await connect(url, { auth: { token: A.token, recover: true }, reconnection: true, transports: ['websocket'] });
  try {
    const seen = [];
    s.on(`chat:${ch}:messages`, (m) => seen.push(m.id));
    const first = once(s, `chat:${ch}:messages`, 8000);
    await post(url, B, s1, ch, 'before the drop');
    await first;
    const missed = await dropAndPost(s, 3, 'missed');
    await until(() => s.connected, 15000);
    assert.equal(s.recovered, true);
    await until(() => missed.every((id) => seen.includes(id)), 8000);
    // the recovered socket still acts as A (session resolved again)
    await until(async () => (await emitAck(s, 'typing', { channelId: ch }).catch(() => ({}))).ok === true, 8000, 600);
    const ack = await emitAck(s, 'message:send', { serverId: s1.id, channelId: ch, content: 'from the recovered socket' });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    assert.equal(ack.message.member.profile.id, A.profile.id);
    const live = once(s, `chat:${ch}:messages`, 8000, (m) => m.content === 'after recovery');
    await post(url, B, s1, ch, 'after recovery');
    await live;
    await sleep(200);
    assert.equal(new Set(seen).size, seen.length, 'nothing twice');
  } finally {
    s.close();
  }
});

test('a client that does not opt in gets no replay, and catches up with after=', async () => {
  const s = await connect(url, { token: A.token, reconnection: true, transports: ['websocket'] });
  try {
    const seen = [];
    s.on(`chat:${ch}:messages`, (m) => seen.push(m.id));
    const w = once(s, `chat:${ch}:messages`, 8000);
    const last = (await post(url, B, s1, ch, 'last seen')).json;
    await w;
    const missed = await dropAndPost(s, 4, 'gap');
    await until(() => s.connected, 15000);
    assert.ok(!s.recovered);
    await sleep(300);
    assert.equal(missed.filter((id) => seen.includes(id)).length, 0, 'no replay');
    const r = await api(url, 'GET', `/api/messages?channelId=${ch}&after=${last.id}`, { token: A.token });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.items.map((m) => m.id), missed);
    assert.equal(r.json.nextCursor, null);
  } finally {
    s.close();
  }
});

test('a member kicked while disconnected recovers without the server: nothing posted after the kick is replayed', async () => {
  const C = await signup(url, { name: 'C' });
  const joined = await join(url, C, s1);
  const s = await connect(url, { auth: { token: C.token, recover: true }, reconnection: true, transports: ['websocket'] });
  try {
    const seen = [];
    s.on(`chat:${ch}:messages`, (m) => seen.push(m.content));
    const w = once(s, `chat:${ch}:messages`, 8000, (m) => m.content === 'C can see this');
    await post(url, B, s1, ch, 'C can see this');
    await w;

    s.io.reconnectionDelay(2500);
    s.io.randomizationFactor(0);
    const down = once(s, 'disconnect', 8000);
    s.io.engine.close();
    await down;
    const server = (await api(url, 'GET', `/api/servers/${s1.id}`, { token: A.token })).json;
    const member = server.members.find((m) => m.profileId === C.profile.id);
    assert.ok(member, JSON.stringify(joined.json ?? joined));
    const kick = await api(url, 'DELETE', `/api/members/${member.id}?serverId=${s1.id}`, { token: A.token });
    assert.equal(kick.status, 200, kick.text);
    for (let i = 0; i < 3; i++) await post(url, B, s1, ch, `after the kick ${i}`);

    await until(() => s.connected, 15000);
    await post(url, B, s1, ch, 'after the reconnect');
    await sleep(1000);
    assert.deepEqual(seen.filter((c) => c.startsWith('after')), [], `recovered=${s.recovered}`);
  } finally {
    s.close();
  }
});
