// Beyond the seed, in the browser: the typing indicator (socket event
// `typing`) and online members (presence events).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startParley, launch, newUser, screenshotOnFailure } from "./lib/browser.mjs";

let srv, browser, ann, ben, serverId, channelId;
const uniq = Math.random().toString(36).slice(2, 8);

async function account(u, name) {
	const r = await u.context.request.post("/api/auth/signup", {data: {name,
	    email: `${name.toLowerCase()}-${uniq}@example.org`,
	    password: "correct horse battery"}});
	assert.equal(r.status(), 201);
}

before(async () => {
	srv = await startParley({workers: 2});
	browser = await launch();
	ann = await newUser(browser, srv.base);
	ben = await newUser(browser, srv.base);
	await account(ann, "Ann");
	await account(ben, "Ben");
	const s = await ann.context.request.post("/api/servers",
	    {data: {name: "Live " + uniq, imageUrl: ""}});
	const server = await s.json();
	serverId = server.id;
	channelId = server.channels.find((c) => c.name === "general").id;
	const j = await ben.context.request.post(`/api/invites/${server.inviteCode}`);
	assert.ok(j.ok());
	for (const u of [ann, ben]) {
		await u.page.goto(`/servers/${serverId}/channels/${channelId}`);
		await u.page.getByRole("status").filter({hasText: "Live"}).waitFor();
	}
});

after(async () => {
	await browser?.close();
	await srv?.stop();
});

async function guard(t, fn) {
	try {
		await fn();
	} catch (e) {
		await screenshotOnFailure(t, [ann.page, ben.page]);
		throw e;
	}
}

test("typing shows in the other browser and clears on send", async (t) => guard(t, async () => {
	const box = ben.page.getByRole("textbox", {name: "Message"});
	await box.pressSequentially("hel", {delay: 50});
	const typing = ann.page.getByText("Ben is typing…");
	await typing.waitFor({timeout: 2000});
	// Ben does not see himself typing.
	assert.equal(await ben.page.getByText("Ben is typing…").count(), 0);
	await box.pressSequentially("lo", {delay: 50});
	await box.press("Enter");
	await ann.page.getByRole("list", {name: "Messages"}).getByText("hello").waitFor();
	await typing.waitFor({state: "detached", timeout: 4000});
}));

test("online members: on while connected, off after leaving", async (t) => guard(t, async () => {
	const row = (u, name) => u.page.getByRole("complementary", {name: "Members"})
	    .getByRole("listitem").filter({hasText: name});
	await row(ann, "Ben").getByText(", online").waitFor({timeout: 3000});
	await row(ben, "Ann").getByText(", online").waitFor({timeout: 3000});
	await ben.page.close();
	await row(ann, "Ben").getByText(", offline").waitFor({timeout: 10000});
	ben.page = await ben.context.newPage();
	await ben.page.goto(`/servers/${serverId}/channels/${channelId}`);
	await row(ann, "Ben").getByText(", online").waitFor({timeout: 5000});
}));
