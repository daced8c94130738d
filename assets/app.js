// app.js: parley's web client. Routes (the seed's): /login, /signup,
// /servers/<serverId>/channels/<channelId>,
// /servers/<serverId>/conversations/<memberId>, /invite/<inviteCode>;
// "/" takes a logged-in user to their first server's general channel.
import { Api } from "/web-api.js";
import { h, replace, dialog, toast } from "/web-dom.js";
import { liveStart, liveStop, liveBadge, liveOnPrefix, liveAsk, onLive } from "/web-live.js";
import { ChatView } from "/web-chat.js";
import { authScreen, serversRail, createServerDialog, sidebar,
    membersPanel } from "/web-views.js";

const root = document.getElementById("app");
const state = {
	profile: null,
	servers: [],
	server: null,
	online: new Set(),	// profile ids seen online
	chat: null,
	route: null,
	presenceOff: null,
	seq: 0,
};

// ------------------------------------------------------------ navigation

export function go(path, replaceEntry) {
	if (replaceEntry)
		history.replaceState(null, "", path);
	else if (path !== location.pathname + location.search)
		history.pushState(null, "", path);
	route();
}

document.addEventListener("click", (ev) => {
	const a = ev.target.closest?.("a[data-link]");
	if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey ||
	    ev.ctrlKey || ev.shiftKey || ev.altKey)
		return;
	ev.preventDefault();
	document.body.classList.remove("nav-open", "members-open");
	go(a.getAttribute("href"));
});
window.addEventListener("popstate", () => route());

function setTitle(t) {
	document.title = t ? t + " · parley" : "parley";
}

function disposeChat() {
	state.parts = null;
	if (state.chat) {
		state.chat.dispose();
		state.chat = null;
	}
}

// ------------------------------------------------------------ screens

function showAuth(mode, notice) {
	disposeChat();
	setTitle(mode === "signup" ? "Sign up" : "Log in");
	replace(root, authScreen({mode, notice, onDone: (profile) => {
		state.profile = profile;
		const back = sessionStorage.getItem("parley.returnTo");
		sessionStorage.removeItem("parley.returnTo");
		go(back || "/", true);
	}}));
	root.querySelector("input")?.focus();
}

function showMessage(title, text, action) {
	disposeChat();
	setTitle(title);
	replace(root, h("main", {class: "center-state"}, h("div", {class: "card"},
	    h("h1", null, title), h("p", null, text), action || null)));
}

async function logout() {
	try {
		await Api.logout();
	} catch (e) {
		/* the cookie is gone or the server is down: leave anyway */
	}
	liveStop();
	state.presenceOff?.();
	state.presenceOff = null;
	state.profile = null;
	state.server = null;
	state.servers = [];
	go("/login", true);
}

async function newServer() {
	try {
		const s = await createServerDialog();
		if (s)
			go("/servers/" + s.id);
	} catch (e) {
		toast("Could not create the server: " + e.message, "error");
	}
}

function welcome() {
	disposeChat();
	setTitle("Welcome");
	const rail = serversRail({servers: state.servers, currentId: null,
	    onCreate: newServer});
	replace(root, h("div", {class: "layout no-server"}, rail,
	    h("main", {class: "center-state"}, h("div", {class: "card"},
	    h("h1", null, "Welcome, " + state.profile.name + "!"),
	    h("p", null, "You are not in any server yet. Create one, or open an " +
	    "invite link that a friend sent you (it looks like " +
	    location.origin + "/invite/…)."),
	    h("div", {class: "actions"},
	    h("button", {type: "button", class: "btn btn-primary",
	    onclick: newServer}, "Create a server"),
	    h("button", {type: "button", class: "btn", onclick: logout},
	    "Log out"))))));
}

// The three-column layout around one chat.
function shell(view) {
	const {server, profile} = state;
	const me = server.members.find((m) => m.profileId === profile.id);
	const ctx = {server, me, profile, channelId: view.channelId,
	    dmMemberId: view.memberId, online: state.online, go,
	    reload: reloadServer, onLogout: logout};
	const badge = liveBadge();
	const head = h("header", {class: "chat-head"},
	    h("button", {type: "button", class: "icon-btn only-mobile",
	    "aria-label": "Show servers and channels", onclick: () =>
	    document.body.classList.toggle("nav-open")}, "☰"),
	    h("h1", null, h("span", {class: "hash", "aria-hidden": "true"},
	    view.kind === "channel" ? "#" : "@"), view.title),
	    badge,
	    h("button", {type: "button", class: "icon-btn only-narrow",
	    "aria-label": "Show members", onclick: () =>
	    document.body.classList.toggle("members-open")}, "Members"));
	const chat = new ChatView({kind: view.kind, id: view.id,
	    serverId: server.id, me, profile, title: view.kind === "channel" ?
	    "#" + view.title : view.title,
	    placeholder: view.kind === "channel" ? "Message #" + view.title :
	    "Message @" + view.title,
	    emptyText: view.kind === "channel" ?
	    "No messages in #" + view.title + " yet. Say hello below!" :
	    "This is the start of your conversation with " + view.title + ".",
	    resolveMember: (id) => state.server?.members.find((m) => m.id === id),
	    resolveProfile: (id) => state.server?.members.find((m) => m.profileId === id),
	    onUnknownMember: () => reloadSoon()});
	const main = h("main", {class: "main"}, head, chat.root);
	state.parts = {
		rail: serversRail({servers: state.servers, currentId: server.id,
		    onCreate: newServer}),
		side: sidebar(ctx),
		members: membersPanel(ctx),
		ctx,
	};
	replace(root, h("div", {class: "layout"},
	    h("div", {class: "nav-drawer"}, state.parts.rail, state.parts.side),
	    h("div", {class: "scrim", onclick: () =>
	    document.body.classList.remove("nav-open", "members-open")}),
	    main, state.parts.members));
	state.chat = chat;
	askPresence();
	state.badge?.dispose?.();
	state.badge = badge;
	chat.start();
	setTitle((view.kind === "channel" ? "#" : "@") + view.title + " · " +
	    server.name);
	// Focus the box on desktops; on phones that would pop the keyboard up.
	if (matchMedia("(pointer: fine)").matches)
		chat.input.focus({preventScroll: true});
}

// Fresh server data without disturbing the chat (after a role change,
// a new channel, a kick, ...).
async function reloadServer() {
	if (!state.parts) {
		// The welcome screen: a server may have appeared (invite, ...).
		if (state.profile && location.pathname === "/")
			route();
		return;
	}
	if (!state.server)
		return;
	try {
		const [server, servers] = await Promise.all([
		    Api.server(state.server.id), Api.servers()]);
		state.server = server;
		state.servers = servers;
	} catch (e) {
		if (e.status === 404 || e.status === 403) {
			go("/", true);
			return;
		}
		throw e;
	}
	const {server, profile} = state;
	const old = state.parts.ctx;
	if (old.channelId && !server.channels.some((c) => c.id === old.channelId)) {
		toast("This channel was deleted.");
		go("/servers/" + server.id, true);
		return;
	}
	const me = server.members.find((m) => m.profileId === profile.id);
	if (!me) {
		go("/", true);
		return;
	}
	const ctx = {...old, server, me};
	if (state.chat)
		state.chat.o.me = me;
	const swap = (k, el) => {
		state.parts[k].replaceWith(el);
		state.parts[k] = el;
	};
	swap("rail", serversRail({servers: state.servers, currentId: server.id,
	    onCreate: newServer}));
	swap("side", sidebar(ctx));
	swap("members", membersPanel(ctx));
	state.parts.ctx = ctx;
}

// Members and channels change under us (joins, kicks, new channels): look
// again when a stranger speaks or comes online, when the tab is shown, and
// every minute.
let reloadTimer = null;
function reloadSoon() {
	if (reloadTimer)
		return;
	reloadTimer = setTimeout(() => {
		reloadTimer = null;
		reloadServer().catch(() => {});
	}, 300);
}
document.addEventListener("visibilitychange", () => {
	if (document.visibilityState === "visible")
		reloadSoon();
});
setInterval(() => {
	if (document.visibilityState === "visible")
		reloadSoon();
}, 60000);

function repaintMembers() {
	if (!state.parts)
		return;
	const el = membersPanel(state.parts.ctx);
	state.parts.members.replaceWith(el);
	state.parts.members = el;
}

// Presence (beyond the seed): a snapshot of the server's online profiles
// by "presence:list" when a server opens or the socket (re)connects, then
// "presence" {profileId, online} as people come and go.
function askPresence() {
	const sid = state.server?.id;
	if (!sid)
		return;
	liveAsk("presence:list", {serverId: sid}, (ack) => {
		if (!ack?.ok || !Array.isArray(ack.profileIds) ||
		    state.server?.id !== sid)
			return;
		state.online.clear();
		for (const id of ack.profileIds)
			state.online.add(id);
		repaintMembers();
	});
}

function onPresence(event, p) {
	if (event !== "presence" || !p || typeof p !== "object")
		return;
	const id = p.profileId;
	if (typeof id !== "string")
		return;
	if (p.online)
		state.online.add(id);
	else
		state.online.delete(id);
	if (state.server && !state.server.members.some((m) => m.profileId === id))
		reloadSoon();
	else
		repaintMembers();
}

// Changes to servers, channels and members made elsewhere:
// server:update|delete, channel:create|update|delete, member:join|update|kick.
function onServerEvent(event, p) {
	if (!p || typeof p !== "object" || !state.profile)
		return;
	const sid = p.serverId || (event.startsWith("server:") ? p.id : null);
	const here = sid && sid === state.server?.id;
	if (event === "member:kick" && p.profileId === state.profile.id) {
		if (here) {
			toast("You were removed from " + state.server.name + ".");
			go("/", true);
		} else {
			reloadSoon();
		}
		return;
	}
	if (event === "server:delete" && here) {
		toast(state.server.name + " was deleted.");
		go("/", true);
		return;
	}
	reloadSoon();
}

function ensureLive() {
	liveStart();
	if (!state.presenceOff) {
		const offs = [
			liveOnPrefix("presence", onPresence),
			liveOnPrefix("server:", onServerEvent),
			liveOnPrefix("channel:", onServerEvent),
			liveOnPrefix("member:", onServerEvent),
			onLive((v) => {
				if (v)
					askPresence();
				repaintMembers();
			}),
		];
		state.presenceOff = () => offs.forEach((off) => off());
	}
}

// ------------------------------------------------------------ router

async function route() {
	const seq = ++state.seq;
	const path = location.pathname;
	const stale = () => seq !== state.seq;
	document.body.classList.remove("nav-open", "members-open");

	if (path === "/login" || path === "/signup") {
		if (state.profile)
			return go("/", true);
		return showAuth(path.slice(1));
	}
	if (!state.profile) {
		if (path.startsWith("/invite/")) {
			sessionStorage.setItem("parley.returnTo", path);
			history.replaceState(null, "", "/login");
			return showAuth("login",
			    "Log in or create an account to accept the invitation.");
		}
		if (path !== "/")
			sessionStorage.setItem("parley.returnTo", path);
		return go("/login", true);
	}
	ensureLive();

	const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
	try {
		if (parts[0] === "invite" && parts.length === 2) {
			const s = await Api.join(parts[1]);
			if (!stale())
				go("/servers/" + (s.id || s.serverId), true);
			return;
		}
		if (parts.length === 0) {
			state.servers = await Api.servers();
			if (stale())
				return;
			if (state.servers.length === 0)
				return welcome();
			return go("/servers/" + state.servers[0].id, true);
		}
		if (parts[0] !== "servers" || parts.length === 3 || parts.length > 4)
			return notFound();
		const [server, servers] = await Promise.all([Api.server(parts[1]),
		    Api.servers()]);
		if (stale())
			return;
		if (state.server?.id !== server.id)
			state.online.clear();
		state.server = server;
		state.servers = servers;
		if (parts.length === 2) {
			const c = server.channels.find((x) => x.name === "general") ||
			    server.channels[0];
			return go("/servers/" + server.id + "/channels/" + c.id, true);
		}
		disposeChat();
		if (parts[2] === "channels") {
			const c = server.channels.find((x) => x.id === parts[3]);
			if (!c)
				return notFound("This channel does not exist any more.");
			if (c.type && c.type !== "TEXT") {
				return showMessage("#" + c.name,
				    "Voice and video channels are not supported in the web " +
				    "client yet. Pick a text channel.", backButton(server));
			}
			return shell({kind: "channel", id: c.id, channelId: c.id,
			    title: c.name});
		}
		if (parts[2] === "conversations") {
			const other = server.members.find((m) => m.id === parts[3]);
			if (!other)
				return notFound("This member is not in the server.");
			const conv = await Api.conversation(server.id, other.id);
			if (stale())
				return;
			return shell({kind: "conversation", id: conv.id,
			    memberId: other.id, title: other.profile?.name || "member"});
		}
		return notFound();
	} catch (e) {
		if (stale())
			return;
		if (e.status === 401) {
			state.profile = null;
			liveStop();
			return showAuth("login", "Your session has ended. Please log in again.");
		}
		if (e.status === 404 || e.status === 403 ||
		    (e.status === 400 && parts[0] === "invite")) {
			return showMessage(parts[0] === "invite" ?
			    "Invite not valid" : "Not available",
			    parts[0] === "invite" ? "This invite link is invalid or has " +
			    "been replaced. Ask for a new one." :
			    "You are not a member of this server, or it was deleted.",
			    h("a", {href: "/", "data-link": "", class: "btn btn-primary"},
			    "Go to my servers"));
		}
		return showMessage("Something went wrong", e.message + " ",
		    h("button", {type: "button", class: "btn btn-primary",
		    onclick: () => route()}, "Try again"));
	}
}

function backButton(server) {
	return h("a", {href: "/servers/" + server.id, "data-link": "",
	    class: "btn btn-primary"}, "Back to #general");
}

function notFound(text) {
	showMessage("Page not found", text || "There is nothing at this address.",
	    h("a", {href: "/", "data-link": "", class: "btn btn-primary"},
	    "Go to my servers"));
}

// ------------------------------------------------------------ start

async function boot() {
	try {
		state.profile = await Api.profile();
	} catch (e) {
		state.profile = null;
		if (e.status !== 401 && e.status !== 404) {
			return showMessage("Cannot reach parley", e.message,
			    h("button", {type: "button", class: "btn btn-primary",
			    onclick: () => boot()}, "Try again"));
		}
	}
	route();
}

boot();
