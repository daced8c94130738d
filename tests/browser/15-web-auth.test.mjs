// Accounts in the browser: sign up, the session (an HttpOnly cookie) survives
// a reload, wrong password and taken email say what to do, log in again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startParley, launch, newUser, screenshotOnFailure } from "./lib/browser.mjs";

let srv, browser;
const email = `carol-${Math.random().toString(36).slice(2, 8)}@example.org`;

before(async () => {
	srv = await startParley({workers: 2});
	browser = await launch();
});

after(async () => {
	await browser?.close();
	await srv?.stop();
});

test("sign up, reload, still logged in; the cookie is HttpOnly", async (t) => {
	const u = await newUser(browser, srv.base);
	try {
		await u.page.goto("/signup");
		await u.page.getByLabel("Display name").fill("Carol <b>C</b>");
		await u.page.getByLabel("Email").fill(email);
		await u.page.getByLabel("Password").fill("short");
		await u.page.getByRole("button", {name: "Sign up"}).click();
		// The browser's own validation keeps a too-short password.
		assert.match(u.page.url(), /\/signup$/);
		await u.page.getByLabel("Password").fill("long enough password");
		const res = u.page.waitForResponse("**/api/auth/signup");
		await u.page.getByRole("button", {name: "Sign up"}).click();
		assert.equal((await res).status(), 201);
		await u.page.waitForURL((url) => url.pathname !== "/signup");

		const cookies = await u.context.cookies();
		const c = cookies.find((x) => x.name === "parley_session");
		assert.ok(c, "session cookie set");
		assert.equal(c.httpOnly, true);
		assert.equal(c.secure, srv.base.startsWith("https"));
		assert.equal(await u.page.evaluate(() => document.cookie.includes("parley_session")), false);

		await u.page.reload();
		const me = await u.page.evaluate(async () =>
		    (await fetch("/api/profile")).json());
		assert.equal(me.name, "Carol <b>C</b>");
		// Logged in: /login sends the user on.
		await u.page.goto("/login");
		await u.page.waitForURL((url) => url.pathname !== "/login");
	} catch (e) {
		await screenshotOnFailure(t, [u.page]);
		throw e;
	} finally {
		await u.context.close();
	}
});

test("wrong password and taken email are explained; login works", async (t) => {
	const u = await newUser(browser, srv.base);
	try {
		await u.page.goto("/login");
		await u.page.getByLabel("Email").fill(email);
		await u.page.getByLabel("Password").fill("not the password");
		await u.page.getByRole("button", {name: "Log in"}).click();
		await u.page.getByRole("alert").filter({hasText: "Wrong email or password."}).waitFor();

		await u.page.goto("/signup");
		await u.page.getByLabel("Display name").fill("Carol again");
		await u.page.getByLabel("Email").fill(email);
		await u.page.getByLabel("Password").fill("long enough password");
		await u.page.getByRole("button", {name: "Sign up"}).click();
		await u.page.getByRole("alert").filter({hasText: "Log in instead"}).waitFor();

		await u.page.getByRole("link", {name: "Log in"}).click();
		await u.page.getByLabel("Email").fill(email);
		await u.page.getByLabel("Password").fill("long enough password");
		await u.page.getByRole("button", {name: "Log in"}).click();
		await u.page.waitForURL((url) => url.pathname !== "/login");
		const me = await u.page.evaluate(async () => (await fetch("/api/profile")).status);
		assert.equal(me, 200);
	} catch (e) {
		await screenshotOnFailure(t, [u.page]);
		throw e;
	} finally {
		await u.context.close();
	}
});
