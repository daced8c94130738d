// web-chat.js: one chat (a channel or a direct conversation). It does what
// the seed's useChatQuery + useChatSocket did, and what they missed:
// - history: newest 10 first, then older pages by cursor as the user
//   scrolls up, keeping the view where it was;
// - live: chat:<id>:messages and chat:<id>:messages:update from the socket;
// - fallback: while the socket is down, poll every second (like the seed's
//   refetchInterval); on reconnect, catch up with ?after=<newest id>;
// - every message is kept once, by id, whatever path it came by (REST
//   answer, socket, replay after recovery, polling, catch-up).
import { api, chatEndpoints } from "/web-api.js";
import { h, clear, replace, linkify, safeUrl, isImageUrl, avatar, timeEl,
    dialog, toast } from "/web-dom.js";
import { liveOn, liveEmit, onLive, isLive } from "/web-live.js";

const DELETED_TEXT = "This message has been deleted.";
const NEAR = 80;		// px from an edge that counts as "at" it
const POLL_MS = 1000;
const TYPING_SEND_MS = 2000;
const TYPING_SHOW_MS = 3500;
const GROUP_MS = 5 * 60 * 1000;

const byTime = (a, b) => (a.createdAt < b.createdAt ? -1 :
    a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

// An image that does not load leaves only its link (already in the text).
function brokenToText(img) {
	img.addEventListener("error", () => img.parentElement?.remove());
	return img;
}

export class ChatView {
	// opts: {kind: "channel"|"conversation", id, serverId, me: member,
	//        profile, title, placeholder, emptyText, resolveMember(id)}
	constructor(opts) {
		this.o = opts;
		this.ep = chatEndpoints(opts.kind, opts.id, opts.serverId);
		this.msgs = new Map();		// id -> message
		this.order = [];		// messages, oldest first
		this.nodes = new Map();		// id -> <li>
		this.nextCursor = undefined;	// undefined: first page not loaded
		this.loadingOlder = false;
		this.editing = null;		// id being edited
		this.typers = new Map();	// name -> timeout
		this.offs = [];
		this.pollTimer = null;
		this.polling = false;
		this.afterUnsupported = false;
		this.lastTypingSent = 0;
		this.disposed = false;
		this.build();
	}

	build() {
		const o = this.o;
		this.top = h("div", {class: "history-top"});
		this.list = h("ol", {class: "messages", "aria-label": "Messages"});
		// New messages from others are read out here, one at a time;
		// older pages coming in are not announced.
		this.announce = h("div", {class: "sr-only", "aria-live": "polite"});
		this.empty = h("p", {class: "empty-state", hidden: true},
		    o.emptyText || "No messages yet. Write the first one below.");
		this.scroller = h("div", {class: "scroller", tabindex: "0",
		    "aria-label": "Message history"},
		    this.top, this.empty, this.list);
		this.jump = h("button", {class: "jump", type: "button", hidden: true,
		    onclick: () => this.scrollToBottom()}, "New messages ↓");
		this.typingEl = h("div", {class: "typing", "aria-live": "polite"});
		this.input = h("textarea", {"aria-label": "Message", rows: "1",
		    placeholder: o.placeholder || "Message", maxlength: "4000",
		    enterkeyhint: "send"});
		this.sendErr = h("p", {class: "form-error", role: "alert"});
		const sendBtn = h("button", {type: "submit", class: "btn btn-primary",
		    "aria-label": "Send message"}, "Send");
		this.form = h("form", {class: "composer"}, this.input, sendBtn);
		this.root = h("section", {class: "chat", "aria-label": o.title},
		    this.announce, this.scroller, this.jump, this.typingEl, this.sendErr, this.form);

		this.form.addEventListener("submit", (ev) => {
			ev.preventDefault();
			this.send();
		});
		this.input.addEventListener("keydown", (ev) => {
			if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
				ev.preventDefault();
				this.send();
			} else if (ev.key === "ArrowUp" && this.input.value === "") {
				// Like Discord: Up in an empty box edits one's last message.
				const mine = [...this.order].reverse().find((m) => this.can(m).edit);
				if (mine) {
					ev.preventDefault();
					this.edit(mine.id);
				}
			}
		});
		this.input.addEventListener("input", () => {
			this.autosize(this.input);
			this.typing();
		});
		this.scroller.addEventListener("scroll", () => this.onScroll(),
		    {passive: true});
	}

	// Attach to the page and start loading; the caller puts this.root in.
	start() {
		const key = this.ep.key;
		this.offs.push(liveOn("chat:" + key + ":messages",
		    (m) => this.upsert(m, true)));
		this.offs.push(liveOn("chat:" + key + ":messages:update",
		    (m) => this.upsert(m, false)));
		this.offs.push(liveOn("typing", (t) => this.onTyping(t)));
		this.offs.push(onLive((v) => this.onLiveChange(v)));
		this.loadFirst();
		if (!isLive())
			this.startPolling();
	}

	dispose() {
		this.disposed = true;
		for (const off of this.offs)
			off();
		this.offs = [];
		this.stopPolling();
		for (const t of this.typers.values())
			clearTimeout(t);
	}

	// ------------------------------------------------------------ loading

	async loadFirst() {
		replace(this.top, h("p", {class: "muted"}, "Loading messages…"));
		try {
			const page = await api("GET", this.ep.list({}));
			if (this.disposed)
				return;
			this.nextCursor = page?.nextCursor ?? null;
			this.mergeItems(page?.items || [], false);
			this.paintTop();
			this.scrollToBottom();
			this.fill();
		} catch (e) {
			if (this.disposed)
				return;
			replace(this.top, h("div", {class: "error-state", role: "alert"},
			    h("p", null, "Could not load messages: " + e.message),
			    h("button", {class: "btn", type: "button",
			    onclick: () => this.loadFirst()}, "Try again")));
		}
	}

	// Older pages until the history fills the view (or there is no more).
	async fill() {
		while (!this.disposed && this.nextCursor &&
		    this.scroller.scrollHeight <= this.scroller.clientHeight + NEAR) {
			if (!(await this.loadOlder()))
				break;
		}
	}

	async loadOlder() {
		if (this.loadingOlder || !this.nextCursor)
			return false;
		this.loadingOlder = true;
		this.paintTop();
		const sc = this.scroller;
		try {
			const page = await api("GET",
			    this.ep.list({cursor: this.nextCursor}));
			if (this.disposed)
				return false;
			// Keep what the user sees in place: measure from the bottom.
			const fromBottom = sc.scrollHeight - sc.scrollTop;
			this.nextCursor = page?.nextCursor ?? null;
			this.loadingOlder = false;
			this.mergeItems(page?.items || [], false);
			sc.scrollTop = sc.scrollHeight - fromBottom;
			return true;
		} catch (e) {
			toast("Could not load older messages: " + e.message, "error");
			return false;
		} finally {
			if (this.loadingOlder) {
				this.loadingOlder = false;
				if (!this.disposed)
					this.paintTop();
			}
		}
	}

	paintTop() {
		if (this.loadingOlder) {
			replace(this.top, h("p", {class: "muted"}, "Loading older messages…"));
		} else if (this.nextCursor) {
			replace(this.top, h("button", {class: "btn btn-link", type: "button",
			    onclick: () => this.loadOlder()}, "Load older messages"));
		} else if (this.nextCursor === null) {
			replace(this.top, h("p", {class: "beginning"},
			    "This is the beginning of " + this.o.title + "."));
		}
		this.empty.hidden = this.order.length > 0 || this.nextCursor !== null;
	}

	onScroll() {
		if (this.scroller.scrollTop < NEAR && this.nextCursor)
			this.loadOlder();
		if (this.atBottom())
			this.jump.hidden = true;
	}

	atBottom() {
		const sc = this.scroller;
		return sc.scrollHeight - sc.scrollTop - sc.clientHeight < NEAR;
	}

	scrollToBottom() {
		this.scroller.scrollTop = this.scroller.scrollHeight;
		this.jump.hidden = true;
	}

	// ------------------------------------------------ fallback and catch-up

	onLiveChange(v) {
		if (v) {
			this.stopPolling();
			this.catchUp();
		} else {
			this.startPolling();
		}
	}

	startPolling() {
		if (this.pollTimer || this.disposed)
			return;
		this.pollTimer = setInterval(() => this.catchUp(), POLL_MS);
	}

	stopPolling() {
		clearInterval(this.pollTimer);
		this.pollTimer = null;
	}

	// What happened while we were not listening: everything after the
	// newest message we have (oldest first, page after page), then the
	// newest page again for edits and deletes of recent messages.
	async catchUp() {
		if (this.polling || this.disposed || this.nextCursor === undefined)
			return;
		this.polling = true;
		try {
			if (!this.afterUnsupported && this.order.length > 0) {
				for (let i = 0; i < 50; i++) {
					const newest = this.order[this.order.length - 1];
					let page;
					try {
						page = await api("GET",
						    this.ep.list({after: newest.id}));
					} catch (e) {
						if (e.status === 400)
							this.afterUnsupported = true;
						break;
					}
					const items = Array.isArray(page) ? page :
					    page?.items || [];
					if (this.disposed || items.length === 0)
						break;
					const before = this.order.length;
					this.mergeItems(items, true);
					if (this.order.length === before)
						break;
				}
			}
			const first = await api("GET", this.ep.list({}));
			if (!this.disposed)
				this.mergeItems(first?.items || [], true);
		} catch (e) {
			/* next tick tries again; the badge already says Polling */
		} finally {
			this.polling = false;
		}
	}

	// ------------------------------------------------------------ the list

	mergeItems(items, live) {
		const stick = live && this.atBottom();
		for (const m of items)
			this.upsert(m, false, true);
		if (stick)
			this.scrollToBottom();
		this.paintTop();
	}

	// Insert or update one message; a duplicate is dropped, an older
	// version never overwrites a newer one.
	upsert(m, fromSocket, quiet) {
		if (!m || typeof m.id !== "string" || this.disposed)
			return;
		const old = this.msgs.get(m.id);
		if (old) {
			if ((m.updatedAt || "") < (old.updatedAt || ""))
				return;
			if (m.updatedAt === old.updatedAt && !!m.deleted === !!old.deleted &&
			    m.content === old.content)
				return;
			this.msgs.set(m.id, m);
			const i = this.order.indexOf(old);
			this.order[i] = m;
			if (this.editing === m.id && !m.deleted)
				return;	// the editor stays; its save re-renders
			if (this.editing === m.id)
				this.editing = null;
			const li = this.render(m);
			this.nodes.get(m.id).replaceWith(li);
			this.nodes.set(m.id, li);
			this.regroup(i);
			return;
		}
		const stick = this.atBottom();
		// Binary search for the first message that sorts after m.
		let lo = 0, hi = this.order.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (byTime(this.order[mid], m) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		this.order.splice(lo, 0, m);
		this.msgs.set(m.id, m);
		const li = this.render(m);
		this.nodes.set(m.id, li);
		const next = this.order[lo + 1];
		this.list.insertBefore(li, next ? this.nodes.get(next.id) : null);
		this.regroup(lo);
		this.regroup(lo + 1);
		this.clearTyper(m.member?.profile?.name);
		if (m.memberId && !this.o.resolveMember?.(m.memberId))
			this.o.onUnknownMember?.(m.memberId);
		if (!quiet) {
			this.paintTop();
			if (stick)
				this.scrollToBottom();
			else if (fromSocket && lo === this.order.length - 1)
				this.jump.hidden = false;
			if (fromSocket && m.memberId !== this.o.me?.id && !m.deleted)
				this.announce.textContent = (m.member?.profile?.name ||
				    "Someone") + ": " + String(m.content ?? "").slice(0, 200);
		}
	}

	// Consecutive messages of one member within GROUP_MS read as one block:
	// the name and avatar show on the first only (kept for screen readers).
	regroup(i) {
		const m = this.order[i];
		const li = m && this.nodes.get(m.id);
		if (!li)
			return;
		const prev = this.order[i - 1];
		const same = !!prev && prev.memberId === m.memberId &&
		    Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_MS;
		li.classList.toggle("grouped", same);
	}

	can(m) {
		const me = this.o.me;
		const isOwner = !!me && m.memberId === me.id;
		const isAdmin = me?.role === "ADMIN";
		const isModerator = me?.role === "MODERATOR";
		return {
			// The seed's rules (chat-item.tsx).
			edit: !m.deleted && isOwner && !m.fileUrl,
			del: !m.deleted && (isAdmin || isModerator || isOwner),
		};
	}

	render(m) {
		const member = m.member || this.o.resolveMember?.(m.memberId) || {};
		const profile = member.profile || {};
		const name = profile.name || "Unknown member";
		const role = member.role;
		const edited = !m.deleted && m.updatedAt && m.createdAt &&
		    m.updatedAt !== m.createdAt;
		const can = this.can(m);
		const body = h("div", {class: "msg-body"},
		    h("div", {class: "msg-meta"},
		    h("span", {class: "author"}, name),
		    role && role !== "GUEST" ? h("span", {class: "role role-" +
		    role.toLowerCase(), title: role}, role === "ADMIN" ? "Admin" :
		    "Moderator") : null,
		    timeEl(m.createdAt)));
		if (m.deleted) {
			body.appendChild(h("p", {class: "content deleted"},
			    m.content || DELETED_TEXT));
		} else {
			const {nodes, images} = linkify(String(m.content ?? ""));
			body.appendChild(h("p", {class: "content"}, nodes));
			if (edited)
				body.lastChild.after(h("span", {class: "edited"}, "(edited)"));
			const file = safeUrl(m.fileUrl);
			if (file && !images.includes(file)) {
				if (isImageUrl(file))
					images.push(file);
				else
					body.appendChild(h("a", {class: "file", href: file,
					    target: "_blank", rel: "noopener noreferrer nofollow"},
					    "Attachment"));
			}
			for (const src of images.slice(0, 4)) {
				body.appendChild(h("a", {class: "image", href: src,
				    target: "_blank", rel: "noopener noreferrer nofollow"},
				    brokenToText(h("img", {src, alt: "Image posted by " + name,
				    loading: "lazy", referrerpolicy: "no-referrer"}))));
			}
		}
		const actions = h("div", {class: "msg-actions"},
		    can.edit ? h("button", {type: "button", class: "icon-btn",
		    "aria-label": "Edit message", title: "Edit",
		    onclick: () => this.edit(m.id)}, "Edit") : null,
		    can.del ? h("button", {type: "button", class: "icon-btn",
		    "aria-label": "Delete message", title: "Delete",
		    onclick: () => this.remove(m.id)}, "Delete") : null);
		return h("li", {class: "msg" + (m.deleted ? " is-deleted" : ""),
		    dataset: {id: m.id}}, avatar(profile), body, actions);
	}

	// ------------------------------------------------------- writing

	autosize(t) {
		t.style.height = "auto";
		t.style.height = Math.min(t.scrollHeight, 200) + "px";
	}

	// Enter takes the text at once and clears the box; messages go out one
	// after the other, in the order they were typed.
	send() {
		const content = this.input.value.trim();
		if (!content)
			return;
		this.sendErr.textContent = "";
		this.input.value = "";
		this.autosize(this.input);
		this.outbox = (this.outbox || Promise.resolve()).then(async () => {
			try {
				const m = await api("POST", this.ep.post(), {content});
				this.upsert(m, false);
				this.scrollToBottom();
			} catch (e) {
				if (!this.input.value)
					this.input.value = content;
				this.sendErr.textContent = "Not sent: " + e.message +
				    " Your text is kept; press Enter to try again.";
			}
		});
	}

	typing() {
		if (!this.ep.typing.channelId)
			return;	// the server relays typing in channels only
		const now = Date.now();
		if (now - this.lastTypingSent < TYPING_SEND_MS || !this.input.value)
			return;
		this.lastTypingSent = now;
		liveEmit("typing", this.ep.typing);
	}

	onTyping(t) {
		if (!t || typeof t !== "object")
			return;
		const id = t.channelId || t.conversationId;
		if (id !== this.ep.key)
			return;
		const me = this.o.profile;
		const pid = t.profileId || t.profile?.id || t.member?.profileId;
		if (me && pid === me.id)
			return;
		const name = t.name || t.profile?.name || t.member?.profile?.name ||
		    this.o.resolveMember?.(t.memberId)?.profile?.name ||
		    this.o.resolveProfile?.(pid)?.profile?.name || "Someone";
		clearTimeout(this.typers.get(name));
		this.typers.set(name, setTimeout(() => this.clearTyper(name),
		    TYPING_SHOW_MS));
		this.paintTyping();
	}

	clearTyper(name) {
		if (!name || !this.typers.has(name))
			return;
		clearTimeout(this.typers.get(name));
		this.typers.delete(name);
		this.paintTyping();
	}

	paintTyping() {
		const names = [...this.typers.keys()];
		this.typingEl.textContent = names.length === 0 ? "" :
		    names.length === 1 ? names[0] + " is typing…" :
		    names.length <= 3 ? names.join(", ") + " are typing…" :
		    "Several people are typing…";
	}

	edit(id) {
		const m = this.msgs.get(id);
		const li = this.nodes.get(id);
		if (!m || !li || !this.can(m).edit)
			return;
		if (this.editing && this.editing !== id)
			this.cancelEdit();
		this.editing = id;
		const content = li.querySelector(".content");
		const ta = h("textarea", {"aria-label": "Edit message", rows: "2",
		    maxlength: "4000"});
		ta.value = m.content;
		const err = h("p", {class: "form-error", role: "alert"});
		const save = async () => {
			const v = ta.value.trim();
			if (!v)
				return;
			try {
				const u = await api("PATCH", this.ep.item(id), {content: v});
				this.editing = null;
				this.refresh(id, u);
			} catch (e) {
				err.textContent = "Not saved: " + e.message;
			}
		};
		const form = h("form", {class: "edit-form"}, ta,
		    h("small", null, "Enter to save · Esc to cancel"),
		    h("div", {class: "actions"},
		    h("button", {type: "button", class: "btn",
		    onclick: () => this.cancelEdit()}, "Cancel"),
		    h("button", {type: "submit", class: "btn btn-primary"}, "Save")),
		    err);
		form.addEventListener("submit", (ev) => {
			ev.preventDefault();
			save();
		});
		ta.addEventListener("keydown", (ev) => {
			if (ev.key === "Escape") {
				ev.preventDefault();
				this.cancelEdit();
			} else if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
				ev.preventDefault();
				save();
			}
		});
		content.replaceWith(form);
		ta.focus();
		ta.setSelectionRange(ta.value.length, ta.value.length);
	}

	cancelEdit() {
		const id = this.editing;
		this.editing = null;
		if (id)
			this.refresh(id);
		this.input.focus();
	}

	refresh(id, m) {
		if (m && m.id === id) {
			this.upsert(m, false);
		}
		const cur = this.msgs.get(id);
		const li = this.nodes.get(id);
		if (cur && li && this.editing !== id) {
			const n = this.render(cur);
			li.replaceWith(n);
			this.nodes.set(id, n);
			this.regroup(this.order.indexOf(cur));
		}
	}

	async remove(id) {
		const m = this.msgs.get(id);
		if (!m || !this.can(m).del)
			return;
		const ok = await dialog({title: "Delete message?", danger: true,
		    submit: "Delete", body: h("p", null,
		    "The message will be replaced by “" + DELETED_TEXT +
		    "” for everyone.")});
		if (!ok)
			return;
		try {
			const u = await api("DELETE", this.ep.item(id));
			if (u)
				this.upsert(u, false);
			this.input.focus();
		} catch (e) {
			toast("Could not delete: " + e.message, "error");
		}
	}
}

export { clear };
