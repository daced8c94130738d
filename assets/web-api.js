// web-api.js: the REST contract of DESIGN.md §1. The session is the HttpOnly
// cookie the server sets; every call sends it (same origin).

export class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.status = status;
		this.code = code;
	}
}

export async function api(method, path, body) {
	const opts = {method, credentials: "same-origin", headers: {}};
	if (body !== undefined) {
		opts.headers["content-type"] = "application/json";
		opts.body = JSON.stringify(body);
	}
	let res;
	try {
		res = await fetch(path, opts);
	} catch (e) {
		throw new ApiError(0, "network",
		    "Cannot reach the server. Check your connection; parley retries.");
	}
	if (res.status === 204)
		return null;
	let data = null;
	const text = await res.text();
	if (text) {
		try {
			data = JSON.parse(text);
		} catch (e) {
			data = null;
		}
	}
	if (!res.ok) {
		const err = data && data.error;
		throw new ApiError(res.status, err?.code || "http_" + res.status,
		    err?.message || defaultMessage(res.status));
	}
	return data;
}

function defaultMessage(status) {
	if (status === 401)
		return "Your session has ended. Please log in again.";
	if (status === 403)
		return "You are not allowed to do that.";
	if (status === 404)
		return "Not found. It may have been deleted.";
	if (status === 413)
		return "That is too large.";
	if (status >= 500)
		return "The server had a problem. Try again in a moment.";
	return "The request failed (" + status + ").";
}

export const qs = (o) => {
	const p = new URLSearchParams();
	for (const [k, v] of Object.entries(o)) {
		if (v !== undefined && v !== null && v !== "")
			p.set(k, v);
	}
	return p.toString();
};

export const Api = {
	profile: () => api("GET", "/api/profile"),
	signup: (b) => api("POST", "/api/auth/signup", b),
	login: (b) => api("POST", "/api/auth/login", b),
	logout: () => api("POST", "/api/auth/logout"),

	servers: () => api("GET", "/api/servers"),
	server: (id) => api("GET", "/api/servers/" + encodeURIComponent(id)),
	createServer: (b) => api("POST", "/api/servers", b),
	updateServer: (id, b) => api("PATCH", "/api/servers/" +
	    encodeURIComponent(id), b),
	deleteServer: (id) => api("DELETE", "/api/servers/" +
	    encodeURIComponent(id)),
	newInvite: (id) => api("PATCH", "/api/servers/" +
	    encodeURIComponent(id) + "/invite-code"),
	join: (code) => api("POST", "/api/invites/" + encodeURIComponent(code)),
	leave: (id) => api("PATCH", "/api/servers/" +
	    encodeURIComponent(id) + "/leave"),

	createChannel: (serverId, b) => api("POST", "/api/channels?" +
	    qs({serverId}), b),
	updateChannel: (serverId, id, b) => api("PATCH", "/api/channels/" +
	    encodeURIComponent(id) + "?" + qs({serverId}), b),
	deleteChannel: (serverId, id) => api("DELETE", "/api/channels/" +
	    encodeURIComponent(id) + "?" + qs({serverId})),

	setRole: (serverId, id, role) => api("PATCH", "/api/members/" +
	    encodeURIComponent(id) + "?" + qs({serverId}), {role}),
	kick: (serverId, id) => api("DELETE", "/api/members/" +
	    encodeURIComponent(id) + "?" + qs({serverId})),

	conversation: (serverId, memberId) => api("POST", "/api/conversations?" +
	    qs({serverId}), {memberId}),
};

// The two kinds of chat share one shape; only the names differ.
export function chatEndpoints(kind, id, serverId) {
	if (kind === "channel") {
		return {
			key: id,
			list: (extra) => "/api/messages?" + qs({channelId: id, ...extra}),
			post: () => "/api/socket/messages?" + qs({serverId, channelId: id}),
			item: (mid) => "/api/socket/messages/" + encodeURIComponent(mid) +
			    "?" + qs({serverId, channelId: id}),
			typing: {channelId: id},
		};
	}
	return {
		key: id,
		list: (extra) => "/api/direct-messages?" +
		    qs({conversationId: id, ...extra}),
		post: () => "/api/socket/direct-messages?" + qs({conversationId: id}),
		item: (mid) => "/api/socket/direct-messages/" +
		    encodeURIComponent(mid) + "?" + qs({conversationId: id}),
		typing: {conversationId: id},
	};
}
