/*
 * src/sio/sio_socket.c: the Socket.IO side of Engine.IO sessions (layer L2).
 *
 * One struct sio_client per Engine.IO session holds the binary decoder and
 * the sockets (one per namespace the client joined). Packet rules follow
 * socket.io's Client/Socket (socketio-wire.md section 8):
 *
 *	packet			socket for nsp		action
 *	CONNECT			none			namespace? middlewares,
 *							connect : 44 Invalid ns
 *	CONNECT			any			close ("invalid state")
 *	CONNECT_ERROR		-			close ("invalid state")
 *	other			none / not yet conn.	close ("invalid state")
 *	DISCONNECT		connected		leave ("client namespace
 *							disconnect")
 *	EVENT, BINARY_EVENT	connected		handler(args, ack)
 *	ACK, BINARY_ACK		connected		pending ack callback
 *	decode error		-			close ("parse error")
 *
 * Lifetime: a socket is referenced by its client while not CLOSED, by a
 * pending middleware, by a retained ack, during a callback, and by the
 * application (sio_socket_ref). It is freed when the last reference goes.
 */

#include <sys/types.h>
#include <sys/random.h>

#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#include "bus/bus.h"
#include "eio/eio.h"

#define SIO_INTERNAL
#include "sio/sio.h"
#include "util/util.h"

static void	client_packet(struct sio_client *, struct sio_packet *);
static void	client_protocol_error(struct sio_client *, const char *);
static void	client_connect(struct sio_client *, struct sio_packet *);
static void	client_connect_timeout(void *, u_int64_t);
static void	client_attach_timeout(void *, u_int64_t);
static void	client_send_text(struct sio_client *, const struct kore_buf *);
static struct sio_socket *client_socket(struct sio_client *, const char *);
static void	socket_connect_error(struct sio_client *, const char *,
		    const char *, const char *);
static void	socket_run_middleware(struct sio_socket *);
static void	socket_connected(struct sio_socket *);
static int	socket_try_recover(struct sio_socket *, json_t *);
static void	socket_event(struct sio_socket *, struct sio_packet *);
static void	socket_ack_in(struct sio_socket *, struct sio_packet *);
static void	socket_fail_acks(struct sio_socket *, const char *);
static void	socket_free(struct sio_socket *);
static void	ack_timeout(void *, u_int64_t);
static void	ack_destroy(struct sio_ack *);
static void	ack_reply(struct sio_ack *, const char *,
		    const struct sio_bin *, size_t);
static char	*header_copy(struct http_request *, const char *);
static int	reason_recoverable(const char *);

/* ------------------------------------------------------------ clients */

/*
 * eio on_open (via the server's trampoline): a session opened. Copy the
 * headers the application may want, arm connectTimeout.
 */
void
sio_client_open(struct sio_server *srv, struct eio_session *es,
    struct http_request *req)
{
	struct sio_client	*c;

	c = kore_calloc(1, sizeof(*c));
	c->es = es;
	c->srv = srv;
	sio_decoder_init(&c->dec);
	TAILQ_INIT(&c->sockets);
	if (req != NULL) {
		c->cookie = header_copy(req, "cookie");
		c->authorization = header_copy(req, "authorization");
		c->origin = header_copy(req, "origin");
	}
	if (srv->connect_timeout > 0) {
		c->connect_timer = kore_timer_add(client_connect_timeout,
		    srv->connect_timeout, c, KORE_TIMER_ONESHOT);
	}
	eio_session_set_udata(es, c);
}

/* eio on_message: one text or binary Engine.IO message. */
void
sio_client_message(struct eio_session *es, int binary, const u_int8_t *data,
    size_t len)
{
	struct sio_client	*c;
	struct sio_packet	pkt;
	const char		*errstr;
	int			complete;

	if ((c = eio_session_udata(es)) == NULL || c->closing)
		return;

	if (!sio_decoder_feed(&c->dec, binary, data, len, &pkt, &complete,
	    &errstr)) {
		client_protocol_error(c, errstr);
		return;
	}
	/*
	 * A binary packet's attachments must all arrive within
	 * connectTimeout, or the session is closed: a header whose
	 * attachments never come must not pin memory forever.
	 */
	if (!complete) {
		if (c->attach_timer == NULL && c->srv->connect_timeout > 0) {
			c->attach_timer = kore_timer_add(client_attach_timeout,
			    c->srv->connect_timeout, c, KORE_TIMER_ONESHOT);
		}
		return;
	}
	if (c->attach_timer != NULL) {
		kore_timer_remove(c->attach_timer);
		c->attach_timer = NULL;
	}

	client_packet(c, &pkt);
	sio_packet_cleanup(&pkt);
}

/*
 * eio on_close: the session is gone (never called from inside one of our
 * eio calls). Every socket leaves with eio's reason, then the client is
 * freed.
 */
void
sio_client_close(struct eio_session *es, const char *reason)
{
	struct sio_client	*c;
	struct sio_socket	*s;

	if ((c = eio_session_udata(es)) == NULL)
		return;
	eio_session_set_udata(es, NULL);
	c->closing = 1;

	if (reason != NULL && strcmp(reason, "send queue overflow") == 0) {
		kore_log(LOG_NOTICE, "sio: session %s closed: slow consumer "
		    "(send queue overflow)", eio_session_id(es));
	}

	if (c->connect_timer != NULL) {
		kore_timer_remove(c->connect_timer);
		c->connect_timer = NULL;
	}
	if (c->attach_timer != NULL) {
		kore_timer_remove(c->attach_timer);
		c->attach_timer = NULL;
	}

	while ((s = TAILQ_FIRST(&c->sockets)) != NULL)
		sio_socket_close(s, reason != NULL ? reason : "transport close",
		    0);

	sio_decoder_cleanup(&c->dec);
	kore_free(c->cookie);
	kore_free(c->authorization);
	kore_free(c->origin);
	kore_free(c);
}

static void
client_protocol_error(struct sio_client *c, const char *why)
{
	sio_counters.protocol_errors++;
	kore_log(LOG_NOTICE, "sio: session %s: %s, closing",
	    eio_session_id(c->es), why);
	c->closing = 1;
	eio_session_close(c->es, "parse error");
}

static void
client_packet(struct sio_client *c, struct sio_packet *pkt)
{
	struct sio_socket	*s;

	s = client_socket(c, pkt->nsp);

	switch (pkt->type) {
	case SIO_PACKET_CONNECT:
		if (s != NULL) {
			client_protocol_error(c, "CONNECT for a joined "
			    "namespace");
			return;
		}
		client_connect(c, pkt);
		return;
	case SIO_PACKET_CONNECT_ERROR:
		client_protocol_error(c, "CONNECT_ERROR from a client");
		return;
	default:
		break;
	}

	if (s == NULL || s->state != SIO_SOCK_CONNECTED) {
		client_protocol_error(c, "packet for a namespace not joined");
		return;
	}

	switch (pkt->type) {
	case SIO_PACKET_DISCONNECT:
		sio_socket_close(s, "client namespace disconnect", 0);
		break;
	case SIO_PACKET_EVENT:
	case SIO_PACKET_BINARY_EVENT:
		socket_event(s, pkt);
		break;
	case SIO_PACKET_ACK:
	case SIO_PACKET_BINARY_ACK:
		socket_ack_in(s, pkt);
		break;
	}
}

static void
client_connect(struct sio_client *c, struct sio_packet *pkt)
{
	struct sio_nsp		*nsp;
	struct sio_socket	*s;
	json_t			*auth;

	if ((nsp = sio_nsp_find(c->srv, pkt->nsp)) == NULL) {
		socket_connect_error(c, pkt->nsp, "Invalid namespace", NULL);
		return;
	}

	s = kore_calloc(1, sizeof(*s));
	s->client = c;
	s->nsp = nsp;
	s->state = SIO_SOCK_MIDDLEWARE;
	s->refs = 1;				/* the client's list */
	s->next_ack = 0;
	TAILQ_INIT(&s->acks);
	sio_room_owner_init(&s->rooms);
	auth = pkt->data != NULL ? json_incref(pkt->data) : json_object();
	s->auth = auth;
	s->cookie = c->cookie != NULL ? kore_strdup(c->cookie) : NULL;
	s->authorization = c->authorization != NULL ?
	    kore_strdup(c->authorization) : NULL;
	s->origin = c->origin != NULL ? kore_strdup(c->origin) : NULL;
	TAILQ_INSERT_TAIL(&c->sockets, s, client_list);

	/* Recovery is opt-in: the CONNECT auth payload has "recover":true. */
	if (c->srv->recovery > 0 &&
	    json_is_true(json_object_get(auth, "recover")))
		s->recover = 1;

	if (s->recover && socket_try_recover(s, auth))
		return;

	sio_random_id(s->id);
	if (s->recover)
		sio_random_id(s->pid);

	s->mw_next = 0;
	if (nsp->nmws == 0) {
		socket_connected(s);
		return;
	}
	sio_socket_ref(s);			/* the pending middleware */
	socket_run_middleware(s);
}

static void
client_connect_timeout(void *arg, u_int64_t now)
{
	struct sio_client	*c = arg;
	struct sio_socket	*s;

	c->connect_timer = NULL;
	TAILQ_FOREACH(s, &c->sockets, client_list) {
		if (s->state == SIO_SOCK_CONNECTED)
			return;
	}
	kore_log(LOG_INFO, "sio: session %s joined no namespace in time",
	    eio_session_id(c->es));
	c->closing = 1;
	eio_session_close(c->es, "forced server close");
}

static void
client_attach_timeout(void *arg, u_int64_t now)
{
	struct sio_client	*c = arg;

	c->attach_timer = NULL;
	if (!c->closing)
		client_protocol_error(c, "binary attachments never arrived");
}

static void
client_send_text(struct sio_client *c, const struct kore_buf *buf)
{
	if (c->closing)
		return;
	eio_session_send(c->es, 0, buf->data, buf->offset);
}

static struct sio_socket *
client_socket(struct sio_client *c, const char *nsp)
{
	struct sio_socket	*s;

	TAILQ_FOREACH(s, &c->sockets, client_list) {
		if (strcmp(s->nsp->name, nsp) == 0)
			return (s);
	}
	return (NULL);
}

/* ------------------------------------------------------------ connect */

/* 44<nsp,>{"message":...,"data":...}; data_json is raw JSON or NULL. */
static void
socket_connect_error(struct sio_client *c, const char *nsp,
    const char *message, const char *data_json)
{
	struct kore_buf		buf, json;

	kore_buf_init(&json, 64);
	kore_buf_append(&json, "{\"message\":", 11);
	util_json_str(&json, message, strlen(message));
	if (data_json != NULL) {
		kore_buf_append(&json, ",\"data\":", 8);
		kore_buf_append(&json, data_json, strlen(data_json));
	}
	kore_buf_append(&json, "}", 1);

	kore_buf_init(&buf, json.offset + 16);
	sio_packet_encode(&buf, SIO_PACKET_CONNECT_ERROR, nsp, SIO_ACK_NONE, 0,
	    (const char *)json.data, json.offset);
	client_send_text(c, &buf);
	kore_buf_cleanup(&buf);
	kore_buf_cleanup(&json);
}

static void
socket_run_middleware(struct sio_socket *s)
{
	s->nsp->mws[s->mw_next](s);
}

/*
 * A middleware's verdict: reason NULL accepts (the next middleware runs,
 * or the socket connects), otherwise the client gets CONNECT_ERROR
 * {"message":reason,"data":data_json} (data_json is raw JSON text, NULL
 * for none) and the socket is dropped. Must be called exactly once per
 * middleware invocation, also when the socket went away meanwhile.
 */
void
sio_next(struct sio_socket *s, const char *reason, const char *data_json)
{
	struct sio_client	*c;

	if (s->state != SIO_SOCK_MIDDLEWARE) {
		/* The session closed while the middleware was busy. */
		sio_socket_unref(s);
		return;
	}

	c = s->client;
	if (reason != NULL) {
		socket_connect_error(c, s->nsp->name, reason, data_json);
		s->state = SIO_SOCK_CLOSED;
		sio_room_del_all(&s->nsp->rooms, &s->rooms);
		TAILQ_REMOVE(&c->sockets, s, client_list);
		s->client = NULL;
		sio_socket_unref(s);		/* the client's list */
		sio_socket_unref(s);		/* the middleware */
		return;
	}

	if (++s->mw_next < s->nsp->nmws) {
		socket_run_middleware(s);
		return;
	}

	socket_connected(s);
	sio_socket_unref(s);			/* the middleware */
}

/* Join the namespace: rooms, CONNECT reply, connection callback. */
static void
socket_connected(struct sio_socket *s)
{
	struct sio_client	*c = s->client;
	struct sio_nsp		*nsp = s->nsp;
	struct kore_buf		buf, json;

	s->state = SIO_SOCK_CONNECTED;
	TAILQ_INSERT_TAIL(&nsp->sockets, s, nsp_list);
	nsp->nsockets++;
	(void)sio_room_add(&nsp->rooms, &s->rooms, s, s->id);

	if (c->connect_timer != NULL) {
		kore_timer_remove(c->connect_timer);
		c->connect_timer = NULL;
	}

	kore_buf_init(&json, 64);
	kore_buf_appendf(&json, "{\"sid\":\"%s\"", s->id);
	if (s->pid[0] != '\0')
		kore_buf_appendf(&json, ",\"pid\":\"%s\"", s->pid);
	kore_buf_append(&json, "}", 1);
	kore_buf_init(&buf, json.offset + 16);
	sio_packet_encode(&buf, SIO_PACKET_CONNECT, nsp->name, SIO_ACK_NONE, 0,
	    (const char *)json.data, json.offset);
	client_send_text(c, &buf);
	kore_buf_cleanup(&buf);
	kore_buf_cleanup(&json);

	if (nsp->on_conn != NULL) {
		sio_socket_ref(s);
		nsp->on_conn(s);
		sio_socket_unref(s);
	}
}

/*
 * Connection-state recovery (socketio-wire.md section 9): with a string
 * pid and offset in auth, a saved session of that pid in this namespace
 * and the offset still in the replay buffer, the socket gets its id, pid
 * and rooms back, the missed packets are sent, then the CONNECT reply;
 * middlewares are skipped. Returns 0 to fall back to a new connection.
 */
static int
socket_try_recover(struct sio_socket *s, json_t *auth)
{
	struct sio_nsp		*nsp = s->nsp;
	struct sio_saved	*saved;
	struct sio_replay	*from, *r;
	struct kore_buf		buf;
	const char		*pid, *offset;
	size_t			i;

	pid = json_string_value(json_object_get(auth, "pid"));
	offset = json_string_value(json_object_get(auth, "offset"));
	if (pid == NULL || offset == NULL)
		return (0);

	if ((from = sio_recover_find(nsp, offset)) == NULL)
		return (0);
	if ((saved = sio_recover_take(nsp, pid)) == NULL)
		return (0);

	(void)kore_strlcpy(s->id, saved->sid, sizeof(s->id));
	(void)kore_strlcpy(s->pid, saved->pid, sizeof(s->pid));
	for (i = 0; i < saved->nrooms; i++) {
		(void)sio_room_add(&nsp->rooms, &s->rooms, s,
		    saved->rooms[i]);
	}
	sio_recover_saved_free(saved);
	sio_bus_session_drop(nsp, s->pid);

	/* Missed packets first, then the CONNECT reply (as socket.io). */
	kore_buf_init(&buf, 256);
	for (r = TAILQ_NEXT(from, list); r != NULL; r = TAILQ_NEXT(r, list)) {
		if (!sio_recover_matches(r, &s->rooms))
			continue;
		kore_buf_reset(&buf);
		sio_packet_encode_event(&buf, r->nbins > 0 ?
		    SIO_PACKET_BINARY_EVENT : SIO_PACKET_EVENT, nsp->name,
		    SIO_ACK_NONE, (u_int32_t)r->nbins, r->event, r->args,
		    r->args_len, r->offset);
		sio_socket_send(s, &buf, r->bins, r->nbins);
	}
	kore_buf_cleanup(&buf);

	s->recovered = 1;
	sio_counters.recovered++;
	socket_connected(s);
	return (1);
}

/* ------------------------------------------------------------ events */

static void
socket_event(struct sio_socket *s, struct sio_packet *pkt)
{
	struct sio_handler	*h;
	struct sio_ack		*ack;
	json_t			*name;
	char			num[32];
	const char		*event;

	name = json_array_get(pkt->data, 0);
	if (json_is_string(name)) {
		event = json_string_value(name);
	} else {
		(void)snprintf(num, sizeof(num), "%g", json_number_value(name));
		event = num;
	}

	if ((h = sio_nsp_handler(s->nsp, event)) == NULL)
		return;

	ack = NULL;
	if (pkt->id != SIO_ACK_NONE) {
		ack = kore_calloc(1, sizeof(*ack));
		ack->s = s;
		ack->id = pkt->id;
		sio_socket_ref(s);
	}

	/* The handler sees the arguments without the event name. */
	(void)json_array_remove(pkt->data, 0);

	sio_socket_ref(s);
	s->cur_bins = pkt->bins;
	s->cur_nbins = pkt->nbins;
	if (ack != NULL)
		ack->in_handler = 1;
	h->cb(s, pkt->data, ack);
	s->cur_bins = NULL;
	s->cur_nbins = 0;
	if (ack != NULL) {
		ack->in_handler = 0;
		if (!ack->retained || ack->sent)
			ack_destroy(ack);
	}
	sio_socket_unref(s);
}

static void
socket_ack_in(struct sio_socket *s, struct sio_packet *pkt)
{
	struct sio_pending	*p;

	TAILQ_FOREACH(p, &s->acks, list) {
		if (p->id == pkt->id)
			break;
	}
	if (p == NULL)
		return;			/* late (timed out) or unknown */

	TAILQ_REMOVE(&s->acks, p, list);
	s->nacks--;
	if (p->timer != NULL)
		kore_timer_remove(p->timer);

	sio_socket_ref(s);
	s->cur_bins = pkt->bins;
	s->cur_nbins = pkt->nbins;
	p->cb(s, pkt->data, NULL, p->arg);
	s->cur_bins = NULL;
	s->cur_nbins = 0;
	sio_socket_unref(s);
	kore_free(p);
}

/* ------------------------------------------------------------ sockets */

/* The socket id (20 characters, fresh per connection unless recovered). */
const char *
sio_socket_id(struct sio_socket *s)
{
	return (s->id);
}

/* The socket's namespace. */
struct sio_nsp *
sio_socket_nsp(struct sio_socket *s)
{
	return (s->nsp);
}

/* The CONNECT auth payload (a jansson object, {} when none); borrowed. */
json_t *
sio_socket_auth(struct sio_socket *s)
{
	return (s->auth);
}

/*
 * A handshake header copied when the Engine.IO session opened: "cookie",
 * "authorization" or "origin" (others: NULL). NULL when absent.
 */
const char *
sio_socket_header(struct sio_socket *s, const char *name)
{
	if (strcasecmp(name, "cookie") == 0)
		return (s->cookie);
	if (strcasecmp(name, "authorization") == 0)
		return (s->authorization);
	if (strcasecmp(name, "origin") == 0)
		return (s->origin);
	return (NULL);
}

/* "polling" or "websocket"; NULL once the socket is gone. */
const char *
sio_socket_transport(struct sio_socket *s)
{
	if (s->client == NULL || s->client->closing)
		return (NULL);
	return (eio_session_transport(s->client->es));
}

/* 1 while the socket is connected to its namespace. */
int
sio_socket_connected(struct sio_socket *s)
{
	return (s->state == SIO_SOCK_CONNECTED);
}

/* 1 if this connection restored a previous session (same id, rooms). */
int
sio_socket_recovered(struct sio_socket *s)
{
	return (s->recovered);
}

/* Application data pointer (not touched by sio). */
void
sio_socket_set_udata(struct sio_socket *s, void *udata)
{
	s->udata = udata;
}

/* The application data pointer set with sio_socket_set_udata(). */
void *
sio_socket_udata(struct sio_socket *s)
{
	return (s->udata);
}

/*
 * During an event handler or an ack callback: the binary attachments of
 * the packet (num k of a placeholder is index k). Returns their count.
 */
size_t
sio_socket_attachments(struct sio_socket *s, const struct sio_bin **bins)
{
	*bins = s->cur_bins;
	return (s->cur_nbins);
}

/* Keep the socket allocated beyond a callback (e.g. across a query). */
void
sio_socket_ref(struct sio_socket *s)
{
	s->refs++;
}

/* Drop a reference; the last one frees a closed socket. */
void
sio_socket_unref(struct sio_socket *s)
{
	if (s->refs == 0)
		fatal("sio_socket_unref: no references on %s", s->id);
	if (--s->refs == 0)
		socket_free(s);
}

/*
 * Server-side disconnect: the client gets DISCONNECT for the namespace
 * (reason "server namespace disconnect"); with close != 0 the whole
 * Engine.IO session is closed too (other namespaces included).
 */
void
sio_socket_disconnect(struct sio_socket *s, int close)
{
	struct sio_client	*c = s->client;

	if (s->state != SIO_SOCK_CONNECTED)
		return;
	sio_socket_close(s, "server namespace disconnect", 1);
	if (close && c != NULL && !c->closing) {
		c->closing = 1;
		eio_session_close(c->es, "forced server close");
	}
}

/*
 * Close one socket with reason; send_disconnect sends "1<nsp,>" to the
 * client first. A connected socket saves its session for recovery when
 * the reason allows, leaves every room, fails its pending acks and
 * reports the disconnection. Idempotent.
 */
void
sio_socket_close(struct sio_socket *s, const char *reason,
    int send_disconnect)
{
	struct sio_client	*c = s->client;
	struct sio_nsp		*nsp = s->nsp;
	struct kore_buf		buf;
	int			was_connected;

	if (s->state == SIO_SOCK_CLOSED)
		return;
	was_connected = (s->state == SIO_SOCK_CONNECTED);
	s->state = SIO_SOCK_CLOSED;
	if (c != NULL)
		TAILQ_REMOVE(&c->sockets, s, client_list);

	if (was_connected) {
		TAILQ_REMOVE(&nsp->sockets, s, nsp_list);
		nsp->nsockets--;

		if (s->recover && nsp->srv->recovery > 0 &&
		    reason_recoverable(reason))
			sio_bus_session_save(s);

		if (send_disconnect && c != NULL) {
			kore_buf_init(&buf, 16);
			sio_packet_encode(&buf, SIO_PACKET_DISCONNECT,
			    nsp->name, SIO_ACK_NONE, 0, NULL, 0);
			client_send_text(c, &buf);
			kore_buf_cleanup(&buf);
		}

		sio_room_del_all(&nsp->rooms, &s->rooms);
		s->client = NULL;
		socket_fail_acks(s, "socket has been disconnected");
		if (nsp->on_disc != NULL) {
			sio_socket_ref(s);
			nsp->on_disc(s, reason);
			sio_socket_unref(s);
		}
	}

	/* A socket refused or dropped before connecting leaves its rooms. */
	sio_room_del_all(&nsp->rooms, &s->rooms);
	s->client = NULL;
	sio_socket_unref(s);			/* the client's list */
}

/*
 * Send one encoded packet (text, without Engine.IO's '4') and its binary
 * attachments to the socket's session. No-op once the socket is gone.
 */
void
sio_socket_send(struct sio_socket *s, const struct kore_buf *text,
    const struct sio_bin *bins, size_t nbins)
{
	size_t		i;

	if (s->client == NULL || s->client->closing)
		return;
	eio_session_send(s->client->es, 0, text->data, text->offset);
	for (i = 0; i < nbins; i++)
		eio_session_send(s->client->es, 1, bins[i].data, bins[i].len);
	sio_counters.deliveries++;
}

/*
 * Emit event to this socket with pre-encoded arguments: args_json is a
 * comma-separated list of JSON values without brackets ("" or NULL for
 * none), copied untouched. With recovery on and the socket opted in, the
 * emit is recorded (on every worker) and carries an offset.
 */
void
sio_socket_emit(struct sio_socket *s, const char *event, const char *args_json)
{
	sio_socket_emit_bin(s, event, args_json, NULL, 0);
}

/*
 * sio_socket_emit() with binary attachments: args_json refers to bins[k]
 * with {"_placeholder":true,"num":k}; sent as BINARY_EVENT. The bytes are
 * copied before the call returns.
 */
void
sio_socket_emit_bin(struct sio_socket *s, const char *event,
    const char *args_json, const struct sio_bin *bins, size_t nbins)
{
	struct kore_buf		buf;
	const char		*rooms[2];

	if (s->state != SIO_SOCK_CONNECTED || nbins > SIO_MAX_ATTACHMENTS)
		return;

	if (s->recover && s->nsp->srv->recovery > 0) {
		/* Recorded like a room emit to the socket's own room. */
		rooms[0] = s->id;
		rooms[1] = NULL;
		sio_nsp_emit_bin(s->nsp, rooms, NULL, event, args_json, bins,
		    nbins);
		return;
	}

	sio_counters.emits++;
	kore_buf_init(&buf, 128);
	sio_packet_encode_event(&buf, nbins > 0 ? SIO_PACKET_BINARY_EVENT :
	    SIO_PACKET_EVENT, s->nsp->name, SIO_ACK_NONE, (u_int32_t)nbins,
	    event, args_json, args_json != NULL ? strlen(args_json) : 0, NULL);
	sio_socket_send(s, &buf, bins, nbins);
	kore_buf_cleanup(&buf);
}

/*
 * Emit with an acknowledgement: cb(socket, args, NULL, arg) runs when the
 * client acks (args: the ack's arguments, borrowed; attachments through
 * sio_socket_attachments), or cb(socket, NULL, err, arg) with err
 * "operation has timed out" after timeout_ms (0: no timeout) or "socket
 * has been disconnected". Exactly one call, never from inside this
 * function. Returns KORE_RESULT_ERROR (and cb is never called) when the
 * socket is not connected or has SIO_ACK_PENDING_MAX acks pending.
 */
int
sio_socket_emit_ack(struct sio_socket *s, const char *event,
    const char *args_json, const struct sio_bin *bins, size_t nbins,
    u_int32_t timeout_ms, sio_ack_cb cb, void *arg)
{
	struct sio_pending	*p;
	struct kore_buf		buf;

	if (s->state != SIO_SOCK_CONNECTED || s->nacks >= SIO_ACK_PENDING_MAX ||
	    nbins > SIO_MAX_ATTACHMENTS)
		return (KORE_RESULT_ERROR);

	p = kore_calloc(1, sizeof(*p));
	p->s = s;
	p->id = s->next_ack;
	s->next_ack = (s->next_ack + 1) % (SIO_ACK_ID_MAX + 1);
	p->cb = cb;
	p->arg = arg;
	if (timeout_ms > 0) {
		p->timer = kore_timer_add(ack_timeout, timeout_ms, p,
		    KORE_TIMER_ONESHOT);
	}
	TAILQ_INSERT_TAIL(&s->acks, p, list);
	s->nacks++;

	sio_counters.emits++;
	kore_buf_init(&buf, 128);
	sio_packet_encode_event(&buf, nbins > 0 ? SIO_PACKET_BINARY_EVENT :
	    SIO_PACKET_EVENT, s->nsp->name, p->id, (u_int32_t)nbins, event,
	    args_json, args_json != NULL ? strlen(args_json) : 0, NULL);
	sio_socket_send(s, &buf, bins, nbins);
	kore_buf_cleanup(&buf);

	return (KORE_RESULT_OK);
}

/*
 * Join room on this worker (a socket is always in the room named by its
 * id). Allowed from a middleware too: the socket is then in its rooms
 * from the moment it connects (emits reach connected sockets only).
 * KORE_RESULT_ERROR when the socket is closed or already in
 * SIO_SOCKET_ROOMS_MAX rooms.
 */
int
sio_socket_join(struct sio_socket *s, const char *room)
{
	if (s->state == SIO_SOCK_CLOSED)
		return (KORE_RESULT_ERROR);
	return (sio_room_add(&s->nsp->rooms, &s->rooms, s, room));
}

/* Leave room (no-op when not in it). */
void
sio_socket_leave(struct sio_socket *s, const char *room)
{
	if (s->state == SIO_SOCK_CLOSED)
		return;
	(void)sio_room_del(&s->nsp->rooms, &s->rooms, room);
}

/* 1 if the socket is in room. */
int
sio_socket_in(struct sio_socket *s, const char *room)
{
	return (sio_room_has(&s->rooms, room));
}

/* ------------------------------------------------------------ acks */

/*
 * Keep an ack beyond the event handler (to answer after async work): the
 * application must then call sio_ack_send() or sio_ack_free() once.
 * Without this, an ack not sent during the handler is dropped after it.
 */
void
sio_ack_retain(struct sio_ack *ack)
{
	ack->retained = 1;
}

/*
 * Answer the client's ack with pre-encoded args_json ("a,b", "" or NULL)
 * and free the ack. Nothing is sent if the socket is gone.
 */
void
sio_ack_send(struct sio_ack *ack, const char *args_json)
{
	ack_reply(ack, args_json, NULL, 0);
}

/* sio_ack_send() with binary attachments (BINARY_ACK); frees the ack. */
void
sio_ack_send_bin(struct sio_ack *ack, const char *args_json,
    const struct sio_bin *bins, size_t nbins)
{
	ack_reply(ack, args_json, bins, nbins);
}

/* Drop an ack without answering it (a retained one, or inside the handler). */
void
sio_ack_free(struct sio_ack *ack)
{
	if (ack->in_handler) {
		ack->retained = 0;	/* the handler's caller frees it */
		return;
	}
	ack_destroy(ack);
}

static void
ack_destroy(struct sio_ack *ack)
{
	sio_socket_unref(ack->s);
	kore_free(ack);
}

static void
ack_reply(struct sio_ack *ack, const char *args_json,
    const struct sio_bin *bins, size_t nbins)
{
	struct kore_buf		buf;
	struct sio_socket	*s = ack->s;

	if (ack->sent)
		return;			/* at most once */
	ack->sent = 1;

	if (s->state == SIO_SOCK_CONNECTED && nbins <= SIO_MAX_ATTACHMENTS) {
		kore_buf_init(&buf, 64);
		sio_packet_encode_event(&buf, nbins > 0 ?
		    SIO_PACKET_BINARY_ACK : SIO_PACKET_ACK, s->nsp->name,
		    ack->id, (u_int32_t)nbins, NULL, args_json,
		    args_json != NULL ? strlen(args_json) : 0, NULL);
		sio_socket_send(s, &buf, bins, nbins);
		kore_buf_cleanup(&buf);
	}

	if (!ack->in_handler)
		ack_destroy(ack);
}

static void
ack_timeout(void *arg, u_int64_t now)
{
	struct sio_pending	*p = arg;
	struct sio_socket	*s = p->s;

	p->timer = NULL;		/* oneshot: Kore frees it */
	TAILQ_REMOVE(&s->acks, p, list);
	s->nacks--;
	sio_socket_ref(s);
	p->cb(s, NULL, "operation has timed out", p->arg);
	sio_socket_unref(s);
	kore_free(p);
}

/* Every pending server->client ack fails with err (socket closing). */
static void
socket_fail_acks(struct sio_socket *s, const char *err)
{
	struct sio_pending	*p;

	sio_socket_ref(s);
	while ((p = TAILQ_FIRST(&s->acks)) != NULL) {
		TAILQ_REMOVE(&s->acks, p, list);
		s->nacks--;
		if (p->timer != NULL)
			kore_timer_remove(p->timer);
		p->cb(s, NULL, err, p->arg);
		kore_free(p);
	}
	sio_socket_unref(s);
}

static void
socket_free(struct sio_socket *s)
{
	if (s->state != SIO_SOCK_CLOSED)
		fatal("sio: socket %s freed while not closed", s->id);
	sio_room_del_all(&s->nsp->rooms, &s->rooms);
	json_decref(s->auth);
	kore_free(s->cookie);
	kore_free(s->authorization);
	kore_free(s->origin);
	kore_free(s);
}

/* ------------------------------------------------------------ helpers */

/* A fresh 20-character base64url id (15 random bytes). */
void
sio_random_id(char *out)
{
	static const char	alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	u_int8_t		rnd[15];
	size_t			i, o;
	u_int32_t		v;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		fatal("sio: getrandom failed");
	o = 0;
	for (i = 0; i < sizeof(rnd); i += 3) {
		v = ((u_int32_t)rnd[i] << 16) | ((u_int32_t)rnd[i + 1] << 8) |
		    rnd[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	out[o] = '\0';
}

static char *
header_copy(struct http_request *req, const char *name)
{
	const char	*val;

	if (!http_request_header(req, name, &val))
		return (NULL);
	return (kore_strdup(val));
}

/* Reasons after which socket.io keeps the session for recovery. */
static int
reason_recoverable(const char *reason)
{
	static const char	*ok[] = {
		"transport error", "transport close", "forced close",
		"ping timeout", "server shutting down", "forced server close",
		NULL
	};
	int			i;

	for (i = 0; ok[i] != NULL; i++) {
		if (strcmp(ok[i], reason) == 0)
			return (1);
	}
	return (0);
}
