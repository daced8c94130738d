/*
 * src/eio/eio.h: Engine.IO v4 server for Kore (layer L1 transport).
 *
 * Sessions over HTTP long-polling and WebSocket, the polling -> WebSocket
 * upgrade, the server-side heartbeat and bounded send queues. Works with
 * any number of Kore workers: the session id names the worker that owns the
 * session (its first two characters are the owner's worker id in hex), and
 * a poll, a POST or a WebSocket upgrade that lands on another worker is
 * routed to the owner with kore_msg (eio_worker.c). Every eio_handler
 * callback runs on the owner worker. A WebSocket upgrade that lands on
 * another worker is RELAYED (frames forwarded both ways), not taken over:
 * the application's per-session state (Socket.IO sockets, rooms, udata)
 * lives in the owner's memory and cannot move between processes. A dead
 * (restarted) owner's sids answer 400 code 1.
 *
 * The public part (up to "internals") is the eio <-> sio boundary agreed in
 * the brief; it is stable. Everything under EIO_INTERNAL is private to
 * src/eio/ (and the pure codec is exported for unit tests and fuzzing).
 *
 * Files:
 *	eio_packet.c	pure codec: packets, payloads, base64, WS frames,
 *			open packet, query string (layer 0, no Kore runtime)
 *	eio_session.c	servers, session table, send queues, heartbeat,
 *			packet processing, corked flush, close/reap, stats
 *	eio_route.c	the HTTP route: validation, handshake, polling
 *			GET/POST, CORS, error answers
 *	eio_ws.c	WebSocket transport: Kore callbacks, upgrade (probe)
 *	eio_worker.c	cross-worker routing: forwarded polls/POSTs, relayed
 *			WebSockets (kore_msg ids APP_MSG_EIO_BASE .. +3)
 */
#ifndef EIO_H
#define EIO_H

#include <sys/types.h>
#include <sys/queue.h>

#include <kore/kore.h>
#include <kore/http.h>

#define EIO_TRANSPORT_POLLING	0x01
#define EIO_TRANSPORT_WEBSOCKET	0x02

struct eio_server;		/* one per endpoint path */
struct eio_session;		/* opaque outside src/eio/ */

struct eio_config {
	const char	*path;		/* e.g. "/api/socket/io": served with
					   and without the trailing slash */
	u_int32_t	ping_interval;	/* ms, 25000 */
	u_int32_t	ping_timeout;	/* ms, 20000 */
	u_int32_t	upgrade_timeout;/* ms, 10000 */
	size_t		max_payload;	/* maxHttpBufferSize, 1000000 */
	size_t		max_queue;	/* bytes queued per session before it
					   is closed ("send queue overflow") */
	int		transports;	/* EIO_TRANSPORT_* bits */
	int		allow_upgrades;
	const char	*cors_origin;	/* NULL: no CORS headers; "*" etc. */
	/*
	 * allowRequest: return KORE_RESULT_OK to accept; otherwise the
	 * request gets 403 {"code":4,"message":*reason} (reason may be left
	 * NULL: "Forbidden"). Called for handshakes (polling or WebSocket)
	 * and for WebSocket upgrades of an existing session, on the worker
	 * that received the request. May be NULL.
	 */
	int		(*allow_request)(struct http_request *,
			    const char **reason);
};

struct eio_handler {
	/* A session opened (on its owner worker); the handshake request is
	   valid during the call only: copy the headers you need. */
	void	(*on_open)(struct eio_session *, struct http_request *);
	/* One message packet: text (data after the '4') or binary. The data
	   is borrowed for the call. */
	void	(*on_message)(struct eio_session *, int binary,
		    const u_int8_t *, size_t);
	/* The session is gone; called exactly once, always from the event
	   loop (never from inside an eio_* call or another callback); the
	   pointer is invalid afterwards. */
	void	(*on_close)(struct eio_session *, const char *reason);
};

/* Counters for /metrics (this worker only). */
struct eio_stats {
	u_int64_t	sessions;		/* open sessions owned here */
	u_int64_t	sessions_polling;
	u_int64_t	sessions_upgrading;
	u_int64_t	sessions_websocket;
	u_int64_t	queued_bytes;		/* unsent bytes, all sessions */
	u_int64_t	polls_parked;		/* sessions with a GET waiting */
	u_int64_t	relays;			/* WebSockets relayed to another
						   worker's session */
	u_int64_t	opened_total;
	u_int64_t	closed_total;
	u_int64_t	packets_in;
	u_int64_t	packets_out;
	u_int64_t	forwarded_total;	/* requests routed to another
						   worker */
	u_int64_t	overflow_total;		/* closed: send queue overflow */
};

/* eio_session.c */
void		 eio_init(void);
struct eio_server *eio_server_create(const struct eio_config *,
		    const struct eio_handler *);
void		 eio_session_send(struct eio_session *, int, const void *,
		    size_t);
void		 eio_session_close(struct eio_session *, const char *);
void		 eio_session_set_udata(struct eio_session *, void *);
void		*eio_session_udata(struct eio_session *);
const char	*eio_session_id(struct eio_session *);
const char	*eio_session_transport(struct eio_session *);
void		 eio_stats(struct eio_stats *);

/* routes: named in the Kore configuration */
int		 eio_route(struct http_request *);

/* WebSocket callbacks: named (as strings) in kore_websocket_handshake */
void		 eio_ws_connect(struct connection *);
void		 eio_ws_message(struct connection *, u_int8_t, const void *,
		    size_t);
void		 eio_ws_disconnect(struct connection *);

/* ------------------------------------------------------------------ */
/* Pure codec (eio_packet.c): exported for unit tests and the fuzzer.  */

#define EIO_PACKET_OPEN		0
#define EIO_PACKET_CLOSE	1
#define EIO_PACKET_PING		2
#define EIO_PACKET_PONG		3
#define EIO_PACKET_MESSAGE	4
#define EIO_PACKET_UPGRADE	5
#define EIO_PACKET_NOOP		6

#define EIO_RS			0x1e	/* polling payload separator */
#define EIO_SID_LEN		22	/* 2 hex (owner) + 20 base64url */

struct eio_packet {
	int			type;		/* EIO_PACKET_* */
	int			binary;		/* message with binary data */
	const u_int8_t		*data;		/* borrowed (input or scratch) */
	size_t			len;
};

struct eio_payload {
	const u_int8_t		*cur;		/* rest of the payload */
	size_t			left;
	int			done;		/* last packet returned */
};

void	eio_buf_reserve(struct kore_buf *, size_t);
int	eio_packet_decode(struct eio_packet *, const u_int8_t *, size_t,
	    struct kore_buf *, const char **);
int	eio_payload_init(struct eio_payload *, const u_int8_t *, size_t,
	    size_t, const char **);
int	eio_payload_next(struct eio_payload *, const u_int8_t **, size_t *);
void	eio_packet_encode(struct kore_buf *, int, int, const void *, size_t);
void	eio_payload_append(struct kore_buf *, int, int, const void *,
	    size_t);
void	eio_base64_encode(struct kore_buf *, const void *, size_t);
int	eio_base64_decode(struct kore_buf *, const u_int8_t *, size_t,
	    const char **);
size_t	eio_ws_frame_header(u_int8_t *, u_int8_t, size_t);
void	eio_ws_frame_packet(struct kore_buf *, int, int, const void *,
	    size_t);
void	eio_packet_open(struct kore_buf *, const char *, int, u_int32_t,
	    u_int32_t, size_t);
int	eio_query_param(const char *, const char *, const char **,
	    size_t *);
int	eio_sid_owner(const char *, size_t, u_int16_t *);

#if defined(EIO_INTERNAL)
/* ------------------------------------------------------------------ */
/* Internals shared by the files of src/eio/.                          */

#define EIO_MSG_REQ		(APP_MSG_EIO_BASE + 0)	/* to the owner */
#define EIO_MSG_REP		(APP_MSG_EIO_BASE + 1)	/* to the requester */

#define EIO_FORWARD_TIMEOUT	3000	/* ms without an answer: unknown */
#define EIO_LINGER_MS		30000	/* closed polling session waits this
					   long for the GET that learns it */
#define EIO_NOOP_MS		100	/* noop to the poll while probing */

enum eio_state {
	EIO_STATE_POLLING,		/* polling; no WebSocket */
	EIO_STATE_UPGRADING,		/* polling; a WebSocket probes */
	EIO_STATE_WEBSOCKET,		/* on the WebSocket */
	EIO_STATE_CLOSED		/* waiting to be reaped */
};

/* A WebSocket as seen by the owner: local connection or remote relay. */
struct eio_wsref {
	struct eio_session	*s;
	struct connection	*c;		/* local; NULL when remote */
	u_int16_t		worker;		/* remote: relaying worker */
	u_int32_t		link;		/* remote: its relay id */
	struct kore_buf		out;		/* framed bytes, not flushed */
	size_t			backlog;	/* unsent bytes seen at flush */
	int			probed;		/* got "2probe" */
	int			closing;	/* close after the flush */
};

#define EIO_SF_DIRTY		0x01		/* on the flush list */
#define EIO_SF_NOTIFIED		0x02		/* on_close was called */
#define EIO_SF_LINGER		0x04		/* closed, still in table */
#define EIO_SF_REAP		0x08		/* on the reap list */
#define EIO_SF_HASHED		0x10		/* in the session table */
#define EIO_SF_OPENED		0x20		/* on_open was called */

#define EIO_HB_NONE		0
#define EIO_HB_PING		1		/* waiting to send a ping */
#define EIO_HB_PONG		2		/* waiting for the pong */

struct eio_server {
	TAILQ_ENTRY(eio_server)	list;
	u_int8_t		idx;		/* same on every worker */
	struct eio_config	cfg;
	struct eio_handler	h;
	char			*path;		/* without trailing slash */
	size_t			path_len;
	TAILQ_HEAD(, eio_session) ping_q;	/* by deadline (FIFO) */
	TAILQ_HEAD(, eio_session) pong_q;	/* by deadline (FIFO) */
	struct kore_timer	*hb_timer;
	u_int64_t		hb_when;	/* hb_timer's deadline */
};

struct eio_session {
	char			sid[EIO_SID_LEN + 1];
	struct eio_server	*srv;
	enum eio_state		state;
	int			flags;		/* EIO_SF_* */
	void			*udata;
	const char		*reason;	/* why it closed (static) */

	struct kore_buf		pollbuf;	/* polling-encoded, unsent */
	struct http_request	*poll_req;	/* parked local GET */
	u_int16_t		rpoll_worker;	/* parked remote GET: worker */
	u_int32_t		rpoll_token;	/* ... and its token (0: none) */

	struct eio_wsref	*ws;		/* current WebSocket */
	struct eio_wsref	*probe;		/* upgrading WebSocket */

	int			hb;		/* EIO_HB_* */
	u_int64_t		hb_deadline;
	TAILQ_ENTRY(eio_session) hb_list;

	struct kore_timer	*upgrade_timer;
	struct kore_timer	*noop_timer;
	struct kore_timer	*linger_timer;

	TAILQ_ENTRY(eio_session) hash_list;
	TAILQ_ENTRY(eio_session) dirty_list;
	TAILQ_ENTRY(eio_session) reap_list;
};

/* What Kore keeps in c->hdlr_extra for an Engine.IO WebSocket. */
struct eio_link {
	struct eio_wsref	*ref;		/* local session transport */
	struct eio_relay	*relay;		/* or: relay to another worker */
	struct eio_server	*srv;		/* set before the handshake */
	struct eio_session	*pending_s;	/* session to attach at connect */
	struct http_request	*req;		/* during the handshake only */
	int			kind;		/* EIO_LINK_* */
	int			close_now;	/* accept, then close at once */
};

#define EIO_LINK_NEW		1	/* WebSocket-only handshake */
#define EIO_LINK_UPGRADE	2	/* probe for a local session */
#define EIO_LINK_RELAY		3	/* relay to the owner worker */

/* A WebSocket on this worker whose session lives on another worker. */
struct eio_relay {
	u_int32_t		id;		/* = the WS_OPEN token */
	u_int16_t		owner;
	struct eio_server	*srv;
	char			sid[EIO_SID_LEN + 1];
	struct connection	*c;
	TAILQ_ENTRY(eio_relay)	list;
};

/* Request state (http_state) of a parked poll or a forwarded request. */
struct eio_reqstate {
	int			kind;		/* EIO_RQ_* */
	struct http_request	*req;
	struct eio_server	*srv;
	struct eio_session	*s;		/* local poll: until answered */
	struct kore_buf		*body;		/* the answer's body */
	int			fwd;		/* forwarded: EIO_FWD_* */
	int			status;		/* forwarded: EIO_REP_*, 0 */
	int			ws;		/* a WebSocket request */
	u_int16_t		owner;		/* forwarded: owner worker */
	u_int32_t		token;		/* forwarded: our id */
	char			sid[EIO_SID_LEN + 1];
	struct kore_timer	*timer;		/* forwarded: no answer */
	TAILQ_ENTRY(eio_reqstate) list;
};

#define EIO_RQ_POLL		1	/* local parked GET */
#define EIO_RQ_FWD		2	/* waiting for the owner worker */

#define EIO_REP_TIMEOUT		100	/* internal: owner never answered */

/* Forwarded request kinds (EIO_MSG_REQ) and answers (EIO_MSG_REP). */
#define EIO_FWD_POLL		1	/* GET landed elsewhere */
#define EIO_FWD_POLL_GONE	2	/* that GET's client went away */
#define EIO_FWD_POST		3	/* POST landed elsewhere */
#define EIO_FWD_WS_OPEN		4	/* WS upgrade landed elsewhere */
#define EIO_FWD_WS_FRAME	5	/* a frame from a relayed WS */
#define EIO_FWD_WS_CLOSED	6	/* the relayed WS is gone */
#define EIO_FWD_POST_OCTET	7	/* POST with octet-stream body */

#define EIO_REP_PARKED		1	/* poll parked at the owner */
#define EIO_REP_DATA		2	/* poll answer (payload) */
#define EIO_REP_OK		3	/* POST processed / WS accepted */
#define EIO_REP_UNKNOWN		4	/* 400 code 1 */
#define EIO_REP_BADREQ		5	/* 400 code 3 */
#define EIO_REP_CLOSE_WS	6	/* accept the WS, then close it */
#define EIO_REP_WS_OUT		7	/* frames for a relayed WS */
#define EIO_REP_WS_CLOSE	8	/* frames, then close relayed WS */
#define EIO_REP_EMPTY400	9	/* 400 with an empty body */

struct eio_msg {
	u_int8_t		kind;		/* EIO_FWD_* or EIO_REP_* */
	u_int8_t		srv;		/* server index */
	u_int8_t		op;		/* WS opcode (frames) */
	u_int8_t		pad;
	u_int32_t		token;		/* requester's id / relay id */
	char			sid[EIO_SID_LEN + 1];
	/* payload follows */
};

/* eio_session.c */
extern TAILQ_HEAD(eio_server_list, eio_server)	eio_servers;
extern struct eio_stats				eio_counters;

struct eio_server	*eio_server_by_idx(u_int8_t);
struct eio_session	*eio_session_lookup(struct eio_server *,
			    const char *, size_t);
struct eio_session	*eio_session_new(struct eio_server *, int);
void	eio_session_opened(struct eio_session *, struct http_request *);
void	eio_session_dirty(struct eio_session *);
void	eio_session_terminate(struct eio_session *, const char *, int);
void	eio_session_packet(struct eio_session *, const struct eio_packet *,
	    struct eio_wsref *);
int	eio_session_payload(struct eio_session *, const u_int8_t *, size_t);
void	eio_session_queue(struct eio_session *, int, int, const void *,
	    size_t);
void	eio_session_linger_done(struct eio_session *);
void	eio_session_upgrade_start(struct eio_session *, struct eio_wsref *);
void	eio_session_ws_lost(struct eio_session *, struct eio_wsref *);
struct eio_wsref *eio_wsref_new(struct eio_session *);
void	eio_wsref_free(struct eio_wsref *);

/* eio_route.c */
void	eio_http_error(struct http_request *, struct eio_server *, int,
	    int);
void	eio_http_error_reason(struct http_request *, struct eio_server *,
	    const char *, int);
void	eio_http_respond(struct http_request *, struct eio_server *, int,
	    const char *, const void *, size_t);
void	eio_http_cors(struct http_request *, struct eio_server *);
void	eio_reqstate_free(struct http_request *);
int	eio_ws_request_ok(struct http_request *);

/* eio_ws.c */
int	eio_ws_accept(struct http_request *, struct eio_server *,
	    struct eio_session *, struct eio_relay *, int);
void	eio_ws_flush(struct eio_wsref *);
size_t	eio_ws_backlog(struct connection *);
void	eio_ws_frame_in(struct eio_session *, struct eio_wsref *, u_int8_t,
	    const u_int8_t *, size_t);

/* eio_worker.c */
void	eio_worker_init(void);
int	eio_worker_forward(struct http_request *, struct eio_server *,
	    int, const char *, u_int16_t);
int	eio_worker_resume(struct http_request *);
void	eio_worker_poll_deliver(struct eio_session *);
void	eio_worker_ws_send(struct eio_wsref *);
void	eio_worker_relay_frame(struct eio_relay *, u_int8_t,
	    const void *, size_t);
struct eio_relay *eio_worker_relay_new(struct eio_reqstate *);
void	eio_worker_relay_gone(struct eio_relay *);
void	eio_worker_reqfree(struct eio_reqstate *);
#endif /* EIO_INTERNAL */

#endif /* !EIO_H */
