/*
 * src/eio/eio_worker.c: routing Engine.IO requests between Kore workers
 * (layer L1).
 *
 * Kore has no stickiness: a session's polls, POSTs and WebSocket upgrade
 * may reach any worker. The sid names its owner (eio_sid_owner); a request
 * that lands on another worker ("B") is parked there and forwarded to the
 * owner ("A") with kore_msg_send(owner, EIO_MSG_REQ, ...), point to point:
 *
 *	GET   B -> A POLL        A answers DATA at once when packets are
 *	                         queued, else PARKED (and DATA later, from
 *	                         its flush); B answers the GET with DATA.
 *	      B -> A POLL_GONE   B's parked GET lost its client (transport
 *	                         error at A, as for a local GET).
 *	POST  B -> A POST        A processes the payload, answers OK; B "ok".
 *	WS    B -> A WS_OPEN     A accepts (OK), refuses (UNKNOWN) or wants it
 *	                         closed (CLOSE_WS); B completes the handshake.
 *	      B -> A WS_FRAME    every client frame of that WebSocket
 *	      A -> B WS_OUT      framed bytes (one message per flush)
 *	      A -> B WS_CLOSE    same, then close the WebSocket
 *	      B -> A WS_CLOSED   the client's WebSocket is gone
 * B answers 400 code 1 when A never answers within EIO_FORWARD_TIMEOUT
 * (a dead or restarted owner: its sessions are gone).
 *
 * A WebSocket upgrade that lands on B is RELAYED, not taken over: the
 * session's state above Engine.IO (the Socket.IO sockets, rooms, udata of
 * the application) lives in A's memory and cannot move between processes,
 * and every callback must run on the owner. B only moves frames: client
 * frames up as-is, server frames down pre-framed (A builds them, B queues
 * them on the connection unchanged). Ordering holds because the parent
 * relays each worker pair's messages through one pipe.
 */
#include <sys/types.h>

#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#define EIO_INTERNAL
#include "eio/eio.h"

#define TABLE_SIZE	256

static TAILQ_HEAD(, eio_reqstate)	fwd_table[TABLE_SIZE];
static TAILQ_HEAD(, eio_relay)		relay_table[TABLE_SIZE];
static u_int32_t			token_next = 0;
static struct kore_buf			msgbuf;

static void	msg_send(u_int16_t, u_int8_t, int, u_int8_t, u_int32_t,
		    const char *, const void *, size_t);
static u_int8_t	msg_srv;	/* server index for the next EIO_MSG_REQ */
static void	on_req(struct kore_msg *, const void *);
static void	on_rep(struct kore_msg *, const void *);
static void	fwd_on_timeout(void *, u_int64_t);
static struct eio_reqstate	*fwd_find(u_int32_t);
static struct eio_relay		*relay_find(u_int32_t);
static struct eio_wsref		*ref_find(struct eio_session *, u_int16_t,
				    u_int32_t);

/* Register the message handlers (from eio_init, in every worker). */
void
eio_worker_init(void)
{
	int		i;

	for (i = 0; i < TABLE_SIZE; i++) {
		TAILQ_INIT(&fwd_table[i]);
		TAILQ_INIT(&relay_table[i]);
	}
	kore_buf_init(&msgbuf, 4096);
	(void)kore_msg_register(EIO_MSG_REQ, on_req);
	(void)kore_msg_register(EIO_MSG_REP, on_rep);
}

/*
 * Park req and forward it to the owner worker. kind is EIO_FWD_POLL,
 * _POST, _POST_OCTET or _WS_OPEN; sid is NUL-terminated.
 */
int
eio_worker_forward(struct http_request *req, struct eio_server *srv,
    int kind, const char *sid, u_int16_t owner)
{
	struct eio_reqstate	*rs;
	const void		*body;
	size_t			len;

	rs = http_state_create(req, sizeof(*rs), eio_reqstate_free);
	rs->kind = EIO_RQ_FWD;
	rs->req = req;
	rs->srv = srv;
	rs->fwd = kind;
	rs->owner = owner;
	rs->ws = (kind == EIO_FWD_WS_OPEN);
	if (++token_next == 0)
		token_next = 1;
	rs->token = token_next;
	(void)kore_strlcpy(rs->sid, sid, sizeof(rs->sid));
	TAILQ_INSERT_TAIL(&fwd_table[rs->token % TABLE_SIZE], rs, list);
	rs->timer = kore_timer_add(fwd_on_timeout, EIO_FORWARD_TIMEOUT, rs,
	    KORE_TIMER_ONESHOT);

	body = NULL;
	len = 0;
	if (kind == EIO_FWD_POST && req->http_body != NULL) {
		body = req->http_body->data;
		len = req->http_body_length;
	}
	msg_srv = srv->idx;
	msg_send(owner, EIO_MSG_REQ, kind, 0, rs->token, sid, body, len);
	eio_counters.forwarded_total++;

	req->owner->http_timeout = 0;
	http_request_sleep(req);
	return (KORE_RESULT_RETRY);
}

/* The route handler ran again for a forwarded request: answer it. */
int
eio_worker_resume(struct http_request *req)
{
	struct eio_reqstate	*rs = http_state_get(req);
	struct eio_relay	*relay;

	switch (rs->status) {
	case 0:
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	case EIO_REP_DATA:
		eio_http_respond(req, rs->srv, 200,
		    "text/plain; charset=UTF-8",
		    rs->body != NULL ? rs->body->data : NULL,
		    rs->body != NULL ? rs->body->offset : 0);
		break;
	case EIO_REP_OK:
		if (rs->fwd == EIO_FWD_WS_OPEN) {
			relay = eio_worker_relay_new(rs);
			rs->ws = 2;	/* the relay owns the link now */
			return (eio_ws_accept(req, rs->srv, NULL, relay, 0));
		}
		eio_http_respond(req, rs->srv, 200, "text/html", "ok", 2);
		break;
	case EIO_REP_CLOSE_WS:
		return (eio_ws_accept(req, rs->srv, NULL, NULL, 1));
	case EIO_REP_BADREQ:
		eio_http_error(req, rs->srv, 3, rs->ws);
		break;
	case EIO_REP_EMPTY400:
		eio_http_respond(req, rs->srv, 400, NULL, NULL, 0);
		break;
	case EIO_REP_UNKNOWN:
	case EIO_REP_TIMEOUT:
	default:
		eio_http_error(req, rs->srv, 1, rs->ws);
		break;
	}

	return (KORE_RESULT_OK);
}

/* onfree of a forwarded request (via eio_reqstate_free). */
void
eio_worker_reqfree(struct eio_reqstate *rs)
{
	TAILQ_REMOVE(&fwd_table[rs->token % TABLE_SIZE], rs, list);
	if (rs->timer != NULL) {
		kore_timer_remove(rs->timer);
		rs->timer = NULL;
	}

	/* Tell the owner its parked GET (or accepted WS) is gone. */
	msg_srv = rs->srv->idx;
	if (rs->fwd == EIO_FWD_POLL && rs->status == 0) {
		msg_send(rs->owner, EIO_MSG_REQ, EIO_FWD_POLL_GONE, 0,
		    rs->token, rs->sid, NULL, 0);
	}
	if (rs->fwd == EIO_FWD_WS_OPEN && rs->status == EIO_REP_OK &&
	    rs->ws != 2) {
		msg_send(rs->owner, EIO_MSG_REQ, EIO_FWD_WS_CLOSED, 0,
		    rs->token, rs->sid, NULL, 0);
	}
}

/* Owner side: hand the queued payload to the GET parked on another worker. */
void
eio_worker_poll_deliver(struct eio_session *s)
{
	msg_srv = s->srv->idx;
	msg_send(s->rpoll_worker, EIO_MSG_REP, EIO_REP_DATA, 0,
	    s->rpoll_token, s->sid, s->pollbuf.data, s->pollbuf.offset);
	kore_buf_reset(&s->pollbuf);
	s->rpoll_token = 0;
	s->rpoll_worker = 0;
}

/* Owner side: send the framed bytes queued for a relayed WebSocket. */
void
eio_worker_ws_send(struct eio_wsref *ref)
{
	if (ref->out.offset == 0 && !ref->closing)
		return;
	msg_srv = ref->s->srv->idx;
	msg_send(ref->worker, EIO_MSG_REP,
	    ref->closing ? EIO_REP_WS_CLOSE : EIO_REP_WS_OUT, 0, ref->link,
	    ref->s->sid, ref->out.data, ref->out.offset);
	kore_buf_reset(&ref->out);
}

/* Relay side: a relay for the accepted WS_OPEN request rs. */
struct eio_relay *
eio_worker_relay_new(struct eio_reqstate *rs)
{
	struct eio_relay	*relay;

	relay = kore_calloc(1, sizeof(*relay));
	relay->id = rs->token;
	relay->owner = rs->owner;
	relay->srv = rs->srv;
	(void)kore_strlcpy(relay->sid, rs->sid, sizeof(relay->sid));
	TAILQ_INSERT_TAIL(&relay_table[relay->id % TABLE_SIZE], relay, list);
	eio_counters.relays++;
	return (relay);
}

/* Relay side: a client frame goes up to the owner unchanged. */
void
eio_worker_relay_frame(struct eio_relay *relay, u_int8_t op,
    const void *data, size_t len)
{
	msg_srv = relay->srv->idx;
	msg_send(relay->owner, EIO_MSG_REQ, EIO_FWD_WS_FRAME, op, relay->id,
	    relay->sid, data, len);
}

/* Relay side: the client's WebSocket is gone; tell the owner, free. */
void
eio_worker_relay_gone(struct eio_relay *relay)
{
	msg_srv = relay->srv->idx;
	msg_send(relay->owner, EIO_MSG_REQ, EIO_FWD_WS_CLOSED, 0, relay->id,
	    relay->sid, NULL, 0);
	TAILQ_REMOVE(&relay_table[relay->id % TABLE_SIZE], relay, list);
	eio_counters.relays--;
	kore_free(relay);
}

static void
msg_send(u_int16_t dst, u_int8_t id, int kind, u_int8_t op, u_int32_t token,
    const char *sid, const void *data, size_t len)
{
	struct eio_msg		hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.kind = (u_int8_t)kind;
	hdr.op = op;
	hdr.token = token;
	hdr.srv = msg_srv;
	(void)kore_strlcpy(hdr.sid, sid, sizeof(hdr.sid));

	kore_buf_reset(&msgbuf);
	eio_buf_reserve(&msgbuf, sizeof(hdr) + len);
	kore_buf_append(&msgbuf, &hdr, sizeof(hdr));
	if (len > 0)
		kore_buf_append(&msgbuf, data, len);
	kore_msg_send(dst, id, msgbuf.data, msgbuf.offset);
}

/* Owner side: a request from another worker. */
static void
on_req(struct kore_msg *msg, const void *data)
{
	struct eio_msg		hdr;
	struct eio_server	*srv;
	struct eio_session	*s;
	struct eio_wsref	*ref;
	const u_int8_t		*payload;
	size_t			plen;
	u_int16_t		src = msg->src;

	if (msg->length < sizeof(hdr))
		return;
	memcpy(&hdr, data, sizeof(hdr));
	hdr.sid[EIO_SID_LEN] = '\0';
	payload = (const u_int8_t *)data + sizeof(hdr);
	plen = msg->length - sizeof(hdr);
	msg_srv = hdr.srv;

	/* Servers are created in the same order on every worker. */
	s = NULL;
	if ((srv = eio_server_by_idx(hdr.srv)) != NULL)
		s = eio_session_lookup(srv, hdr.sid, strlen(hdr.sid));
	if (s != NULL && s->state == EIO_STATE_CLOSED &&
	    !(s->flags & EIO_SF_LINGER))
		s = NULL;

	switch (hdr.kind) {
	case EIO_FWD_POLL:
		if (s == NULL) {
			msg_send(src, EIO_MSG_REP, EIO_REP_UNKNOWN, 0,
			    hdr.token, hdr.sid, NULL, 0);
		} else if (s->flags & EIO_SF_LINGER) {
			msg_send(src, EIO_MSG_REP, EIO_REP_DATA, 0, hdr.token,
			    hdr.sid, s->pollbuf.data, s->pollbuf.offset);
			eio_session_linger_done(s);
		} else if (s->state == EIO_STATE_WEBSOCKET) {
			msg_send(src, EIO_MSG_REP, EIO_REP_BADREQ, 0,
			    hdr.token, hdr.sid, NULL, 0);
		} else if (s->poll_req != NULL || s->rpoll_token != 0) {
			kore_log(LOG_NOTICE, "eio: session %s: overlapping "
			    "GET", s->sid);
			eio_session_terminate(s, "transport error", 0);
			msg_send(src, EIO_MSG_REP, EIO_REP_EMPTY400, 0,
			    hdr.token, hdr.sid, NULL, 0);
		} else if (s->pollbuf.offset > 0) {
			msg_send(src, EIO_MSG_REP, EIO_REP_DATA, 0, hdr.token,
			    hdr.sid, s->pollbuf.data, s->pollbuf.offset);
			kore_buf_reset(&s->pollbuf);
		} else {
			s->rpoll_worker = src;
			s->rpoll_token = hdr.token;
			msg_send(src, EIO_MSG_REP, EIO_REP_PARKED, 0,
			    hdr.token, hdr.sid, NULL, 0);
		}
		break;
	case EIO_FWD_POLL_GONE:
		if (s == NULL || s->state == EIO_STATE_CLOSED)
			break;
		if (s->rpoll_worker == src && s->rpoll_token == hdr.token) {
			s->rpoll_token = 0;
			s->rpoll_worker = 0;
			eio_session_terminate(s, "transport error", 0);
		} else if (hdr.op == 1) {
			/* A payload we sent found no client: lost. */
			eio_session_terminate(s, "transport error", 0);
		}
		break;
	case EIO_FWD_POST:
	case EIO_FWD_POST_OCTET:
		if (s == NULL || (s->flags & EIO_SF_LINGER)) {
			msg_send(src, EIO_MSG_REP, EIO_REP_UNKNOWN, 0,
			    hdr.token, hdr.sid, NULL, 0);
		} else if (s->state == EIO_STATE_WEBSOCKET) {
			msg_send(src, EIO_MSG_REP, EIO_REP_BADREQ, 0,
			    hdr.token, hdr.sid, NULL, 0);
		} else if (hdr.kind == EIO_FWD_POST_OCTET) {
			eio_session_terminate(s, "transport error", 0);
			msg_send(src, EIO_MSG_REP, EIO_REP_EMPTY400, 0,
			    hdr.token, hdr.sid, NULL, 0);
		} else {
			(void)eio_session_payload(s, payload, plen);
			msg_send(src, EIO_MSG_REP, EIO_REP_OK, 0, hdr.token,
			    hdr.sid, NULL, 0);
		}
		break;
	case EIO_FWD_WS_OPEN:
		if (s == NULL || (s->flags & EIO_SF_LINGER)) {
			msg_send(src, EIO_MSG_REP, EIO_REP_UNKNOWN, 0,
			    hdr.token, hdr.sid, NULL, 0);
		} else if (s->state != EIO_STATE_POLLING) {
			msg_send(src, EIO_MSG_REP, EIO_REP_CLOSE_WS, 0,
			    hdr.token, hdr.sid, NULL, 0);
		} else {
			ref = eio_wsref_new(s);
			ref->worker = src;
			ref->link = hdr.token;
			eio_session_upgrade_start(s, ref);
			msg_send(src, EIO_MSG_REP, EIO_REP_OK, 0, hdr.token,
			    hdr.sid, NULL, 0);
		}
		break;
	case EIO_FWD_WS_FRAME:
		if ((ref = ref_find(s, src, hdr.token)) == NULL) {
			/* A relay we no longer know: have it closed. */
			msg_send(src, EIO_MSG_REP, EIO_REP_WS_CLOSE, 0,
			    hdr.token, hdr.sid, NULL, 0);
			break;
		}
		eio_ws_frame_in(s, ref, hdr.op, payload, plen);
		break;
	case EIO_FWD_WS_CLOSED:
		if ((ref = ref_find(s, src, hdr.token)) != NULL)
			eio_session_ws_lost(s, ref);
		break;
	}
}

/* Requester side: an answer from the owner worker. */
static void
on_rep(struct kore_msg *msg, const void *data)
{
	struct eio_msg		hdr;
	struct eio_reqstate	*rs;
	struct eio_relay	*relay;
	struct eio_link		*link;
	struct connection	*c;
	const u_int8_t		*payload;
	size_t			plen;

	if (msg->length < sizeof(hdr))
		return;
	memcpy(&hdr, data, sizeof(hdr));
	hdr.sid[EIO_SID_LEN] = '\0';
	payload = (const u_int8_t *)data + sizeof(hdr);
	plen = msg->length - sizeof(hdr);

	if (hdr.kind == EIO_REP_WS_OUT || hdr.kind == EIO_REP_WS_CLOSE) {
		if ((relay = relay_find(hdr.token)) == NULL ||
		    (c = relay->c) == NULL)
			return;
		if (plen > 0)
			net_send_queue(c, payload, plen);
		if (hdr.kind == EIO_REP_WS_CLOSE) {
			/* The owner closed it: no WS_CLOSED back. */
			if ((link = c->hdlr_extra) != NULL)
				link->relay = NULL;
			TAILQ_REMOVE(&relay_table[relay->id % TABLE_SIZE],
			    relay, list);
			eio_counters.relays--;
			kore_free(relay);
			c->flags |= CONN_CLOSE_EMPTY;
			relay = NULL;
		}
		if (!net_send_flush(c)) {
			kore_connection_disconnect(c);
			return;
		}
		if (relay != NULL &&
		    eio_ws_backlog(c) > relay->srv->cfg.max_queue) {
			kore_log(LOG_NOTICE, "eio: relay for %s: send queue "
			    "overflow", relay->sid);
			eio_counters.overflow_total++;
			kore_connection_disconnect(c);
		}
		return;
	}

	/* POLL_GONE goes back to the server the answer came from. */
	msg_srv = hdr.srv;
	if ((rs = fwd_find(hdr.token)) == NULL) {
		if (hdr.kind == EIO_REP_DATA) {
			msg_send(msg->src, EIO_MSG_REQ, EIO_FWD_POLL_GONE, 1,
			    hdr.token, hdr.sid, NULL, 0);
		}
		return;
	}

	if (rs->timer != NULL) {
		kore_timer_remove(rs->timer);
		rs->timer = NULL;
	}

	if (hdr.kind == EIO_REP_PARKED)
		return;

	if (hdr.kind == EIO_REP_DATA) {
		if (rs->req->owner == NULL) {
			msg_send(msg->src, EIO_MSG_REQ, EIO_FWD_POLL_GONE, 1,
			    hdr.token, hdr.sid, NULL, 0);
		}
		rs->body = kore_buf_alloc(plen + 1);
		kore_buf_append(rs->body, payload, plen);
	}

	rs->status = hdr.kind;
	http_request_wakeup(rs->req);
}

static void
fwd_on_timeout(void *arg, u_int64_t now)
{
	struct eio_reqstate	*rs = arg;

	/* ONESHOT: Kore frees the timer after we return. */
	rs->timer = NULL;
	if (rs->status == 0) {
		kore_log(LOG_NOTICE, "eio: worker %u did not answer for %s",
		    rs->owner, rs->sid);
		rs->status = EIO_REP_TIMEOUT;
		http_request_wakeup(rs->req);
	}
}

static struct eio_reqstate *
fwd_find(u_int32_t token)
{
	struct eio_reqstate	*rs;

	TAILQ_FOREACH(rs, &fwd_table[token % TABLE_SIZE], list) {
		if (rs->token == token)
			return (rs);
	}
	return (NULL);
}

static struct eio_relay *
relay_find(u_int32_t id)
{
	struct eio_relay	*relay;

	TAILQ_FOREACH(relay, &relay_table[id % TABLE_SIZE], list) {
		if (relay->id == id)
			return (relay);
	}
	return (NULL);
}

static struct eio_wsref *
ref_find(struct eio_session *s, u_int16_t worker_id, u_int32_t link)
{
	if (s == NULL)
		return (NULL);
	if (s->probe != NULL && s->probe->c == NULL &&
	    s->probe->worker == worker_id && s->probe->link == link)
		return (s->probe);
	if (s->ws != NULL && s->ws->c == NULL &&
	    s->ws->worker == worker_id && s->ws->link == link)
		return (s->ws);
	return (NULL);
}
