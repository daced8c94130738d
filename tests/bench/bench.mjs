// The benchmark driver (parley issue #6): parley and the peer (the seed's
// stack) in one run, scenario by scenario, alternating parley / peer for
// BENCH_REPS repetitions; medians with min-max and the ratio parley/peer,
// printed as tables and written as JSON to tests/bench/results/.
//
// Started by tests/bench/run.sh, which provides the environment:
//   LOADGEN, PEER_DB_URL, PEER_DB, PARLEY_DB_URL, PARLEY_DB, PGBENCH,
//   PARLEY_MODULE (empty: parley is not benchmarked), BENCH_LOGDIR
// Knobs: BENCH_REPS (3), BENCH_SCENARIOS (history,post,memory,fanout,polling),
//   BENCH_FANOUT_N (100,1000,5000,10000), BENCH_MEMORY_N (1000,10000), BENCH_HTTP_S (10),
//   BENCH_POST_S (5), BENCH_PGBENCH_S (4), BENCH_POSTS (200), BENCH_RATE_POSTS (20),
//   BENCH_POLLING_N (500), PARLEY_WORKERS (2), BENCH_BUDGET_S (720).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import {
	HERE, startPeer, startParley, setupPeer, setupParley, loadgen, targetArgs, fanoutArgs, treePids,
} from './lib.mjs';
import { spawn } from 'node:child_process';

const env = process.env;
const REPS = Number(env.BENCH_REPS || 3);
const SCEN = (env.BENCH_SCENARIOS || 'history,post,memory,fanout,polling').split(',');
const FAN_N = (env.BENCH_FANOUT_N || '100,1000,5000,10000').split(',').map(Number);
const MEM_N = (env.BENCH_MEMORY_N || '1000,10000').split(',').map(Number);
const HTTP_S = Number(env.BENCH_HTTP_S || 10);
const POST_S = Number(env.BENCH_POST_S || 5);
const PGBENCH_S = Number(env.BENCH_PGBENCH_S || 4);
const POSTS = Number(env.BENCH_POSTS || 200);
const RATE_POSTS = Number(env.BENCH_RATE_POSTS || 20);
const POLL_N = Number(env.BENCH_POLLING_N || 500);
const WORKERS = Number(env.PARLEY_WORKERS || 2);
// BENCH_PERF=N: one extra, unmeasured fan-out run of N sockets per server
// under `perf record` (all server processes); top symbols in the results.
const PERF_N = Number(env.BENCH_PERF || 0);
const LOADGEN = env.LOADGEN;
// Past this many seconds, scenarios stop after their first repetition
// (the whole run must stay under 15 minutes on a busy 2-core machine).
const BUDGET_S = Number(env.BENCH_BUDGET_S || 720);
const LOGDIR = env.BENCH_LOGDIR || path.join(HERE, 'results');
const t0 = Date.now();

const log = (...a) => console.error(`[bench +${((Date.now() - t0) / 1000).toFixed(0)}s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const results = {
	started: new Date().toISOString(),
	machine: {
		cores: os.cpus().length, cpu: os.cpus()[0]?.model, memMiB: Math.round(os.totalmem() / 1048576),
		kernel: os.release(), node: process.version, loadavgStart: os.loadavg(),
	},
	config: { REPS, SCEN, FAN_N, HTTP_S, POST_S, POSTS, RATE_POSTS, POLL_N, parleyWorkers: WORKERS },
	notes: [],
	scenarios: [],
};
const tables = [];

// ------------------------------------------------------------ statistics

function median(v) {
	const s = [...v].sort((a, b) => a - b);
	const m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(x) {
	if (x === undefined || x === null || Number.isNaN(x))
		return '-';
	if (Number.isInteger(x))
		return String(x);
	const a = Math.abs(x);
	if (a >= 1000)
		return Math.round(x).toString();
	if (a >= 100)
		return x.toFixed(0);
	if (a >= 10)
		return x.toFixed(1);
	if (a >= 1)
		return x.toFixed(2);
	return x.toFixed(3);
}

function stat(vals) {
	const v = vals.filter((x) => typeof x === 'number' && Number.isFinite(x));
	if (v.length === 0)
		return null;
	return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
}

function cell(s) {
	if (!s)
		return 'n/a';
	if (s.n === 1 || s.min === s.max)
		return fmt(s.median);
	return `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`;
}

// metrics: [label, (run) => number]
function table(title, metrics, runs, unavailable = {}, footnote = '') {
	const names = ['parley', 'peer'];
	const rows = [];
	const summary = {};
	for (const [label, get] of metrics) {
		const st = {};
		for (const n of names)
			st[n] = runs[n] && runs[n].length ? stat(runs[n].map(get)) : null;
		const ratio = st.parley && st.peer && st.peer.median !== 0
		    ? st.parley.median / st.peer.median : null;
		summary[label] = { parley: st.parley, peer: st.peer, ratio };
		rows.push([label, st.parley ? cell(st.parley) : (unavailable.parley ? 'n/a' : '-'),
		    st.peer ? cell(st.peer) : 'n/a', ratio === null ? '-' : fmt(ratio)]);
	}
	const head = ['metric', 'parley', 'peer (seed stack)', 'parley/peer'];
	const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
	let out = `\n== ${title} ==\n${line(head)}\n${w.map((n) => '-'.repeat(n)).join('  ')}\n`;
	out += rows.map(line).join('\n') + '\n';
	for (const [n, why] of Object.entries(unavailable))
		if (why)
			out += `(${n}: not measured: ${why})\n`;
	if (footnote)
		out += `(${footnote})\n`;
	process.stdout.write(out);
	tables.push(out);
	return summary;
}

// ------------------------------------------------------------ servers

const servers = {};
const fx = {};
const unavailable = { parley: null };

async function startServer(name, port) {
	if (name === 'peer') {
		const peer = await startPeer({ databaseUrl: env.PEER_DB_URL, port,
		    log: path.join(LOGDIR, 'peer.log') });
		peer.db = env.PEER_DB;
		servers.peer = peer;
		return peer;
	}
	const p = await startParley({
		databaseUrl: env.PARLEY_DB_URL, workers: WORKERS, module: env.PARLEY_MODULE, port,
		log: path.join(LOGDIR, 'parley.log'), confDir: LOGDIR,
	});
	p.db = env.PARLEY_DB;
	servers.parley = p;
	return p;
}

// A fresh process on the same port (the fixture lives in the database).
async function restart(name) {
	const old = servers[name];
	await old.stop();
	await sleep(300);
	return startServer(name, old.port);
}

async function start() {
	const peer = await startServer('peer');
	fx.peer = await setupPeer(peer, env.PEER_DB_URL);
	log(`peer (node ${process.version}, socket.io 4.8, pg pool 10) on :${peer.port}, pid ${peer.pid}`);

	if (!env.PARLEY_MODULE) {
		unavailable.parley = 'parley was not built (see run.sh output)';
		return;
	}
	try {
		const p = await startServer('parley');
		log(`parley (kore, workers ${WORKERS}) on :${p.port}, pid ${p.pid}`);
		fx.parley = await setupParley(p);
	} catch (e) {
		unavailable.parley = e.message.split('\n')[0];
		log(`parley is not available: ${unavailable.parley}`);
	}
}

async function stopAll() {
	for (const s of Object.values(servers))
		await s.stop().catch(() => {});
}

// Which server supports what (parley's parts land one by one).
const caps = { parley: {}, peer: {} };

async function probe(name) {
	const srv = servers[name], f = fx[name];
	const c = caps[name];
	if (!srv || !f)
		return;
	try {
		const r = await loadgen(LOADGEN, ['http', ...targetArgs(srv, f, ['--method', 'POST',
		    '--target', `/api/socket/messages?serverId=${f.serverId}&channelId=${f.channelId}`,
		    '--conns', '2', '--count', '100'])]);
		c.post = r.ok === 100 ? true : `POST /api/socket/messages: ${r.ok}/100 ok ${r.stderr.join(' ')}`;
	} catch (e) {
		c.post = e.message;
	}
	const h = await f.get(`/api/messages?channelId=${f.channelId}`);
	if (h.status === 200 && Array.isArray(h.json?.items)) {
		c.history = true;
		f.cursor = h.json.nextCursor;
		if (h.json.items[0])
			f.memberId = h.json.items[0].memberId;
		if (!f.cursor)
			c.history = 'GET /api/messages gave no nextCursor after 100 posts';
	} else {
		c.history = `GET /api/messages answered ${h.status}`;
	}
	for (const tr of ['websocket', 'polling']) {
		if (c.post !== true) {
			c[tr] = 'posting does not work';
			continue;
		}
		try {
			const r = await loadgen(LOADGEN, ['fanout', ...fanoutArgs(srv, f, ['--sockets', '20',
			    '--transport', tr, '--burst', '20', '--inflight', '4', '--settle-ms', '200',
			    '--drain-ms', '3000'])], { timeoutMs: 60000 });
			const b = r.burst;
			c[tr] = r.connected === 20 && b && b.lost === 0 && b.dup === 0 && b.post_errors === 0
			    ? true : `fan-out probe: ${r.connected}/20 connected, lost ${b?.lost}, dup ${b?.dup}, ` +
			    `post errors ${b?.post_errors} ${r.stderr.join(' ')}`;
		} catch (e) {
			c[tr] = e.message;
		}
	}
	log(`${name} capabilities: ${JSON.stringify(c)}`);
}

// The servers that can run a scenario needing CAP; notes why not otherwise.
function able(cap) {
	const out = [];
	const why = {};
	for (const n of ['parley', 'peer']) {
		if (!servers[n] || !fx[n]) {
			why[n] = unavailable[n] || 'not started';
			continue;
		}
		if (caps[n][cap] !== true) {
			why[n] = String(caps[n][cap] || `${cap} not supported`).slice(0, 160);
			continue;
		}
		out.push(n);
	}
	return { names: out, why };
}

async function alternate(cap, fn) {
	const { names, why } = able(cap);
	const runs = {};
	for (let rep = 1; rep <= REPS; rep++) {
		if (rep > 1 && (Date.now() - t0) / 1000 > BUDGET_S) {
			const note = `time budget (${BUDGET_S} s) spent: ${cap} scenario stopped after ${rep - 1} repetition(s)`;
			log(note);
			results.notes.push(note);
			break;
		}
		for (const n of names) {
			const r = await fn(n, servers[n], fx[n], rep);
			(runs[n] ||= []).push(r);
		}
	}
	return { runs, why };
}

// ------------------------------------------------------------ scenarios

async function history() {
	for (const page of ['first', 'cursor']) {
		const { runs, why } = await alternate('history', async (n, srv, f, rep) => {
			const q = `/api/messages?channelId=${f.channelId}` + (page === 'cursor' ? `&cursor=${f.cursor}` : '');
			const r = await loadgen(LOADGEN, ['http', ...targetArgs(srv, f, ['--target', q,
			    '--conns', '64', '--duration', String(HTTP_S)])]);
			log(`history ${page} ${n} #${rep}: ${fmt(r.req_per_s)} req/s p99 ${fmt(r.p99_ms)} ms` +
			    ` (${r.non_2xx} non-2xx, ${r.failed} failed)`);
			return r;
		});
		const title = `REST history read, ${page} page: GET /api/messages, 64 connections, ${HTTP_S} s`;
		const sum = table(title, [
			['req/s', (r) => r.req_per_s],
			['p50 ms', (r) => r.p50_ms],
			['p99 ms', (r) => r.p99_ms],
			['non-2xx + failed', (r) => r.non_2xx + r.failed],
			['server CPU µs/req', (r) => r.server_cpu_us_per_req],
			['PostgreSQL CPU µs/req', (r) => r.db_cpu_us_per_req],
			['loadgen CPU µs/req', (r) => r.loadgen_cpu_us_per_req],
		], runs, why);
		results.scenarios.push({ name: `history-${page}`, title, runs, summary: sum, unavailable: why });
	}
}

// The PostgreSQL ceiling of one server's message INSERT (its own schema),
// pgbench with 32 clients, prepared statements, POST_S seconds.
function pgbench(name) {
	const f = fx[name];
	if (!env.PGBENCH || !f?.memberId)
		return null;
	const u = new URL(name === 'peer' ? env.PEER_DB_URL : env.PARLEY_DB_URL);
	const cols = name === 'peer' ? 'content, "fileUrl", "channelId", "memberId"'
	    : 'content, file_url, channel_id, member_id';
	const script = path.join(LOGDIR, `pgbench-insert-${name}.sql`);
	fs.writeFileSync(script, `INSERT INTO messages (${cols}) ` +
	    `VALUES ('bench-pgbench', NULL, '${f.channelId}', '${f.memberId}') RETURNING *;\n`);
	const r = spawnSync(env.PGBENCH, ['-n', '-M', 'prepared', '-c', '32', '-j', '2', '-T', String(PGBENCH_S),
	    '-f', script, '-h', u.hostname, '-p', u.port, '-U', decodeURIComponent(u.username),
	    u.pathname.slice(1)], { env: { ...env, PGPASSWORD: decodeURIComponent(u.password) }, encoding: 'utf8' });
	const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout || '');
	const l = /latency average = ([\d.]+) ms/.exec(r.stdout || '');
	if (!m) {
		log(`pgbench (${name}) failed: ${(r.stderr || '').slice(-300)}`);
		return null;
	}
	return { tps: Number(m[1]), latency_avg_ms: l ? Number(l[1]) : null };
}

async function post() {
	const ceilings = { parley: [], peer: [] };
	const { runs, why } = await alternate('post', async (n, srv, f, rep) => {
		const r = await loadgen(LOADGEN, ['http', ...targetArgs(srv, f, ['--method', 'POST',
		    '--target', `/api/socket/messages?serverId=${f.serverId}&channelId=${f.channelId}`,
		    '--conns', '32', '--duration', String(POST_S)])]);
		log(`post ${n} #${rep}: ${fmt(r.req_per_s)} req/s p99 ${fmt(r.p99_ms)} ms` +
		    ` (${r.non_2xx} non-2xx, ${r.failed} failed)`);
		const c = pgbench(n);
		if (c) {
			ceilings[n].push(c);
			r.pgbench_tps = c.tps;
			log(`pgbench ceiling (${n}'s INSERT) #${rep}: ${fmt(c.tps)} INSERTs/s`);
		}
		return r;
	});
	const title = `REST post: POST /api/socket/messages, 32 in flight, ${POST_S} s; ` +
	    `pgbench: each server's own message INSERT, 32 clients, ${PGBENCH_S} s`;
	const sum = table(title, [
		['req/s', (r) => r.req_per_s],
		['pgbench ceiling INSERTs/s', (r) => r.pgbench_tps],
		['req/s / pgbench ceiling', (r) => (r.pgbench_tps ? r.req_per_s / r.pgbench_tps : NaN)],
		['p50 ms', (r) => r.p50_ms],
		['p99 ms', (r) => r.p99_ms],
		['non-2xx + failed', (r) => r.non_2xx + r.failed],
		['server CPU µs/req', (r) => r.server_cpu_us_per_req],
		['PostgreSQL CPU µs/req', (r) => r.db_cpu_us_per_req],
		['loadgen CPU µs/req', (r) => r.loadgen_cpu_us_per_req],
	], runs, why);
	results.scenarios.push({ name: 'post', title, runs, pgbench: ceilings, summary: sum, unavailable: why });
}

const FANOUT_METRICS = (ph) => [
	[`${ph}: deliveries/s`, (r) => r[ph]?.deliveries_per_s],
	[`${ph}: latency p50 ms`, (r) => r[ph]?.lat_p50_ms],
	[`${ph}: latency p99 ms`, (r) => r[ph]?.lat_p99_ms],
	[`${ph}: latency max ms`, (r) => r[ph]?.lat_max_ms],
	[`${ph}: lost`, (r) => r[ph]?.lost],
	[`${ph}: duplicates`, (r) => r[ph]?.dup],
	[`${ph}: post errors`, (r) => r[ph]?.post_errors],
	[`${ph}: server CPU µs/delivery`, (r) => r[ph]?.server_cpu_us_per_delivery],
	[`${ph}: loadgen CPU µs/delivery`, (r) => r[ph]?.loadgen_cpu_us_per_delivery],
	// Busy shares: a load generator near 100 % of its one core is the bottleneck.
	[`${ph}: server CPU, cores busy`, (r) => (r[ph] ? r[ph].server_cpu_us / (r[ph].duration_s * 1e6) : NaN)],
	[`${ph}: loadgen CPU, % of its core`, (r) => (r[ph] ? 100 * r[ph].loadgen_cpu_us / (r[ph].duration_s * 1e6) : NaN)],
];

async function fanout(N, transport) {
	const cap = transport;
	const rate = transport === 'websocket' ? RATE_POSTS : 0;
	const { runs, why } = await alternate(cap, async (n, srv, f, rep) => {
		const r = await loadgen(LOADGEN, ['fanout', ...fanoutArgs(srv, f, ['--sockets', String(N),
		    '--transport', transport, '--burst', String(POSTS), '--inflight', '16',
		    '--rate-posts', String(rate), '--rate', '5', '--settle-ms', N >= 5000 ? '1500' : '1000',
		    '--drain-ms', '8000', '--connect-par', '256'])], { timeoutMs: 600000 });
		log(`fan-out ${transport} N=${N} ${n} #${rep}: ${r.connected}/${N} connected in ${fmt(r.connect_s)} s, ` +
		    `burst ${fmt(r.burst?.deliveries_per_s)}/s lost ${r.burst?.lost} dup ${r.burst?.dup} ` +
		    `cpu ${fmt(r.burst?.server_cpu_us_per_delivery)} µs/dlv` +
		    (r.rate ? `; rate p99 ${fmt(r.rate.lat_p99_ms)} ms cpu ${fmt(r.rate.server_cpu_us_per_delivery)} µs/dlv` : '') +
		    `; idle RSS ${fmt(r.rss_per_socket)} B/socket` + (r.stderr.length ? ` [${r.stderr.join(' | ')}]` : ''));
		await sleep(500);
		return r;
	});
	const title = `fan-out, ${N} ${transport} sockets on one channel: burst = ${POSTS} posts 16 in flight` +
	    (rate ? `; rate = ${rate} posts at 5/s` : '');
	const metrics = [
		['sockets connected', (r) => r.connected],
		['connect time s', (r) => r.connect_s],
		...FANOUT_METRICS('burst'),
		...(rate ? FANOUT_METRICS('rate') : []),
		['server processes', (r) => r.server_procs],
	];
	const sum = table(title, metrics, runs, why, 'burst latency is the queueing of 200 posts sent 16 at a time: ' +
	    'it grows with how fast a server accepts posts; the rate phase measures delivery latency');
	results.scenarios.push({ name: `fanout-${transport}-${N}`, title, runs, summary: sum, unavailable: why });
	return runs;
}

// Idle memory: N sockets connect to a freshly started server and stay
// idle; RSS of all server processes before and after (a fresh process, so
// that the heap a previous run left behind does not blur the baseline).
async function memory(N) {
	const { runs, why } = await alternate('websocket', async (n, srv0, f, rep) => {
		const srv = await restart(n);
		await sleep(500);
		const r = await loadgen(LOADGEN, ['fanout', ...fanoutArgs(srv, f, ['--sockets', String(N),
		    '--burst', '0', '--settle-ms', '2000', '--connect-par', '256'])], { timeoutMs: 120000 });
		log(`memory N=${N} ${n} #${rep}: ${r.connected}/${N} connected, ${fmt(r.rss_per_socket)} B/socket` +
		    ` (RSS ${fmt(r.rss_before / 1048576)} -> ${fmt(r.rss_idle / 1048576)} MiB)`);
		return r;
	});
	const title = `idle memory, ${N} connected websocket sockets (RSS of all server processes, /proc)`;
	const sum = table(title, [
		['bytes per idle socket', (r) => r.rss_per_socket],
		['RSS before connecting MiB', (r) => r.rss_before / 1048576],
		['RSS with sockets idle MiB', (r) => r.rss_idle / 1048576],
		['sockets connected', (r) => r.connected],
		['connect failures', (r) => r.connect_failed],
		['connect time s', (r) => r.connect_s],
		['server processes', (r) => r.server_procs],
	], runs, why);
	results.scenarios.push({ name: `memory-${N}`, title, runs, summary: sum, unavailable: why });
}

// ------------------------------------------------------------ profile

async function profile(N) {
	const { names } = able('websocket');
	results.profiles = {};
	for (const n of names) {
		const srv = servers[n];
		const data = path.join(LOGDIR, `perf-${n}-${N}.data`);
		const pids = treePids(srv.pid).join(',');
		const rec = spawn('perf', ['record', '-F', '1999', '-g', '-o', data, '-p', pids],
		    { stdio: ['ignore', 'ignore', 'pipe'] });
		await sleep(500);
		await loadgen(LOADGEN, ['fanout', ...fanoutArgs(srv, fx[n], ['--sockets', String(N),
		    '--burst', String(POSTS), '--inflight', '16', '--settle-ms', '500'])]).catch(() => {});
		const done = new Promise((r) => rec.once('exit', r));
		rec.kill('SIGINT');
		await done;
		const rep = spawnSync('perf', ['report', '-i', data, '--no-children', '--sort', 'comm,dso,symbol',
		    '--percent-limit', '0.7', '--stdio', '-g', 'none'], { encoding: 'utf8' });
		const lines = (rep.stdout || '').split('\n').filter((l) => /^\s+[\d.]+%/.test(l))
		    .map((l) => l.replace(/\s+-\s+-\s*$/, '').trimEnd());
		let kernel = 0, total = 0;
		for (const l of lines) {
			const pct = parseFloat(l);
			total += pct;
			if (/\[k\]/.test(l))
				kernel += pct;
		}
		const top = [`(symbols >= 0.7%: ${total.toFixed(1)}% of samples, of which kernel ${kernel.toFixed(1)}%)`,
		    ...lines.slice(0, 30)];
		results.profiles[n] = top;
		const out = `\n== perf profile: ${n}, fan-out ${N} sockets, burst (top symbols, all server processes) ==\n` +
		    top.join('\n') + '\n';
		process.stdout.write(out);
		tables.push(out);
		fs.writeFileSync(path.join(LOGDIR, `perf-${n}-${N}.txt`), rep.stdout || rep.stderr || '');
	}
}

// ------------------------------------------------------------ main

async function main() {
	fs.mkdirSync(LOGDIR, { recursive: true });
	await start();
	await probe('peer');
	await probe('parley');
	results.capabilities = caps;
	results.unavailable = unavailable;

	if (SCEN.includes('memory')) {
		for (const N of MEM_N)
			await memory(N);
	}

	// Warm-up (JIT, pools, caches); not measured.
	for (const n of ['parley', 'peer']) {
		if (caps[n].websocket !== true)
			continue;
		await loadgen(LOADGEN, ['fanout', ...fanoutArgs(servers[n], fx[n], ['--sockets', '200',
		    '--burst', '100', '--inflight', '16', '--settle-ms', '200'])]).catch(() => {});
		if (caps[n].history === true)
			await loadgen(LOADGEN, ['http', ...targetArgs(servers[n], fx[n], ['--target',
			    `/api/messages?channelId=${fx[n].channelId}`, '--conns', '16', '--duration', '1'])]).catch(() => {});
	}
	log('warm-up done');

	if (SCEN.includes('history'))
		await history();
	if (SCEN.includes('post'))
		await post();
	if (SCEN.includes('fanout')) {
		for (const N of FAN_N)
			await fanout(N, 'websocket');
	}
	if (SCEN.includes('polling'))
		await fanout(POLL_N, 'polling');
	if (PERF_N)
		await profile(PERF_N);
}

let failed = null;
try {
	await main();
} catch (e) {
	failed = e;
	log(`error: ${e.stack || e.message}`);
} finally {
	await stopAll();
}
results.machine.loadavgEnd = os.loadavg();
results.finished = new Date().toISOString();
results.seconds = Math.round((Date.now() - t0) / 1000);
const head = `\nmachine: ${results.machine.cores} cores (${results.machine.cpu}), load average at start ` +
    `${results.machine.loadavgStart.map((x) => x.toFixed(2)).join(' ')}, at end ` +
    `${results.machine.loadavgEnd.map((x) => x.toFixed(2)).join(' ')}; ${REPS} repetitions, ` +
    `alternating parley/peer; medians [min–max]; parley workers ${WORKERS}; ${results.seconds} s\n`;
const foot = head + results.notes.map((n) => `note: ${n}\n`).join('');
process.stdout.write(foot);
const stamp = results.started.replace(/[-:]/g, '').replace(/\..*/, '');
const out = path.join(HERE, 'results', `bench-${stamp}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
results.tables = tables;
fs.writeFileSync(out, JSON.stringify(results, null, 1));
fs.writeFileSync(path.join(HERE, 'results', `bench-${stamp}.txt`), tables.join('') + foot);
console.error(`[bench] results: ${out}`);
process.exit(failed ? 1 : 0);
