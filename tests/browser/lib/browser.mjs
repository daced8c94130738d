// tests/browser/lib/browser.mjs: parley on a free port, and Debian's Chromium
// through playwright-core, for the browser tests (run by `./kore.build
// browser|test`, which export PARLEY_ROOT, PARLEY_MODULE, DATABASE_URL).
import { mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import https from "node:https";
import http from "node:http";
import { chromium } from "playwright-core";
import * as harness from "../../integration/lib/server.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = process.env.PARLEY_ROOT || join(here, "..", "..", "..");
export const SHOTS = join(ROOT, "tests", "browser", "screenshots");

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

// Start parley with the lead's harness (tests/integration/lib/server.mjs: a
// free port, the run's throwaway database, its own process group); returns
// {base, stop(), log()}. PARLEY_BROWSER_BASE=https://127.0.0.1:8888 runs
// the tests against a server that is already up (./kore.build run).
export async function startParley({workers = 2, tls = true} = {}) {
	if (process.env.PARLEY_BROWSER_BASE)
		return {base: process.env.PARLEY_BROWSER_BASE.replace(/\/$/, ""),
		    stop: async () => {}, log: () => ""};
	const s = await harness.startParley({workers, tls});
	return {base: s.url, stop: s.stop, log: s.logText};
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
