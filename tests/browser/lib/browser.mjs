// tests/browser/lib/browser.mjs: parley on a free port, and Debian's Chromium
// through playwright-core, for the browser tests.
//
// The server: the lead's harness (tests/integration/lib/server.mjs) when it
// is there, else a small local starter with the same inputs (PARLEY_ROOT,
// PARLEY_MODULE, DATABASE_URL, as `./kore.build browser|test` export them).
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";
import https from "node:https";
import http from "node:http";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = process.env.PARLEY_ROOT || join(here, "..", "..", "..");
export const SHOTS = join(ROOT, "tests", "browser", "screenshots");

function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on("error", reject);
		s.listen(0, "127.0.0.1", () => {
			const p = s.address().port;
			s.close(() => resolve(p));
		});
	});
}

// A raw HTTP(S) request that ignores the self-signed certificate.
export function request(base, method, path, headers = {}, body) {
	const u = new URL(path, base);
	const mod = u.protocol === "https:" ? https : http;
	return new Promise((resolve, reject) => {
		const req = mod.request(u, {method, headers, rejectUnauthorized: false,
		    agent: false}, (res) => {
			const chunks = [];
			res.on("data", (c) => chunks.push(c));
			res.on("end", () => {
				const raw = Buffer.concat(chunks);
				resolve({status: res.statusCode, headers: res.headers,
				    raw, body: raw.toString("utf8")});
			});
		});
		req.on("error", reject);
		req.setTimeout(10000, () => req.destroy(new Error("timeout")));
		if (body !== undefined)
			req.end(body);
		else
			req.end();
	});
}

async function waitReady(base, child, log) {
	const until = Date.now() + 20000;
	while (Date.now() < until) {
		if (child.exitCode !== null)
			throw new Error("parley exited: " + readFileSync(log, "utf8").slice(-2000));
		try {
			const r = await request(base, "GET", "/login");
			if (r.status === 200)
				return;
		} catch (e) {
			/* not yet */
		}
		await new Promise((r) => setTimeout(r, 150));
	}
	throw new Error("parley did not answer in 20 s: " +
	    readFileSync(log, "utf8").slice(-2000));
}

// Start parley; returns {base, stop(), log}.
// PARLEY_BROWSER_BASE=https://127.0.0.1:8888 runs the tests against a
// server that is already up (./kore.build run) instead.
export async function startParley({workers = 2, tls = true} = {}) {
	if (process.env.PARLEY_BROWSER_BASE)
		return {base: process.env.PARLEY_BROWSER_BASE.replace(/\/$/, ""),
		    stop: async () => {}, log: null};
	const harness = join(ROOT, "tests", "integration", "lib", "server.mjs");
	if (existsSync(harness) && !process.env.PARLEY_BROWSER_LOCAL) {
		const m = await import(harness);
		if (typeof m.startServer === "function") {
			const s = await m.startServer({workers, tls});
			const base = s.base || s.url || s.baseUrl ||
			    `${tls ? "https" : "http"}://127.0.0.1:${s.port}`;
			return {base: base.replace(/\/$/, ""),
			    stop: () => (s.stop || s.close).call(s), log: s.log || s.logPath};
		}
	}
	const module = process.env.PARLEY_MODULE;
	if (!module)
		throw new Error("PARLEY_MODULE not set: run through ./kore.build browser");
	const port = await freePort();
	const dir = join(ROOT, "var", "run");
	mkdirSync(dir, {recursive: true});
	const conf = join(dir, `browser-${port}.conf`);
	const log = join(dir, `browser-${port}.log`);
	execFileSync(join(ROOT, "kore.build"), ["genconf", conf, String(port),
	    String(workers), tls ? "yes" : "no", module], {stdio: "inherit"});
	if (process.env.PARLEY_BROWSER_STATIC_ONLY) {
		// Before the API lands: the web routes alone.
		writeFileSync(conf, readFileSync(conf, "utf8").split("\n")
		    .filter((l) => !/\bapi_/.test(l)).join("\n"));
	}
	const out = (await import("node:fs")).openSync(log, "w");
	const child = spawn("kore", ["-fnrc", conf], {cwd: ROOT, detached: true,
	    stdio: ["ignore", out, out], env: process.env});
	const base = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
	await waitReady(base, child, log);
	return {
		base, log,
		stop: () => new Promise((resolve) => {
			if (child.exitCode !== null)
				return resolve();
			child.on("exit", () => resolve());
			try {
				process.kill(-child.pid, "SIGQUIT");
			} catch (e) {
				resolve();
			}
			setTimeout(() => {
				try { process.kill(-child.pid, "SIGKILL"); } catch (e) { /* gone */ }
			}, 5000).unref();
		}),
	};
}

export async function launch() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		headless: true,
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic",
		    "--no-first-run", "--disable-background-networking",
		    "--disable-component-update", "--disable-sync",
		    "--disable-dev-shm-usage"],
	});
}

// A browser context (one user) that records console errors and CSP
// violations, so tests can assert there were none.
export async function newUser(browser, base, opts = {}) {
	const context = await browser.newContext({ignoreHTTPSErrors: true,
	    baseURL: base, viewport: opts.viewport || {width: 1280, height: 800},
	    colorScheme: opts.colorScheme || "light", locale: opts.locale || "en-US"});
	const page = await context.newPage();
	const errors = [];
	page.on("console", (m) => {
		if (m.type() === "error")
			errors.push(m.text());
	});
	page.on("pageerror", (e) => errors.push("pageerror: " + e.message));
	return {context, page, errors};
}

export async function screenshotOnFailure(t, pages) {
	mkdirSync(SHOTS, {recursive: true});
	const name = t.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
	for (const [i, p] of pages.entries()) {
		try {
			await p.screenshot({path: join(SHOTS, `${name}-${i}.png`),
			    fullPage: true});
		} catch (e) {
			/* page gone */
		}
	}
}
