/*
 * src/chat/chat_socket.c: the chat's Socket.IO side (events named in
 * chat.h): authentication of a socket, its rooms, message operations over
 * the socket (the same SQL as REST, through db_call), typing and presence.
 *
 *	connect		allow_request refuses foreign Origins (handshake and
 *			WebSocket upgrade); the middleware resolves the session
 *			(auth.token, Bearer header or cookie) and the rooms in
 *			one query (chat_socket_open), which also records the
 *			socket for presence; on_connection joins the rooms.
 *	event		validated here, then one db_call of the REST op; the
 *			ack carries the stored message or the error; live
 *			effects run after the commit exactly as for REST.
 *	disconnect	chat_socket_close; the profile's last socket going
 *			away announces it offline.
 *
 * A socket's state (struct chat_sock) is its udata, freed on disconnect.
 * Every asynchronous step holds a reference on the socket.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "app.h"
#include "auth/auth.h"
#include "chat/chat.h"
#include "eio/eio.h"
#include "sio/sio.h"
#include "util/util.h"

#define CHAT_SIO_PATH		"/api/socket/io"
#define CHAT_RECOVERY_MS	120000	/* for clients that opt in */
#define CHAT_TYPING_MS		500	/* at most one typing per socket */
#define CHAT_TOUCH_MS		30000	/* presence heartbeat */
#define CHAT_ROOMS_MAX		1024

struct chat_sock {
	struct sio_socket	*s;
	char			 profile[UTIL_UUID_LEN + 1];
	char			 token_hash[UTIL_SHA256_HEXLEN + 1];
	char			**rooms;	/* to join on connection */
	size_t			 nrooms;
	int			 first;		/* first socket of the profile */
	int			 authed;
	u_int64_t		 typing_at;
};

/* One socket event waiting for its query. */
struct chat_pending {
	struct sio_socket	*s;
	struct sio_ack		*ack;		/* retained, or NULL */
	char			 server[UTIL_UUID_LEN + 1];
	char			 channel[UTIL_UUID_LEN + 1];
};

static int	allow_request(struct http_request *, const char **);
static void	on_middleware(struct sio_socket *);
static void	on_open_done(struct db_call *, int);
static void	on_connection(struct sio_socket *);
static void	on_disconnect(struct sio_socket *, const char *);
static void	on_close_done(struct db_call *, int);
static void	on_message_send(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_message_edit(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_message_delete(struct sio_socket *, json_t *,
		    struct sio_ack *);
static void	on_dm_send(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_dm_edit(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_dm_delete(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_typing(struct sio_socket *, json_t *, struct sio_ack *);
static void	on_typing_done(struct db_call *, int);
static void	on_presence_list(struct sio_socket *, json_t *,
		    struct sio_ack *);
static void	on_presence_done(struct db_call *, int);
static void	on_op_done(struct db_call *, int);
static void	touch_tick(void *, u_int64_t);
static void	touch_done(struct db_call *, int);
static void	on_reauth_done(struct db_call *, int);
static void	sock_join_rooms(struct chat_sock *);
static void	live_emit(const char **, const char *, const char *);
static void	live_join(const char *, const char *);
static void	live_leave(const char *, const char *);
static void	sock_free(struct chat_sock *);
static struct chat_sock	*sock_get(struct sio_socket *, struct sio_ack *);
static struct chat_pending *pending_new(struct sio_socket *,
		    struct sio_ack *);
static void	pending_done(struct chat_pending *);
static void	ack_error(struct sio_ack *, int, const char *, const char *);
static int	field_uuid(json_t *, const char *, char *);
static char	*field_content(json_t *, const char *, size_t, int,
		    const char **);
static int	cookie_token(const char *, char *, size_t);
static int	url_ok(const char *);
static void	presence_emit(const char *, const char *, int);

static const struct chat_live_ops	live_ops = {
	.emit = live_emit,
	.join = live_join,
	.leave = live_leave,
};

static struct eio_config	chat_eio = {
	.path = CHAT_SIO_PATH,
	.ping_interval = 25000,
	.ping_timeout = 20000,
	.upgrade_timeout = 10000,
	.max_payload = 1000000,
	.max_queue = 4 * 1024 * 1024,
	.transports = EIO_TRANSPORT_POLLING | EIO_TRANSPORT_WEBSOCKET,
	.allow_upgrades = 1,
	.cors_origin = NULL,
	.allow_request = allow_request,
};

static struct sio_nsp	*chat_nsp;
static char		 chat_node[48];	/* this worker, for presence rows */

/*
 * Worker start: the Socket.IO server on /api/socket/io, its handlers, the
 * live side of the chat, and the presence heartbeat.
 */
void
chat_socket_init(void)
{
	struct sio_server	*srv;
	const char		*env;
	u_int32_t		 recovery;
	char			 rnd[UTIL_TOKEN_LEN + 1];

	srv = sio_server_create(&chat_eio);
	/* Recovery for clients that opt in; PARLEY_RECOVERY_MS=0 turns it
	   off. Saved sessions follow adapter-wide room changes (a member
	   kicked while disconnected recovers without the server's room). */
	recovery = CHAT_RECOVERY_MS;
	if ((env = getenv("PARLEY_RECOVERY_MS")) != NULL)
		recovery = (u_int32_t)strtoul(env, NULL, 10);
	sio_server_set_recovery(srv, recovery);
	chat_nsp = sio_nsp_find(srv, "/");
	sio_nsp_use(chat_nsp, on_middleware);
	sio_nsp_on_connection(chat_nsp, on_connection);
	sio_nsp_on_disconnect(chat_nsp, on_disconnect);
	sio_on(chat_nsp, "message:send", on_message_send);
	sio_on(chat_nsp, "message:edit", on_message_edit);
	sio_on(chat_nsp, "message:delete", on_message_delete);
	sio_on(chat_nsp, "dm:send", on_dm_send);
	sio_on(chat_nsp, "dm:edit", on_dm_edit);
	sio_on(chat_nsp, "dm:delete", on_dm_delete);
	sio_on(chat_nsp, "typing", on_typing);
	sio_on(chat_nsp, "presence:list", on_presence_list);
	chat_live_set(&live_ops);

	if (!util_token_new(rnd, sizeof(rnd)))
		fatalx("chat: no randomness for the node id");
	(void)snprintf(chat_node, sizeof(chat_node), "%.16s-%u", rnd,
	    worker != NULL ? (unsigned int)worker->id : 0);
	(void)kore_timer_add(touch_tick, CHAT_TOUCH_MS, NULL, 0);
}

/* Handshake and WebSocket upgrade: a browser's Origin must be ours. */
static int
allow_request(struct http_request *req, const char **reason)
{
	if (!auth_origin_allowed(req)) {
		*reason = "origin not allowed";
		return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

/*
 * Async middleware: find the token (CONNECT auth.token, else a Bearer
 * header, else the parley_session cookie) and resolve it with the rooms.
 */
static void
on_middleware(struct sio_socket *s)
{
	struct chat_sock	*cs;
	struct db_call		*call;
	json_t			*auth;
	const char		*tok, *hdr;
	char			 token[UTIL_TOKEN_LEN + 2];

	token[0] = '\0';
	auth = sio_socket_auth(s);
	if (auth != NULL && (tok = json_string_value(json_object_get(auth,
	    "token"))) != NULL) {
		if (kore_strlcpy(token, tok, sizeof(token)) >= sizeof(token))
			token[0] = '\0';
	} else if ((hdr = sio_socket_header(s, "authorization")) != NULL &&
	    strncasecmp(hdr, "Bearer ", 7) == 0) {
		if (kore_strlcpy(token, hdr + 7, sizeof(token)) >=
		    sizeof(token))
			token[0] = '\0';
	} else if ((hdr = sio_socket_header(s, "cookie")) != NULL) {
		(void)cookie_token(hdr, token, sizeof(token));
	}
	if (token[0] == '\0') {
		sio_next(s, "unauthorized", NULL);
		return;
	}

	cs = kore_calloc(1, sizeof(*cs));
	cs->s = s;
	auth_token_hash(token, cs->token_hash);
	sio_socket_set_udata(s, cs);

	call = db_call_create(&chat_op_socket_open, on_open_done, s);
	db_call_param_str(call, cs->token_hash);
	db_call_param_str(call, sio_socket_id(s));
	db_call_param_str(call, chat_node);
	db_call_run(call);
}

static void
on_open_done(struct db_call *call, int ok)
{
	struct sio_socket	*s = call->arg;
	struct chat_sock	*cs = sio_socket_udata(s);
	int			 i, n;

	n = ok ? db_call_ntuples(call) : 0;
	if (ok && n > 0 && n <= CHAT_ROOMS_MAX &&
	    sio_socket_transport(s) != NULL) {
		(void)kore_strlcpy(cs->profile, db_call_value(call, 0, 0),
		    sizeof(cs->profile));
		cs->first = db_call_value(call, 0, 2)[0] == 't';
		cs->rooms = kore_calloc((size_t)n, sizeof(char *));
		for (i = 0; i < n; i++)
			cs->rooms[i] = kore_strdup(db_call_value(call, i, 1));
		cs->nrooms = (size_t)n;
		cs->authed = 1;
		sio_next(s, NULL, NULL);
		return;
	}

	sio_socket_set_udata(s, NULL);
	sock_free(cs);
	if (!ok)
		sio_next(s, "service unavailable", NULL);
	else
		sio_next(s, "unauthorized", NULL);
}

static void
on_connection(struct sio_socket *s)
{
	struct chat_sock	*cs = sio_socket_udata(s);
	struct db_call		*call;
	json_t			*auth;
	const char		*tok, *hdr;
	char			 token[UTIL_TOKEN_LEN + 2];

	if (cs != NULL) {
		sock_join_rooms(cs);
		return;
	}

	/* A recovered session (middleware skipped): its rooms came back
	   with it, not its identity. Resolve the session again; a socket
	   whose session ended meanwhile is disconnected. */
	token[0] = '\0';
	auth = sio_socket_auth(s);
	if ((tok = json_string_value(json_object_get(auth, "token"))) != NULL)
		(void)kore_strlcpy(token, tok, sizeof(token));
	else if ((hdr = sio_socket_header(s, "cookie")) != NULL)
		(void)cookie_token(hdr, token, sizeof(token));
	if (token[0] == '\0') {
		sio_socket_disconnect(s, 1);
		return;
	}
	cs = kore_calloc(1, sizeof(*cs));
	cs->s = s;
	auth_token_hash(token, cs->token_hash);
	sio_socket_set_udata(s, cs);
	sio_socket_ref(s);
	call = db_call_create(&chat_op_socket_open, on_reauth_done, s);
	db_call_param_str(call, cs->token_hash);
	db_call_param_str(call, sio_socket_id(s));
	db_call_param_str(call, chat_node);
	db_call_run(call);
}

static void
on_reauth_done(struct db_call *call, int ok)
{
	struct sio_socket	*s = call->arg;
	struct chat_sock	*cs = sio_socket_udata(s);
	int			 i, n;

	n = ok ? db_call_ntuples(call) : 0;
	if (cs != NULL && sio_socket_connected(s)) {
		if (n > 0 && n <= CHAT_ROOMS_MAX) {
			(void)kore_strlcpy(cs->profile,
			    db_call_value(call, 0, 0), sizeof(cs->profile));
			cs->first = db_call_value(call, 0, 2)[0] == 't';
			cs->rooms = kore_calloc((size_t)n, sizeof(char *));
			for (i = 0; i < n; i++)
				cs->rooms[i] =
				    kore_strdup(db_call_value(call, i, 1));
			cs->nrooms = (size_t)n;
			cs->authed = 1;
			sock_join_rooms(cs);
		} else {
			sio_socket_disconnect(s, 1);
		}
	}
	sio_socket_unref(s);
}

/* Join the rooms the open query listed; announce presence if first. */
static void
sock_join_rooms(struct chat_sock *cs)
{
	struct kore_buf		buf;
	size_t			i;

	kore_buf_init(&buf, 256);
	for (i = 0; i < cs->nrooms; i++) {
		(void)sio_socket_join(cs->s, cs->rooms[i]);
		if (strncmp(cs->rooms[i], "server:", 7) == 0) {
			if (buf.offset > 0)
				kore_buf_append(&buf, ",", 1);
			kore_buf_append(&buf, cs->rooms[i],
			    strlen(cs->rooms[i]));
		}
		kore_free(cs->rooms[i]);
	}
	kore_free(cs->rooms);
	cs->rooms = NULL;
	cs->nrooms = 0;
	kore_buf_append(&buf, "\0", 1);
	if (cs->first)
		presence_emit(cs->profile, (const char *)buf.data, 1);
	kore_buf_cleanup(&buf);
}

static void
on_disconnect(struct sio_socket *s, const char *reason)
{
	struct chat_sock	*cs = sio_socket_udata(s);
	struct db_call		*call;

	call = db_call_create(&chat_op_socket_close, on_close_done, NULL);
	db_call_param_str(call, sio_socket_id(s));
	db_call_run(call);

	if (cs != NULL) {
		sio_socket_set_udata(s, NULL);
		sock_free(cs);
	}
}

static void
on_close_done(struct db_call *call, int ok)
{
	if (!ok || db_call_ntuples(call) != 1)
		return;
	if (db_call_value(call, 0, 1)[0] != 't' || db_call_isnull(call, 0, 2))
		return;
	presence_emit(db_call_value(call, 0, 0), db_call_value(call, 0, 2), 0);
}

/*
 * Emit presence {profileId, online} to the rooms in the comma-separated
 * list rooms (the profile's server rooms).
 */
static void
presence_emit(const char *profile, const char *rooms, int online)
{
	const char	*list[CHAT_ROOMS_MAX + 1];
	char		*copy, *p;
	char		 args[128];
	size_t		 n;

	if (rooms == NULL || *rooms == '\0')
		return;
	(void)snprintf(args, sizeof(args),
	    "{\"profileId\":\"%s\",\"online\":%s}", profile,
	    online ? "true" : "false");
	copy = kore_strdup(rooms);
	n = 0;
	for (p = copy; p != NULL && n < CHAT_ROOMS_MAX; ) {
		list[n++] = p;
		if ((p = strchr(p, ',')) != NULL)
			*p++ = '\0';
	}
	list[n] = NULL;
	sio_nsp_emit(chat_nsp, list, NULL, "presence", args);
	kore_free(copy);
}

static void
touch_done(struct db_call *call, int ok)
{
}

static void
touch_tick(void *arg, u_int64_t now)
{
	struct db_call	*call;

	call = db_call_create(&chat_op_presence_touch, touch_done, NULL);
	db_call_param_str(call, chat_node);
	db_call_run(call);
}

/* ---------------------------------------------------------------- events */

static void
on_message_send(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	struct chat_sock	*cs;
	struct chat_pending	*p;
	struct db_call		*call;
	json_t			*o;
	char			*content, *file;
	char			 sid[UTIL_UUID_LEN + 1], cid[UTIL_UUID_LEN + 1];
	const char		*errstr;

	if ((cs = sock_get(s, ack)) == NULL)
		return;
	o = json_array_get(args, 0);
	if (!field_uuid(o, "serverId", sid) ||
	    !field_uuid(o, "channelId", cid)) {
		ack_error(ack, 400, "bad_request",
		    "serverId and channelId must be ids");
		return;
	}
	if ((content = field_content(o, "content", CHAT_CONTENT_MAX, 1,
	    &errstr)) == NULL) {
		ack_error(ack, 400, "bad_request", errstr);
		return;
	}
	file = field_content(o, "fileUrl", CHAT_URL_MAX, 0, &errstr);
	if (errstr != NULL) {
		kore_free(content);
		ack_error(ack, 400, "bad_request", errstr);
		return;
	}
	if (chat_rate_take(cs->token_hash) != 0) {
		kore_free(content);
		if (file != NULL)
			kore_free(file);
		ack_error(ack, 429, "rate_limited",
		    "too many messages, slow down");
		return;
	}

	p = pending_new(s, ack);
	call = db_call_create(&chat_op_message_post, on_op_done, p);
	db_call_param_str(call, cs->token_hash);
	db_call_param_str(call, sid);
	db_call_param_str(call, cid);
	db_call_param_str(call, content);
	db_call_param_str(call, file != NULL ? file : "");
	db_call_run(call);
	kore_free(content);
	if (file != NULL)
		kore_free(file);
}

/* message:edit and message:delete share this; content NULL = delete. */
static void
message_change(struct sio_socket *s, json_t *args, struct sio_ack *ack,
    int edit)
{
	struct chat_sock	*cs;
	struct chat_pending	*p;
	struct db_call		*call;
	json_t			*o;
	char			*content;
	char			 sid[UTIL_UUID_LEN + 1], cid[UTIL_UUID_LEN + 1];
	char			 mid[UTIL_UUID_LEN + 1];
	const char		*errstr;

	if ((cs = sock_get(s, ack)) == NULL)
		return;
	o = json_array_get(args, 0);
	if (!field_uuid(o, "serverId", sid) ||
	    !field_uuid(o, "channelId", cid) ||
	    !field_uuid(o, "messageId", mid)) {
		ack_error(ack, 400, "bad_request",
		    "serverId, channelId and messageId must be ids");
		return;
	}
	content = NULL;
	if (edit && (content = field_content(o, "content", CHAT_CONTENT_MAX,
	    1, &errstr)) == NULL) {
		ack_error(ack, 400, "bad_request", errstr);
		return;
	}

	p = pending_new(s, ack);
	call = db_call_create(&chat_op_message_change, on_op_done, p);
	db_call_param_str(call, cs->token_hash);
	db_call_param_str(call, sid);
	db_call_param_str(call, cid);
	db_call_param_str(call, mid);
	db_call_param_str(call, edit ? "edit" : "delete");
	db_call_param_str(call, content != NULL ? content : "");
	db_call_run(call);
	if (content != NULL)
		kore_free(content);
}

static void
on_message_edit(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	message_change(s, args, ack, 1);
}

static void
on_message_delete(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	message_change(s, args, ack, 0);
}

static void
on_dm_send(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	struct chat_sock	*cs;
	struct chat_pending	*p;
	struct db_call		*call;
	json_t			*o;
	char			*content, *file;
	char			 cv[UTIL_UUID_LEN + 1];
	const char		*errstr;

	if ((cs = sock_get(s, ack)) == NULL)
		return;
	o = json_array_get(args, 0);
	if (!field_uuid(o, "conversationId", cv)) {
		ack_error(ack, 400, "bad_request",
		    "conversationId must be an id");
		return;
	}
	if ((content = field_content(o, "content", CHAT_CONTENT_MAX, 1,
	    &errstr)) == NULL) {
		ack_error(ack, 400, "bad_request", errstr);
		return;
	}
	file = field_content(o, "fileUrl", CHAT_URL_MAX, 0, &errstr);
	if (errstr != NULL) {
		kore_free(content);
		ack_error(ack, 400, "bad_request", errstr);
		return;
	}
	if (chat_rate_take(cs->token_hash) != 0) {
		kore_free(content);
		if (file != NULL)
			kore_free(file);
		ack_error(ack, 429, "rate_limited",
		    "too many messages, slow down");
		return;
	}

	p = pending_new(s, ack);
	call = db_call_create(&chat_op_dm_post, on_op_done, p);
	db_call_param_str(call, cs->token_hash);
	db_call_param_str(call, cv);
	db_call_param_str(call, content);
	db_call_param_str(call, file != NULL ? file : "");
	db_call_run(call);
	kore_free(content);
	if (file != NULL)
		kore_free(file);
}

static void
dm_change(struct sio_socket *s, json_t *args, struct sio_ack *ack, int edit)
{
	struct chat_sock	*cs;
	struct chat_pending	*p;
	struct db_call		*call;
	json_t			*o;
	char			*content;
	char			 cv[UTIL_UUID_LEN + 1], mid[UTIL_UUID_LEN + 1];
	const char		*errstr;

	if ((cs = sock_get(s, ack)) == NULL)
		return;
	o = json_array_get(args, 0);
	if (!field_uuid(o, "conversationId", cv) ||
	    !field_uuid(o, "messageId", mid)) {
		ack_error(ack, 400, "bad_request",
		    "conversationId and messageId must be ids");
		return;
	}
	content = NULL;
	if (edit && (content = field_content(o, "content", CHAT_CONTENT_MAX,
	    1, &errstr)) == NULL) {
		ack_error(ack, 400, "bad_request", errstr);
		return;
	}

	p = pending_new(s, ack);
	call = db_call_create(&chat_op_dm_change, on_op_done, p);
	db_call_param_str(call, cs->token_hash);
	db_call_param_str(call, cv);
	db_call_param_str(call, mid);
	db_call_param_str(call, edit ? "edit" : "delete");
	db_call_param_str(call, content != NULL ? content : "");
	db_call_run(call);
	if (content != NULL)
		kore_free(content);
}

static void
on_dm_edit(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	dm_change(s, args, ack, 1);
}

static void
on_dm_delete(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	dm_change(s, args, ack, 0);
}

/*
 * A chat op answered (status, body, live): ack the client, then run the
 * live effects (the statement committed: the same order as REST).
 */
static void
on_op_done(struct db_call *call, int ok)
{
	struct chat_pending	*p = call->arg;
	struct kore_buf		 buf;
	const char		*body, *live;
	int			 status, err;

	if (!ok || db_call_ntuples(call) != 1) {
		ack_error(p->ack, 503, "db_unavailable",
		    "the database is unavailable, try again");
		p->ack = NULL;
		pending_done(p);
		return;
	}
	status = (int)kore_strtonum(db_call_value(call, 0, 0), 10, 100, 599,
	    &err);
	if (err != KORE_RESULT_OK)
		status = 500;
	body = db_call_isnull(call, 0, 1) ? "null" : db_call_value(call, 0, 1);
	live = db_call_isnull(call, 0, 2) ? NULL : db_call_value(call, 0, 2);

	if (p->ack != NULL) {
		kore_buf_init(&buf, strlen(body) + 64);
		if (status < 400) {
			kore_buf_appendf(&buf, "{\"ok\":true,\"status\":%d,"
			    "\"message\":", status);
			kore_buf_append(&buf, body, strlen(body));
			kore_buf_append(&buf, "}", 1);
		} else if (body[0] == '{') {
			/* {"error":{...}} -> {"ok":false,"status":N,"error":..} */
			kore_buf_appendf(&buf, "{\"ok\":false,\"status\":%d,",
			    status);
			kore_buf_append(&buf, body + 1, strlen(body) - 1);
		} else {
			kore_buf_appendf(&buf, "{\"ok\":false,\"status\":%d}",
			    status);
		}
		kore_buf_append(&buf, "\0", 1);
		sio_ack_send(p->ack, (const char *)buf.data);
		kore_buf_cleanup(&buf);
		p->ack = NULL;
	}
	if (status < 400)
		chat_live_run(live, body, strlen(body));
	pending_done(p);
}

/* typing {channelId}: to the channel's server room, except the sender. */
static void
on_typing(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	struct chat_sock	*cs;
	struct chat_pending	*p;
	struct db_call		*call;
	u_int64_t		 now;

	if ((cs = sock_get(s, ack)) == NULL)
		return;
	now = kore_time_ms();
	if (now - cs->typing_at < CHAT_TYPING_MS) {
		ack_error(ack, 429, "rate_limited", "typing too often");
		return;
	}
	p = pending_new(s, ack);
	if (!field_uuid(json_array_get(args, 0), "channelId", p->channel)) {
		ack_error(p->ack, 400, "bad_request", "channelId must be an id");
		p->ack = NULL;
		pending_done(p);
		return;
	}
	cs->typing_at = now;
	call = db_call_create(&chat_op_channel_server, on_typing_done, p);
	db_call_param_str(call, cs->profile);
	db_call_param_str(call, p->channel);
	db_call_run(call);
}

static void
on_typing_done(struct db_call *call, int ok)
{
	struct chat_pending	*p = call->arg;
	struct chat_sock	*cs = sio_socket_udata(p->s);
	const char		*rooms[2], *except[2];
	char			 room[UTIL_UUID_LEN + 8];
	char			 args[256];

	if (!ok || db_call_ntuples(call) != 1 || cs == NULL) {
		ack_error(p->ack, 404, "not_found", "no such channel");
		p->ack = NULL;
		pending_done(p);
		return;
	}
	(void)snprintf(room, sizeof(room), "server:%s",
	    db_call_value(call, 0, 0));
	(void)snprintf(args, sizeof(args), "{\"serverId\":\"%s\","
	    "\"channelId\":\"%s\",\"profileId\":\"%s\"}",
	    db_call_value(call, 0, 0), p->channel, cs->profile);
	rooms[0] = room;
	rooms[1] = NULL;
	except[0] = sio_socket_id(p->s);
	except[1] = NULL;
	sio_nsp_emit(chat_nsp, rooms, except, "typing", args);
	if (p->ack != NULL) {
		sio_ack_send(p->ack, "{\"ok\":true}");
		p->ack = NULL;
	}
	pending_done(p);
}

/* presence:list {serverId} -> ack {ok, profileIds} */
static void
on_presence_list(struct sio_socket *s, json_t *args, struct sio_ack *ack)
{
	struct chat_sock	*cs;
	struct chat_pending	*p;
	struct db_call		*call;

	if ((cs = sock_get(s, ack)) == NULL)
		return;
	if (ack == NULL)
		return;
	p = pending_new(s, ack);
	if (!field_uuid(json_array_get(args, 0), "serverId", p->server)) {
		ack_error(p->ack, 400, "bad_request", "serverId must be an id");
		p->ack = NULL;
		pending_done(p);
		return;
	}
	call = db_call_create(&chat_op_presence_list, on_presence_done, p);
	db_call_param_str(call, cs->profile);
	db_call_param_str(call, p->server);
	db_call_run(call);
}

static void
on_presence_done(struct db_call *call, int ok)
{
	struct chat_pending	*p = call->arg;
	struct kore_buf		 buf;
	const char		*body;

	if (!ok || db_call_ntuples(call) != 1) {
		ack_error(p->ack, 503, "db_unavailable", "try again");
	} else if (strcmp(db_call_value(call, 0, 0), "200") != 0) {
		ack_error(p->ack, 404, "not_found", "no such server");
	} else {
		body = db_call_value(call, 0, 1);
		kore_buf_init(&buf, strlen(body) + 32);
		kore_buf_appendf(&buf, "{\"ok\":true,\"profileIds\":%s}",
		    body);
		kore_buf_append(&buf, "\0", 1);
		sio_ack_send(p->ack, (const char *)buf.data);
		kore_buf_cleanup(&buf);
	}
	p->ack = NULL;
	pending_done(p);
}

/* ---------------------------------------------------------------- live */

static void
live_emit(const char **rooms, const char *event, const char *args)
{
	sio_nsp_emit(chat_nsp, rooms, NULL, event, args);
}

static void
live_join(const char *sel, const char *room)
{
	sio_nsp_rooms_join(chat_nsp, sel, room);
}

static void
live_leave(const char *sel, const char *room)
{
	sio_nsp_rooms_leave(chat_nsp, sel, room);
}

/* ---------------------------------------------------------------- helpers */

/* The socket's state, or NULL after answering 401 (not authenticated). */
static struct chat_sock *
sock_get(struct sio_socket *s, struct sio_ack *ack)
{
	struct chat_sock	*cs = sio_socket_udata(s);

	if (cs == NULL || !cs->authed) {
		ack_error(ack, 401, "unauthorized", "no valid session");
		return (NULL);
	}
	return (cs);
}

static struct chat_pending *
pending_new(struct sio_socket *s, struct sio_ack *ack)
{
	struct chat_pending	*p;

	p = kore_calloc(1, sizeof(*p));
	p->s = s;
	sio_socket_ref(s);
	if (ack != NULL) {
		sio_ack_retain(ack);
		p->ack = ack;
	}
	return (p);
}

static void
pending_done(struct chat_pending *p)
{
	if (p->ack != NULL)
		sio_ack_free(p->ack);
	sio_socket_unref(p->s);
	kore_free(p);
}

/* Ack {ok:false, status, error:{code, message}} (no-op without an ack). */
static void
ack_error(struct sio_ack *ack, int status, const char *code,
    const char *message)
{
	struct kore_buf		buf;

	if (ack == NULL)
		return;
	kore_buf_init(&buf, 128);
	kore_buf_appendf(&buf, "{\"ok\":false,\"status\":%d,\"error\":"
	    "{\"code\":", status);
	util_json_cstr(&buf, code);
	kore_buf_appendf(&buf, ",\"message\":");
	util_json_cstr(&buf, message);
	kore_buf_appendf(&buf, "}}");
	kore_buf_append(&buf, "\0", 1);
	sio_ack_send(ack, (const char *)buf.data);
	kore_buf_cleanup(&buf);
}

/* Field name of object o as a UUID into out. */
static int
field_uuid(json_t *o, const char *name, char *out)
{
	const char	*v;

	if (!json_is_object(o))
		return (0);
	if ((v = json_string_value(json_object_get(o, name))) == NULL ||
	    !util_uuid_valid(v))
		return (0);
	(void)kore_strlcpy(out, v, UTIL_UUID_LEN + 1);
	return (1);
}

/*
 * A string field, trimmed, 1..max characters (jansson only holds valid
 * UTF-8). required = 0: absent, null or "" give NULL with *errstr NULL,
 * and the value must be an http(s) URL (fileUrl). Returns a copy or NULL
 * with *errstr set.
 */
static char *
field_content(json_t *o, const char *name, size_t max, int required,
    const char **errstr)
{
	json_t		*v;
	const char	*s;
	char		*out;
	size_t		 len, chars;

	*errstr = NULL;
	if (!json_is_object(o)) {
		*errstr = "the payload must be an object";
		return (NULL);
	}
	v = json_object_get(o, name);
	if (v == NULL || json_is_null(v)) {
		if (required)
			*errstr = "content is required";
		return (NULL);
	}
	if (!json_is_string(v)) {
		*errstr = "a field has the wrong type (expected a string)";
		return (NULL);
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (memchr(s, '\0', len) != NULL) {
		*errstr = "a field contains a NUL character";
		return (NULL);
	}
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	chars = util_utf8_chars((const u_int8_t *)s, len);
	if (chars == 0) {
		if (required)
			*errstr = "content is empty";
		return (NULL);
	}
	if (chars > max) {
		*errstr = required ? "content is longer than 4000 characters" :
		    "a field is too long";
		return (NULL);
	}
	out = kore_malloc(len + 1);
	memcpy(out, s, len);
	out[len] = '\0';
	if (!required && !url_ok(out)) {
		kore_free(out);
		*errstr = "fileUrl must be an http(s) URL";
		return (NULL);
	}
	return (out);
}

/* An absolute http(s) URL with a host and no spaces or controls. */
static int
url_ok(const char *s)
{
	const char	*p;

	if (strncasecmp(s, "https://", 8) == 0)
		p = s + 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		p = s + 7;
	else
		return (0);
	if (*p == '\0' || *p == '/')
		return (0);
	for (; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return (0);
	}
	return (1);
}

/* The parley_session cookie of a Cookie header into out. */
static int
cookie_token(const char *hdr, char *out, size_t outlen)
{
	const char	*p, *end;
	size_t		 klen = strlen(AUTH_COOKIE);

	for (p = hdr; *p != '\0'; ) {
		while (*p == ' ' || *p == ';')
			p++;
		end = p + strcspn(p, ";");
		if ((size_t)(end - p) > klen && strncmp(p, AUTH_COOKIE,
		    klen) == 0 && p[klen] == '=') {
			p += klen + 1;
			if ((size_t)(end - p) >= outlen)
				return (0);
			memcpy(out, p, (size_t)(end - p));
			out[end - p] = '\0';
			return (1);
		}
		p = end;
	}
	return (0);
}

static void
sock_free(struct chat_sock *cs)
{
	size_t	i;

	for (i = 0; i < cs->nrooms; i++)
		kore_free(cs->rooms[i]);
	kore_free(cs->rooms);
	kore_free(cs);
}
