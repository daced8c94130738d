// Shared plumbing of the benchmark (bench.mjs) and its smoke test
// (smoke.test.mjs): build the load generator, start and stop the two
// servers (parley and the peer), create their fixtures, run the load
// generator and parse its JSON.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { peerFixture } from './peer/fixture.mjs';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
export const FD_LIMIT = 65536;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Builds tests/bench/loadgen.c into OUT (default var/bench/loadgen) unless
// the binary is newer than the source. Returns the binary's path.
export function buildLoadgen(out = path.join(ROOT, 'var/bench/loadgen')) {
	const src = path.join(HERE, 'loadgen.c');
	fs.mkdirSync(path.dirname(out), { recursive: true });
	let fresh = false;
	try {
		fresh = fs.statSync(out).mtimeMs >= fs.statSync(src).mtimeMs;
	} catch { /* not built yet */ }
	if (!fresh) {
		execFileSync('gcc', ['-std=c99', '-O2', '-g', '-Wall', '-Wextra', '-Werror',
		    '-Wno-unused-parameter', '-o', out, src], { stdio: ['ignore', 'inherit', 'inherit'] });
	}
	return out;
}

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

async function waitPort(port, proc, ms, log) {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		if (proc.exitCode !== null)
			throw new Error(`server exited (${proc.exitCode}); log ${log}`);
		const ok = await new Promise((resolve) => {
			const s = net.connect(port, '127.0.0.1');
			s.on('connect', () => { s.destroy(); resolve(true); });
			s.on('error', () => resolve(false));
		});
		if (ok)
			return;
		await sleep(100);
	}
	throw new Error(`server did not listen on ${port} in ${ms} ms; log ${log}`);
}

// Spawns CMD with a raised descriptor limit, logging to LOG.
function spawnServer(cmd, env, log, cwd) {
	const fd = fs.openSync(log, 'a');
	const proc = spawn('bash', ['-c', `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n $(ulimit -Hn); exec ${cmd}`], {
		cwd, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd],
	});
	fs.closeSync(fd);
	return proc;
}

function stopper(proc) {
	return async () => {
		if (proc.exitCode !== null || proc.signalCode !== null)
			return;
		const done = new Promise((r) => proc.once('exit', r));
		proc.kill('SIGTERM');
		const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
		await done;
		clearTimeout(t);
	};
}

// The peer: node tests/bench/peer/server.mjs.
export async function startPeer({ databaseUrl, port, log }) {
	port ??= await freePort();
	const proc = spawnServer(`node ${path.join(HERE, 'peer/server.mjs')}`,
	    { DATABASE_URL: databaseUrl, PORT: String(port) }, log, HERE);
	await waitPort(port, proc, 15000, log);
	return { name: 'peer', port, pid: proc.pid, proc, stop: stopper(proc) };
}

// parley: kore -fnrc <conf> from the repository root, with a plain-HTTP
// config from `./kore.build genconf`. MODULE is the built parley.so.
export async function startParley({ databaseUrl, port, workers = 2, module, log, confDir }) {
	port ??= await freePort();
	module ??= path.join(ROOT, '.build/dev/parley/parley.so');
	if (!fs.existsSync(module))
		throw new Error(`parley module not built: ${module}`);
	const conf = path.join(confDir ?? path.join(ROOT, 'var/bench'), `parley-bench-${port}.conf`);
	execFileSync(path.join(ROOT, 'kore.build'), ['genconf', conf, String(port), String(workers), 'no', module],
	    { stdio: ['ignore', 'ignore', 'inherit'] });
	// PARLEY_POST_RATE=0: no per-user flood limit (the benchmark user posts
	// thousands of messages a second).
	const proc = spawnServer(`kore -fnrc ${conf}`,
	    { DATABASE_URL: databaseUrl, PARLEY_POST_RATE: '0' }, log, ROOT);
	await waitPort(port, proc, 30000, log);
	return { name: 'parley', port, pid: proc.pid, proc, stop: stopper(proc), conf };
}

async function http(port, method, p, body, headers = {}) {
	const res = await fetch(`http://127.0.0.1:${port}${p}`, {
		method, headers: { 'content-type': 'application/json', ...headers },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	let json = null;
	try { json = JSON.parse(text); } catch { /* not JSON */ }
	return { status: res.status, json, text };
}

// The peer's fixture: rows inserted directly (profile, server, member,
// channel). The load generator identifies the user with X-User-Id.
export async function setupPeer(srv, databaseUrl) {
	const fx = await peerFixture(databaseUrl);
	return {
		...fx,
		headers: [`X-User-Id: ${fx.userId}`],
		auth: null,
		get: (p) => http(srv.port, 'GET', p, undefined, { 'x-user-id': fx.userId }),
	};
}

// parley's fixture through its public API: sign up (token), create a server
// (its `general` channel).
export async function setupParley(srv) {
	const tag = `bench${process.pid}x${Date.now()}`;
	const su = await http(srv.port, 'POST', '/api/auth/signup',
	    { email: `${tag}@example.com`, name: 'bench', password: 'bench-password-1' });
	if (su.status !== 201 && su.status !== 200)
		throw new Error(`parley signup answered ${su.status}: ${su.text.slice(0, 200)}`);
	const token = su.json.token;
	const auth = { authorization: `Bearer ${token}` };
	const sv = await http(srv.port, 'POST', '/api/servers',
	    { name: 'bench', imageUrl: 'https://example.com/s.png' }, auth);
	if (sv.status !== 201 && sv.status !== 200)
		throw new Error(`parley POST /api/servers answered ${sv.status}: ${sv.text.slice(0, 200)}`);
	const channels = sv.json.channels || [];
	const general = channels.find((c) => c.name === 'general') || channels[0];
	if (!general)
		throw new Error(`parley's new server has no channel: ${sv.text.slice(0, 300)}`);
	return {
		userId: su.json.profile?.userId, profileId: su.json.profile?.id, serverId: sv.json.id,
		channelId: general.id, token,
		headers: [`Authorization: Bearer ${token}`],
		auth: JSON.stringify({ token }),
		get: (p) => http(srv.port, 'GET', p, undefined, auth),
	};
}

// Runs the load generator; resolves with its JSON (and its stderr).
export function loadgen(bin, args, { timeoutMs = 300000, verbose = false } = {}) {
	return new Promise((resolve, reject) => {
		const p = spawn('bash', ['-c', `ulimit -n ${FD_LIMIT} 2>/dev/null || true; exec "$0" "$@"`, bin, ...args],
		    { stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '', err = '';
		p.stdout.on('data', (d) => { out += d; });
		p.stderr.on('data', (d) => {
			err += d;
			if (verbose)
				process.stderr.write(d);
		});
		const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
		p.on('exit', (code, sig) => {
			clearTimeout(t);
			const line = out.trim().split('\n').pop();
			try {
				const j = JSON.parse(line);
				j.exit = code;
				j.stderr = err.trim().split('\n').filter((l) => !/phase:|sockets connected/.test(l)).slice(0, 5);
				resolve(j);
			} catch {
				reject(new Error(`loadgen ${args[0]} failed (${code ?? sig}): ${err.slice(-500)}`));
			}
		});
	});
}

// The arguments every load generator run against SRV with fixture FX needs.
export function targetArgs(srv, fx, extra = []) {
	const a = ['--port', String(srv.port), '--pids', String(srv.pid), '--label', srv.name];
	for (const h of fx.headers)
		a.push('--header', h);
	if (srv.db)
		a.push('--db-name', srv.db);
	return a.concat(extra);
}

export function fanoutArgs(srv, fx, extra = []) {
	const a = targetArgs(srv, fx, ['--server-id', fx.serverId, '--channel-id', fx.channelId]);
	if (fx.auth)
		a.push('--auth', fx.auth);
	return a.concat(extra);
}

// PID and all its descendants (Kore's parent and workers), from /proc.
export function treePids(pid) {
	const parent = new Map();
	for (const d of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(d))
			continue;
		try {
			const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
			const rest = st.slice(st.lastIndexOf(')') + 2).split(' ');
			parent.set(Number(d), Number(rest[1]));
		} catch { /* gone */ }
	}
	const out = new Set([pid]);
	let grew = true;
	while (grew) {
		grew = false;
		for (const [c, pp] of parent) {
			if (!out.has(c) && out.has(pp)) {
				out.add(c);
				grew = true;
			}
		}
	}
	return [...out];
}
