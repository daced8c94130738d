/*
 * src/eio/eio_ws.c: the Engine.IO WebSocket transport on Kore (layer L1).
 *
 * Kore does the handshake and the frame parsing (kore_websocket_handshake
 * with the exported callbacks below); we write frames ourselves: a
 * session's frames are built into its queue (eio_ws_frame_packet) and
 * handed to Kore once per loop turn with net_send_stream (no copy: the
 * netbuf takes the buffer) and one net_send_flush, instead of
 * kore_websocket_send's allocate-copy-flush per frame.
 *
 * c->hdlr_extra holds a struct eio_link (Kore kore_free()s it with the
 * connection): the local session transport (ref), or a relay to the owner
 * worker (eio_worker.c). eio_ws_disconnect detaches it first.
 */
#include <sys/types.h>

#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#define EIO_INTERNAL
#include "eio/eio.h"

static int	ws_sent(struct netbuf *);

/*
 * Accept a WebSocket request: s NULL and relay NULL for a WebSocket-only
 * handshake, s for an upgrade of a local session, relay for a session on
 * another worker; close_now accepts and closes at once (a second WS for
 * a session that is upgrading or upgraded, as the reference does). The
 * request's headers were checked (eio_ws_request_ok).
 */
int
eio_ws_accept(struct http_request *req, struct eio_server *srv,
    struct eio_session *s, struct eio_relay *relay, int close_now)
{
	struct eio_link		*link;

	if (req->owner->hdlr_extra != NULL) {
		kore_free(req->owner->hdlr_extra);
		req->owner->hdlr_extra = NULL;
	}

	link = kore_calloc(1, sizeof(*link));
	link->srv = srv;
	link->req = req;
	link->close_now = close_now;
	if (relay != NULL) {
		link->kind = EIO_LINK_RELAY;
		link->relay = relay;
	} else if (s != NULL) {
		link->kind = EIO_LINK_UPGRADE;
		link->pending_s = s;
		if (s->state != EIO_STATE_POLLING)
			link->close_now = 1;
	} else {
		link->kind = EIO_LINK_NEW;
	}
	req->owner->hdlr_extra = link;

	/* Calls eio_ws_connect before it returns. */
	kore_websocket_handshake(req, "eio_ws_connect", "eio_ws_message",
	    "eio_ws_disconnect");
	link->req = NULL;
	link->pending_s = NULL;

	return (KORE_RESULT_OK);
}

/* Kore: the 101 is queued; attach the connection to its session. */
void
eio_ws_connect(struct connection *c)
{
	struct eio_link		*link = c->hdlr_extra;
	struct eio_server	*srv;
	struct eio_session	*s;
	struct eio_wsref	*ref;
	struct kore_buf		open;

	if (link == NULL)
		return;

	if (link->close_now) {
		/* After the 101 has been written. */
		c->flags |= CONN_CLOSE_EMPTY;
		return;
	}

	srv = link->srv;
	switch (link->kind) {
	case EIO_LINK_NEW:
		s = eio_session_new(srv, 1);
		ref = eio_wsref_new(s);
		ref->c = c;
		s->ws = ref;
		link->ref = ref;
		kore_buf_init(&open, 160);
		eio_packet_open(&open, s->sid, 0, srv->cfg.ping_interval,
		    srv->cfg.ping_timeout, srv->cfg.max_payload);
		eio_ws_frame_packet(&ref->out, EIO_PACKET_OPEN, 0,
		    open.data + 1, open.offset - 1);
		kore_buf_cleanup(&open);
		eio_session_opened(s, link->req);
		eio_session_dirty(s);
		break;
	case EIO_LINK_UPGRADE:
		s = link->pending_s;
		ref = eio_wsref_new(s);
		ref->c = c;
		link->ref = ref;
		eio_session_upgrade_start(s, ref);
		break;
	case EIO_LINK_RELAY:
		link->relay->c = c;
		break;
	}
}

/* Kore: one text or binary message (unmasked, borrowed for the call). */
void
eio_ws_message(struct connection *c, u_int8_t op, const void *data,
    size_t len)
{
	struct eio_link		*link = c->hdlr_extra;

	if (link == NULL)
		return;

	if (link->relay != NULL) {
		eio_worker_relay_frame(link->relay, op, data, len);
		return;
	}

	if (link->ref != NULL)
		eio_ws_frame_in(link->ref->s, link->ref, op, data, len);
}

/* Kore: the connection is going away (called once, before removal). */
void
eio_ws_disconnect(struct connection *c)
{
	struct eio_link		*link = c->hdlr_extra;
	struct eio_wsref	*ref;

	if (link == NULL)
		return;

	if (link->relay != NULL) {
		eio_worker_relay_gone(link->relay);
		link->relay = NULL;
	}

	if ((ref = link->ref) != NULL) {
		link->ref = NULL;
		ref->c = NULL;
		eio_session_ws_lost(ref->s, ref);
	}
}

/*
 * Write what is queued for a local WebSocket: one netbuf (the queue's
 * buffer itself) and one flush. When ref->closing, the connection is
 * detached and closes once its queue is empty (Kore then sends the close
 * frame). May close the session on overflow; ref must not be used after.
 */
void
eio_ws_flush(struct eio_wsref *ref)
{
	struct connection	*c = ref->c;
	struct eio_link		*link;
	struct eio_session	*s = ref->s;
	u_int8_t		*data;
	size_t			len;
	int			closing = ref->closing;

	if (c == NULL)
		return;

	if (ref->out.offset > 0) {
		data = ref->out.data;
		len = ref->out.offset;
		ref->out.data = NULL;
		ref->out.offset = 0;
		ref->out.length = 0;
		/* net_send_stream() takes over the buffer (ws_sent frees). */
		net_send_stream(c, data, len, ws_sent, NULL);
	}

	if (closing) {
		if ((link = c->hdlr_extra) != NULL)
			link->ref = NULL;
		ref->c = NULL;
		c->flags |= CONN_CLOSE_EMPTY;
	}

	if (!net_send_flush(c)) {
		/* Calls eio_ws_disconnect: ref may be gone afterwards. */
		kore_connection_disconnect(c);
		return;
	}

	if (closing)
		return;

	ref->backlog = eio_ws_backlog(c);
	if (ref->backlog > s->srv->cfg.max_queue && ref == s->ws) {
		kore_log(LOG_NOTICE, "eio: session %s: send queue overflow "
		    "(%zu bytes unsent)", s->sid, ref->backlog);
		eio_counters.overflow_total++;
		eio_session_terminate(s, "send queue overflow", 0);
	}
}

/* Bytes queued on a connection that the peer has not taken yet. */
size_t
eio_ws_backlog(struct connection *c)
{
	struct netbuf	*nb;
	size_t		n;

	n = 0;
	TAILQ_FOREACH(nb, &c->send_queue, list)
		n += nb->b_len - nb->s_off;
	return (n);
}

static int
ws_sent(struct netbuf *nb)
{
	kore_free(nb->buf);
	nb->buf = NULL;
	return (KORE_RESULT_OK);
}
