// The web client's serving (src/web/web_static.c) and the login screen in
// Chromium: headers, caching, HEAD, client routes, CSP holding.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { startParley, request, launch, newUser, screenshotOnFailure } from "./lib/browser.mjs";

let srv, browser;

before(async () => {
	srv = await startParley({workers: 2, tls: process.env.PARLEY_BROWSER_TLS !== "no"});
	browser = await launch();
});

after(async () => {
	await browser?.close();
	await srv?.stop();
});

const CSP_NEEDED = ["default-src 'self'", "script-src 'self'"];

function assertSecurityHeaders(r) {
	const csp = r.headers["content-security-policy"] || "";
	for (const part of CSP_NEEDED)
		assert.ok(csp.includes(part), "CSP has " + part + ": " + csp);
	assert.ok(!/script-src[^;]*'unsafe-inline'/.test(csp), "no unsafe-inline script");
	assert.equal(r.headers["x-content-type-options"], "nosniff");
}

test("client routes serve index.html, never cached without revalidation", async () => {
	for (const path of ["/", "/login", "/signup", "/invite/abc123",
	    "/servers/1b4e28ba-2fa1-11d2-883f-0016d3cca427/channels/1b4e28ba-2fa1-11d2-883f-0016d3cca428",
	    "/servers/x/conversations/y"]) {
		const r = await request(srv.base, "GET", path);
		assert.equal(r.status, 200, path);
		assert.match(r.headers["content-type"], /^text\/html/);
		assert.equal(r.headers["cache-control"], "no-cache", path);
		assert.match(r.headers.etag, /^"[0-9a-f]{64}"$/);
		assert.match(r.body, /<script type="module" src="\/app\.js\?v=[0-9a-f]{16}"><\/script>/);
		assert.ok(!/<script>/.test(r.body), "no inline script in the page");
		assertSecurityHeaders(r);
	}
	const head = await request(srv.base, "HEAD", "/servers/a/channels/b");
	assert.equal(head.status, 200);
	assert.equal(head.body, "");
	assert.ok(Number(head.headers["content-length"]) > 300);
	assert.equal(head.headers["cache-control"], "no-cache");
	const nf = await request(srv.base, "GET", "/nothing/here");
	assert.equal(nf.status, 404);
});

test("versioned assets are immutable, answer HEAD and If-None-Match", async () => {
	const page = await request(srv.base, "GET", "/");
	const refs = [...page.body.matchAll(/"(\/[\w.-]+)\?v=([0-9a-f]{16})"/g)];
	assert.ok(refs.length >= 3, "index names its css, js and vendor files");
	for (const [, path, v] of refs) {
		const r = await request(srv.base, "GET", `${path}?v=${v}`);
		assert.equal(r.status, 200, path);
		assert.equal(r.headers["cache-control"], "public, max-age=31536000, immutable");
		assert.equal(r.headers.etag.slice(1, 17), v, "the version is the content's sha256");
		assertSecurityHeaders(r);

		const hd = await request(srv.base, "HEAD", `${path}?v=${v}`);
		assert.equal(hd.status, 200, "HEAD " + path);
		assert.equal(hd.body, "");
		assert.equal(Number(hd.headers["content-length"]), Buffer.byteLength(r.body));
		assert.equal(hd.headers.etag, r.headers.etag);

		const nm = await request(srv.base, "GET", `${path}?v=${v}`,
		    {"if-none-match": r.headers.etag});
		assert.equal(nm.status, 304);
		assert.equal(nm.body, "");
	}
	const js = await request(srv.base, "GET", "/app.js");
	assert.equal(js.status, 200);
	assert.match(js.headers["content-type"], /javascript/);
	assert.equal(js.headers["cache-control"], "no-cache", "unversioned: revalidate");
	const stale = await request(srv.base, "GET", "/app.js?v=0000000000000000");
	assert.equal(stale.headers["cache-control"], "no-cache", "wrong version: revalidate");
	const vendor = await request(srv.base, "GET", "/vendor-socketio.js");
	assert.equal(vendor.status, 200);
	assert.match(vendor.body, /export\s*\{/, "socket.io-client's ESM build");
	assert.equal((await request(srv.base, "GET", "/missing.js")).status, 404);
	assert.equal((await request(srv.base, "GET", "/assets.h")).status, 404);
	const post = await request(srv.base, "POST", "/app.js",
	    {"content-length": "0"}, "");
	assert.equal(post.status, 405);
	assert.match(post.headers.allow, /GET/);
});

test("text assets go gzip-compressed to clients that accept it", async () => {
	const page = await request(srv.base, "GET", "/");
	const [, path, v] = page.body.match(/"(\/app\.js)\?v=([0-9a-f]{16})"/);
	const url = `${path}?v=${v}`;
	const plain = await request(srv.base, "GET", url);
	assert.equal(plain.headers["content-encoding"], undefined);
	assert.match(plain.headers.vary, /accept-encoding/i);

	const gz = await request(srv.base, "GET", url, {"accept-encoding": "gzip, deflate, br"});
	assert.equal(gz.status, 200);
	assert.equal(gz.headers["content-encoding"], "gzip");
	assert.match(gz.headers.vary, /accept-encoding/i);
	assert.equal(gz.headers["cache-control"], "public, max-age=31536000, immutable");
	assert.notEqual(gz.headers.etag, plain.headers.etag, "one ETag per encoding");
	assert.ok(gz.raw.length < plain.raw.length / 2, `${gz.raw.length} < ${plain.raw.length} / 2`);
	assert.equal(gunzipSync(gz.raw).toString("utf8"), plain.body);

	const nm = await request(srv.base, "GET", url, {"accept-encoding": "gzip",
	    "if-none-match": gz.headers.etag});
	assert.equal(nm.status, 304);
	const refused = await request(srv.base, "GET", url, {"accept-encoding": "gzip;q=0, identity"});
	assert.equal(refused.headers["content-encoding"], undefined);
	assert.equal(refused.body, plain.body);
	const idx = await request(srv.base, "GET", "/servers/a/channels/b", {"accept-encoding": "gzip"});
	assert.equal(idx.headers["content-encoding"], "gzip");
	assert.match(gunzipSync(idx.raw).toString("utf8"), /<!doctype html>/);
});

test("login screen renders under the CSP, labelled, and links to sign-up", async (t) => {
	const u = await newUser(browser, srv.base);
	try {
		const csp = [];
		u.page.on("console", (m) => {
			if (/Content Security Policy/i.test(m.text()))
				csp.push(m.text());
		});
		await u.page.goto("/");
		await u.page.waitForURL("**/login");
		await u.page.getByRole("heading", {name: "Welcome back"}).waitFor();
		assert.ok(await u.page.getByLabel("Email").isVisible());
		assert.ok(await u.page.getByLabel("Password").isVisible());
		await u.page.getByRole("link", {name: "Create an account"}).click();
		await u.page.waitForURL("**/signup");
		await u.page.getByRole("heading", {name: "Create your account"}).waitFor();
		assert.ok(await u.page.getByLabel("Display name").isVisible());
		assert.deepEqual(csp, [], "no CSP violations");
		// /api/profile answers 401 (or 404 before the API exists): nothing else.
		const other = u.errors.filter((e) => !/status of 40[14]/.test(e));
		assert.deepEqual(other, [], "no script errors");
	} catch (e) {
		await screenshotOnFailure(t, [u.page]);
		throw e;
	} finally {
		await u.context.close();
	}
});
