// Two parley instances on one database (PARLEY_CLUSTER=1): events and
// membership changes cross instances through PostgreSQL LISTEN/NOTIFY.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from './lib/server.mjs';
import { api, signup, makeServer, join, general, post, connect, once, sleep } from './lib/chat.mjs';

let a, b;
before(async () => {
  const env = { PARLEY_CLUSTER: '1', PARLEY_POST_BURST: '200', PARLEY_POST_RATE: '200' };
  [a, b] = await Promise.all([startParley({ workers: 2, env }), startParley({ workers: 2, env })]);
});
after(async () => { await Promise.all([a?.stop(), b?.stop()]); });

test('a message posted on one instance reaches sockets on the other, once each, and only members', async () => {
  const [owner, guest, stranger] = await Promise.all([
    signup(a.url, { name: 'Owner' }), signup(a.url, { name: 'Guest' }), signup(b.url, { name: 'Stranger' })]);
  const s1 = await makeServer(a.url, owner, 'cluster');
  await join(b.url, guest, s1);
  const ch = general(s1).id;

  const sockets = await Promise.all([
    connect(b.url, { token: guest.token, transports: ['websocket'] }),
    connect(b.url, { token: guest.token, transports: ['polling'] }),
    connect(a.url, { token: guest.token, transports: ['websocket'] }),
    connect(b.url, { token: owner.token, transports: ['websocket'] }),
  ]);
  const outsider = await connect(b.url, { token: stranger.token, transports: ['websocket'] });
  const got = sockets.map(() => []);
  sockets.forEach((s, i) => s.on(`chat:${ch}:messages`, (m) => got[i].push(m.id)));
  const leaked = [];
  outsider.onAny((ev) => leaked.push(ev));
  try {
    const waits = sockets.map((s) => once(s, `chat:${ch}:messages`, 10000));
    const r = await post(a.url, owner, s1, ch, 'across instances');
    assert.equal(r.status, 200, r.text);
    await Promise.all(waits);
    await sleep(500);
    for (const g of got) assert.deepEqual(g, [r.json.id]);
    assert.deepEqual(leaked.filter((e) => e.startsWith('chat:')), []);

    // A kick on instance A takes the guest's sockets on B out of the server.
    const server = (await api(a.url, 'GET', `/api/servers/${s1.id}`, { token: owner.token })).json;
    const member = server.members.find((m) => m.profileId === guest.profile.id);
    const kick = await api(a.url, 'DELETE', `/api/members/${member.id}?serverId=${s1.id}`, { token: owner.token });
    assert.equal(kick.status, 200, kick.text);
    await sleep(1000);
    const ownerSees = once(sockets[3], `chat:${ch}:messages`, 10000, (m) => m.content === 'after the kick');
    await post(a.url, owner, s1, ch, 'after the kick');
    await ownerSees;
    await sleep(500);
    for (let i = 0; i < 3; i++) assert.equal(got[i].length, 1, `guest socket ${i} got nothing after the kick`);
  } finally {
    for (const s of [...sockets, outsider]) s.close();
  }
});
