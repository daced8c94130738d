// web-views.js: the screens around the chat: sign-up/log-in, the servers
// rail, the channel list, the members panel. They render from the state
// the app passes in and call back into it; none keeps state of its own.
import { Api } from "/web-api.js";
import { isLive } from "/web-live.js";
import { h, replace, avatar, initials, safeUrl, dialog, toast } from "/web-dom.js";

// ------------------------------------------------------------ auth

export function authScreen({mode, onDone, notice}) {
	const signup = mode === "signup";
	const err = h("p", {class: "form-error", role: "alert"});
	const field = (id, label, attrs) => h("div", {class: "field"},
	    h("label", {for: id}, label), h("input", {id, name: id, ...attrs}));
	const form = h("form", {class: "auth-form", novalidate: false},
	    h("h1", null, signup ? "Create your account" : "Welcome back"),
	    h("p", {class: "muted"}, signup ?
	    "Sign up to chat with your team on parley." :
	    "Log in to continue to parley."),
	    notice ? h("p", {class: "notice"}, notice) : null,
	    signup ? field("name", "Display name", {required: true,
	    maxlength: "64", autocomplete: "nickname"}) : null,
	    field("email", "Email", {type: "email", required: true,
	    autocomplete: "email"}),
	    field("password", "Password", {type: "password", required: true,
	    minlength: signup ? "8" : null,
	    autocomplete: signup ? "new-password" : "current-password"}),
	    signup ? h("small", {class: "muted"}, "At least 8 characters.") : null,
	    err,
	    h("button", {type: "submit", class: "btn btn-primary btn-block"},
	    signup ? "Sign up" : "Log in"),
	    h("p", {class: "switch"}, signup ? "Already have an account? " :
	    "New to parley? ", h("a", {href: signup ? "/login" : "/signup",
	    "data-link": ""}, signup ? "Log in" : "Create an account")));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		err.textContent = "";
		const v = Object.fromEntries(new FormData(form).entries());
		const btn = form.querySelector("button[type=submit]");
		btn.disabled = true;
		try {
			const r = signup ? await Api.signup({name: v.name,
			    email: v.email, password: v.password}) :
			    await Api.login({email: v.email, password: v.password});
			onDone(r.profile || r);
		} catch (e) {
			err.textContent = e.status === 401 ?
			    "Wrong email or password." : e.status === 409 ?
			    "An account with this email exists. Log in instead." :
			    e.message;
		} finally {
			btn.disabled = false;
		}
	});
	return h("main", {class: "auth"}, h("div", {class: "auth-card"},
	    h("div", {class: "brand", "aria-hidden": "true"}, "parley"), form));
}

// ------------------------------------------------------------ servers rail

export function serversRail({servers, currentId, onCreate, go}) {
	const items = servers.map((s) => {
		const img = safeUrl(s.imageUrl);
		return h("li", null, h("a", {href: "/servers/" + s.id,
		    "data-link": "", class: "rail-item" +
		    (s.id === currentId ? " active" : ""),
		    "aria-current": s.id === currentId ? "page" : null,
		    title: s.name, "aria-label": s.name},
		    img ? h("img", {src: img, alt: "", referrerpolicy: "no-referrer"}) :
		    initials(s.name)));
	});
	return h("nav", {class: "rail", "aria-label": "Servers"},
	    h("ul", null, items),
	    h("button", {type: "button", class: "rail-item rail-add",
	    "aria-label": "Create a server", title: "Create a server",
	    onclick: onCreate}, "+"));
}

export async function createServerDialog() {
	const v = await dialog({title: "Create a server", submit: "Create",
	    fields: [{name: "name", label: "Server name", required: true,
	    maxlength: 64},
	    {name: "imageUrl", label: "Image URL (optional)", type: "url",
	    placeholder: "https://…"}]});
	if (!v || !v.name.trim())
		return null;
	return Api.createServer({name: v.name.trim(), imageUrl: v.imageUrl.trim()});
}

// ------------------------------------------------------------ sidebar

export function sidebar(ctx) {
	const {server, me, profile, channelId, go, reload, onLogout} = ctx;
	const isOwner = server.profileId === profile.id;
	const canManage = me && (me.role === "ADMIN" || me.role === "MODERATOR");
	const text = server.channels.filter((c) => (c.type || "TEXT") === "TEXT");
	const other = server.channels.filter((c) => c.type && c.type !== "TEXT");

	const channelItem = (c) => h("li", {class: "channel" +
	    (c.id === channelId ? " active" : "")},
	    h("a", {href: "/servers/" + server.id + "/channels/" + c.id,
	    "data-link": "", "aria-current": c.id === channelId ? "page" : null},
	    h("span", {class: "hash", "aria-hidden": "true"},
	    c.type === "AUDIO" ? "🔊" : c.type === "VIDEO" ? "🎥" : "#"), c.name),
	    canManage && c.name !== "general" ? h("span", {class: "channel-tools"},
	    h("button", {type: "button", class: "icon-btn",
	    "aria-label": "Rename channel " + c.name, title: "Rename",
	    onclick: () => renameChannel(ctx, c)}, "✎"),
	    h("button", {type: "button", class: "icon-btn",
	    "aria-label": "Delete channel " + c.name, title: "Delete",
	    onclick: () => deleteChannel(ctx, c)}, "✕")) : null);

	const menu = h("div", {class: "server-menu"},
	    h("button", {type: "button", class: "btn btn-small",
	    onclick: () => inviteDialog(ctx)}, "Invite people"),
	    canManage ? h("button", {type: "button", class: "btn btn-small",
	    onclick: () => createChannel(ctx)}, "Create channel") : null,
	    isOwner ? h("button", {type: "button", class: "btn btn-small",
	    onclick: () => editServer(ctx)}, "Server settings") : null,
	    isOwner ? h("button", {type: "button", class: "btn btn-small btn-danger",
	    onclick: () => deleteServer(ctx)}, "Delete server") :
	    h("button", {type: "button", class: "btn btn-small btn-danger",
	    onclick: () => leaveServer(ctx)}, "Leave server"));

	return h("nav", {class: "sidebar", "aria-label": "Channels"},
	    h("header", {class: "sidebar-head"}, h("h2", null, server.name)),
	    menu,
	    h("h3", null, "Text channels"),
	    h("ul", {class: "channels"}, text.map(channelItem)),
	    other.length ? [h("h3", null, "Voice and video"),
	    h("ul", {class: "channels"}, other.map(channelItem))] : null,
	    h("footer", {class: "me"}, avatar(profile, "sm"),
	    h("span", {class: "me-name"}, profile.name),
	    h("button", {type: "button", class: "btn btn-small",
	    onclick: onLogout}, "Log out")));
}

async function createChannel({server, go, reload}) {
	const v = await dialog({title: "Create a channel", submit: "Create",
	    fields: [{name: "name", label: "Channel name", required: true,
	    maxlength: 64, hint: "“general” is taken by every server."},
	    {name: "type", label: "Type", options: ["TEXT", "AUDIO", "VIDEO"],
	    value: "TEXT"}]});
	if (!v)
		return;
	try {
		const r = await Api.createChannel(server.id, {name: v.name.trim(),
		    type: v.type});
		await reload();
		const c = findNewChannel(r, v.name.trim());
		if (c)
			go("/servers/" + server.id + "/channels/" + c.id);
	} catch (e) {
		toast("Could not create the channel: " + e.message, "error");
	}
}

// POST /api/channels answers with the server (seed) or the channel.
function findNewChannel(r, name) {
	if (r && Array.isArray(r.channels))
		return r.channels.find((c) => c.name === name);
	return r && r.id ? r : null;
}

async function renameChannel({server, reload}, c) {
	const v = await dialog({title: "Rename #" + c.name, submit: "Rename",
	    fields: [{name: "name", label: "New name", required: true,
	    maxlength: 64, value: c.name}]});
	if (!v)
		return;
	try {
		await Api.updateChannel(server.id, c.id, {name: v.name.trim(),
		    type: c.type || "TEXT"});
		await reload();
	} catch (e) {
		toast("Could not rename: " + e.message, "error");
	}
}

async function deleteChannel({server, channelId, go, reload}, c) {
	const ok = await dialog({title: "Delete #" + c.name + "?", danger: true,
	    submit: "Delete channel", body: h("p", null,
	    "The channel and its messages will be gone for everyone.")});
	if (!ok)
		return;
	try {
		await Api.deleteChannel(server.id, c.id);
		if (c.id === channelId)
			go("/servers/" + server.id);
		else
			await reload();
	} catch (e) {
		toast("Could not delete: " + e.message, "error");
	}
}

async function inviteDialog({server, profile, reload}) {
	const isOwner = server.profileId === profile.id;
	const link = (code) => location.origin + "/invite/" + code;
	const out = h("input", {readonly: true, value: link(server.inviteCode),
	    "aria-label": "Invite link", class: "invite-link"});
	const copy = h("button", {type: "button", class: "btn", onclick: async () => {
		out.select();
		try {
			await navigator.clipboard.writeText(out.value);
			copy.textContent = "Copied";
		} catch (e) {
			document.execCommand?.("copy");
		}
	}}, "Copy");
	const regen = isOwner ? h("button", {type: "button", class: "btn btn-link",
	    onclick: async () => {
		try {
			const s = await Api.newInvite(server.id);
			out.value = link(s.inviteCode);
			server.inviteCode = s.inviteCode;
		} catch (e) {
			toast("Could not make a new link: " + e.message, "error");
		}
	}}, "Generate a new link") : null;
	await dialog({title: "Invite friends to " + server.name, submit: "Done",
	    body: h("div", null, h("p", null,
	    "Anyone with this link can join the server."),
	    h("div", {class: "row"}, out, copy), regen)});
}

async function editServer({server, reload}) {
	const v = await dialog({title: "Server settings", submit: "Save",
	    fields: [{name: "name", label: "Server name", required: true,
	    maxlength: 64, value: server.name},
	    {name: "imageUrl", label: "Image URL", type: "url",
	    value: server.imageUrl || ""}]});
	if (!v)
		return;
	try {
		await Api.updateServer(server.id, {name: v.name.trim(),
		    imageUrl: v.imageUrl.trim()});
		await reload();
	} catch (e) {
		toast("Could not save: " + e.message, "error");
	}
}

async function deleteServer({server, go}) {
	const ok = await dialog({title: "Delete " + server.name + "?", danger: true,
	    submit: "Delete server", body: h("p", null,
	    "Every channel and message of this server will be deleted.")});
	if (!ok)
		return;
	try {
		await Api.deleteServer(server.id);
		go("/", true);
	} catch (e) {
		toast("Could not delete: " + e.message, "error");
	}
}

async function leaveServer({server, go}) {
	const ok = await dialog({title: "Leave " + server.name + "?", danger: true,
	    submit: "Leave", body: h("p", null,
	    "You can come back with an invite link.")});
	if (!ok)
		return;
	try {
		await Api.leave(server.id);
		go("/", true);
	} catch (e) {
		toast("Could not leave: " + e.message, "error");
	}
}

// ------------------------------------------------------------ members

const ROLE_LABEL = {ADMIN: "Admin", MODERATOR: "Moderator", GUEST: "Guest"};

export function membersPanel(ctx) {
	const {server, profile, online, dmMemberId} = ctx;
	const isOwner = server.profileId === profile.id;
	const members = [...server.members].sort((a, b) => {
		const r = {ADMIN: 0, MODERATOR: 1, GUEST: 2};
		return (r[a.role] ?? 3) - (r[b.role] ?? 3) ||
		    String(a.profile?.name).localeCompare(String(b.profile?.name));
	});
	const row = (m) => {
		const self = m.profileId === profile.id;
		const on = online.has(m.profileId) || self && isLive();
		return h("li", {class: "member" + (m.id === dmMemberId ? " active" : ""),
		    dataset: {memberId: m.id}},
		    h("span", {class: "presence-wrap"}, avatar(m.profile, "sm"),
		    h("span", {class: "presence " + (on ? "on" : "off"),
		    title: on ? "Online" : "Offline"})),
		    h("span", {class: "member-name"}, m.profile?.name || "?",
		    self ? h("span", {class: "muted"}, " (you)") : null,
		    h("span", {class: "sr-only"}, on ? ", online" : ", offline")),
		    h("span", {class: "role role-" + String(m.role).toLowerCase()},
		    ROLE_LABEL[m.role] || m.role),
		    !self ? h("a", {class: "icon-btn", href: "/servers/" + server.id +
		    "/conversations/" + m.id, "data-link": "",
		    "aria-label": "Message " + (m.profile?.name || "member"),
		    title: "Direct message"}, "Message") : null,
		    isOwner && !self ? memberTools(ctx, m) : null);
	};
	return h("aside", {class: "members", "aria-label": "Members"},
	    h("h2", null, "Members — " + members.length),
	    h("ul", null, members.map(row)));
}

function memberTools({server, reload}, m) {
	const sel = h("select", {"aria-label": "Role of " + (m.profile?.name || "member")},
	    ["GUEST", "MODERATOR", "ADMIN"].map((r) => h("option",
	    {value: r, selected: r === m.role}, ROLE_LABEL[r])));
	sel.addEventListener("change", async () => {
		try {
			await Api.setRole(server.id, m.id, sel.value);
			await reload();
		} catch (e) {
			sel.value = m.role;
			toast("Could not change the role: " + e.message, "error");
		}
	});
	const kick = h("button", {type: "button", class: "icon-btn danger",
	    "aria-label": "Kick " + (m.profile?.name || "member"), title: "Kick",
	    onclick: async () => {
		const ok = await dialog({title: "Kick " + (m.profile?.name || "member") +
		    "?", danger: true, submit: "Kick", body: h("p", null,
		    "They can come back only with a new invite.")});
		if (!ok)
			return;
		try {
			await Api.kick(server.id, m.id);
			await reload();
		} catch (e) {
			toast("Could not kick: " + e.message, "error");
		}
	}}, "✕");
	return h("span", {class: "member-tools"}, sel, kick);
}
