/*
 * src/sio/sio_nsp.c: Socket.IO servers and namespaces (layer L2).
 *
 * A server owns one Engine.IO endpoint (its own eio server) and a list of
 * namespaces; "/" always exists. A namespace holds its middlewares, its
 * connection/disconnection callbacks, its event handlers, the sockets
 * connected to it on this worker, its room index and its recovery state.
 * Everything is created in kore_worker_configure, identically on every
 * worker (the bus finds a server by its path and a namespace by name).
 */

#include <sys/types.h>

#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#include "bus/bus.h"
#include "eio/eio.h"

#define SIO_INTERNAL
#include "sio/sio.h"

struct sio_server_list	sio_servers = TAILQ_HEAD_INITIALIZER(sio_servers);
struct sio_stats	sio_counters;

static int		server_count = 0;
static int		bus_ready = 0;

static void	server_purge(void *, u_int64_t);
static void	server_on_open(int, struct eio_session *,
		    struct http_request *);

/* One on_open per server slot: eio's callbacks carry no server pointer. */
#define SIO_OPEN_TRAMPOLINE(n)						\
static void								\
on_open_##n(struct eio_session *es, struct http_request *req)		\
{									\
	server_on_open(n, es, req);					\
}
SIO_OPEN_TRAMPOLINE(0)
SIO_OPEN_TRAMPOLINE(1)
SIO_OPEN_TRAMPOLINE(2)
SIO_OPEN_TRAMPOLINE(3)

static void	(*open_slots[SIO_SERVERS_MAX])(struct eio_session *,
		    struct http_request *) = {
	on_open_0, on_open_1, on_open_2, on_open_3
};

/*
 * Create a Socket.IO server on the Engine.IO endpoint described by cfg
 * (copied by eio) with the main namespace "/". Call it from
 * kore_worker_configure (after eio_init), identically on every worker:
 * the first call also registers the bus message id (APP_MSG_SIO_BASE).
 * Defaults: connectTimeout 45 s, connection-state recovery off. At most
 * SIO_SERVERS_MAX servers; more is a configuration error (fatal).
 */
struct sio_server *
sio_server_create(const struct eio_config *cfg)
{
	struct sio_server	*srv;
	struct eio_handler	h;

	if (server_count >= SIO_SERVERS_MAX)
		fatal("sio_server_create: more than %d servers",
		    SIO_SERVERS_MAX);

	if (!bus_ready) {
		bus_worker_init(APP_MSG_SIO_BASE, sio_bus_deliver);
		bus_ready = 1;
	}

	srv = kore_calloc(1, sizeof(*srv));
	srv->slot = server_count++;
	srv->path = kore_strdup(cfg->path);
	srv->connect_timeout = SIO_CONNECT_TIMEOUT;
	srv->recovery = 0;
	TAILQ_INIT(&srv->nsps);
	TAILQ_INSERT_TAIL(&sio_servers, srv, list);

	memset(&h, 0, sizeof(h));
	h.on_open = open_slots[srv->slot];
	h.on_message = sio_client_message;
	h.on_close = sio_client_close;
	srv->eio = eio_server_create(cfg, &h);

	(void)sio_nsp_create(srv, "/");
	return (srv);
}

/* connectTimeout: ms a session may stay without any namespace joined. */
void
sio_server_set_connect_timeout(struct sio_server *srv, u_int32_t ms)
{
	srv->connect_timeout = ms;
}

/*
 * Turn connection-state recovery on with a window of window_ms (0 turns it
 * off; SIO_RECOVERY_WINDOW is socket.io's 120 s default). Only sockets
 * whose CONNECT auth payload has "recover": true are offered recovery
 * (pid in the CONNECT reply, offsets on events); the others see plain
 * Socket.IO. Every worker records every emit (the bus carries them), so a
 * socket may recover on another worker than the one it left.
 */
void
sio_server_set_recovery(struct sio_server *srv, u_int32_t window_ms)
{
	srv->recovery = window_ms;
	if (window_ms > 0 && srv->purge_timer == NULL) {
		srv->purge_timer = kore_timer_add(server_purge, SIO_PURGE_MS,
		    srv, 0);
	} else if (window_ms == 0 && srv->purge_timer != NULL) {
		kore_timer_remove(srv->purge_timer);
		srv->purge_timer = NULL;
	}
}

/*
 * Create (or return the existing) namespace name on srv; name starts with
 * '/' and is at most SIO_NSP_MAX bytes. A CONNECT to a namespace that was
 * never created is answered "Invalid namespace".
 */
struct sio_nsp *
sio_nsp_create(struct sio_server *srv, const char *name)
{
	struct sio_nsp		*nsp;

	if (name[0] != '/' || strlen(name) > SIO_NSP_MAX)
		fatal("sio_nsp_create: bad namespace '%s'", name);
	if ((nsp = sio_nsp_find(srv, name)) != NULL)
		return (nsp);

	nsp = kore_calloc(1, sizeof(*nsp));
	nsp->srv = srv;
	nsp->name = kore_strdup(name);
	TAILQ_INIT(&nsp->handlers);
	TAILQ_INIT(&nsp->sockets);
	TAILQ_INIT(&nsp->replay);
	TAILQ_INIT(&nsp->saved);
	sio_room_index_init(&nsp->rooms);
	TAILQ_INSERT_TAIL(&srv->nsps, nsp, list);

	return (nsp);
}

/* The namespace called name on srv, or NULL. */
struct sio_nsp *
sio_nsp_find(struct sio_server *srv, const char *name)
{
	struct sio_nsp		*nsp;

	TAILQ_FOREACH(nsp, &srv->nsps, list) {
		if (strcmp(nsp->name, name) == 0)
			return (nsp);
	}
	return (NULL);
}

/*
 * Add a middleware; they run in order on every CONNECT (skipped for a
 * recovered socket). Each must call sio_next() exactly once, at once or
 * later (after a database query), even if the socket disconnected in the
 * meantime (sio_socket_connected() tells): the socket stays allocated
 * until then.
 */
void
sio_nsp_use(struct sio_nsp *nsp, sio_mw_cb mw)
{
	if (nsp->nmws >= SIO_MW_MAX)
		fatal("sio_nsp_use: more than %d middlewares", SIO_MW_MAX);
	nsp->mws[nsp->nmws++] = mw;
}

/* Called once a socket is connected (after the CONNECT reply was sent). */
void
sio_nsp_on_connection(struct sio_nsp *nsp, sio_conn_cb cb)
{
	nsp->on_conn = cb;
}

/*
 * Called once when a connected socket leaves, with socket.io's reason
 * ("client namespace disconnect", "server namespace disconnect",
 * "transport close", "ping timeout", "parse error", ...). The socket has
 * already left its rooms; it is freed after the call unless referenced.
 */
void
sio_nsp_on_disconnect(struct sio_nsp *nsp, sio_disc_cb cb)
{
	nsp->on_disc = cb;
}

/*
 * Register the handler of event (replacing an earlier one). It gets the
 * event's arguments without the name as a jansson array borrowed for the
 * call (binary arguments appear as {"_placeholder":true,"num":k}, see
 * sio_socket_attachments), and an ack when the client asked for one
 * (see sio_ack_send). Events without a handler are dropped.
 */
void
sio_on(struct sio_nsp *nsp, const char *event, sio_event_cb cb)
{
	struct sio_handler	*h;

	if ((h = sio_nsp_handler(nsp, event)) != NULL) {
		h->cb = cb;
		return;
	}
	h = kore_calloc(1, sizeof(*h));
	h->event = kore_strdup(event);
	h->cb = cb;
	TAILQ_INSERT_TAIL(&nsp->handlers, h, list);
}

/* The namespace's name ("/", "/custom", ...). */
const char *
sio_nsp_name(struct sio_nsp *nsp)
{
	return (nsp->name);
}

/* Sockets connected to the namespace on this worker. */
size_t
sio_nsp_sockets(struct sio_nsp *nsp)
{
	return (nsp->nsockets);
}

/* The handler for event, or NULL. */
struct sio_handler *
sio_nsp_handler(struct sio_nsp *nsp, const char *event)
{
	struct sio_handler	*h;

	TAILQ_FOREACH(h, &nsp->handlers, list) {
		if (strcmp(h->event, event) == 0)
			return (h);
	}
	return (NULL);
}

/* The server whose Engine.IO path is path (bus deliveries), or NULL. */
struct sio_server *
sio_server_by_path(const char *path)
{
	struct sio_server	*srv;

	TAILQ_FOREACH(srv, &sio_servers, list) {
		if (strcmp(srv->path, path) == 0)
			return (srv);
	}
	return (NULL);
}

/* Counters and gauges of this worker, for /metrics. */
void
sio_stats(struct sio_stats *st)
{
	struct sio_server	*srv;
	struct sio_nsp		*nsp;

	*st = sio_counters;
	st->sockets = 0;
	st->rooms = 0;
	st->replay_packets = 0;
	TAILQ_FOREACH(srv, &sio_servers, list) {
		TAILQ_FOREACH(nsp, &srv->nsps, list) {
			st->sockets += nsp->nsockets;
			st->rooms += nsp->rooms.nrooms;
			st->replay_packets += nsp->replay_count;
		}
	}
	bus_worker_stats(&st->bus_in, &st->bus_out);
}

static void
server_on_open(int slot, struct eio_session *es, struct http_request *req)
{
	struct sio_server	*srv;

	TAILQ_FOREACH(srv, &sio_servers, list) {
		if (srv->slot == slot) {
			sio_client_open(srv, es, req);
			return;
		}
	}
	eio_session_close(es, "no socket.io server");
}

static void
server_purge(void *arg, u_int64_t now)
{
	struct sio_server	*srv = arg;
	struct sio_nsp		*nsp;

	TAILQ_FOREACH(nsp, &srv->nsps, list)
		sio_recover_purge(nsp, now);
}
