// Channel messages and direct messages over REST: shapes, rules, history
// with keyset pagination, catch-up, and every bad-input item of issue #4.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from './lib/server.mjs';
import { errorCode } from './lib/client.mjs';
import { api, signup, makeServer, join, memberOf, general, post, history } from './lib/chat.mjs';

let srv, url, owner, guest, mod, outsider, s1, s2, ch, ch2;
const NIL = '00000000-0000-4000-8000-000000000000';
const DELETED = 'This message has been deleted.';

before(async () => {
  srv = await startParley({ workers: 2, env: { PARLEY_POST_BURST: '100', PARLEY_POST_RATE: '100' } });
  url = srv.url;
  [owner, guest, mod, outsider] = await Promise.all([
    signup(url, { name: 'Owner' }), signup(url, { name: 'Guest' }),
    signup(url, { name: 'Mod' }), signup(url, { name: 'Outsider' })]);
  s1 = await makeServer(url, owner, 'one');
  s2 = await makeServer(url, outsider, 'two');
  await join(url, guest, s1);
  const full = await join(url, mod, s1);
  const r = await api(url, 'PATCH', `/api/members/${memberOf(full, mod).id}?serverId=${s1.id}`,
    { token: owner.token, body: { role: 'MODERATOR' } });
  assert.equal(r.status, 200);
  ch = general(s1).id;
  ch2 = general(s2).id;
});
after(async () => { await srv?.stop(); });

test('posting returns the stored message in the seed shape', async () => {
  const r = await post(url, guest, s1, ch, '  hello <b>world</b> \u00e9\u{1F600}  ', { fileUrl: 'https://files.example/a.pdf' });
  assert.equal(r.status, 200, r.text);
  const m = r.json;
  assert.deepEqual(Object.keys(m).sort(), ['channelId', 'content', 'createdAt', 'deleted', 'fileUrl', 'id',
    'member', 'memberId', 'updatedAt'].sort());
  assert.equal(m.content, 'hello <b>world</b> \u00e9\u{1F600}');
  assert.equal(m.fileUrl, 'https://files.example/a.pdf');
  assert.equal(m.channelId, ch);
  assert.equal(m.deleted, false);
  assert.match(m.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(Object.keys(m.member).sort(), ['createdAt', 'id', 'profile', 'profileId', 'role', 'serverId', 'updatedAt'].sort());
  assert.equal(m.member.profile.id, guest.profile.id);
  assert.equal(m.member.profile.name, 'Guest');
  assert.deepEqual(Object.keys(m.member.profile).sort(), ['createdAt', 'email', 'id', 'imageUrl', 'name', 'updatedAt', 'userId'].sort());
  // HTML is stored and returned as text, never interpreted or escaped twice.
  const h = await history(url, owner, `channelId=${ch}`);
  assert.equal(h.json.items[0].content, 'hello <b>world</b> \u00e9\u{1F600}');
  assert.equal(h.headers.get('content-type'), 'application/json');
});

test('bad input: ids, content, UTF-8, fileUrl', async () => {
  const cases = [
    [`/api/socket/messages?serverId=nope&channelId=${ch}`, { content: 'x' }, 400],
    [`/api/socket/messages?serverId=${s1.id}&channelId=nope`, { content: 'x' }, 400],
    [`/api/socket/messages?channelId=${ch}`, { content: 'x' }, 400],
    [`/api/socket/messages?serverId=${s1.id}&channelId=${ch}`, { content: '' }, 400],
    [`/api/socket/messages?serverId=${s1.id}&channelId=${ch}`, { content: ' \n\t ' }, 400],
    [`/api/socket/messages?serverId=${s1.id}&channelId=${ch}`, { content: 'x'.repeat(4001) }, 400],
    [`/api/socket/messages?serverId=${s1.id}&channelId=${ch}`, { content: 42 }, 400],
    [`/api/socket/messages?serverId=${s1.id}&channelId=${ch}`, {}, 400],
    [`/api/socket/messages?serverId=${s1.id}&channelId=${ch}`, { content: 'x', fileUrl: 'javascript:alert(1)' }, 400],
    [`/api/socket/messages?serverId=${s1.id}&channelId=${ch}`, { content: 'x', fileUrl: 'ftp://x/y' }, 400],
    // a channel of another server, with this server's id: 404
    [`/api/socket/messages?serverId=${s1.id}&channelId=${ch2}`, { content: 'x' }, 404],
    // a non-member guessing: server two is invisible to guest
    [`/api/socket/messages?serverId=${s2.id}&channelId=${ch2}`, { content: 'x' }, 404],
  ];
  for (const [path, body, want] of cases) {
    const r = await api(url, 'POST', path, { token: guest.token, body });
    assert.equal(r.status, want, `${path} ${JSON.stringify(body).slice(0, 60)} -> ${r.status} ${r.text}`);
    errorCode(r);
  }
  // exactly 4000 characters (multi-byte) is fine
  let r = await post(url, guest, s1, ch, '\u00e9'.repeat(4000));
  assert.equal(r.status, 200);
  // invalid UTF-8 in the body
  const bad = Buffer.concat([Buffer.from('{"content":"a'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  r = await api(url, 'POST', `/api/socket/messages?serverId=${s1.id}&channelId=${ch}`,
    { token: guest.token, raw: bad, headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 400);
  // a lone surrogate escape
  r = await api(url, 'POST', `/api/socket/messages?serverId=${s1.id}&channelId=${ch}`,
    { token: guest.token, raw: '{"content":"\\ud800"}', headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 400);
  // no session
  r = await api(url, 'POST', `/api/socket/messages?serverId=${s1.id}&channelId=${ch}`, { body: { content: 'x' } });
  assert.equal(r.status, 401);
  r = await api(url, 'POST', `/api/socket/messages?serverId=${s1.id}&channelId=${ch}`, { token: 'forged', body: { content: 'x' } });
  assert.equal(r.status, 401);
  // an audio channel carries no messages
  const s = await api(url, 'POST', `/api/channels?serverId=${s1.id}`, { token: owner.token, body: { name: 'voice', type: 'AUDIO' } });
  const voice = s.json.channels.find((c) => c.name === 'voice');
  r = await post(url, owner, s1, voice.id, 'x');
  assert.equal(r.status, 400);
});

test('cookie sessions work; a cookie write from a foreign Origin is refused', async () => {
  let r = await api(url, 'POST', `/api/socket/messages?serverId=${s1.id}&channelId=${ch}`,
    { cookie: guest.cookie, body: { content: 'by cookie' }, headers: { origin: url } });
  assert.equal(r.status, 200);
  r = await api(url, 'POST', `/api/socket/messages?serverId=${s1.id}&channelId=${ch}`,
    { cookie: guest.cookie, body: { content: 'csrf' }, headers: { origin: 'https://evil.example' } });
  assert.equal(r.status, 403);
  r = await api(url, 'GET', `/api/messages?channelId=${ch}`, { cookie: guest.cookie });
  assert.equal(r.status, 200);
  assert.equal(r.json.items.some((m) => m.content === 'csrf'), false);
});

test('edit: author only, not once deleted; delete: author, ADMIN or MODERATOR, soft', async () => {
  const a = (await post(url, guest, s1, ch, 'guest says', { fileUrl: 'http://f.example/1' })).json;
  const b = (await post(url, owner, s1, ch, 'owner says')).json;
  const q = `?serverId=${s1.id}&channelId=${ch}`;
  let r = await api(url, 'PATCH', `/api/socket/messages/${b.id}${q}`, { token: guest.token, body: { content: 'hijack' } });
  assert.equal(r.status, 403);
  r = await api(url, 'DELETE', `/api/socket/messages/${b.id}${q}`, { token: guest.token });
  assert.equal(r.status, 403);
  r = await api(url, 'PATCH', `/api/socket/messages/${b.id}${q}`, { token: mod.token, body: { content: 'mod edit' } });
  assert.equal(r.status, 403);
  r = await api(url, 'PATCH', `/api/socket/messages/${a.id}${q}`, { token: guest.token, body: { content: '  edited  ' } });
  assert.equal(r.status, 200);
  assert.equal(r.json.content, 'edited');
  assert.equal(r.json.fileUrl, 'http://f.example/1');
  assert.ok(r.json.updatedAt >= a.updatedAt);
  r = await api(url, 'PATCH', `/api/socket/messages/${a.id}${q}`, { token: guest.token, body: { content: '' } });
  assert.equal(r.status, 400);
  r = await api(url, 'DELETE', `/api/socket/messages/${a.id}${q}`, { token: mod.token });
  assert.equal(r.status, 200);
  assert.equal(r.json.content, DELETED);
  assert.equal(r.json.fileUrl, null);
  assert.equal(r.json.deleted, true);
  assert.equal(r.json.member.profile.id, guest.profile.id);
  r = await api(url, 'PATCH', `/api/socket/messages/${a.id}${q}`, { token: guest.token, body: { content: 'back' } });
  assert.equal(r.status, 409);
  r = await api(url, 'DELETE', `/api/socket/messages/${b.id}${q}`, { token: owner.token });
  assert.equal(r.status, 200);
  assert.equal(r.json.deleted, true);
  r = await api(url, 'DELETE', `/api/socket/messages/${NIL}${q}`, { token: owner.token });
  assert.equal(r.status, 404);
  r = await api(url, 'DELETE', `/api/socket/messages/xyz${q}`, { token: owner.token });
  assert.equal(r.status, 400);
  // wrong channel for the message
  const other = await api(url, 'POST', `/api/channels?serverId=${s1.id}`, { token: owner.token, body: { name: 'other' } });
  const oc = other.json.channels.find((c) => c.name === 'other').id;
  r = await api(url, 'DELETE', `/api/socket/messages/${b.id}?serverId=${s1.id}&channelId=${oc}`, { token: owner.token });
  assert.equal(r.status, 404);
  // outsider cannot see it
  r = await api(url, 'DELETE', `/api/socket/messages/${b.id}${q}`, { token: outsider.token });
  assert.equal(r.status, 404);
});

test('history: 10 newest first, keyset cursor, nextCursor only when more rows exist', async () => {
  const s = await makeServer(url, owner, 'hist');
  const hc = general(s).id;
  const ids = [];
  for (let i = 0; i < 25; i++) ids.push((await post(url, owner, s, hc, `m${i}`)).json.id);
  const want = ids.slice().reverse();
  const got = [];
  let cursor;
  let pages = 0;
  for (;;) {
    const r = await history(url, owner, `channelId=${hc}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200);
    pages++;
    got.push(...r.json.items.map((m) => m.id));
    if (!r.json.nextCursor) break;
    assert.equal(r.json.nextCursor, r.json.items[r.json.items.length - 1].id);
    cursor = r.json.nextCursor;
  }
  assert.equal(pages, 3);
  assert.deepEqual(got, want);

  // exactly 10: one page, nextCursor null (no empty page)
  const s10 = await makeServer(url, owner, 'ten');
  for (let i = 0; i < 10; i++) await post(url, owner, s10, general(s10).id, `t${i}`);
  let r = await history(url, owner, `channelId=${general(s10).id}`);
  assert.equal(r.json.items.length, 10);
  assert.equal(r.json.nextCursor, null);
  // empty channel
  const s0 = await makeServer(url, owner, 'zero');
  r = await history(url, owner, `channelId=${general(s0).id}`);
  assert.deepEqual(r.json, { items: [], nextCursor: null });

  // catch-up: after=<id>, oldest first
  r = await history(url, owner, `channelId=${hc}&after=${ids[19]}`);
  assert.deepEqual(r.json.items.map((m) => m.id), ids.slice(20));
  assert.equal(r.json.nextCursor, null);

  // bad cursors
  r = await history(url, owner, `channelId=${hc}&cursor=zzz`);
  assert.equal(r.status, 400);
  r = await history(url, owner, `channelId=${ch}&cursor=${ids[3]}`); // from another channel
  assert.equal(r.status, 400);
  r = await history(url, owner, `channelId=${hc}&cursor=${NIL}`);
  assert.equal(r.status, 400);
  r = await history(url, owner, `channelId=${hc}&cursor=${ids[3]}&after=${ids[4]}`);
  assert.equal(r.status, 400);
  r = await history(url, owner, 'channelId=nope');
  assert.equal(r.status, 400);
  r = await history(url, owner, '');
  assert.equal(r.status, 400);
  // non-members: invisible
  r = await history(url, outsider, `channelId=${hc}`);
  assert.equal(r.status, 404);
  r = await history(url, guest, `channelId=${hc}`);
  assert.equal(r.status, 404);
  r = await api(url, 'GET', `/api/messages?channelId=${hc}`, {});
  assert.equal(r.status, 401);
});

test('a kicked member can no longer post or read', async () => {
  const kicked = await signup(url, { name: 'Kicked' });
  const full = await join(url, kicked, s1);
  let r = await post(url, kicked, s1, ch, 'before kick');
  assert.equal(r.status, 200);
  r = await api(url, 'DELETE', `/api/members/${memberOf(full, kicked).id}?serverId=${s1.id}`, { token: owner.token });
  assert.equal(r.status, 200);
  r = await post(url, kicked, s1, ch, 'after kick');
  assert.equal(r.status, 404);
  r = await history(url, kicked, `channelId=${ch}`);
  assert.equal(r.status, 404);
});

test('direct messages: members of the conversation only, same rules', async () => {
  const full = (await api(url, 'GET', `/api/servers/${s1.id}`, { token: owner.token })).json;
  const conv = (await api(url, 'POST', `/api/conversations?serverId=${s1.id}`,
    { token: guest.token, body: { memberId: memberOf(full, mod).id } })).json;
  const base = `/api/socket/direct-messages?conversationId=${conv.id}`;
  let r = await api(url, 'POST', base, { token: guest.token, body: { content: 'psst', fileUrl: 'https://x.example/f' } });
  assert.equal(r.status, 200, r.text);
  const dm = r.json;
  assert.equal(dm.conversationId, conv.id);
  assert.equal(dm.channelId, undefined);
  assert.equal(dm.member.profile.id, guest.profile.id);
  r = await api(url, 'POST', base, { token: owner.token, body: { content: 'intrude' } });
  assert.equal(r.status, 404);
  r = await api(url, 'GET', `/api/direct-messages?conversationId=${conv.id}`, { token: owner.token });
  assert.equal(r.status, 404);
  r = await api(url, 'POST', base, { token: guest.token, body: { content: '   ' } });
  assert.equal(r.status, 400);
  r = await api(url, 'POST', base, { token: guest.token, body: { content: 'x', fileUrl: 'javascript:x' } });
  assert.equal(r.status, 400);
  r = await api(url, 'POST', '/api/socket/direct-messages?conversationId=bad', { token: guest.token, body: { content: 'x' } });
  assert.equal(r.status, 400);
  const one = `/api/socket/direct-messages/${dm.id}?conversationId=${conv.id}`;
  r = await api(url, 'PATCH', one, { token: mod.token, body: { content: 'not mine' } });
  assert.equal(r.status, 403);
  r = await api(url, 'PATCH', one, { token: guest.token, body: { content: 'mine' } });
  assert.equal(r.status, 200);
  assert.equal(r.json.content, 'mine');
  r = await api(url, 'DELETE', one, { token: mod.token }); // a MODERATOR may delete
  assert.equal(r.status, 200);
  assert.equal(r.json.content, DELETED);
  assert.equal(r.json.deleted, true);
  r = await api(url, 'PATCH', one, { token: guest.token, body: { content: 'again' } });
  assert.equal(r.status, 409);
  for (let i = 0; i < 12; i++) await api(url, 'POST', base, { token: mod.token, body: { content: `d${i}` } });
  r = await api(url, 'GET', `/api/direct-messages?conversationId=${conv.id}`, { token: guest.token });
  assert.equal(r.json.items.length, 10);
  assert.equal(r.json.items[0].content, 'd11');
  const r2 = await api(url, 'GET', `/api/direct-messages?conversationId=${conv.id}&cursor=${r.json.nextCursor}`, { token: guest.token });
  assert.equal(r2.json.items.length, 3);
  assert.equal(r2.json.nextCursor, null);
  assert.equal(r2.json.items[2].id, dm.id);
  r = await api(url, 'GET', `/api/direct-messages?conversationId=${conv.id}&cursor=${ch}`, { token: guest.token });
  assert.equal(r.status, 400);
});

test('a flood of posts from one profile gets 429 with Retry-After', async () => {
  // Its own parley with a tight limit, so that a slow machine cannot
  // refill the buckets faster than the flood arrives.
  const tight = await startParley({ workers: 2, env: { PARLEY_POST_BURST: '5', PARLEY_POST_RATE: '1' } });
  try {
    const u = tight.url;
    const [boss, flooder] = await Promise.all([signup(u, { name: 'Boss' }), signup(u, { name: 'Flooder' })]);
    const s = await makeServer(u, boss, 'flood');
    await join(u, flooder, s);
    const rs = await Promise.all(Array.from({ length: 60 }, (_, i) => post(u, flooder, s, general(s).id, `flood ${i}`)));
    const limited = rs.filter((r) => r.status === 429);
    const okCount = rs.filter((r) => r.status === 200).length;
    for (const r of rs) assert.ok(r.status === 200 || r.status === 429, `${r.status}`);
    assert.ok(limited.length >= 30, `limited ${limited.length}`);
    assert.ok(okCount >= 5, `ok ${okCount}`);
    assert.ok(Number(limited[0].headers.get('retry-after')) >= 1);
    assert.equal(errorCode(limited[0]), 'rate_limited');
    // the history holds exactly the accepted posts
    const h = await history(u, boss, `channelId=${general(s).id}`);
    assert.equal(h.json.items.length, Math.min(okCount, 10));
    // another user is not affected
    const r = await post(u, boss, s, general(s).id, 'still fine');
    assert.equal(r.status, 200);
  } finally {
    await tight.stop();
  }
});
