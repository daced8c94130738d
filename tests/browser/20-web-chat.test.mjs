// The scenario in Chromium: two users (two browser contexts) sign
// up, one creates a server and invites the other, both open #general; live
// delivery, history pages, edit and delete, a cut socket (Polling, then
// catch-up without gaps or duplicates), and an HTML payload shown as text.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startParley, launch, newUser, screenshotOnFailure } from "./lib/browser.mjs";

let srv, browser, alice, bob;
let cut = false;		// Bob's socket is cut while true
const bobSockets = [];		// [{ws, server}] of Bob's routed WebSockets
let serverId, channelId;

const uniq = Math.random().toString(36).slice(2, 8);

async function signup(u, name) {
	await u.page.goto("/signup");
	await u.page.getByLabel("Display name").fill(name);
	await u.page.getByLabel("Email").fill(`${name.toLowerCase()}-${uniq}@example.org`);
	await u.page.getByLabel("Password").fill("correct horse battery");
	await u.page.getByRole("button", {name: "Sign up"}).click();
}

const list = (u) => u.page.getByRole("list", {name: "Messages"});
const box = (u) => u.page.getByRole("textbox", {name: "Message"});
const item = (u, text) => list(u).getByRole("listitem").filter({hasText: text});

// Ids and texts of the messages in DOM order.
async function shown(u) {
	return list(u).locator("li.msg").evaluateAll((lis) => lis.map((li) =>
	    ({id: li.dataset.id, text: li.querySelector(".content")?.textContent})));
}

async function say(u, text) {
	const posted = u.page.waitForResponse((r) => r.url().includes("/api/socket/messages") &&
	    r.request().method() === "POST");
	await box(u).fill(text);
	await box(u).press("Enter");
	const r = await posted;
	assert.equal(r.status(), 200, "message accepted");
	return r.json();
}

before(async () => {
	srv = await startParley({workers: 2});
	browser = await launch();
	alice = await newUser(browser, srv.base);
	bob = await newUser(browser, srv.base, {viewport: {width: 1280, height: 640}});
	// Bob's socket can be cut: WebSockets and polling requests of
	// /api/socket/io go through these routes.
	await bob.page.routeWebSocket(/\/api\/socket\/io/, (ws) => {
		if (cut) {
			ws.close();
			return;
		}
		const server = ws.connectToServer();
		bobSockets.push({ws, server});
	});
	await bob.page.route(/\/api\/socket\/io/, (route) =>
	    cut ? route.abort("connectionrefused") : route.continue());
});

after(async () => {
	await browser?.close();
	await srv?.stop();
});

async function guard(t, fn) {
	try {
		await fn();
	} catch (e) {
		await screenshotOnFailure(t, [alice.page, bob.page]);
		throw e;
	}
}

test("sign up, create a server, invite, both in #general", async (t) => guard(t, async () => {
	await signup(alice, "Alice");
	await alice.page.getByRole("heading", {name: /Welcome, Alice/}).waitFor();
	await alice.page.getByRole("main").getByRole("button", {name: "Create a server"}).click();
	await alice.page.getByLabel("Server name").fill("Team " + uniq);
	await alice.page.getByRole("button", {name: "Create", exact: true}).click();
	await alice.page.waitForURL(/\/servers\/[^/]+\/channels\/[^/]+$/);
	[, serverId, channelId] = alice.page.url().match(/servers\/([^/]+)\/channels\/([^/]+)/);
	await alice.page.getByRole("heading", {name: "general"}).waitFor();
	await box(alice).waitFor();

	await alice.page.getByRole("button", {name: "Invite people"}).click();
	const link = await alice.page.getByLabel("Invite link").inputValue();
	assert.match(link, /\/invite\/[^/]+$/);
	await alice.page.getByRole("button", {name: "Done"}).click();

	await signup(bob, "Bob");
	await bob.page.getByRole("heading", {name: /Welcome, Bob/}).waitFor();
	await bob.page.goto(new URL(link).pathname);
	await bob.page.waitForURL(`**/servers/${serverId}/channels/${channelId}`);
	await box(bob).waitFor();
	await bob.page.getByRole("status").filter({hasText: "Live"}).waitFor();
	await alice.page.getByRole("status").filter({hasText: "Live"}).waitFor();

	// The session survives a reload.
	await bob.page.reload();
	await box(bob).waitFor();
	assert.match(bob.page.url(), new RegExp(channelId));
}));

test("a message typed by one appears in the other within a second", async (t) => guard(t, async () => {
	const m = await say(alice, "hello from alice " + uniq);
	const t0 = Date.now();
	await item(bob, "hello from alice " + uniq).waitFor({timeout: 1000});
	t.diagnostic(`delivered to the other browser in ${Date.now() - t0} ms after the POST answered`);
	const mine = await shown(alice);
	assert.equal(mine.filter((x) => x.id === m.id).length, 1, "own message once");
	// Own send: the view is at the bottom.
	const atBottom = await list(alice).evaluate((ol) => {
		const sc = ol.closest(".scroller");
		return sc.scrollHeight - sc.scrollTop - sc.clientHeight < 80;
	});
	assert.ok(atBottom);
}));

test("scrolling up loads older pages in order and keeps the view put", async (t) => guard(t, async () => {
	// 30 more messages through the API (Alice's cookie), in order.
	const sent = [];
	for (let i = 1; i <= 30; i++) {
		const r = await alice.context.request.post(
		    `/api/socket/messages?serverId=${serverId}&channelId=${channelId}`,
		    {data: {content: `history ${String(i).padStart(2, "0")}`}});
		assert.equal(r.status(), 200);
		sent.push((await r.json()).id);
	}
	await item(bob, "history 30").waitFor();
	await bob.page.reload();
	await item(bob, "history 30").waitFor();
	const first = await shown(bob);
	assert.ok(first.length < 31, `not everything at once (${first.length} shown)`);
	assert.equal(first.length % 10 === 0 || first.length === 31, true,
	    "whole pages of 10");

	const sc = bob.page.locator(".scroller");
	let rounds = 0;
	while (!(await bob.page.getByText(/This is the beginning of/).isVisible())) {
		const before = await shown(bob);
		// Scroll to the top and note where the top message is, in one go.
		const y0 = await sc.evaluate((el, id) => {
			el.scrollTop = 0;
			return document.querySelector(`li.msg[data-id="${id}"] .content`)
			    .getBoundingClientRect().top;
		}, before[0].id);
		await bob.page.waitForFunction((n) =>
		    document.querySelectorAll("li.msg").length > n ||
		    /This is the beginning/.test(document.querySelector(".history-top")?.textContent),
		    before.length);
		const now = await shown(bob);
		if (now.length > before.length) {
			// Older messages went in above; the text the user was looking
			// at has not moved (its name line may fold into the group).
			const y1 = await bob.page.locator(`li.msg[data-id="${before[0].id}"] .content`)
			    .evaluate((p) => p.getBoundingClientRect().top);
			assert.ok(Math.abs(y1 - y0) < 4, `view stays put (${y0} -> ${y1})`);
			assert.deepEqual(now.slice(now.length - before.length), before,
			    "older page went above what was shown");
		}
		assert.ok(++rounds < 10, "history ends");
	}
	const all = await shown(bob);
	const texts = all.map((x) => x.text);
	const hist = texts.filter((x) => x.startsWith("history "));
	assert.deepEqual(hist, sent.map((_, i) => `history ${String(i + 1).padStart(2, "0")}`),
	    "every page, oldest first, no gap");
	assert.equal(new Set(all.map((x) => x.id)).size, all.length, "no duplicates");
	assert.equal(texts[0], "hello from alice " + uniq, "the very first message on top");
}));

test("edit and delete show up live in the other browser", async (t) => guard(t, async () => {
	const m = await say(alice, "to be edited " + uniq);
	await item(bob, "to be edited " + uniq).waitFor({timeout: 2000});
	// Bob (GUEST) may not edit or delete Alice's message: no buttons.
	const bobItem = item(bob, "to be edited " + uniq);
	assert.equal(await bobItem.getByRole("button", {name: "Edit message"}).count(), 0);
	assert.equal(await bobItem.getByRole("button", {name: "Delete message"}).count(), 0);

	const ai = item(alice, "to be edited " + uniq);
	await ai.hover();
	await ai.getByRole("button", {name: "Edit message"}).click();
	const ed = alice.page.getByRole("textbox", {name: "Edit message"});
	await ed.fill("was edited " + uniq);
	await ed.press("Escape");
	await item(alice, "to be edited " + uniq).waitFor();	// Esc cancels
	await ai.hover();
	await ai.getByRole("button", {name: "Edit message"}).click();
	await ed.fill("was edited " + uniq);
	await ed.press("Enter");
	await item(bob, "was edited " + uniq).filter({hasText: "(edited)"}).waitFor({timeout: 2000});

	const ae = item(alice, "was edited " + uniq);
	await ae.hover();
	await ae.getByRole("button", {name: "Delete message"}).click();
	await alice.page.getByRole("dialog").getByRole("button", {name: "Delete"}).click();
	const tomb = bob.page.locator(`li.msg[data-id="${m.id}"]`);
	await tomb.filter({hasText: "This message has been deleted."}).waitFor({timeout: 2000});
	assert.equal(await item(bob, "was edited " + uniq).count(), 0);
	assert.equal(await tomb.getByText("(edited)").count(), 0);
}));

test("socket cut: Polling, messages still arrive, then no gaps and no duplicates", async (t) => guard(t, async () => {
	const badge = bob.page.getByRole("status").filter({hasText: /^(Live|Polling)$/});
	assert.equal(await badge.textContent(), "Live");
	assert.ok(bobSockets.length > 0, "Bob's socket runs over a WebSocket");
	cut = true;
	for (const {ws, server} of bobSockets.splice(0)) {
		await server.close().catch(() => {});
		await ws.close().catch(() => {});
	}
	await badge.filter({hasText: "Polling"}).waitFor({timeout: 5000});

	const during = [];
	for (let i = 1; i <= 12; i++)
		during.push((await say(alice, `while cut ${i}`)).id);
	// Polling every second: they arrive without the socket.
	await item(bob, "while cut 12").waitFor({timeout: 4000});
	assert.equal(await badge.textContent(), "Polling");

	cut = false;
	await badge.filter({hasText: "Live"}).waitFor({timeout: 10000});
	const after = [];
	for (let i = 1; i <= 3; i++)
		after.push((await say(alice, `after reconnect ${i}`)).id);
	await item(bob, "after reconnect 3").waitFor({timeout: 2000});
	await bob.page.waitForTimeout(1500);	// any late replay would land now

	const a = await shown(alice);
	const b = await shown(bob);
	assert.equal(new Set(b.map((x) => x.id)).size, b.length, "no duplicates in Bob's list");
	for (const id of [...during, ...after])
		assert.equal(b.filter((x) => x.id === id).length, 1, "each message once: " + id);
	// Bob's tail equals Alice's tail: same ids, same order, no gap.
	const tail = (l) => l.slice(-16).map((x) => x.id);
	assert.deepEqual(tail(b), tail(a));
}));

test("Shift+Enter makes a new line, Enter sends; timestamps in the user's locale", async (t) => guard(t, async () => {
	await box(alice).click();
	await alice.page.keyboard.type("line one " + uniq);
	await alice.page.keyboard.press("Shift+Enter");
	await alice.page.keyboard.type("line two");
	assert.equal(await box(alice).inputValue(), "line one " + uniq + "\nline two");
	await alice.page.keyboard.press("Enter");
	const li = item(bob, "line one " + uniq);
	await li.waitFor({timeout: 2000});
	assert.equal(await li.locator(".content").textContent(), "line one " + uniq + "\nline two");
	assert.equal(await box(alice).inputValue(), "", "the box is cleared");
	// <time datetime=ISO> shown with the browser's locale (en-US here).
	const time = li.locator("time");
	const iso = await time.getAttribute("datetime");
	assert.match(iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
	const shownText = await time.textContent();
	const expected = await bob.page.evaluate((d) => new Intl.DateTimeFormat("en-US",
	    {dateStyle: "medium", timeStyle: "short"}).format(new Date(d)), iso);
	assert.equal(shownText, expected);
}));

test("an HTML/script payload is shown as text", async (t) => guard(t, async () => {
	const payload = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b> ${uniq}`;
	await say(alice, payload);
	const li = item(bob, uniq).last();
	await li.waitFor({timeout: 2000});
	assert.equal(await li.locator(".content").textContent(), payload);
	assert.equal(await li.locator(".content img, .content script, .content b").count(), 0);
	assert.equal(await bob.page.evaluate(() => window.__pwned), undefined);
	assert.equal(await alice.page.evaluate(() => window.__pwned), undefined);
}));

test("a link and an image URL are rendered safely", async (t) => guard(t, async () => {
	await say(alice, `see https://example.org/a?b=1 and javascript:alert(1) ${uniq}-l`);
	const li = item(bob, uniq + "-l");
	await li.waitFor({timeout: 2000});
	const links = await li.locator(".content a").evaluateAll((as) =>
	    as.map((a) => ({href: a.getAttribute("href"), rel: a.rel, text: a.textContent})));
	assert.deepEqual(links, [{href: "https://example.org/a?b=1",
	    rel: "noopener noreferrer nofollow", text: "https://example.org/a?b=1"}]);
}));

test("direct messages between two members, live both ways", async (t) => guard(t, async () => {
	// Bob speaks up in #general; Alice's member list learns about him.
	await say(bob, "hi, Bob here " + uniq);
	await item(alice, "hi, Bob here " + uniq).waitFor({timeout: 2000});
	await alice.page.getByRole("complementary", {name: "Members"})
	    .getByRole("link", {name: "Message Bob"}).click();
	await alice.page.waitForURL(/\/servers\/[^/]+\/conversations\/[^/]+$/);
	await alice.page.getByRole("heading", {name: "Bob"}).waitFor();
	const posted = alice.page.waitForResponse((r) =>
	    r.url().includes("/api/socket/direct-messages") && r.request().method() === "POST");
	await box(alice).fill("psst " + uniq);
	await box(alice).press("Enter");
	assert.equal((await posted).status(), 200);
	await item(alice, "psst " + uniq).waitFor();

	await bob.page.getByRole("complementary", {name: "Members"})
	    .getByRole("link", {name: "Message Alice"}).click();
	await bob.page.getByRole("heading", {name: "Alice"}).waitFor();
	await item(bob, "psst " + uniq).waitFor({timeout: 2000});
	await box(bob).fill("got it " + uniq);
	await box(bob).press("Enter");
	await item(alice, "got it " + uniq).waitFor({timeout: 2000});
	// The channel's messages are not in the conversation.
	assert.equal(await item(alice, "hello from alice").count(), 0);
}));

test("no script errors in either browser through all of the above", () => {
	for (const u of [alice, bob]) {
		const crashes = u.errors.filter((e) => e.startsWith("pageerror:") ||
		    /Content Security Policy/i.test(e));
		assert.deepEqual(crashes, []);
	}
});
