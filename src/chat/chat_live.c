/*
 * src/chat/chat_live.c: what live sockets see after a chat operation
 * commits, and the REST side of the (status, body, live) convention.
 *
 * The SQL of 002_chat.sql returns its live effects as text, one per line
 * (see the header of that file): E emits the body, P emits its own JSON,
 * J/L are adapter-wide room joins and leaves. They run in dbr->done, that
 * is after the statement committed and only for a status below 400, so a
 * socket never sees a message that is not stored, and never sees one from
 * a request that failed.
 */

#include <sys/types.h>

#include <string.h>

#include "chat/chat.h"
#include "util/util.h"

#define LIVE_ROOMS_MAX		8
#define LIVE_REPEAT_MS		2000	/* room ops run again after this */

/*
 * A membership change on live sockets, checked again later: a socket
 * whose connect query read the memberships just before the change and
 * joined its rooms just after the room operation went by would otherwise
 * keep the old state until it reconnects. LIVE_REPEAT_MS later the
 * membership is read again and the profile's sockets join or leave the
 * server room accordingly (idempotent, and right whatever happened in
 * between). A deleted server's room is simply emptied again.
 */
struct live_repeat {
	int	join;
	char	*sel;
	char	*room;
};

static void	live_done(struct db_request *);
static void	live_line(char *, const char *, size_t);
static void	live_repeat(void *, u_int64_t);
static void	live_schedule(int, const char *, const char *);
static void	live_checked(struct db_call *, int);
static void	live_repeat_free(struct live_repeat *);

static const struct chat_live_ops	*live_ops;

/* Install the socket side (chat_socket.c); NULL turns live effects off. */
void
chat_live_set(const struct chat_live_ops *ops)
{
	live_ops = ops;
}

/*
 * Create the db request of a chat op for req with $1 = the caller's token
 * hash; the handler adds the other parameters and returns
 * db_request_run(req).
 */
struct db_request *
chat_request(struct http_request *req, const struct db_op *op,
    const char *token_hash)
{
	struct db_request	*dbr;

	dbr = db_request_create(req, op);
	db_request_param_str(dbr, token_hash);
	return (dbr);
}

/*
 * Result callback of every chat op: (status, body, live). The live text
 * is kept in dbr->udata and run by live_done once the answer is ready.
 */
void
chat_result(struct db_request *dbr)
{
	const char	*v;
	int		 err;

	kore_buf_reset(&dbr->out);
	if (db_request_ntuples(dbr) != 1) {
		db_request_error(dbr, 404, "not_found", "not found");
		return;
	}
	v = db_request_value(dbr, 0, 0);
	dbr->status = (int)kore_strtonum(v, 10, 100, 599, &err);
	if (err != KORE_RESULT_OK)
		dbr->status = 500;
	if (!db_request_isnull(dbr, 0, 1)) {
		v = db_request_value(dbr, 0, 1);
		kore_buf_append(&dbr->out, v, strlen(v));
	}
	if (!db_request_isnull(dbr, 0, 2) && dbr->udata == NULL) {
		dbr->udata = kore_strdup(db_request_value(dbr, 0, 2));
		dbr->udata_free = kore_free;
		dbr->done = live_done;
	}
}

static void
live_done(struct db_request *dbr)
{
	chat_live_run(dbr->udata, (const char *)dbr->out.data,
	    dbr->out.offset);
}

/*
 * Run the live instructions in live (see above) with body (len bytes, the
 * JSON answer) as the payload of E lines. Unknown lines are logged and
 * skipped.
 */
void
chat_live_run(const char *live, const char *body, size_t len)
{
	char	*copy, *line, *next;

	if (live == NULL || live_ops == NULL)
		return;
	copy = kore_strdup(live);
	for (line = copy; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		live_line(line, body, len);
	}
	kore_free(copy);
}

static void
live_line(char *line, const char *body, size_t len)
{
	char		*op, *a, *b, *rest, *p;
	char		*args;
	const char	*rooms[LIVE_ROOMS_MAX + 1];
	int		 n;

	op = line;
	if ((a = strchr(op, ' ')) == NULL)
		goto bad;
	*a++ = '\0';
	if ((b = strchr(a, ' ')) == NULL)
		goto bad;
	*b++ = '\0';
	rest = NULL;
	if ((p = strchr(b, ' ')) != NULL) {
		*p++ = '\0';
		rest = p;
	}

	if (strcmp(op, "J") == 0) {
		live_ops->join(a, b);
		live_schedule(1, a, b);
		return;
	}
	if (strcmp(op, "L") == 0) {
		live_ops->leave(a, b);
		live_schedule(0, a, b);
		return;
	}
	if (strcmp(op, "E") != 0 && strcmp(op, "P") != 0)
		goto bad;
	if (strcmp(op, "P") == 0 && rest == NULL)
		goto bad;

	n = 0;
	for (p = b; p != NULL && n < LIVE_ROOMS_MAX; ) {
		rooms[n++] = p;
		if ((p = strchr(p, ',')) != NULL)
			*p++ = '\0';
	}
	rooms[n] = NULL;

	if (strcmp(op, "P") == 0) {
		live_ops->emit(rooms, a, rest);
		return;
	}
	args = kore_malloc(len + 1);
	memcpy(args, body, len);
	args[len] = '\0';
	live_ops->emit(rooms, a, args);
	kore_free(args);
	return;

bad:
	kore_log(LOG_ERR, "chat: bad live instruction '%s'", line);
}

static void
live_schedule(int join, const char *sel, const char *room)
{
	struct live_repeat	*r;

	r = kore_calloc(1, sizeof(*r));
	r->join = join;
	r->sel = kore_strdup(sel);
	r->room = kore_strdup(room);
	(void)kore_timer_add(live_repeat, LIVE_REPEAT_MS, r, KORE_TIMER_ONESHOT);
}

static void
live_repeat(void *arg, u_int64_t now)
{
	struct live_repeat	*r = arg;
	struct db_call		*call;

	if (live_ops == NULL)
		goto done;
	if (strncmp(r->sel, "profile:", 8) == 0 &&
	    strncmp(r->room, "server:", 7) == 0 &&
	    util_uuid_valid(r->sel + 8) && util_uuid_valid(r->room + 7)) {
		call = db_call_create(&chat_op_member_check, live_checked, r);
		db_call_param_str(call, r->sel + 8);
		db_call_param_str(call, r->room + 7);
		db_call_run(call);
		return;
	}
	if (!r->join)
		live_ops->leave(r->sel, r->room);
done:
	live_repeat_free(r);
}

static void
live_checked(struct db_call *call, int ok)
{
	struct live_repeat	*r = call->arg;

	if (ok && db_call_ntuples(call) == 1 && live_ops != NULL) {
		if (db_call_value(call, 0, 0)[0] == 't')
			live_ops->join(r->sel, r->room);
		else
			live_ops->leave(r->sel, r->room);
	}
	live_repeat_free(r);
}

static void
live_repeat_free(struct live_repeat *r)
{
	kore_free(r->sel);
	kore_free(r->room);
	kore_free(r);
}
