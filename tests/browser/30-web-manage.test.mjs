// Managing a server in the browser: channels (create, rename, delete) for
// ADMIN/MODERATOR only, the owner changes roles and kicks; the phone-sized
// layout and the dark theme.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startParley, launch, newUser, screenshotOnFailure } from "./lib/browser.mjs";

let srv, browser, owner, guest, serverId, invite;
const uniq = Math.random().toString(36).slice(2, 8);

// Accounts and membership through the API (the context's cookie jar), to
// keep this file about the management screens.
async function account(u, name) {
	const r = await u.context.request.post("/api/auth/signup", {data: {name,
	    email: `${name.toLowerCase()}-${uniq}@example.org`,
	    password: "correct horse battery"}});
	assert.equal(r.status(), 201);
}

before(async () => {
	srv = await startParley({workers: 2});
	browser = await launch();
	owner = await newUser(browser, srv.base);
	guest = await newUser(browser, srv.base);
	await account(owner, "Olga");
	await account(guest, "Gus");
	const s = await owner.context.request.post("/api/servers",
	    {data: {name: "Ops " + uniq, imageUrl: ""}});
	assert.equal(s.status(), 201);
	({id: serverId, inviteCode: invite} = await s.json());
	const j = await guest.context.request.post(`/api/invites/${invite}`);
	assert.ok(j.status() === 200 || j.status() === 201);
});

after(async () => {
	await browser?.close();
	await srv?.stop();
});

async function guard(t, fn) {
	try {
		await fn();
	} catch (e) {
		await screenshotOnFailure(t, [owner.page, guest.page]);
		throw e;
	}
}

const channels = (u) => u.page.getByRole("navigation", {name: "Channels"});
const members = (u) => u.page.getByRole("complementary", {name: "Members"});

test("channels: create, rename, delete; a guest sees no such controls", async (t) => guard(t, async () => {
	await owner.page.goto("/");
	await owner.page.waitForURL(`**/servers/${serverId}/channels/*`);
	await owner.page.getByRole("button", {name: "Create channel"}).click();
	await owner.page.getByLabel("Channel name").fill("random");
	await owner.page.getByRole("button", {name: "Create", exact: true}).click();
	await owner.page.getByRole("heading", {name: "random"}).waitFor();
	await channels(owner).getByRole("link", {name: "random"}).waitFor();

	await channels(owner).getByRole("button", {name: "Rename channel random"}).click();
	await owner.page.getByLabel("New name").fill("offtopic");
	await owner.page.getByRole("button", {name: "Rename", exact: true}).click();
	await channels(owner).getByRole("link", {name: "offtopic"}).waitFor();
	// general cannot be renamed or deleted: no buttons for it.
	assert.equal(await channels(owner).getByRole("button", {name: /channel general/}).count(), 0);

	await guest.page.goto(`/servers/${serverId}`);
	await channels(guest).getByRole("link", {name: "offtopic"}).waitFor();
	assert.equal(await guest.page.getByRole("button", {name: "Create channel"}).count(), 0);
	assert.equal(await channels(guest).getByRole("button", {name: /Rename channel/}).count(), 0);
	assert.equal(await guest.page.getByRole("button", {name: "Leave server"}).count(), 1);

	await channels(owner).getByRole("button", {name: "Delete channel offtopic"}).click();
	await owner.page.getByRole("dialog").getByRole("button", {name: "Delete channel"}).click();
	await owner.page.getByRole("heading", {name: "general"}).waitFor();
	assert.equal(await channels(owner).getByRole("link", {name: "offtopic"}).count(), 0);
}));

test("the owner makes a guest moderator, then kicks them", async (t) => guard(t, async () => {
	await owner.page.goto(`/servers/${serverId}`);
	const row = members(owner).getByRole("listitem").filter({hasText: "Gus"});
	await row.waitFor();
	assert.match(await row.textContent(), /Guest/);
	// No role controls on one's own row.
	assert.equal(await members(owner).getByRole("combobox", {name: "Role of Olga"}).count(), 0);

	await guest.page.goto(`/servers/${serverId}`);
	await guest.page.getByRole("status").filter({hasText: "Live"}).waitFor();
	assert.equal(await guest.page.getByRole("button", {name: "Create channel"}).count(), 0);

	await row.getByRole("combobox", {name: "Role of Gus"}).selectOption("MODERATOR");
	await row.getByText("Moderator", {exact: true}).first().waitFor();
	// Gus's open page learns it live (member:update): no reload.
	await guest.page.getByRole("button", {name: "Create channel"}).waitFor({timeout: 3000});
	assert.equal(await members(guest).getByRole("combobox").count(), 0, "only the owner manages members");

	await row.getByRole("button", {name: "Kick Gus"}).click();
	await owner.page.getByRole("dialog").getByRole("button", {name: "Kick"}).click();
	await row.waitFor({state: "detached"});
	// Gus's page leaves the server by itself (member:kick) and says why.
	await guest.page.getByText(/You were removed from Ops/).waitFor({timeout: 3000});
	await guest.page.getByRole("heading", {name: /Welcome, Gus/}).waitFor();
	await guest.page.goto(`/servers/${serverId}`);
	await guest.page.getByRole("heading", {name: "Not available"}).waitFor();
}));

test("phone-sized screen: drawers for channels and members; dark theme", async (t) => {
	const phone = await newUser(browser, srv.base, {viewport: {width: 390, height: 780},
	    colorScheme: "dark"});
	try {
		const cookies = await owner.context.cookies();
		await phone.context.addCookies(cookies);
		await phone.page.goto(`/servers/${serverId}`);
		const box = phone.page.getByRole("textbox", {name: "Message"});
		await box.waitFor();
		const w = await box.evaluate((el) => el.getBoundingClientRect().width);
		assert.ok(w > 250, "the message box uses the width: " + w);
		assert.equal(await channels(phone).isVisible() &&
		    await channels(phone).evaluate((el) => el.getBoundingClientRect().right > 0), false,
		    "channels hidden at first");
		await phone.page.getByRole("button", {name: "Show servers and channels"}).click();
		await phone.page.waitForFunction(() => document.querySelector(".nav-drawer")
		    .getBoundingClientRect().left >= 0);
		await channels(phone).getByRole("link", {name: "general"}).click();
		await phone.page.getByRole("button", {name: "Show members"}).click();
		await phone.page.waitForFunction(() => {
			const r = document.querySelector(".members").getBoundingClientRect();
			return r.right <= window.innerWidth + 1 && r.left < window.innerWidth;
		});
		const bg = await phone.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
		const [r, g, b] = bg.match(/\d+/g).map(Number);
		assert.ok(r + g + b < 200, "dark background in dark mode: " + bg);
		const scrollW = await phone.page.evaluate(() => document.documentElement.scrollWidth);
		assert.ok(scrollW <= 390, "no horizontal scrolling: " + scrollW);
	} catch (e) {
		await screenshotOnFailure(t, [phone.page]);
		throw e;
	} finally {
		await phone.context.close();
	}
});

test("an invite link opened while logged out: sign up, then straight in", async (t) => {
	const ivy = await newUser(browser, srv.base);
	try {
		await ivy.page.goto(`/invite/${invite}`);
		await ivy.page.getByText("Log in or create an account to accept the invitation.").waitFor();
		await ivy.page.getByRole("link", {name: "Create an account"}).click();
		await ivy.page.getByLabel("Display name").fill("Ivy");
		await ivy.page.getByLabel("Email").fill(`ivy-${uniq}@example.org`);
		await ivy.page.getByLabel("Password").fill("correct horse battery");
		await ivy.page.getByRole("button", {name: "Sign up"}).click();
		await ivy.page.waitForURL(`**/servers/${serverId}/channels/*`);
		await ivy.page.getByRole("heading", {name: "general"}).waitFor();
		await members(ivy).getByRole("listitem").filter({hasText: "Ivy"}).waitFor();

		// A bad code says what to do.
		await ivy.page.goto("/invite/no-such-code");
		await ivy.page.getByRole("heading", {name: "Invite not valid"}).waitFor();
		await ivy.page.getByText("Ask for a new one.", {exact: false}).waitFor();
	} catch (e) {
		await screenshotOnFailure(t, [ivy.page]);
		throw e;
	} finally {
		await ivy.context.close();
	}
});
