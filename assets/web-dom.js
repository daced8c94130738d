// web-dom.js: building DOM nodes without ever parsing HTML.
// Every piece of user text goes in as a Text node (textContent); there is
// no innerHTML anywhere in the client.

// h("button", {class: "x", onclick: fn, "aria-label": "Close"}, "text", node)
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	if (attrs) {
		for (const [k, v] of Object.entries(attrs)) {
			if (v === undefined || v === null || v === false)
				continue;
			if (k.startsWith("on") && typeof v === "function")
				el.addEventListener(k.slice(2), v);
			else if (k === "class")
				el.className = v;
			else if (k === "dataset")
				Object.assign(el.dataset, v);
			else if (k === "value")
				el.value = v;
			else if (v === true)
				el.setAttribute(k, "");
			else
				el.setAttribute(k, String(v));
		}
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c))
			append(el, c);
		else if (c instanceof Node)
			el.appendChild(c);
		else
			el.appendChild(document.createTextNode(String(c)));
	}
}

export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

export function replace(el, ...children) {
	clear(el);
	append(el, children);
	return el;
}

// Only http(s) URLs become links or images; anything else stays text.
export function safeUrl(s) {
	if (typeof s !== "string" || s.length === 0 || s.length > 2048)
		return null;
	try {
		const u = new URL(s, location.href);
		if (u.protocol === "http:" || u.protocol === "https:")
			return u.href;
	} catch (e) {
		/* not a URL */
	}
	return null;
}

const IMAGE_EXT = /\.(png|jpe?g|gif|webp|avif|bmp)$/i;

export function isImageUrl(s) {
	const u = safeUrl(s);
	if (!u)
		return false;
	return IMAGE_EXT.test(new URL(u).pathname);
}

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

// Text with its http(s) URLs turned into links; returns {nodes, images}.
export function linkify(text) {
	const nodes = [];
	const images = [];
	let last = 0;
	for (const m of text.matchAll(URL_RE)) {
		let raw = m[0];
		// Trailing punctuation is usually the sentence's, not the URL's.
		const trail = raw.match(/[.,;:!?)\]]+$/);
		if (trail)
			raw = raw.slice(0, -trail[0].length);
		const href = safeUrl(raw);
		if (!href)
			continue;
		if (m.index > last)
			nodes.push(text.slice(last, m.index));
		nodes.push(h("a", {href, target: "_blank",
		    rel: "noopener noreferrer nofollow"}, raw));
		if (isImageUrl(raw))
			images.push(href);
		last = m.index + raw.length;
	}
	if (last < text.length)
		nodes.push(text.slice(last));
	return {nodes, images};
}

export function initials(name) {
	const s = String(name || "?").trim();
	return s ? Array.from(s)[0].toUpperCase() : "?";
}

export function avatar(profile, size) {
	const name = profile?.name || "?";
	const src = safeUrl(profile?.imageUrl);
	const cls = "avatar" + (size ? " avatar-" + size : "");
	if (src) {
		const img = h("img", {class: cls, src, alt: "", loading: "lazy",
		    referrerpolicy: "no-referrer"});
		img.addEventListener("error", () => img.replaceWith(
		    h("span", {class: cls, "aria-hidden": "true"}, initials(name))));
		return img;
	}
	return h("span", {class: cls, "aria-hidden": "true"}, initials(name));
}

const dateFmt = new Intl.DateTimeFormat(undefined,
    {dateStyle: "medium", timeStyle: "short"});

export function timeEl(iso) {
	const d = new Date(iso);
	if (Number.isNaN(d.getTime()))
		return h("time", null, "");
	return h("time", {datetime: d.toISOString(), title: d.toLocaleString()},
	    dateFmt.format(d));
}

// A modal <dialog>: native focus trapping and Esc; resolves with the form's
// values on submit, or null on cancel.
export function dialog({title, fields, submit, danger, body}) {
	return new Promise((resolve) => {
		const err = h("p", {class: "form-error", role: "alert"});
		const inputs = (fields || []).map((f) => {
			const id = "f-" + Math.random().toString(36).slice(2);
			let input;
			if (f.options) {
				input = h("select", {id, name: f.name},
				    f.options.map((o) => h("option",
				    {value: o, selected: o === f.value}, o)));
			} else {
				input = h("input", {id, name: f.name, type: f.type || "text",
				    value: f.value || "", required: f.required,
				    maxlength: f.maxlength, placeholder: f.placeholder,
				    autocomplete: "off"});
			}
			return h("div", {class: "field"},
			    h("label", {for: id}, f.label), input,
			    f.hint ? h("small", null, f.hint) : null);
		});
		const cancel = h("button", {type: "button", class: "btn"}, "Cancel");
		const ok = h("button", {type: "submit",
		    class: "btn " + (danger ? "btn-danger" : "btn-primary")},
		    submit || "OK");
		const form = h("form", {method: "dialog"},
		    h("h2", null, title), body || null, inputs, err,
		    h("div", {class: "actions"}, cancel, ok));
		const dlg = h("dialog", {class: "modal", "aria-label": title}, form);
		let done = false;
		const finish = (v) => {
			if (done)
				return;
			done = true;
			dlg.close();
			dlg.remove();
			resolve(v);
		};
		cancel.addEventListener("click", () => finish(null));
		dlg.addEventListener("close", () => finish(null));
		form.addEventListener("submit", (ev) => {
			ev.preventDefault();
			const values = {};
			for (const el of form.elements) {
				if (el.name)
					values[el.name] = el.value;
			}
			finish(values);
		});
		document.body.appendChild(dlg);
		dlg.showModal();
	});
}

// Short-lived message for the user (errors and confirmations).
export function toast(text, kind) {
	let box = document.getElementById("toasts");
	if (!box) {
		box = h("div", {id: "toasts", role: "status", "aria-live": "polite"});
		document.body.appendChild(box);
	}
	const t = h("div", {class: "toast " + (kind || "")}, text);
	box.appendChild(t);
	setTimeout(() => t.remove(), 5000);
}
