// Seed compatibility (issue #4 §7): the seed's client logic re-expressed in
// Node, unchanged in substance, against parley:
//  - SocketProvider: io(SITE_URL, {path: '/api/socket/io', addTrailingSlash:
//    false}) with the session cookie, isConnected from connect/disconnect;
//  - useChatQuery: useInfiniteQuery whose queryFn fetches
//    /api/messages?cursor=&channelId= (cursor skipped when undefined),
//    getNextPageParam = lastPage?.nextCursor, refetchInterval 1000 ms while
//    disconnected (react-query refetches every loaded page in order);
//  - useChatSocket: socket.on(addKey) prepends to pages[0].items with
//    setQueryData; socket.on(updateKey) replaces the item by id.
// The engine is dropped underneath the client while messages are posted;
// the client does not opt in to recovery and does not deduplicate, so the
// test ends by checking no gaps and no duplicates against the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { startParley } from './lib/server.mjs';
import { api, signup, makeServer, join, general, post, once, until, sleep } from './lib/chat.mjs';

let srv, url, A, B, s1, ch;

before(async () => {
  srv = await startParley({ workers: 2, env: { PARLEY_POST_BURST: '200', PARLEY_POST_RATE: '200' } });
  url = srv.url;
  [A, B] = await Promise.all([signup(url, { name: 'Reader' }), signup(url, { name: 'Writer' })]);
  s1 = await makeServer(url, A, 'seed');
  await join(url, B, s1);
  ch = general(s1).id;
});
after(async () => { await srv?.stop(); });

// The seed's client state: a react-query infinite query plus the socket.
class SeedClient {
  constructor(base, cookie, channelId) {
    this.base = base;
    this.cookie = cookie;
    this.channelId = channelId;
    this.queryKey = `chat:${channelId}`;
    this.addKey = `chat:${channelId}:messages`;
    this.updateKey = `chat:${channelId}:messages:update`;
    this.data = undefined;          // { pages, pageParams }
    this.isConnected = false;
    this.timer = null;
    this.refetching = null;
    this.connects = 0;
    this.disconnects = 0;
  }

  // fetchMessages({pageParam}): qs.stringifyUrl(..., {skipNull: true})
  async fetchMessages(pageParam) {
    const q = new URLSearchParams();
    if (pageParam !== undefined && pageParam !== null) q.set('cursor', pageParam);
    q.set('channelId', this.channelId);
    const res = await fetch(`${this.base}/api/messages?${q}`, { headers: { cookie: this.cookie } });
    if (res.status !== 200) throw new Error(`fetchMessages: ${res.status}`);
    return res.json();
  }

  getNextPageParam(lastPage) { return lastPage?.nextCursor; }

  hasNextPage() {
    const pages = this.data?.pages ?? [];
    const p = this.getNextPageParam(pages[pages.length - 1]);
    return p !== undefined && p !== null;
  }

  async initialFetch() {
    const first = await this.fetchMessages(undefined);
    this.data = { pages: [first], pageParams: [undefined] };
  }

  async fetchNextPage() {
    const last = this.data.pages[this.data.pages.length - 1];
    const param = this.getNextPageParam(last);
    const page = await this.fetchMessages(param);
    this.data = { pages: [...this.data.pages, page], pageParams: [...this.data.pageParams, param] };
  }

  // react-query's infinite refetch: every loaded page again, in order,
  // each page's param taken from the freshly fetched previous page.
  async refetch() {
    const n = this.data.pages.length;
    const pages = [];
    const params = [];
    let param;
    for (let i = 0; i < n; i++) {
      if (i > 0) {
        param = this.getNextPageParam(pages[i - 1]);
        if (param === undefined || param === null) break;
      }
      pages.push(await this.fetchMessages(param));
      params.push(param);
    }
    this.data = { pages, pageParams: params };
  }

  // refetchInterval: isConnected ? false : 1000
  updateRefetchInterval() {
    if (this.timer) { clearInterval(this.timer); this.timer = null; }
    if (!this.isConnected && !this.closed) {
      this.timer = setInterval(() => {
        if (this.refetching) return;
        this.refetching = this.refetch().catch(() => {}).finally(() => { this.refetching = null; });
      }, 1000);
    }
  }

  // SocketProvider + useChatSocket
  connectSocket() {
    this.socket = io(this.base, {
      path: '/api/socket/io',
      addTrailingSlash: false,
      extraHeaders: { cookie: this.cookie },
    });
    this.socket.on('connect', () => { this.isConnected = true; this.connects++; this.updateRefetchInterval(); });
    this.socket.on('disconnect', () => { this.isConnected = false; this.disconnects++; this.updateRefetchInterval(); });
    this.socket.on(this.addKey, (message) => {
      // queryClient.setQueryData([queryKey], ...) exactly as the seed does
      const oldData = this.data;
      if (!oldData || !oldData.pages || oldData.pages.length === 0) {
        this.data = { pages: [{ items: [message] }] };
        return;
      }
      const newData = [...oldData.pages];
      newData[0] = { ...newData[0], items: [message, ...newData[0].items] };
      this.data = { ...oldData, pages: newData };
    });
    this.socket.on(this.updateKey, (message) => {
      const oldData = this.data;
      if (!oldData || !oldData.pages || oldData.pages.length === 0) return;
      const newData = oldData.pages.map((page) => ({
        ...page,
        items: page.items.map((item) => (item.id === message.id ? message : item)),
      }));
      this.data = { ...oldData, pages: newData };
    });
    this.updateRefetchInterval();
  }

  items() { return this.data.pages.flatMap((p) => p.items); }

  close() {
    this.closed = true; // the component unmounted
    if (this.timer) clearInterval(this.timer);
    this.socket?.close();
  }
}

async function allMessages(user, channelId) {
  const ids = [];
  let cursor;
  for (;;) {
    const r = await api(url, 'GET', `/api/messages?channelId=${channelId}${cursor ? `&cursor=${cursor}` : ''}`, { token: user.token });
    ids.push(...r.json.items.map((m) => m.id));
    if (!r.json.nextCursor) return ids;
    cursor = r.json.nextCursor;
  }
}

test('the seed client pages, receives live messages, survives a dropped engine: no gaps, no duplicates', async () => {
  for (let i = 0; i < 25; i++) assert.equal((await post(url, B, s1, ch, `old ${i}`)).status, 200);

  const c = new SeedClient(url, A.cookie, ch);
  try {
    await c.initialFetch();
    c.connectSocket();
    await until(() => c.isConnected, 8000);
    // scroll up through the whole history (hasNextPage / fetchNextPage)
    while (c.hasNextPage()) await c.fetchNextPage();
    assert.equal(c.data.pages.length, 3);
    assert.equal(c.items().length, 25);
    assert.equal(c.data.pages[2].nextCursor, null);

    // Phase 1, connected: live messages are prepended.
    for (let i = 0; i < 5; i++) {
      const w = once(c.socket, c.addKey, 8000, (m) => m.content === `live ${i}`);
      await post(url, B, s1, ch, `live ${i}`);
      await w;
    }
    assert.equal(c.items()[0].content, 'live 4');
    await until(() => c.socket.io.engine?.transport?.name === 'websocket', 8000);

    // Phase 2: the engine is closed underneath the client (not a polite
    // disconnect). An outage longer than the seed's 1 s polling: the
    // manager waits 3 s before reconnecting.
    c.socket.io.reconnectionDelay(3000);
    c.socket.io.randomizationFactor(0);
    const down = once(c.socket, 'disconnect', 8000);
    c.socket.io.engine.close();
    await down;
    assert.equal(c.isConnected, false);
    const during = [];
    for (let i = 0; i < 5; i++) during.push((await post(url, B, s1, ch, `while down ${i}`)).json.id);
    // the 1 s refetch picks them up while disconnected
    await until(() => during.every((id) => c.items().some((m) => m.id === id)), 8000);
    await until(() => c.isConnected, 15000);
    assert.equal(c.connects, 2);
    // no replay: nothing the client already has arrives again
    const before = c.items().length;

    // Phase 3, reconnected: live again, plus an edit.
    for (let i = 0; i < 5; i++) {
      const w = once(c.socket, c.addKey, 8000, (m) => m.content === `after ${i}`);
      await post(url, B, s1, ch, `after ${i}`);
      await w;
    }
    assert.equal(c.items().length, before + 5);
    const target = c.items()[0];
    const uw = once(c.socket, c.updateKey, 8000, (m) => m.id === target.id);
    await api(url, 'PATCH', `/api/socket/messages/${target.id}?serverId=${s1.id}&channelId=${ch}`,
      { token: B.token, body: { content: 'after 4 (edited)' } });
    await uw;
    assert.equal(c.items()[0].content, 'after 4 (edited)');

    // Scroll to the end, then compare with the database.
    while (c.hasNextPage()) await c.fetchNextPage();
    await sleep(200);
    const got = c.items().map((m) => m.id);
    const want = await allMessages(A, ch);
    assert.equal(new Set(got).size, got.length, 'no duplicates');
    assert.deepEqual(got, want, 'no gaps, newest first');
    assert.equal(want.length, 40);
  } finally {
    c.close();
  }
});

test('the seed client gets nothing of a channel it may not read', async () => {
  const C = await signup(url, { name: 'Stranger' });
  const c = new SeedClient(url, C.cookie, ch);
  await assert.rejects(c.initialFetch(), /404/);
  c.connectSocket();
  try {
    await until(() => c.isConnected, 8000);
    const heard = [];
    c.socket.onAny((e) => heard.push(e));
    const w = once(c.socket, c.addKey, 1500).then(() => 'heard', () => 'silent');
    await post(url, B, s1, ch, 'not for strangers');
    assert.equal(await w, 'silent');
    assert.deepEqual(heard, []);
  } finally {
    c.close();
  }
});
