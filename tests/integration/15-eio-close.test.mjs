// Server-initiated close (eio_session_close), triggered through the
// fixture's "__eio_fixture_close__" message: a parked GET gets "1"; with no
// GET parked the next GET gets "6\x1e1" (the session lingers until then);
// a WebSocket gets a close frame. With one and with two workers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Socket } from 'engine.io-client';
import { startFixture, handshake, poll, post, RS, sleep } from './lib/eio_fixture.mjs';

const CLOSE = '4__eio_fixture_close__';
let one;
let two;
before(async () => {
  one = await startFixture({ workers: 1, pingInterval: 20000, pingTimeout: 20000 });
  two = await startFixture({ workers: 2, pingInterval: 20000, pingTimeout: 20000 });
});
after(async () => { await one?.stop(); await two?.stop(); });

for (const [name, get] of [['one worker', () => one], ['two workers', () => two]]) {
  test(`${name}: close with a parked GET -> "1", then unknown`, async () => {
    const fx = get();
    await Promise.all(Array.from({ length: 6 }, async () => {
      const { sid } = await handshake(fx.url);
      const parked = poll(fx.url, sid);
      await sleep(60);
      assert.equal((await post(fx.url, sid, `4before${RS}${CLOSE}`)).text, 'ok');
      const g = await parked;
      assert.equal(g.status, 200);
      // The echo of "before" and the close, in one or two answers.
      let text = g.text;
      if (text === '4before') text += RS + (await poll(fx.url, sid)).text;
      assert.ok(text === `4before${RS}1` || text === `4before${RS}6${RS}1`, JSON.stringify(text));
      const r = await poll(fx.url, sid);
      assert.equal(r.status, 400);
      assert.deepEqual(JSON.parse(r.text), { code: 1, message: 'Session ID unknown' });
    }));
  });

  test(`${name}: close with no GET parked -> next GET "6\\x1e1", then unknown`, async () => {
    const fx = get();
    await Promise.all(Array.from({ length: 6 }, async () => {
      const { sid } = await handshake(fx.url);
      assert.equal((await post(fx.url, sid, CLOSE)).text, 'ok');
      // A POST to the closing session is refused.
      assert.equal((await post(fx.url, sid, '4late')).status, 400);
      const g = await poll(fx.url, sid);
      assert.equal(g.status, 200);
      assert.equal(g.text, `6${RS}1`);
      assert.equal((await poll(fx.url, sid)).status, 400);
    }));
  });

  test(`${name}: close on a WebSocket -> close frame; engine.io-client sees it`, async () => {
    const fx = get();
    const ws = new WebSocket(`ws://127.0.0.1:${fx.port}/engine.io/?EIO=4&transport=websocket`);
    await new Promise((r) => ws.once('message', r));
    const closed = new Promise((r) => ws.on('close', (code) => r(code)));
    ws.send(CLOSE);
    assert.equal(await Promise.race([closed, sleep(2000).then(() => 'still open')]), 1005);

    // Upgraded sockets (maybe relayed to the owner worker).
    const socks = Array.from({ length: 6 }, () => new Socket(fx.base, { path: '/engine.io/' }));
    await Promise.all(socks.map((s) => new Promise((resolve, reject) => {
      s.on('upgrade', resolve);
      s.on('error', reject);
    })));
    const reasons = await Promise.all(socks.map((s) => new Promise((resolve) => {
      s.on('close', (reason) => resolve(reason));
      s.send('__eio_fixture_close__');
    })));
    for (const r of reasons) assert.equal(r, 'transport close');
  });
}
