// web-live.js: the one Socket.IO connection of a logged-in user (the seed's
// SocketProvider). The session cookie authenticates it; recovery is asked
// for (the client dedupes by message id, see web-chat.js). Listeners get
// only the first argument of an event: with recovery on, the server may add
// the packet's offset as a last argument.
import { io } from "/vendor-socketio.js";

const listeners = new Set();	// fn(connected: boolean)
let socket = null;
let connected = false;

export function liveStart() {
	if (socket)
		return socket;
	socket = io(location.origin, {
		path: "/api/socket/io",
		addTrailingSlash: false,
		withCredentials: true,
		auth: {recover: true},
		reconnectionDelay: 500,
		reconnectionDelayMax: 3000,
	});
	socket.on("connect", () => setConnected(true));
	socket.on("disconnect", () => setConnected(false));
	socket.on("connect_error", () => {
		setConnected(false);
		// A refusal by the server (CONNECT_ERROR) stops the client's own
		// reconnection; the chat polls meanwhile, and we ask again later.
		const s = socket;
		if (s && !s.active)
			setTimeout(() => { if (socket === s && !s.connected) s.connect(); }, 5000);
	});
	return socket;
}

export function liveStop() {
	if (!socket)
		return;
	socket.disconnect();
	socket = null;
	setConnected(false);
}

function setConnected(v) {
	if (v === connected)
		return;
	connected = v;
	for (const fn of listeners)
		fn(v);
}

export const isLive = () => connected;

// Subscribe to connection changes; returns the unsubscribe function.
export function onLive(fn) {
	listeners.add(fn);
	return () => listeners.delete(fn);
}

// Listen to one event with its first argument only; returns "off".
export function liveOn(event, fn) {
	const s = liveStart();
	const wrapped = (payload) => fn(payload);
	s.on(event, wrapped);
	return () => s.off(event, wrapped);
}

// Every event whose name starts with prefix (presence updates); returns "off".
export function liveOnPrefix(prefix, fn) {
	const s = liveStart();
	const wrapped = (event, payload) => {
		if (typeof event === "string" && event.startsWith(prefix))
			fn(event, payload);
	};
	s.onAny(wrapped);
	return () => s.offAny(wrapped);
}

export function liveEmit(event, payload) {
	if (socket && connected)
		socket.emit(event, payload);
}

// Emit with an acknowledgement; fn(ack) runs once, or never if offline.
export function liveAsk(event, payload, fn) {
	if (socket && connected)
		socket.timeout(5000).emit(event, payload, (err, ack) => {
			if (!err)
				fn(ack);
		});
}

// The little badge: "Live" or "Polling", announced politely.
export function liveBadge() {
	const el = document.createElement("span");
	el.setAttribute("role", "status");
	el.setAttribute("aria-live", "polite");
	const paint = (v) => {
		el.className = "badge " + (v ? "badge-live" : "badge-polling");
		el.textContent = v ? "Live" : "Polling";
		el.title = v ? "Connected: messages arrive instantly" :
		    "Not connected: checking for messages every second";
	};
	paint(connected);
	const off = onLive(paint);
	el.dispose = off;
	return el;
}
