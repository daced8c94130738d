/*
 * tests/conformance/src/fixture_sio.c: the conformance fixture's Socket.IO
 * part (DESIGN.md section 6), built from src/sio; not part of parley.
 *
 * /socket.io/: namespaces "/" and "/custom" (any other is refused); on
 * connection the server emits "auth" with the CONNECT payload ({} when
 * none); "message" is echoed as "message-back" with the same arguments
 * (binary included); "message-with-ack" is acked with the same arguments.
 * pingInterval 300, pingTimeout 200, maxPayload 1e6, connectTimeout 1000,
 * CORS "*", recovery off.
 *
 * Test-only extras used by tests/integration/2*-sio-*.test.mjs (the
 * conformance suites never send them):
 *	whoami			ack {id, pid (worker), transport, recovered}
 *	join / leave r		this socket joins/leaves room r; ack "ok"
 *	in r			ack true/false: is this socket in room r
 *	emit-to {rooms, except, event, args}	sio_nsp_emit on every worker
 *	rooms-join {sel, room} / rooms-leave {sel, room} / rooms-disconnect
 *				{sel}: adapter-wide room operations
 *	ask {timeout, args}	the server emits "question" args with an ack
 *				and reports "answer" {ok: ackargs} or {error}
 *	emit-self e args	sio_socket_emit to this socket
 *	disconnect-me close	server-side disconnect (close: whole session)
 *	flood n size		n events of size bytes (slow consumer test)
 * Namespace "/private": an async middleware (decides 20 ms later) admits
 * auth {"token":"letmein"} (joining room "vip" before it connects) and
 * refuses others with "not allowed" and data {"code":"E_AUTH"}.
 * SIO_FIXTURE_RECOVERY=<ms> in the environment turns on connection-state
 * recovery with that window (off by default, as the suites want).
 * SIO_FIXTURE_DB=<conninfo> turns on the cross-node bus (bus_node.c:
 * PostgreSQL LISTEN/NOTIFY): several fixtures on one database then share
 * emits and room operations.
 * SIO_FIXTURE_MAX_QUEUE=<bytes> overrides the per-session send queue;
 * SIO_FIXTURE_PING_INTERVAL / SIO_FIXTURE_PING_TIMEOUT=<ms> override the
 * heartbeat (the integration tests relax it: 300/200 ms kills polling
 * sessions when a shared machine stalls a process for 200 ms).
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>
#include <kore/seccomp.h>

#include "app.h"
#include "bus/bus.h"
#include "eio/eio.h"
#include "sio/sio.h"
#include "util/util.h"

/*
 * libpq (only with SIO_FIXTURE_DB) stats files, reads directories and asks
 * for the host name: Kore's worker filter would kill the worker (field
 * guide section 8). The same additions as src/init.c's.
 */
KORE_SECCOMP_FILTER("fixture",
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(getsockopt),
	KORE_SYSCALL_ALLOW(getsockname),
	KORE_SYSCALL_ALLOW(getdents64)
)

void	fixture_sio_init(void);

static char	*args_text(json_t *, size_t);
static void	on_connection(struct sio_socket *);
static void	on_message(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_message_ack(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_whoami(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_join(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_leave(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_in(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_emit_to(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_rooms_join(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_rooms_leave(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_rooms_disc(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_ask(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_emit_self(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_disconnect_me(struct sio_socket *, json_t *,
		    struct sio_ack *);
static void	on_flood(struct sio_socket *, json_t *, struct sio_ack *);
static void	ask_done(struct sio_socket *, json_t *, const char *, void *);
static void	private_mw(struct sio_socket *);
static void	private_decide(void *, u_int64_t);
static void	register_handlers(struct sio_nsp *);

static struct eio_config	sio_config = {
	.path = "/socket.io",
	.ping_interval = 300,
	.ping_timeout = 200,
	.upgrade_timeout = 10000,
	.max_payload = 1000000,
	.max_queue = 4 * 1024 * 1024,
	.transports = EIO_TRANSPORT_POLLING | EIO_TRANSPORT_WEBSOCKET,
	.allow_upgrades = 1,
	.cors_origin = "*",
	.allow_request = NULL,
};

static struct sio_nsp	*nsp_main;

/* Called from fixture_eio.c's kore_worker_configure (weak symbol). */
void
fixture_sio_init(void)
{
	struct sio_server	*srv;
	struct sio_nsp		*custom, *priv;
	const char		*env;

	if ((env = getenv("SIO_FIXTURE_MAX_QUEUE")) != NULL)
		sio_config.max_queue = (size_t)strtoull(env, NULL, 10);
	if ((env = getenv("SIO_FIXTURE_PING_INTERVAL")) != NULL)
		sio_config.ping_interval = (u_int32_t)strtoul(env, NULL, 10);
	if ((env = getenv("SIO_FIXTURE_PING_TIMEOUT")) != NULL)
		sio_config.ping_timeout = (u_int32_t)strtoul(env, NULL, 10);

	srv = sio_server_create(&sio_config);
	sio_server_set_connect_timeout(srv, 1000);
	if ((env = getenv("SIO_FIXTURE_RECOVERY")) != NULL)
		sio_server_set_recovery(srv, (u_int32_t)atoi(env));

	if ((env = getenv("SIO_FIXTURE_DB")) != NULL) {
		if (!kore_pgsql_register("db", env))
			fatalx("fixture: cannot register the database");
		bus_node_init("db");
	}

	nsp_main = sio_nsp_find(srv, "/");
	register_handlers(nsp_main);
	custom = sio_nsp_create(srv, "/custom");
	register_handlers(custom);
	priv = sio_nsp_create(srv, "/private");
	sio_nsp_use(priv, private_mw);
	register_handlers(priv);
}

static void
register_handlers(struct sio_nsp *nsp)
{
	sio_nsp_on_connection(nsp, on_connection);
	sio_on(nsp, "message", on_message);
	sio_on(nsp, "message-with-ack", on_message_ack);
	sio_on(nsp, "whoami", on_whoami);
	sio_on(nsp, "join", on_join);
	sio_on(nsp, "leave", on_leave);
	sio_on(nsp, "in", on_in);
	sio_on(nsp, "emit-to", on_emit_to);
	sio_on(nsp, "rooms-join", on_rooms_join);
	sio_on(nsp, "rooms-leave", on_rooms_leave);
	sio_on(nsp, "rooms-disconnect", on_rooms_disc);
	sio_on(nsp, "ask", on_ask);
	sio_on(nsp, "emit-self", on_emit_self);
	sio_on(nsp, "disconnect-me", on_disconnect_me);
	sio_on(nsp, "flood", on_flood);
}

/*
 * The JSON text of arr[from..] as a comma-separated list without brackets
 * (what the emit API takes). Caller frees with free() (jansson's malloc).
 */
static char *
args_text(json_t *arr, size_t from)
{
	json_t		*tail;
	char		*out;
	size_t		i, len;

	tail = json_array();
	for (i = from; i < json_array_size(arr); i++)
		(void)json_array_append(tail, json_array_get(arr, i));
	out = json_dumps(tail, JSON_COMPACT);
	json_decref(tail);
	if (out == NULL)
		return (NULL);
	len = strlen(out);
	memmove(out, out + 1, len - 2);
	out[len - 2] = '\0';
	return (out);
}

static void
on_connection(struct sio_socket *s)
{
	char	*auth;

	/* Recovery sockets put {pid, offset, recover} in auth: show it all. */
	auth = json_dumps(sio_socket_auth(s), JSON_COMPACT);
	sio_socket_emit(s, "auth", auth);
	free(auth);
}

static void
on_message(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	const struct sio_bin	*bins;
	size_t			n;
	char			*text;

	n = sio_socket_attachments(s, &bins);
	text = args_text(args, 0);
	sio_socket_emit_bin(s, "message-back", text, bins, n);
	free(text);
}

static void
on_message_ack(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	const struct sio_bin	*bins;
	size_t			n;
	char			*text;

	if (ack == NULL)
		return;
	n = sio_socket_attachments(s, &bins);
	text = args_text(args, 0);
	sio_ack_send_bin(ack, text, bins, n);
	free(text);
}

static void
on_whoami(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	struct kore_buf		buf;

	if (ack == NULL)
		return;
	kore_buf_init(&buf, 128);
	kore_buf_appendf(&buf, "{\"id\":\"%s\",\"pid\":%d,\"worker\":%u,"
	    "\"transport\":\"%s\",\"recovered\":%s}", sio_socket_id(s),
	    (int)getpid(), worker != NULL ? worker->id : 0,
	    sio_socket_transport(s) != NULL ? sio_socket_transport(s) : "",
	    sio_socket_recovered(s) ? "true" : "false");
	kore_buf_append(&buf, "", 1);
	sio_ack_send(ack, (const char *)buf.data);
	kore_buf_cleanup(&buf);
}

static void
on_join(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	const char	*room;
	int		ok;

	room = json_string_value(json_array_get(args, 0));
	ok = room != NULL && sio_socket_join(s, room);
	if (ack != NULL)
		sio_ack_send(ack, ok ? "\"ok\"" : "\"error\"");
}

static void
on_leave(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	const char	*room;

	if ((room = json_string_value(json_array_get(args, 0))) != NULL)
		sio_socket_leave(s, room);
	if (ack != NULL)
		sio_ack_send(ack, "\"ok\"");
}

static void
on_in(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	const char	*room;

	room = json_string_value(json_array_get(args, 0));
	if (ack != NULL) {
		sio_ack_send(ack, room != NULL && sio_socket_in(s, room) ?
		    "true" : "false");
	}
}

/* NULL-terminated copy of a JSON array of strings (max 16). */
static void
strlist(json_t *arr, const char **out, size_t max)
{
	size_t		i, n;

	n = 0;
	for (i = 0; i < json_array_size(arr) && n + 1 < max; i++) {
		if (json_is_string(json_array_get(arr, i)))
			out[n++] = json_string_value(json_array_get(arr, i));
	}
	out[n] = NULL;
}

static void
on_emit_to(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	json_t		*opt;
	const char	*rooms[17], *except[17], *event;
	char		*text;

	opt = json_array_get(args, 0);
	event = json_string_value(json_object_get(opt, "event"));
	if (event == NULL) {
		if (ack != NULL)
			sio_ack_send(ack, "\"error\"");
		return;
	}
	strlist(json_object_get(opt, "rooms"), rooms, 17);
	strlist(json_object_get(opt, "except"), except, 17);
	text = args_text(json_object_get(opt, "args") != NULL ?
	    json_object_get(opt, "args") : json_array(), 0);
	sio_nsp_emit(sio_socket_nsp(s), rooms[0] != NULL ? rooms : NULL,
	    except[0] != NULL ? except : NULL, event, text);
	free(text);
	if (ack != NULL)
		sio_ack_send(ack, "\"ok\"");
}

static void
on_rooms_join(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	json_t		*opt = json_array_get(args, 0);
	const char	*room;

	if ((room = json_string_value(json_object_get(opt, "room"))) != NULL) {
		sio_nsp_rooms_join(sio_socket_nsp(s),
		    json_string_value(json_object_get(opt, "sel")), room);
	}
	if (ack != NULL)
		sio_ack_send(ack, "\"ok\"");
}

static void
on_rooms_leave(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	json_t		*opt = json_array_get(args, 0);
	const char	*room;

	if ((room = json_string_value(json_object_get(opt, "room"))) != NULL) {
		sio_nsp_rooms_leave(sio_socket_nsp(s),
		    json_string_value(json_object_get(opt, "sel")), room);
	}
	if (ack != NULL)
		sio_ack_send(ack, "\"ok\"");
}

static void
on_rooms_disc(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	json_t		*opt = json_array_get(args, 0);

	/* Ack first: this socket may be among the disconnected. */
	if (ack != NULL)
		sio_ack_send(ack, "\"ok\"");
	sio_nsp_rooms_disconnect(sio_socket_nsp(s),
	    json_string_value(json_object_get(opt, "sel")));
}

static void
on_ask(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	json_t		*opt = json_array_get(args, 0);
	char		*text;
	u_int32_t	timeout;

	timeout = (u_int32_t)json_integer_value(json_object_get(opt,
	    "timeout"));
	text = args_text(json_object_get(opt, "args") != NULL ?
	    json_object_get(opt, "args") : json_array(), 0);
	if (!sio_socket_emit_ack(s, "question", text, NULL, 0, timeout,
	    ask_done, NULL))
		sio_socket_emit(s, "answer", "{\"error\":\"refused\"}");
	free(text);
	if (ack != NULL)
		sio_ack_send(ack, "\"asked\"");
}

static void
ask_done(struct sio_socket *s, json_t *args, const char *err, void *arg)
{
	struct kore_buf		buf;
	const struct sio_bin	*bins;
	size_t			n;
	char			*text;

	kore_buf_init(&buf, 64);
	n = 0;
	if (err != NULL) {
		kore_log(LOG_NOTICE, "fixture: ack of %s failed: %s",
		    sio_socket_id(s), err);
		kore_buf_append(&buf, "{\"error\":", 9);
		util_json_str(&buf, err, strlen(err));
		kore_buf_append(&buf, "}", 1);
	} else {
		/* Binary ack arguments go back as they came (placeholders). */
		n = sio_socket_attachments(s, &bins);
		text = json_dumps(args, JSON_COMPACT);
		kore_buf_appendf(&buf, "{\"ok\":%s}", text);
		free(text);
	}
	kore_buf_append(&buf, "", 1);
	sio_socket_emit_bin(s, "answer", (const char *)buf.data,
	    n > 0 ? bins : NULL, n);
	kore_buf_cleanup(&buf);
}

static void
on_emit_self(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	const char	*event;
	char		*text;

	if ((event = json_string_value(json_array_get(args, 0))) == NULL)
		return;
	text = args_text(args, 1);
	sio_socket_emit(s, event, text);
	free(text);
}

static void
on_disconnect_me(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	sio_socket_disconnect(s, json_is_true(json_array_get(args, 0)));
}

static void
on_flood(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	struct kore_buf		buf;
	json_int_t		n, size, i;

	n = json_integer_value(json_array_get(args, 0));
	size = json_integer_value(json_array_get(args, 1));
	if (n <= 0 || n > 100000 || size <= 0 || size > 1000000)
		return;
	kore_buf_init(&buf, (size_t)size + 2);
	kore_buf_append(&buf, "\"", 1);
	for (i = 0; i < size; i++)
		kore_buf_append(&buf, "x", 1);
	kore_buf_append(&buf, "\"", 2);
	for (i = 0; i < n && sio_socket_connected(s); i++)
		sio_socket_emit(s, "flood", (const char *)buf.data);
	kore_buf_cleanup(&buf);
}

/* Async middleware: decides 20 ms later, as after a database query. */
static void
private_mw(struct sio_socket *s)
{
	(void)kore_timer_add(private_decide, 20, s, KORE_TIMER_ONESHOT);
}

static void
private_decide(void *arg, u_int64_t now)
{
	struct sio_socket	*s = arg;
	const char		*token;

	token = json_string_value(json_object_get(sio_socket_auth(s),
	    "token"));
	if (token != NULL && strcmp(token, "letmein") == 0) {
		/* Rooms joined here hold from the moment it connects. */
		(void)sio_socket_join(s, "vip");
		sio_next(s, NULL, NULL);
	} else {
		(void)sio_socket_join(s, "refused");
		sio_next(s, "not allowed", "{\"code\":\"E_AUTH\"}");
	}
}
