/*
 * src/eio/eio_route.c: the Engine.IO HTTP route (layer L1).
 *
 * One handler for every request on an endpoint (with or without the
 * trailing slash): CORS preflight, request validation in engine.io's order
 * with its exact error answers (docs/socketio-wire.md §1), the polling
 * handshake, polling GET (answered at once when packets are queued, else
 * parked until the flush delivers) and POST, and the hand-off of
 * WebSocket requests to eio_ws.c. Requests for a sid owned by another
 * worker go to eio_worker.c.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#define EIO_INTERNAL
#include "eio/eio.h"
#include "util/util.h"

static const char	*error_messages[] = {
	"Transport unknown",
	"Session ID unknown",
	"Bad handshake method",
	"Bad request",
	"Forbidden",
	"Unsupported protocol version",
};

static struct eio_server	*server_find(const char *);
static int	preflight(struct http_request *, struct eio_server *);
static int	handshake(struct http_request *, struct eio_server *, int);
static int	poll_get(struct http_request *, struct eio_session *);
static int	poll_post(struct http_request *, struct eio_session *);
static int	poll_resume(struct http_request *, struct eio_reqstate *);
static int	origin_bad(struct http_request *);
static int	is_upgrade(struct http_request *);

/*
 * The route handler for every Engine.IO endpoint (conf: route <path> and
 * <path>/ -> eio_route). Always answers (or parks the request); never
 * returns KORE_RESULT_ERROR.
 */
int
eio_route(struct http_request *req)
{
	struct eio_reqstate	*rs;
	struct eio_server	*srv;
	struct eio_session	*s;
	const char		*v, *reason;
	size_t			vlen;
	int			t, ws, upgrade, kind;
	u_int16_t		owner;
	char			sid[EIO_SID_LEN + 1];

	if (http_state_exists(req)) {
		rs = http_state_get(req);
		if (rs->kind == EIO_RQ_POLL)
			return (poll_resume(req, rs));
		return (eio_worker_resume(req));
	}

	if ((srv = server_find(req->path)) == NULL) {
		http_response(req, HTTP_STATUS_NOT_FOUND, NULL, 0);
		return (KORE_RESULT_OK);
	}

	if (req->method == HTTP_METHOD_OPTIONS && srv->cfg.cors_origin != NULL)
		return (preflight(req, srv));

	upgrade = is_upgrade(req);

	t = 0;
	if (eio_query_param(req->query_string, "transport", &v, &vlen)) {
		if (vlen == 7 && memcmp(v, "polling", 7) == 0)
			t = EIO_TRANSPORT_POLLING;
		else if (vlen == 9 && memcmp(v, "websocket", 9) == 0)
			t = EIO_TRANSPORT_WEBSOCKET;
	}
	if (t == 0 || !(t & srv->cfg.transports)) {
		eio_http_error(req, srv, 0, upgrade);
		return (KORE_RESULT_OK);
	}
	ws = (t == EIO_TRANSPORT_WEBSOCKET);

	if (origin_bad(req)) {
		eio_http_error(req, srv, 3, upgrade);
		return (KORE_RESULT_OK);
	}

	if (!eio_query_param(req->query_string, "sid", &v, &vlen))
		return (handshake(req, srv, ws));

	if (!eio_sid_owner(v, vlen, &owner)) {
		eio_http_error(req, srv, 1, upgrade);
		return (KORE_RESULT_OK);
	}
	memcpy(sid, v, vlen);
	sid[vlen] = '\0';

	if (ws) {
		if (!upgrade) {
			eio_http_error(req, srv, 3, 0);
			return (KORE_RESULT_OK);
		}
		if (srv->cfg.allow_request != NULL) {
			reason = NULL;
			if (!srv->cfg.allow_request(req, &reason)) {
				eio_http_error_reason(req, srv, reason, 1);
				return (KORE_RESULT_OK);
			}
		}
		if (!eio_ws_request_ok(req)) {
			eio_http_error(req, srv, 3, 1);
			return (KORE_RESULT_OK);
		}
		kind = EIO_FWD_WS_OPEN;
	} else if (req->method == HTTP_METHOD_GET) {
		kind = EIO_FWD_POLL;
	} else if (req->method == HTTP_METHOD_POST) {
		if (req->http_body_length > srv->cfg.max_payload) {
			eio_http_respond(req, srv, 413, NULL, NULL, 0);
			return (KORE_RESULT_OK);
		}
		kind = EIO_FWD_POST;
		if (http_request_header(req, "content-type", &v) &&
		    strncasecmp(v, "application/octet-stream", 24) == 0)
			kind = EIO_FWD_POST_OCTET;
	} else {
		eio_http_error(req, srv, 3, 0);
		return (KORE_RESULT_OK);
	}

	if (worker == NULL || owner != worker->id)
		return (eio_worker_forward(req, srv, kind, sid, owner));

	if ((s = eio_session_lookup(srv, sid, vlen)) == NULL) {
		eio_http_error(req, srv, 1, ws);
		return (KORE_RESULT_OK);
	}

	if (s->flags & EIO_SF_LINGER) {
		if (kind == EIO_FWD_POLL) {
			eio_http_respond(req, srv, 200,
			    "text/plain; charset=UTF-8", s->pollbuf.data,
			    s->pollbuf.offset);
			eio_session_linger_done(s);
		} else {
			eio_http_error(req, srv, 1, ws);
		}
		return (KORE_RESULT_OK);
	}

	if (ws)
		return (eio_ws_accept(req, srv, s, NULL, 0));

	if (s->state == EIO_STATE_WEBSOCKET) {
		eio_http_error(req, srv, 3, 0);
		return (KORE_RESULT_OK);
	}

	if (kind == EIO_FWD_POLL)
		return (poll_get(req, s));

	if (kind == EIO_FWD_POST_OCTET) {
		/* v4 payloads are text only. */
		eio_session_terminate(s, "transport error", 0);
		eio_http_respond(req, srv, 400, NULL, NULL, 0);
		return (KORE_RESULT_OK);
	}

	return (poll_post(req, s));
}

/*
 * Answer with the Engine.IO error code (0..5) in engine.io's shape:
 * JSON {"code":N,"message":"..."} (403 for code 4, else 400); for a
 * WebSocket upgrade request (ws) the message as text/html.
 */
void
eio_http_error(struct http_request *req, struct eio_server *srv, int code,
    int ws)
{
	struct kore_buf		buf;
	const char		*msg;

	msg = error_messages[code];
	kore_buf_init(&buf, 64);
	if (ws) {
		kore_buf_appendf(&buf, "%s", msg);
		eio_http_respond(req, srv, code == 4 ? 403 : 400, "text/html",
		    buf.data, buf.offset);
	} else {
		kore_buf_appendf(&buf, "{\"code\":%d,\"message\":\"%s\"}",
		    code, msg);
		eio_http_respond(req, srv, code == 4 ? 403 : 400,
		    "application/json", buf.data, buf.offset);
	}
	kore_buf_cleanup(&buf);
}

/* 403 {"code":4,"message":reason} (reason NULL: "Forbidden"). */
void
eio_http_error_reason(struct http_request *req, struct eio_server *srv,
    const char *reason, int ws)
{
	struct kore_buf		buf;

	if (reason == NULL) {
		eio_http_error(req, srv, 4, ws);
		return;
	}

	kore_buf_init(&buf, 64);
	if (ws) {
		kore_buf_appendf(&buf, "%s", reason);
		eio_http_respond(req, srv, 403, "text/html", buf.data,
		    buf.offset);
	} else {
		kore_buf_appendf(&buf, "{\"code\":4,\"message\":");
		util_json_cstr(&buf, reason);
		kore_buf_appendf(&buf, "}");
		eio_http_respond(req, srv, 403, "application/json", buf.data,
		    buf.offset);
	}
	kore_buf_cleanup(&buf);
}

/*
 * Send a response with the endpoint's headers: content type (if any),
 * cache-control: no-store for 200s, CORS when configured.
 */
void
eio_http_respond(struct http_request *req, struct eio_server *srv,
    int status, const char *ctype, const void *data, size_t len)
{
	eio_http_cors(req, srv);
	if (ctype != NULL)
		http_response_header(req, "content-type", ctype);
	if (status == 200)
		http_response_header(req, "cache-control", "no-store");
	http_response(req, status, data, len);
}

/* Add Access-Control-Allow-Origin when the endpoint has CORS. */
void
eio_http_cors(struct http_request *req, struct eio_server *srv)
{
	if (srv->cfg.cors_origin != NULL) {
		http_response_header(req, "access-control-allow-origin",
		    srv->cfg.cors_origin);
		if (strcmp(srv->cfg.cors_origin, "*") != 0)
			http_response_header(req, "vary", "Origin");
	}
}

/*
 * onfree of every request state: a parked GET whose client went away is a
 * transport error (the session closes); forwarded requests clean up in
 * eio_worker.c.
 */
void
eio_reqstate_free(struct http_request *req)
{
	struct eio_reqstate	*rs = http_state_get(req);
	struct eio_session	*s;

	if (rs->kind == EIO_RQ_FWD)
		eio_worker_reqfree(rs);

	if ((s = rs->s) != NULL) {
		rs->s = NULL;
		s->poll_req = NULL;
		eio_session_terminate(s, "transport error", 0);
	}

	if (rs->body != NULL) {
		kore_buf_free(rs->body);
		rs->body = NULL;
	}
}

/* The Kore requests' headers we need for a WebSocket handshake exist. */
int
eio_ws_request_ok(struct http_request *req)
{
	const char	*v;

	if (!http_request_header(req, "sec-websocket-key", &v))
		return (0);
	if (!http_request_header(req, "sec-websocket-version", &v) ||
	    strcmp(v, "13") != 0)
		return (0);
	return (1);
}

static struct eio_server *
server_find(const char *path)
{
	struct eio_server	*srv;
	size_t			len;

	len = strlen(path);
	if (len > 1 && path[len - 1] == '/')
		len--;
	TAILQ_FOREACH(srv, &eio_servers, list) {
		if (srv->path_len == len && memcmp(srv->path, path, len) == 0)
			return (srv);
	}

	return (NULL);
}

static int
preflight(struct http_request *req, struct eio_server *srv)
{
	const char	*h;

	eio_http_cors(req, srv);
	http_response_header(req, "access-control-allow-methods",
	    "GET,HEAD,PUT,PATCH,POST,DELETE");
	http_response_header(req, "vary", "Access-Control-Request-Headers");
	if (http_request_header(req, "access-control-request-headers", &h))
		http_response_header(req, "access-control-allow-headers", h);
	http_response(req, HTTP_STATUS_NO_CONTENT, NULL, 0);
	return (KORE_RESULT_OK);
}

/* A request without sid: a new session (polling) or a WebSocket-only one. */
static int
handshake(struct http_request *req, struct eio_server *srv, int ws)
{
	struct eio_session	*s;
	const char		*v, *reason;
	size_t			vlen;
	int			upgrade;

	upgrade = is_upgrade(req);
	if (req->method != HTTP_METHOD_GET) {
		eio_http_error(req, srv, 2, upgrade);
		return (KORE_RESULT_OK);
	}
	if (ws && !upgrade) {
		eio_http_error(req, srv, 3, 0);
		return (KORE_RESULT_OK);
	}
	if (srv->cfg.allow_request != NULL) {
		reason = NULL;
		if (!srv->cfg.allow_request(req, &reason)) {
			eio_http_error_reason(req, srv, reason, ws);
			return (KORE_RESULT_OK);
		}
	}
	if (!eio_query_param(req->query_string, "EIO", &v, &vlen) ||
	    vlen != 1 || v[0] != '4') {
		eio_http_error(req, srv, 5, ws);
		return (KORE_RESULT_OK);
	}

	if (ws) {
		if (!eio_ws_request_ok(req)) {
			eio_http_error(req, srv, 3, 1);
			return (KORE_RESULT_OK);
		}
		return (eio_ws_accept(req, srv, NULL, NULL, 0));
	}

	s = eio_session_new(srv, 0);
	eio_packet_open(&s->pollbuf, s->sid, srv->cfg.allow_upgrades &&
	    (srv->cfg.transports & EIO_TRANSPORT_WEBSOCKET),
	    srv->cfg.ping_interval, srv->cfg.ping_timeout,
	    srv->cfg.max_payload);
	eio_session_opened(s, req);

	eio_http_respond(req, srv, 200, "text/plain; charset=UTF-8",
	    s->pollbuf.data, s->pollbuf.offset);
	kore_buf_reset(&s->pollbuf);
	if (s->flags & EIO_SF_LINGER)
		eio_session_linger_done(s);

	return (KORE_RESULT_OK);
}

/*
 * Polling GET: answer with everything queued, or park until the flush
 * delivers. A second GET while one is parked closes the session.
 */
static int
poll_get(struct http_request *req, struct eio_session *s)
{
	struct eio_reqstate	*rs;

	if (s->poll_req != NULL || s->rpoll_token != 0) {
		kore_log(LOG_NOTICE, "eio: session %s: overlapping GET",
		    s->sid);
		eio_session_terminate(s, "transport error", 0);
		eio_http_respond(req, s->srv, 400, NULL, NULL, 0);
		return (KORE_RESULT_OK);
	}

	if (s->pollbuf.offset > 0) {
		eio_http_respond(req, s->srv, 200, "text/plain; charset=UTF-8",
		    s->pollbuf.data, s->pollbuf.offset);
		kore_buf_reset(&s->pollbuf);
		return (KORE_RESULT_OK);
	}

	rs = http_state_create(req, sizeof(*rs), eio_reqstate_free);
	rs->kind = EIO_RQ_POLL;
	rs->req = req;
	rs->srv = s->srv;
	rs->s = s;
	s->poll_req = req;

	/* Kore's header timer would 408 a parked request (field guide §5). */
	req->owner->http_timeout = 0;
	http_request_sleep(req);
	return (KORE_RESULT_RETRY);
}

static int
poll_resume(struct http_request *req, struct eio_reqstate *rs)
{
	if (rs->body != NULL) {
		eio_http_respond(req, rs->srv, 200,
		    "text/plain; charset=UTF-8", rs->body->data,
		    rs->body->offset);
		kore_buf_free(rs->body);
		rs->body = NULL;
		return (KORE_RESULT_OK);
	}

	if (rs->s != NULL) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}

	eio_http_error(req, rs->srv, 1, 0);
	return (KORE_RESULT_OK);
}

/* Polling POST: process the payload, answer "ok" (even after an error). */
static int
poll_post(struct http_request *req, struct eio_session *s)
{
	struct eio_server	*srv = s->srv;
	const u_int8_t		*data;
	size_t			len;

	len = req->http_body_length;
	data = (req->http_body != NULL) ? req->http_body->data :
	    (const u_int8_t *)"";
	if (req->http_body == NULL)
		len = 0;

	(void)eio_session_payload(s, data, len);
	eio_http_respond(req, srv, 200, "text/html", "ok", 2);
	return (KORE_RESULT_OK);
}

/* Origin with characters that are invalid in a header value. */
static int
origin_bad(struct http_request *req)
{
	const char	*o;
	const u_int8_t	*p;

	if (!http_request_header(req, "origin", &o))
		return (0);
	for (p = (const u_int8_t *)o; *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return (1);
	}
	return (0);
}

static int
is_upgrade(struct http_request *req)
{
	const char	*v;

	if (!http_request_header(req, "upgrade", &v))
		return (0);
	return (strcasecmp(v, "websocket") == 0);
}
