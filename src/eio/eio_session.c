/*
 * src/eio/eio_session.c: Engine.IO sessions on their owner worker.
 *
 * Owns the servers (one per endpoint path), the session table, the send
 * queues, the heartbeat, packet processing, the corked flush and the
 * two-step close. Layer L1; calls up only through struct eio_handler.
 *
 * Session states (a session lives on the worker that made it):
 *	from		event			to		action
 *	-		polling handshake	POLLING		open packet in pollbuf
 *	-		websocket handshake	WEBSOCKET	open packet as a frame
 *	POLLING		WS with sid accepted	UPGRADING	upgrade timer
 *	UPGRADING	"2probe" on the probe	UPGRADING	"3probe", noop/100 ms
 *	UPGRADING	"5" on the probe	WEBSOCKET	pollbuf -> frames
 *	UPGRADING	other packet, timeout,	POLLING		probe closed
 *			probe closed
 *	any		close (see below)	CLOSED		on the reap list
 * Closing is two steps: eio_session_terminate() marks CLOSED, answers a
 * parked poll ("1"), closes WebSockets, leaves the table and puts the
 * session on the reap list; the flush timer (next loop turn) calls
 * on_close and frees it. So on_close never runs inside an eio_* call or
 * inside another callback, and a handler may close a session and keep
 * using its own state until on_close. A server-initiated close of a
 * polling session with no GET parked lingers in the table until the next
 * GET, which gets "6\x1e1" (reference behaviour), or EIO_LINGER_MS.
 *
 * Corking: sends only append to the session's queue (pollbuf for polling,
 * framed bytes for a WebSocket) and put it on the dirty list; a 0 ms
 * timer flushes every dirty session once per loop turn: one write (or one
 * kore_msg for a relayed WebSocket / a remote poll) per session per turn.
 *
 * Heartbeat: per server two FIFO queues of sessions ordered by deadline
 * (intervals are constant per server, so appending keeps them sorted) and
 * a single Kore timer armed at the earliest deadline, instead of a Kore
 * timer per session (Kore inserts timers by linear scan).
 */
#include <sys/types.h>
#include <sys/random.h>

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#define EIO_INTERNAL
#include "eio/eio.h"

#define HASH_SIZE	4096

struct eio_server_list		eio_servers = TAILQ_HEAD_INITIALIZER(eio_servers);
struct eio_stats		eio_counters;

static TAILQ_HEAD(, eio_session)	table[HASH_SIZE];
static TAILQ_HEAD(, eio_session)	dirty = TAILQ_HEAD_INITIALIZER(dirty);
static TAILQ_HEAD(, eio_session)	reap = TAILQ_HEAD_INITIALIZER(reap);
static struct kore_timer		*flush_timer = NULL;
static struct kore_buf			scratch;
static u_int8_t				server_count = 0;
static int				initialized = 0;
static u_int32_t			sid_counter = 0;

static u_int32_t	sid_hash(const char *, size_t);
static void		sid_make(char *);
static void		flush_schedule(void);
static void		flush_run(void *, u_int64_t);
static void		session_flush(struct eio_session *);
static void		session_free(struct eio_session *);
static void		session_unhash(struct eio_session *);
static void		poll_deliver(struct eio_session *);
static void		hb_remove(struct eio_session *);
static void		hb_arm(struct eio_session *, int);
static void		hb_schedule(struct eio_server *, u_int64_t);
static void		hb_fire(void *, u_int64_t);
static void		upgrade_timers_remove(struct eio_session *);
static void		upgrade_on_timeout(void *, u_int64_t);
static void		upgrade_on_noop(void *, u_int64_t);
static void		upgrade_abort(struct eio_session *);
static void		upgrade_finish(struct eio_session *);
static void		linger_on_timeout(void *, u_int64_t);
static void		reaper_tick(void *, u_int64_t);
static void		wsref_close(struct eio_wsref *);

/*
 * Set up the module in this worker (idempotent; eio_server_create calls
 * it): message handlers, timers. Call from kore_worker_configure.
 */
void
eio_init(void)
{
	int		i;

	if (initialized)
		return;
	initialized = 1;

	for (i = 0; i < HASH_SIZE; i++)
		TAILQ_INIT(&table[i]);
	kore_buf_init(&scratch, 1024);
	eio_worker_init();

	/*
	 * Kore frees requests of vanished clients (and calls our onfree)
	 * only when the loop wakes up; wake it at least once a second.
	 */
	(void)kore_timer_add(reaper_tick, 1000, NULL, 0);
}

/*
 * Create an Engine.IO endpoint. The config and handler are copied (the
 * strings they point to must stay valid: use literals or kore_strdup).
 * Every worker must create its servers in the same order (server indexes
 * travel in cross-worker messages). Returns the server (never NULL).
 */
struct eio_server *
eio_server_create(const struct eio_config *cfg, const struct eio_handler *h)
{
	struct eio_server	*srv;
	size_t			len;

	eio_init();

	srv = kore_calloc(1, sizeof(*srv));
	srv->cfg = *cfg;
	srv->h = *h;
	srv->idx = server_count++;
	srv->path = kore_strdup(cfg->path);
	len = strlen(srv->path);
	while (len > 1 && srv->path[len - 1] == '/')
		srv->path[--len] = '\0';
	srv->path_len = len;
	if (srv->cfg.max_payload == 0)
		srv->cfg.max_payload = 1000000;
	if (srv->cfg.max_queue == 0)
		srv->cfg.max_queue = 4 * 1024 * 1024;
	if (srv->cfg.upgrade_timeout == 0)
		srv->cfg.upgrade_timeout = 10000;
	if (srv->cfg.transports == 0)
		srv->cfg.transports = EIO_TRANSPORT_POLLING |
		    EIO_TRANSPORT_WEBSOCKET;
	TAILQ_INIT(&srv->ping_q);
	TAILQ_INIT(&srv->pong_q);
	TAILQ_INSERT_TAIL(&eio_servers, srv, list);

	return (srv);
}

/* The server with index idx, or NULL. */
struct eio_server *
eio_server_by_idx(u_int8_t idx)
{
	struct eio_server	*srv;

	TAILQ_FOREACH(srv, &eio_servers, list) {
		if (srv->idx == idx)
			return (srv);
	}

	return (NULL);
}

/* Find a session of srv by sid (len bytes); lingering ones included. */
struct eio_session *
eio_session_lookup(struct eio_server *srv, const char *sid, size_t len)
{
	struct eio_session	*s;

	if (len != EIO_SID_LEN)
		return (NULL);

	TAILQ_FOREACH(s, &table[sid_hash(sid, len)], hash_list) {
		if (s->srv == srv && memcmp(s->sid, sid, len) == 0)
			return (s);
	}

	return (NULL);
}

/*
 * Make a new session owned by this worker, in the table, state POLLING
 * (or WEBSOCKET for ws_only: the caller attaches s->ws). The caller then
 * queues nothing before eio_session_opened().
 */
struct eio_session *
eio_session_new(struct eio_server *srv, int ws_only)
{
	struct eio_session	*s;

	s = kore_calloc(1, sizeof(*s));
	s->srv = srv;
	s->state = ws_only ? EIO_STATE_WEBSOCKET : EIO_STATE_POLLING;
	kore_buf_init(&s->pollbuf, 0);
	sid_make(s->sid);
	TAILQ_INSERT_TAIL(&table[sid_hash(s->sid, EIO_SID_LEN)], s,
	    hash_list);
	s->flags |= EIO_SF_HASHED;

	eio_counters.sessions++;
	eio_counters.opened_total++;

	return (s);
}

/*
 * The open packet has been queued: start the heartbeat (now, as the
 * reference does) and tell the application. req is the handshake request.
 */
void
eio_session_opened(struct eio_session *s, struct http_request *req)
{
	hb_arm(s, EIO_HB_PING);
	s->flags |= EIO_SF_OPENED;
	if (s->srv->h.on_open != NULL)
		s->srv->h.on_open(s, req);
}

/*
 * Queue a message for the client (copied once, into the session's queue).
 * Binary data goes as a binary WebSocket frame or as "b"+base64 when
 * polling. Ignored once the session is closed. May close the session
 * ("send queue overflow", on_close follows from the event loop).
 */
void
eio_session_send(struct eio_session *s, int binary, const void *data,
    size_t len)
{
	if (s->state == EIO_STATE_CLOSED)
		return;
	eio_session_queue(s, EIO_PACKET_MESSAGE, binary, data, len);
}

/*
 * Close the session from the server side (reason NULL: "forced close").
 * A parked poll is answered "1"; a WebSocket gets a close frame after
 * what is queued. on_close follows later, from the event loop.
 */
void
eio_session_close(struct eio_session *s, const char *reason)
{
	eio_session_terminate(s, reason != NULL ? reason : "forced close", 1);
}

/* Attach an application pointer to the session. */
void
eio_session_set_udata(struct eio_session *s, void *udata)
{
	s->udata = udata;
}

/* The application pointer (NULL until set). */
void *
eio_session_udata(struct eio_session *s)
{
	return (s->udata);
}

/* The session id (NUL-terminated, valid while the session is). */
const char *
eio_session_id(struct eio_session *s)
{
	return (s->sid);
}

/* "websocket" once upgraded (or WebSocket-only), else "polling". */
const char *
eio_session_transport(struct eio_session *s)
{
	if (s->ws != NULL || s->state == EIO_STATE_WEBSOCKET)
		return ("websocket");
	return ("polling");
}

/* Fill *st with this worker's counters and gauges. */
void
eio_stats(struct eio_stats *st)
{
	struct eio_session	*s;
	int			i;

	*st = eio_counters;
	st->sessions_polling = 0;
	st->sessions_upgrading = 0;
	st->sessions_websocket = 0;
	st->queued_bytes = 0;
	st->polls_parked = 0;
	st->sessions = 0;
	for (i = 0; i < HASH_SIZE; i++) {
		TAILQ_FOREACH(s, &table[i], hash_list) {
			switch (s->state) {
			case EIO_STATE_POLLING:
				st->sessions_polling++;
				break;
			case EIO_STATE_UPGRADING:
				st->sessions_upgrading++;
				break;
			case EIO_STATE_WEBSOCKET:
				st->sessions_websocket++;
				break;
			case EIO_STATE_CLOSED:
				continue;
			}
			st->sessions++;
			if (s->poll_req != NULL || s->rpoll_token != 0)
				st->polls_parked++;
			st->queued_bytes += s->pollbuf.offset;
			if (s->ws != NULL)
				st->queued_bytes += s->ws->out.offset +
				    s->ws->backlog;
		}
	}
}

/*
 * Queue one packet on the session's current transport and mark it dirty.
 * Closes the session when the queue exceeds max_queue.
 */
void
eio_session_queue(struct eio_session *s, int type, int binary,
    const void *data, size_t len)
{
	size_t		queued;

	if (s->state == EIO_STATE_WEBSOCKET && s->ws != NULL) {
		eio_ws_frame_packet(&s->ws->out, type, binary, data, len);
		queued = s->ws->out.offset + s->ws->backlog;
	} else {
		eio_payload_append(&s->pollbuf, type, binary, data, len);
		queued = s->pollbuf.offset;
	}

	eio_counters.packets_out++;
	if (queued > s->srv->cfg.max_queue) {
		kore_log(LOG_NOTICE, "eio: session %s: send queue overflow "
		    "(%zu bytes)", s->sid, queued);
		eio_counters.overflow_total++;
		eio_session_terminate(s, "send queue overflow", 0);
		return;
	}

	eio_session_dirty(s);
}

/* Put the session on the flush list (once per turn). */
void
eio_session_dirty(struct eio_session *s)
{
	if (!(s->flags & EIO_SF_DIRTY)) {
		s->flags |= EIO_SF_DIRTY;
		TAILQ_INSERT_TAIL(&dirty, s, dirty_list);
	}
	flush_schedule();
}

/*
 * Close a session (first step, see the file header). forced: the
 * application asked; a polling session with no parked GET then lingers
 * until the client's next GET learns it ("6\x1e1"). Idempotent.
 */
void
eio_session_terminate(struct eio_session *s, const char *reason, int forced)
{
	enum eio_state		prev;

	if (s->state == EIO_STATE_CLOSED)
		return;

	prev = s->state;
	s->state = EIO_STATE_CLOSED;
	s->reason = reason;

	hb_remove(s);
	upgrade_timers_remove(s);

	if (s->probe != NULL) {
		wsref_close(s->probe);
		s->probe = NULL;
	}
	if (s->ws != NULL) {
		wsref_close(s->ws);
		s->ws = NULL;
	}

	if (prev != EIO_STATE_WEBSOCKET) {
		if (s->poll_req != NULL || s->rpoll_token != 0) {
			eio_payload_append(&s->pollbuf, EIO_PACKET_CLOSE, 0,
			    NULL, 0);
			poll_deliver(s);
		} else if (forced) {
			if (s->pollbuf.offset == 0) {
				eio_payload_append(&s->pollbuf,
				    EIO_PACKET_NOOP, 0, NULL, 0);
			}
			eio_payload_append(&s->pollbuf, EIO_PACKET_CLOSE, 0,
			    NULL, 0);
			s->flags |= EIO_SF_LINGER;
			s->linger_timer = kore_timer_add(linger_on_timeout,
			    EIO_LINGER_MS, s, KORE_TIMER_ONESHOT);
		}
	}

	if (!(s->flags & EIO_SF_LINGER))
		session_unhash(s);

	eio_counters.sessions--;
	eio_counters.closed_total++;

	if (!(s->flags & EIO_SF_REAP)) {
		s->flags |= EIO_SF_REAP;
		TAILQ_INSERT_TAIL(&reap, s, reap_list);
	}
	flush_schedule();
}

/*
 * A lingering (closed) session was collected by its GET or timed out:
 * leave the table; free it unless the reaper still has to notify.
 */
void
eio_session_linger_done(struct eio_session *s)
{
	if (!(s->flags & EIO_SF_LINGER))
		return;
	s->flags &= ~EIO_SF_LINGER;
	if (s->linger_timer != NULL) {
		kore_timer_remove(s->linger_timer);
		s->linger_timer = NULL;
	}
	session_unhash(s);
	if (!(s->flags & EIO_SF_REAP))
		session_free(s);
}

/*
 * Process one decoded packet from the client. via is the WebSocket it came
 * on, NULL for a polling POST. The session may be CLOSED afterwards:
 * callers stop processing then.
 */
void
eio_session_packet(struct eio_session *s, const struct eio_packet *pkt,
    struct eio_wsref *via)
{
	eio_counters.packets_in++;

	switch (pkt->type) {
	case EIO_PACKET_CLOSE:
		/* A parked GET is answered with a noop, not a close. */
		if (s->poll_req != NULL || s->rpoll_token != 0) {
			eio_payload_append(&s->pollbuf, EIO_PACKET_NOOP, 0,
			    NULL, 0);
			poll_deliver(s);
		}
		eio_session_terminate(s, "transport close", 0);
		break;
	case EIO_PACKET_PING:
		kore_log(LOG_NOTICE, "eio: session %s: ping from client",
		    s->sid);
		eio_session_terminate(s, "invalid heartbeat direction", 0);
		break;
	case EIO_PACKET_PONG:
		hb_arm(s, EIO_HB_PING);
		break;
	case EIO_PACKET_MESSAGE:
		if (s->srv->h.on_message != NULL)
			s->srv->h.on_message(s, pkt->binary, pkt->data,
			    pkt->len);
		break;
	default:
		/* open, upgrade and noop from the client: ignored */
		break;
	}
}

/*
 * Process a polling POST body: packets separated by 0x1e, in order, until
 * one is invalid ("parse error" closes the session) or the session closes.
 */
int
eio_session_payload(struct eio_session *s, const u_int8_t *data, size_t len)
{
	struct eio_payload	pl;
	struct eio_packet	pkt;
	const u_int8_t		*p;
	const char		*errstr;
	size_t			plen;

	if (!eio_payload_init(&pl, data, len, s->srv->cfg.max_payload,
	    &errstr))
		return (KORE_RESULT_ERROR);

	while (s->state != EIO_STATE_CLOSED &&
	    eio_payload_next(&pl, &p, &plen)) {
		if (!eio_packet_decode(&pkt, p, plen, &scratch, &errstr)) {
			kore_log(LOG_NOTICE, "eio: session %s: %s", s->sid,
			    errstr);
			eio_session_terminate(s, "parse error", 0);
			break;
		}
		eio_session_packet(s, &pkt, NULL);
	}

	return (KORE_RESULT_OK);
}

/* A new WebSocket (local or relayed) for this session's sid. */
struct eio_wsref *
eio_wsref_new(struct eio_session *s)
{
	struct eio_wsref	*ref;

	ref = kore_calloc(1, sizeof(*ref));
	ref->s = s;
	kore_buf_init(&ref->out, 0);
	return (ref);
}

/* Release a WebSocket reference (the connection is not touched). */
void
eio_wsref_free(struct eio_wsref *ref)
{
	kore_buf_cleanup(&ref->out);
	kore_free(ref);
}

/*
 * A WebSocket accepted for a polling session (sid given): it probes.
 * Arms upgradeTimeout; the session stays on polling until "5".
 */
void
eio_session_upgrade_start(struct eio_session *s, struct eio_wsref *ref)
{
	s->probe = ref;
	s->state = EIO_STATE_UPGRADING;
	s->upgrade_timer = kore_timer_add(upgrade_on_timeout,
	    s->srv->cfg.upgrade_timeout, s, KORE_TIMER_ONESHOT);
}

/*
 * One WebSocket message for session s on ref (its probe or its transport).
 * Text frames carry one packet; binary frames are binary messages.
 */
void
eio_ws_frame_in(struct eio_session *s, struct eio_wsref *ref, u_int8_t op,
    const u_int8_t *data, size_t len)
{
	struct eio_packet	pkt;
	const char		*errstr;

	if (s->state == EIO_STATE_CLOSED)
		return;

	if (len > s->srv->cfg.max_payload) {
		kore_log(LOG_NOTICE, "eio: session %s: frame too large",
		    s->sid);
		eio_session_terminate(s, "transport error", 0);
		return;
	}

	if (op == WEBSOCKET_OP_BINARY) {
		pkt.type = EIO_PACKET_MESSAGE;
		pkt.binary = 1;
		pkt.data = data;
		pkt.len = len;
	} else if (!eio_packet_decode(&pkt, data, len, &scratch, &errstr)) {
		if (ref == s->probe) {
			upgrade_abort(s);
			return;
		}
		kore_log(LOG_NOTICE, "eio: session %s: %s", s->sid, errstr);
		eio_session_terminate(s, "parse error", 0);
		return;
	}

	if (ref == s->probe) {
		if (pkt.type == EIO_PACKET_PING && !pkt.binary &&
		    pkt.len == 5 && memcmp(pkt.data, "probe", 5) == 0) {
			eio_ws_frame_packet(&ref->out, EIO_PACKET_PONG, 0,
			    "probe", 5);
			ref->probed = 1;
			if (s->noop_timer == NULL) {
				s->noop_timer = kore_timer_add(upgrade_on_noop,
				    EIO_NOOP_MS, s, 0);
			}
			eio_session_dirty(s);
		} else if (pkt.type == EIO_PACKET_UPGRADE && !pkt.binary) {
			upgrade_finish(s);
		} else {
			upgrade_abort(s);
		}
		return;
	}

	if (ref != s->ws)
		return;

	eio_session_packet(s, &pkt, ref);
}

/*
 * A WebSocket of the session went away (client closed it, connection
 * error, relay gone). ref is freed here.
 */
void
eio_session_ws_lost(struct eio_session *s, struct eio_wsref *ref)
{
	if (ref == s->probe) {
		s->probe = NULL;
		eio_wsref_free(ref);
		if (s->state == EIO_STATE_UPGRADING) {
			upgrade_timers_remove(s);
			s->state = EIO_STATE_POLLING;
		}
		return;
	}

	if (ref == s->ws) {
		s->ws = NULL;
		eio_wsref_free(ref);
		eio_session_terminate(s, "transport close", 0);
		return;
	}

	eio_wsref_free(ref);
}

static void
upgrade_abort(struct eio_session *s)
{
	upgrade_timers_remove(s);
	if (s->probe != NULL) {
		wsref_close(s->probe);
		s->probe = NULL;
	}
	if (s->state == EIO_STATE_UPGRADING)
		s->state = EIO_STATE_POLLING;
}

static void
upgrade_finish(struct eio_session *s)
{
	struct eio_payload	pl;
	struct eio_packet	pkt;
	const u_int8_t		*p;
	size_t			plen;
	const char		*errstr;
	struct eio_wsref	*ws;

	upgrade_timers_remove(s);
	ws = s->probe;
	s->probe = NULL;
	s->ws = ws;
	s->state = EIO_STATE_WEBSOCKET;

	/* What was queued for polling now goes over the WebSocket. */
	if (s->pollbuf.offset > 0 &&
	    eio_payload_init(&pl, s->pollbuf.data, s->pollbuf.offset,
	    (size_t)-1, &errstr)) {
		while (eio_payload_next(&pl, &p, &plen)) {
			if (!eio_packet_decode(&pkt, p, plen, &scratch,
			    &errstr))
				break;
			eio_ws_frame_packet(&ws->out, pkt.type, pkt.binary,
			    pkt.data, pkt.len);
		}
	}
	kore_buf_reset(&s->pollbuf);

	/* A GET still parked is let go with a noop. */
	if (s->poll_req != NULL || s->rpoll_token != 0) {
		eio_payload_append(&s->pollbuf, EIO_PACKET_NOOP, 0, NULL, 0);
		poll_deliver(s);
	}

	eio_session_dirty(s);
}

static void
upgrade_timers_remove(struct eio_session *s)
{
	if (s->upgrade_timer != NULL) {
		kore_timer_remove(s->upgrade_timer);
		s->upgrade_timer = NULL;
	}
	if (s->noop_timer != NULL) {
		kore_timer_remove(s->noop_timer);
		s->noop_timer = NULL;
	}
}

static void
upgrade_on_timeout(void *arg, u_int64_t now)
{
	struct eio_session	*s = arg;

	/* ONESHOT: Kore frees the timer after we return. */
	s->upgrade_timer = NULL;
	upgrade_abort(s);
}

static void
upgrade_on_noop(void *arg, u_int64_t now)
{
	struct eio_session	*s = arg;

	/* Let a parked GET go so the client can finish the upgrade. */
	if ((s->poll_req != NULL || s->rpoll_token != 0) &&
	    s->pollbuf.offset == 0) {
		eio_payload_append(&s->pollbuf, EIO_PACKET_NOOP, 0, NULL, 0);
		eio_session_dirty(s);
	}
}

static void
linger_on_timeout(void *arg, u_int64_t now)
{
	struct eio_session	*s = arg;

	s->linger_timer = NULL;
	eio_session_linger_done(s);
}

/* Close a WebSocket of the session after flushing what is queued. */
static void
wsref_close(struct eio_wsref *ref)
{
	ref->closing = 1;
	if (ref->c != NULL)
		eio_ws_flush(ref);
	else
		eio_worker_ws_send(ref);
	eio_wsref_free(ref);
}

/*
 * Hand the queued polling payload to the parked GET (local: move it into
 * the request state and wake it; remote: one kore_msg to that worker).
 */
static void
poll_deliver(struct eio_session *s)
{
	struct http_request	*req;
	struct eio_reqstate	*rs;

	if (s->rpoll_token != 0) {
		eio_worker_poll_deliver(s);
		return;
	}

	if ((req = s->poll_req) == NULL)
		return;
	s->poll_req = NULL;
	rs = http_state_get(req);
	rs->s = NULL;

	if (req->owner == NULL || (req->flags & HTTP_REQUEST_DELETE)) {
		/* The client is gone: what we had for it is lost. */
		kore_buf_reset(&s->pollbuf);
		eio_session_terminate(s, "transport error", 0);
		return;
	}

	/* The payload moves to the request: no copy. */
	rs->body = kore_buf_alloc(0);
	*rs->body = s->pollbuf;
	kore_buf_init(&s->pollbuf, 0);
	http_request_wakeup(req);
}

static void
session_flush(struct eio_session *s)
{
	if (s->ws != NULL && (s->ws->out.offset > 0 || s->ws->closing)) {
		if (s->ws->c != NULL)
			eio_ws_flush(s->ws);
		else
			eio_worker_ws_send(s->ws);
	}
	if (s->probe != NULL && s->probe->out.offset > 0) {
		if (s->probe->c != NULL)
			eio_ws_flush(s->probe);
		else
			eio_worker_ws_send(s->probe);
	}
	if (s->state != EIO_STATE_WEBSOCKET && s->pollbuf.offset > 0 &&
	    (s->poll_req != NULL || s->rpoll_token != 0))
		poll_deliver(s);
}

static void
flush_schedule(void)
{
	if (flush_timer == NULL)
		flush_timer = kore_timer_add(flush_run, 0, NULL,
		    KORE_TIMER_ONESHOT);
}

/* Once per loop turn: write every dirty session, then reap closed ones. */
static void
flush_run(void *arg, u_int64_t now)
{
	struct eio_session	*s;

	flush_timer = NULL;

	while ((s = TAILQ_FIRST(&dirty)) != NULL) {
		TAILQ_REMOVE(&dirty, s, dirty_list);
		s->flags &= ~EIO_SF_DIRTY;
		if (s->state != EIO_STATE_CLOSED)
			session_flush(s);
	}

	while ((s = TAILQ_FIRST(&reap)) != NULL) {
		TAILQ_REMOVE(&reap, s, reap_list);
		s->flags &= ~EIO_SF_REAP;
		if (!(s->flags & EIO_SF_NOTIFIED)) {
			s->flags |= EIO_SF_NOTIFIED;
			if ((s->flags & EIO_SF_OPENED) &&
			    s->srv->h.on_close != NULL)
				s->srv->h.on_close(s, s->reason);
		}
		if (!(s->flags & EIO_SF_LINGER))
			session_free(s);
	}
}

static void
session_unhash(struct eio_session *s)
{
	if (s->flags & EIO_SF_HASHED) {
		TAILQ_REMOVE(&table[sid_hash(s->sid, EIO_SID_LEN)], s,
		    hash_list);
		s->flags &= ~EIO_SF_HASHED;
	}
}

static void
session_free(struct eio_session *s)
{
	if (s->flags & EIO_SF_DIRTY)
		TAILQ_REMOVE(&dirty, s, dirty_list);
	session_unhash(s);
	if (s->linger_timer != NULL)
		kore_timer_remove(s->linger_timer);
	kore_buf_cleanup(&s->pollbuf);
	kore_free(s);
}

/* ------------------------------------------------------------------ */
/* Heartbeat                                                           */

static void
hb_remove(struct eio_session *s)
{
	switch (s->hb) {
	case EIO_HB_PING:
		TAILQ_REMOVE(&s->srv->ping_q, s, hb_list);
		break;
	case EIO_HB_PONG:
		TAILQ_REMOVE(&s->srv->pong_q, s, hb_list);
		break;
	}
	s->hb = EIO_HB_NONE;
}

/* Wait pingInterval before the next ping, or pingTimeout for a pong. */
static void
hb_arm(struct eio_session *s, int what)
{
	struct eio_server	*srv = s->srv;

	hb_remove(s);
	s->hb = what;
	if (what == EIO_HB_PING) {
		s->hb_deadline = kore_time_ms() + srv->cfg.ping_interval;
		TAILQ_INSERT_TAIL(&srv->ping_q, s, hb_list);
	} else {
		s->hb_deadline = kore_time_ms() + srv->cfg.ping_timeout;
		TAILQ_INSERT_TAIL(&srv->pong_q, s, hb_list);
	}
	hb_schedule(srv, s->hb_deadline);
}

static void
hb_schedule(struct eio_server *srv, u_int64_t when)
{
	u_int64_t	now;

	if (srv->hb_timer != NULL) {
		if (srv->hb_when <= when)
			return;
		kore_timer_remove(srv->hb_timer);
	}
	now = kore_time_ms();
	srv->hb_when = when;
	srv->hb_timer = kore_timer_add(hb_fire, when > now ? when - now : 0,
	    srv, KORE_TIMER_ONESHOT);
}

static void
hb_fire(void *arg, u_int64_t now)
{
	struct eio_server	*srv = arg;
	struct eio_session	*s;
	u_int64_t		t;

	srv->hb_timer = NULL;
	t = kore_time_ms();
	if (t < now)
		t = now;

	while ((s = TAILQ_FIRST(&srv->pong_q)) != NULL &&
	    s->hb_deadline <= t)
		eio_session_terminate(s, "ping timeout", 0);

	while ((s = TAILQ_FIRST(&srv->ping_q)) != NULL &&
	    s->hb_deadline <= t) {
		hb_arm(s, EIO_HB_PONG);
		eio_session_queue(s, EIO_PACKET_PING, 0, NULL, 0);
	}

	s = TAILQ_FIRST(&srv->pong_q);
	if (s != NULL)
		hb_schedule(srv, s->hb_deadline);
	s = TAILQ_FIRST(&srv->ping_q);
	if (s != NULL)
		hb_schedule(srv, s->hb_deadline);
}

static void
reaper_tick(void *arg, u_int64_t now)
{
	/* Nothing to do: waking the loop lets Kore free dead requests. */
}

/* ------------------------------------------------------------------ */
/* Session ids                                                         */

static u_int32_t
sid_hash(const char *sid, size_t len)
{
	u_int32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (u_int8_t)sid[i];
		h *= 16777619u;
	}

	return (h % HASH_SIZE);
}

/*
 * sid = owner worker id (2 lowercase hex) + base64url of 12 random bytes
 * and a 3-byte counter (20 chars): unguessable and unique per worker.
 */
static void
sid_make(char *sid)
{
	static const char	b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	u_int8_t		raw[15];
	size_t			got, i, o;
	ssize_t			r;
	u_int32_t		v;

	got = 0;
	while (got < 12) {
		r = getrandom(raw + got, 12 - got, 0);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			fatal("eio: getrandom: %s", errno_s);
		}
		got += (size_t)r;
	}
	sid_counter++;
	raw[12] = (sid_counter >> 16) & 0xff;
	raw[13] = (sid_counter >> 8) & 0xff;
	raw[14] = sid_counter & 0xff;

	(void)snprintf(sid, 3, "%02x", worker != NULL ?
	    (unsigned int)(worker->id & 0xff) : 1u);
	o = 2;
	for (i = 0; i < 15; i += 3) {
		v = (raw[i] << 16) | (raw[i + 1] << 8) | raw[i + 2];
		sid[o++] = b64url[(v >> 18) & 0x3f];
		sid[o++] = b64url[(v >> 12) & 0x3f];
		sid[o++] = b64url[(v >> 6) & 0x3f];
		sid[o++] = b64url[v & 0x3f];
	}
	sid[o] = '\0';
}
