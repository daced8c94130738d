// Servers, channels, members, invites and conversations: the seed's rules,
// with 403 for known-but-not-allowed and 404 for invisible things.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from './lib/server.mjs';
import { errorCode } from './lib/client.mjs';
import { api, signup, makeServer, join, memberOf, general } from './lib/chat.mjs';

let srv, url, owner, guest, other, s1, s2;
const NIL = '00000000-0000-4000-8000-000000000000';

before(async () => {
  srv = await startParley({ workers: 2 });
  url = srv.url;
  [owner, guest, other] = await Promise.all([
    signup(url, { name: 'Owner' }), signup(url, { name: 'Guest' }), signup(url, { name: 'Other' })]);
  s1 = await makeServer(url, owner, 'one');
  s2 = await makeServer(url, other, 'two');
});
after(async () => { await srv?.stop(); });

test('creating a server makes the creator ADMIN with a general channel', async () => {
  assert.equal(s1.name, 'one');
  assert.equal(s1.profileId, owner.profile.id);
  assert.match(s1.inviteCode, /^[0-9a-f-]{36}$/);
  assert.equal(s1.channels.length, 1);
  assert.equal(s1.channels[0].name, 'general');
  assert.equal(s1.channels[0].type, 'TEXT');
  assert.equal(s1.members.length, 1);
  assert.equal(s1.members[0].role, 'ADMIN');
  assert.equal(s1.members[0].profile.id, owner.profile.id);
  assert.match(s1.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('server create validates its input and needs a session', async () => {
  let r = await api(url, 'POST', '/api/servers', { body: { name: 'x' } });
  assert.equal(r.status, 401);
  r = await api(url, 'POST', '/api/servers', { token: owner.token, body: { name: '  ' } });
  assert.equal(r.status, 400);
  r = await api(url, 'POST', '/api/servers', { token: owner.token, body: { name: 'x', imageUrl: 'javascript:alert(1)' } });
  assert.equal(r.status, 400);
  r = await api(url, 'POST', '/api/servers', { token: owner.token, raw: '{"name":', headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.equal(errorCode(r), 'bad_request');
  r = await api(url, 'POST', '/api/servers', { token: owner.token, body: { name: 'x'.repeat(101) } });
  assert.equal(r.status, 400);
});

test('invites: join as GUEST, idempotent, unknown code 404, bad code 400', async () => {
  const j = await join(url, guest, s1);
  assert.equal(memberOf(j, guest).role, 'GUEST');
  const again = await join(url, guest, s1);
  assert.equal(again.members.filter((m) => m.profileId === guest.profile.id).length, 1);
  let r = await api(url, 'POST', `/api/invites/${NIL}`, { token: guest.token });
  assert.equal(r.status, 404);
  r = await api(url, 'POST', '/api/invites/%3Cscript%3E', { token: guest.token });
  assert.equal(r.status, 400);
  r = await api(url, 'POST', `/api/invites/${s1.inviteCode}`, {});
  assert.equal(r.status, 401);
});

test('listing and reading servers: members only; invisible is 404', async () => {
  let r = await api(url, 'GET', '/api/servers', { token: guest.token });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.map((s) => s.id), [s1.id]);
  r = await api(url, 'GET', `/api/servers/${s1.id}`, { token: guest.token });
  assert.equal(r.status, 200);
  assert.equal(r.json.members.length, 2);
  r = await api(url, 'GET', `/api/servers/${s2.id}`, { token: guest.token });
  assert.equal(r.status, 404);
  r = await api(url, 'GET', '/api/servers/not-a-uuid', { token: guest.token });
  assert.equal(r.status, 400);
  r = await api(url, 'PUT', `/api/servers/${s1.id}`, { token: guest.token, body: {} });
  assert.equal(r.status, 405);
});

test('only the owner edits the server, regenerates the invite code, deletes', async () => {
  let r = await api(url, 'PATCH', `/api/servers/${s1.id}`, { token: guest.token, body: { name: 'pwned' } });
  assert.equal(r.status, 403);
  assert.equal(errorCode(r), 'forbidden');
  r = await api(url, 'PATCH', `/api/servers/${s2.id}`, { token: guest.token, body: { name: 'pwned' } });
  assert.equal(r.status, 404);
  r = await api(url, 'PATCH', `/api/servers/${s1.id}`, { token: owner.token, body: { name: 'uno' } });
  assert.equal(r.status, 200);
  assert.equal(r.json.name, 'uno');
  r = await api(url, 'PATCH', `/api/servers/${s1.id}/invite-code`, { token: guest.token });
  assert.equal(r.status, 403);
  r = await api(url, 'PATCH', `/api/servers/${s1.id}/invite-code`, { token: owner.token });
  assert.equal(r.status, 200);
  assert.notEqual(r.json.inviteCode, s1.inviteCode);
  const old = await api(url, 'POST', `/api/invites/${s1.inviteCode}`, { token: other.token });
  assert.equal(old.status, 404);
  s1 = r.json;
  r = await api(url, 'DELETE', `/api/servers/${s1.id}`, { token: guest.token });
  assert.equal(r.status, 403);
});

test('channels: ADMIN/MODERATOR only, general is protected, ids of another server are 404', async () => {
  let r = await api(url, 'POST', `/api/channels?serverId=${s1.id}`, { token: guest.token, body: { name: 'news', type: 'TEXT' } });
  assert.equal(r.status, 403);
  r = await api(url, 'POST', `/api/channels?serverId=${s1.id}`, { token: owner.token, body: { name: 'general', type: 'TEXT' } });
  assert.equal(r.status, 400);
  r = await api(url, 'POST', `/api/channels?serverId=${s1.id}`, { token: owner.token, body: { name: 'news', type: 'PODCAST' } });
  assert.equal(r.status, 400);
  r = await api(url, 'POST', `/api/channels?serverId=bad`, { token: owner.token, body: { name: 'news' } });
  assert.equal(r.status, 400);
  r = await api(url, 'POST', `/api/channels?serverId=${s1.id}`, { token: owner.token, body: { name: 'news', type: 'TEXT' } });
  assert.equal(r.status, 201);
  const news = r.json.channels.find((c) => c.name === 'news');
  assert.ok(news);
  const gen = general(r.json);
  r = await api(url, 'PATCH', `/api/channels/${gen.id}?serverId=${s1.id}`, { token: owner.token, body: { name: 'renamed' } });
  assert.equal(r.status, 400);
  r = await api(url, 'DELETE', `/api/channels/${gen.id}?serverId=${s1.id}`, { token: owner.token });
  assert.equal(r.status, 400);
  r = await api(url, 'PATCH', `/api/channels/${news.id}?serverId=${s1.id}`, { token: owner.token, body: { name: 'General' } });
  assert.equal(r.status, 400);
  r = await api(url, 'PATCH', `/api/channels/${news.id}?serverId=${s1.id}`, { token: owner.token, body: { name: 'headlines', type: 'AUDIO' } });
  assert.equal(r.status, 200);
  assert.equal(r.json.channels.find((c) => c.id === news.id).name, 'headlines');
  // A channel id of server one used with server two: 404 (other is owner of two).
  r = await api(url, 'DELETE', `/api/channels/${news.id}?serverId=${s2.id}`, { token: other.token });
  assert.equal(r.status, 404);
  r = await api(url, 'DELETE', `/api/channels/${news.id}?serverId=${s1.id}`, { token: guest.token });
  assert.equal(r.status, 403);
  r = await api(url, 'DELETE', `/api/channels/${news.id}?serverId=${s1.id}`, { token: owner.token });
  assert.equal(r.status, 200);
  assert.equal(r.json.channels.some((c) => c.id === news.id), false);
});

test('members: owner changes roles and kicks, never itself; a MODERATOR manages channels', async () => {
  const full = (await api(url, 'GET', `/api/servers/${s1.id}`, { token: owner.token })).json;
  const gm = memberOf(full, guest);
  const om = memberOf(full, owner);
  let r = await api(url, 'PATCH', `/api/members/${gm.id}?serverId=${s1.id}`, { token: guest.token, body: { role: 'ADMIN' } });
  assert.equal(r.status, 403);
  r = await api(url, 'PATCH', `/api/members/${om.id}?serverId=${s1.id}`, { token: owner.token, body: { role: 'GUEST' } });
  assert.equal(r.status, 403);
  r = await api(url, 'PATCH', `/api/members/${gm.id}?serverId=${s1.id}`, { token: owner.token, body: { role: 'KING' } });
  assert.equal(r.status, 400);
  r = await api(url, 'PATCH', `/api/members/${gm.id}?serverId=${s1.id}`, { token: owner.token, body: { role: 'MODERATOR' } });
  assert.equal(r.status, 200);
  assert.equal(memberOf(r.json, guest).role, 'MODERATOR');
  r = await api(url, 'POST', `/api/channels?serverId=${s1.id}`, { token: guest.token, body: { name: 'mods', type: 'TEXT' } });
  assert.equal(r.status, 201);
  r = await api(url, 'DELETE', `/api/members/${om.id}?serverId=${s1.id}`, { token: owner.token });
  assert.equal(r.status, 403);
  r = await api(url, 'DELETE', `/api/members/${NIL}?serverId=${s1.id}`, { token: owner.token });
  assert.equal(r.status, 404);
});

test('leave: a non-owner leaves, the owner cannot', async () => {
  const third = await signup(url, { name: 'Third' });
  await join(url, third, s1);
  let r = await api(url, 'PATCH', `/api/servers/${s1.id}/leave`, { token: owner.token });
  assert.equal(r.status, 403);
  r = await api(url, 'PATCH', `/api/servers/${s1.id}/leave`, { token: third.token });
  assert.equal(r.status, 200);
  r = await api(url, 'GET', `/api/servers/${s1.id}`, { token: third.token });
  assert.equal(r.status, 404);
  r = await api(url, 'PATCH', `/api/servers/${s1.id}/leave`, { token: third.token });
  assert.equal(r.status, 404);
});

test('conversations: get-or-create is atomic whatever the order or the race', async () => {
  const full = (await api(url, 'GET', `/api/servers/${s1.id}`, { token: owner.token })).json;
  const gm = memberOf(full, guest);
  const om = memberOf(full, owner);
  const calls = [];
  for (let i = 0; i < 6; i++) {
    calls.push(api(url, 'POST', `/api/conversations?serverId=${s1.id}`, { token: owner.token, body: { memberId: gm.id } }));
    calls.push(api(url, 'POST', `/api/conversations?serverId=${s1.id}`, { token: guest.token, body: { memberId: om.id } }));
  }
  const rs = await Promise.all(calls);
  for (const r of rs) assert.equal(r.status, 200, r.text);
  const ids = new Set(rs.map((r) => r.json.id));
  assert.equal(ids.size, 1);
  const c = rs[0].json;
  assert.deepEqual(new Set([c.memberOneId, c.memberTwoId]), new Set([gm.id, om.id]));
  assert.equal(c.memberOne.profile.id !== undefined, true);
  let r = await api(url, 'POST', `/api/conversations?serverId=${s1.id}`, { token: owner.token, body: { memberId: om.id } });
  assert.equal(r.status, 400);
  r = await api(url, 'POST', `/api/conversations?serverId=${s1.id}`, { token: owner.token, body: { memberId: 'x' } });
  assert.equal(r.status, 400);
  // Not a member of the server: invisible.
  r = await api(url, 'POST', `/api/conversations?serverId=${s1.id}`, { token: other.token, body: { memberId: gm.id } });
  assert.equal(r.status, 404);
  // A member id of another server.
  const s2full = (await api(url, 'GET', `/api/servers/${s2.id}`, { token: other.token })).json;
  r = await api(url, 'POST', `/api/conversations?serverId=${s1.id}`, { token: owner.token, body: { memberId: s2full.members[0].id } });
  assert.equal(r.status, 404);
});

test('deleting a server: owner only, then it is gone for everyone', async () => {
  const s3 = await makeServer(url, owner, 'three');
  await join(url, guest, s3);
  let r = await api(url, 'DELETE', `/api/servers/${s3.id}`, { token: owner.token });
  assert.equal(r.status, 200);
  r = await api(url, 'GET', `/api/servers/${s3.id}`, { token: guest.token });
  assert.equal(r.status, 404);
});
