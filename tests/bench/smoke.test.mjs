// Smoke run of the benchmark's load generator (part of `./kore.build test`;
// the benchmark itself is `./kore.build bench`): it builds tests/bench/loadgen.c,
// then drives the peer (the seed's stack) and parley with a few WebSocket and
// long-polling sockets and a few posts, and asserts that every socket got
// every message exactly once, plus the REST history read.
//
// Needs DATABASE_URL (a PostgreSQL role that may create databases: each
// server gets a throwaway database) and, for parley, PARLEY_MODULE (the
// built parley.so; ./kore.build test sets both).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import pg from 'pg';
import {
	ROOT, buildLoadgen, startPeer, startParley, setupPeer, setupParley, loadgen, targetArgs,
	fanoutArgs,
} from './lib.mjs';

const DATABASE_URL = process.env.DATABASE_URL;
const MODULE = process.env.PARLEY_MODULE || path.join(ROOT, '.build/dev/parley/parley.so');
const dir = fs.mkdtempSync(path.join(ROOT, 'var', 'bench-smoke-'));
const dbs = [];
let bin;

function dbUrl(name) {
	const u = new URL(DATABASE_URL);
	u.pathname = `/${name}`;
	return u.toString();
}

async function admin(sql) {
	const c = new pg.Client({ connectionString: DATABASE_URL });
	await c.connect();
	try {
		await c.query(sql);
	} finally {
		await c.end();
	}
}

async function freshDb(tag) {
	const name = `bench_smoke_${tag}_${process.pid}`;
	await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
	await admin(`CREATE DATABASE "${name}"`);
	dbs.push(name);
	return name;
}

before(() => {
	assert.ok(DATABASE_URL, 'DATABASE_URL must be set (./kore.build test sets it)');
	bin = buildLoadgen(path.join(dir, 'loadgen'));
});

after(async () => {
	for (const n of dbs)
		await admin(`DROP DATABASE IF EXISTS "${n}" WITH (FORCE)`).catch(() => {});
	fs.rmSync(dir, { recursive: true, force: true });
});

// The checks shared by both servers.
async function smoke(t, srv, fx) {
	for (const transport of ['websocket', 'polling']) {
		const r = await loadgen(bin, ['fanout', ...fanoutArgs(srv, fx, ['--sockets', '8',
		    '--transport', transport, '--burst', '12', '--inflight', '4', '--rate-posts', '3',
		    '--rate', '20', '--settle-ms', '200', '--drain-ms', '4000'])], { timeoutMs: 30000 });
		assert.equal(r.connected, 8, `${transport}: all sockets connect (${r.stderr.join(' | ')})`);
		assert.equal(r.connect_failed, 0);
		for (const ph of ['burst', 'rate']) {
			const p = r[ph];
			assert.equal(p.post_errors, 0, `${transport} ${ph}: posts succeed (${r.stderr.join(' | ')})`);
			assert.equal(p.expected, p.posts * 8, `${transport} ${ph}: every post expected on 8 sockets`);
			assert.equal(p.delivered, p.expected, `${transport} ${ph}: every delivery arrives`);
			assert.equal(p.lost, 0, `${transport} ${ph}: nothing lost`);
			assert.equal(p.dup, 0, `${transport} ${ph}: no duplicates`);
			assert.ok(p.lat_p50_ms > 0 && p.lat_max_ms >= p.lat_p99_ms, `${transport} ${ph}: latencies`);
			assert.ok(p.server_cpu_us >= 0 && p.loadgen_cpu_us > 0, `${transport} ${ph}: CPU accounting`);
		}
		assert.equal(r.foreign, 0, `${transport}: no foreign message content`);
		assert.equal(r.disconnects, 0, `${transport}: no socket dropped`);
	}
	const h = await loadgen(bin, ['http', ...targetArgs(srv, fx, ['--target',
	    `/api/messages?channelId=${fx.channelId}`, '--conns', '4', '--count', '40'])]);
	assert.equal(h.ok, 40, `history reads succeed (${h.stderr.join(' | ')})`);
	assert.equal(h.non_2xx + h.failed, 0);
	const page = await fx.get(`/api/messages?channelId=${fx.channelId}`);
	assert.equal(page.status, 200);
	assert.equal(page.json.items.length, 10, 'a full first page after 30 posts');
	assert.match(page.json.items[0].content, /^bench:[0-9a-f]{8}:\d+$/);
	assert.ok(page.json.items[0].member?.profile?.id, 'message with member with profile');
	assert.equal(typeof page.json.nextCursor, 'string');
}

test('load generator against the peer (the seed stack)', { timeout: 30000 }, async (t) => {
	const db = await freshDb('peer');
	const srv = await startPeer({ databaseUrl: dbUrl(db), log: path.join(dir, 'peer.log') });
	srv.db = db;
	try {
		const fx = await setupPeer(srv, dbUrl(db));
		await smoke(t, srv, fx);
	} finally {
		await srv.stop();
	}
});

test('load generator against parley', { timeout: 40000 }, async (t) => {
	assert.ok(fs.existsSync(MODULE), `parley is not built (${MODULE})`);
	const db = await freshDb('parley');
	const srv = await startParley({
		databaseUrl: dbUrl(db), workers: 2, module: MODULE, log: path.join(dir, 'parley.log'),
		confDir: dir,
	});
	srv.db = db;
	try {
		const fx = await setupParley(srv);
		await smoke(t, srv, fx);
	} finally {
		await srv.stop();
	}
});
