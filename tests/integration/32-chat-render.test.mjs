// History pages are rendered in C (src/chat/chat_page.c, from the raw rows
// of conf/sql/004_page_rows.sql) while POST answers and socket events are
// still rendered by SQL (chat_message_json, chat_dm_json). This file keeps
// the two renderers from drifting:
//  - every message of GET /api/messages (and /api/direct-messages) deep-
//    equals the same message as the POST/PATCH/DELETE answer and the socket
//    event delivered it, for NULL and non-NULL fileUrl/imageUrl, a deleted
//    and an edited message, unicode, HTML, quotes, backslashes, newlines,
//    control characters and U+2028 in contents and names;
//  - every page body (first, cursor, after, empty, and the 401/404/400
//    answers) is byte for byte the body the SQL renderer of 002_chat.sql
//    (chat_message_page, chat_dm_page) gives for the same arguments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import pg from 'pg';
import { startParley } from './lib/server.mjs';
import { uniqueEmail } from './lib/client.mjs';
import { api, makeServer, join, memberOf, general, post, connect, until, sleep } from './lib/chat.mjs';

const NAMES = ['Zoë "Q" <b>bold</b> \\ \u2028 \u{1F600}', "O'Brien & <script>x</script>"];
const CONTENTS = [
  'plain',
  '<img src=x onerror="alert(1)"> & &amp;',
  'quotes " \' ` and backslash \\ and slash /',
  'lines\nand\r\nmore\ttab\u0001\u001f\u007f',
  'unicode é ß 中文 \u{1F600} \u2028 \u2029 \uFEFF',
  'x'.repeat(300),
];

let srv, url, db, owner, guest, s1, ch, sock;
const events = [];

async function signupWith(name, imageUrl) {
  const body = { email: uniqueEmail('render'), name, password: `pw-${crypto.randomBytes(8).toString('hex')}` };
  if (imageUrl) body.imageUrl = imageUrl;
  const r = await api(url, 'POST', '/api/auth/signup', { body });
  assert.equal(r.status, 201, r.text);
  return { token: r.json.token, profile: r.json.profile };
}

const hash = (token) => crypto.createHash('sha256').update(token).digest('hex');

// The SQL renderer's page for the same arguments: [status, body text].
async function sqlPage(fn, token, parent, cursor = null, afterId = null) {
  const r = await db.query(`SELECT st, js::text AS js FROM ${fn}($1, $2, $3, $4)`,
    [hash(token), parent, cursor, afterId]);
  assert.equal(r.rows.length, 1);
  return [r.rows[0].st, r.rows[0].js];
}

async function sameBytes(path, token, fn, parent, cursor, afterId) {
  const r = await api(url, 'GET', path, { token });
  const [st, js] = await sqlPage(fn, token, parent, cursor, afterId);
  assert.equal(r.status, st, `${path}: ${r.text}`);
  assert.equal(r.text, js, `${path}: C and SQL renderings differ`);
  return r;
}

before(async () => {
  srv = await startParley({ workers: 2, env: { PARLEY_POST_BURST: '100', PARLEY_POST_RATE: '100' } });
  url = srv.url;
  db = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  owner = await signupWith(NAMES[0], 'https://img.example/a.png?x=1&y=2');
  guest = await signupWith(NAMES[1], null);
  s1 = await makeServer(url, owner, 'render');
  await join(url, guest, s1);
  ch = general(s1).id;
  sock = await connect(url, { token: owner.token, transports: ['websocket'] });
  sock.onAny((event, ...args) => events.push({ event, msg: args[0] }));
});

after(async () => {
  sock?.close();
  await db?.end();
  await srv?.stop();
});

test('channel history equals the POST answers and socket events, message by message', async () => {
  const answers = new Map();
  for (let i = 0; i < CONTENTS.length; i++) {
    const who = i % 2 ? guest : owner;
    const extra = i % 3 === 0 ? { fileUrl: `https://files.example/${i}/"q"<x>.pdf` } : {};
    const r = await post(url, who, s1, ch, CONTENTS[i], extra);
    assert.equal(r.status, 200, r.text);
    answers.set(r.json.id, r.json);
  }
  const ids = [...answers.keys()];
  // an edit (PATCH answer and :update event) and a delete (file dropped)
  let r = await api(url, 'PATCH', `/api/socket/messages/${ids[1]}?serverId=${s1.id}&channelId=${ch}`,
    { token: guest.token, body: { content: 'edited "again" \u{1F600}\n<i>' } });
  assert.equal(r.status, 200, r.text);
  answers.set(r.json.id, r.json);
  r = await api(url, 'DELETE', `/api/socket/messages/${ids[0]}?serverId=${s1.id}&channelId=${ch}`,
    { token: owner.token });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.deleted, true);
  assert.equal(r.json.fileUrl, null);
  answers.set(r.json.id, r.json);

  // the socket saw every message, then the two updates
  const live = new Map();
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    live.clear();
    for (const e of events) {
      if (e.event === `chat:${ch}:messages` || e.event === `chat:${ch}:messages:update`)
        live.set(e.msg.id, e.msg);
    }
    if (live.size === ids.length && live.get(ids[0]).deleted && live.get(ids[1]).content.startsWith('edited'))
      break;
    await sleep(50);
  }

  const h = await api(url, 'GET', `/api/messages?channelId=${ch}`, { token: owner.token });
  assert.equal(h.status, 200, h.text);
  assert.equal(h.json.items.length, ids.length);
  assert.equal(h.json.nextCursor, null);
  const seen = { nullFile: 0, file: 0, nullImage: 0, image: 0 };
  for (const m of h.json.items) {
    assert.deepEqual(m, answers.get(m.id), `message ${m.id} differs from its REST answer`);
    assert.deepEqual(m, live.get(m.id), `message ${m.id} differs from its socket event`);
    seen[m.fileUrl === null ? 'nullFile' : 'file']++;
    seen[m.member.profile.imageUrl === null ? 'nullImage' : 'image']++;
  }
  assert.ok(seen.nullFile && seen.file && seen.nullImage && seen.image, JSON.stringify(seen));
  assert.ok(h.json.items.some((m) => m.deleted));
  assert.ok(h.json.items.some((m) => m.member.profile.name === NAMES[0]));
  // U+2028 travels raw, as PostgreSQL writes it
  assert.ok(h.text.includes('\u2028'));
});

test('channel pages are byte for byte the SQL renderer\'s', async () => {
  for (let i = 0; i < 17; i++) {
    const r = await post(url, i % 2 ? guest : owner, s1, ch, `${CONTENTS[i % CONTENTS.length]} #${i}`,
      i % 4 === 0 ? { fileUrl: 'https://files.example/f' } : {});
    assert.equal(r.status, 200, r.text);
  }
  const first = await sameBytes(`/api/messages?channelId=${ch}`, owner.token, 'chat_message_page', ch);
  const cursor = first.json.nextCursor;
  assert.ok(cursor);
  const second = await sameBytes(`/api/messages?channelId=${ch}&cursor=${cursor}`, guest.token,
    'chat_message_page', ch, cursor);
  assert.ok(second.json.nextCursor);
  const third = await sameBytes(`/api/messages?channelId=${ch}&cursor=${second.json.nextCursor}`,
    owner.token, 'chat_message_page', ch, second.json.nextCursor);
  assert.equal(third.json.nextCursor, null);
  const oldest = third.json.items.at(-1).id;
  // after=: oldest first, up to 50, nextCursor when more exist
  const all = await sameBytes(`/api/messages?channelId=${ch}&after=${oldest}`, owner.token,
    'chat_message_page', ch, null, oldest);
  assert.equal(all.json.nextCursor, null);
  const newest = first.json.items[0].id;
  const none = await sameBytes(`/api/messages?channelId=${ch}&after=${newest}`, owner.token,
    'chat_message_page', ch, null, newest);
  assert.equal(none.text, '{"items" : [], "nextCursor" : null}');
  for (let i = 0; i < 45; i++)
    assert.equal((await post(url, owner, s1, ch, `bulk ${i}`)).status, 200);
  const many = await sameBytes(`/api/messages?channelId=${ch}&after=${oldest}`, owner.token,
    'chat_message_page', ch, null, oldest);
  assert.equal(many.json.items.length, 50);
  assert.equal(many.json.nextCursor, many.json.items[49].id);
  // an empty channel
  const c2 = await api(url, 'POST', `/api/channels?serverId=${s1.id}`,
    { token: owner.token, body: { name: 'empty', type: 'TEXT' } });
  assert.equal(c2.status, 201, c2.text);
  const empty = c2.json.channels.find((c) => c.name === 'empty').id;
  await sameBytes(`/api/messages?channelId=${empty}`, guest.token, 'chat_message_page', empty);
  // errors: no session, a channel the caller cannot see, a foreign cursor
  const outsider = await signupWith('Outsider', null);
  const other = await makeServer(url, outsider, 'other');
  const och = general(other).id;
  await sameBytes(`/api/messages?channelId=${ch}`, crypto.randomBytes(32).toString('base64url'), 'chat_message_page', ch);
  await sameBytes(`/api/messages?channelId=${och}`, owner.token, 'chat_message_page', och);
  const foreign = (await post(url, outsider, other, och, 'elsewhere')).json.id;
  await sameBytes(`/api/messages?channelId=${ch}&cursor=${foreign}`, owner.token,
    'chat_message_page', ch, foreign);
  await sameBytes(`/api/messages?channelId=${ch}&after=${foreign}`, owner.token,
    'chat_message_page', ch, null, foreign);
});

test('direct-message pages: same messages as the answers and events, same bytes as SQL', async () => {
  const full = (await api(url, 'GET', `/api/servers/${s1.id}`, { token: owner.token })).json;
  const r0 = await api(url, 'POST', `/api/conversations?serverId=${s1.id}`,
    { token: owner.token, body: { memberId: memberOf(full, guest).id } });
  assert.ok(r0.status === 200 || r0.status === 201, r0.text);
  const cv = r0.json.id;
  const base = `/api/socket/direct-messages?conversationId=${cv}`;
  const answers = new Map();
  for (let i = 0; i < 13; i++) {
    const body = { content: `${CONTENTS[i % CONTENTS.length]} dm${i}` };
    if (i % 2 === 0) body.fileUrl = 'https://files.example/dm"x"';
    const r = await api(url, 'POST', base, { token: (i % 3 ? guest : owner).token, body });
    assert.equal(r.status, 200, r.text);
    answers.set(r.json.id, r.json);
  }
  const ids = [...answers.keys()];
  let r = await api(url, 'DELETE', `/api/socket/direct-messages/${ids.at(-1)}?conversationId=${cv}`,
    { token: owner.token });
  assert.equal(r.status, 200, r.text);
  answers.set(r.json.id, r.json);
  // the event may arrive before the answer: read it from the recorder
  const got = await until(() => events.find((e) => e.event === `chat:${cv}:messages:update` &&
    e.msg.id === ids.at(-1))?.msg);
  assert.equal(got.deleted, true);

  const first = await sameBytes(`/api/direct-messages?conversationId=${cv}`, owner.token, 'chat_dm_page', cv);
  assert.equal(first.json.items.length, 10);
  for (const m of first.json.items)
    assert.deepEqual(m, answers.get(m.id));
  assert.deepEqual(first.json.items[0], got);
  const cur = first.json.nextCursor;
  const second = await sameBytes(`/api/direct-messages?conversationId=${cv}&cursor=${cur}`, guest.token,
    'chat_dm_page', cv, cur);
  assert.equal(second.json.items.length, 3);
  assert.equal(second.json.nextCursor, null);
  const oldest = second.json.items.at(-1).id;
  await sameBytes(`/api/direct-messages?conversationId=${cv}&after=${oldest}`, guest.token,
    'chat_dm_page', cv, null, oldest);
  await sameBytes(`/api/direct-messages?conversationId=${cv}`, crypto.randomBytes(32).toString('base64url'), 'chat_dm_page', cv);
  const outsider = await signupWith('Outsider', null);
  await sameBytes(`/api/direct-messages?conversationId=${cv}`, outsider.token, 'chat_dm_page', cv);
  await sameBytes(`/api/direct-messages?conversationId=${cv}&cursor=${ids[0].replace(/^./, 'f')}`,
    owner.token, 'chat_dm_page', cv, ids[0].replace(/^./, 'f'));
});
