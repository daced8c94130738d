/*
 * src/bus/bus_node.c: fan-out to the workers of other parley instances
 * ("nodes") through PostgreSQL LISTEN/NOTIFY (layer L1), the way
 * Socket.IO's Postgres adapter works. Optional: off unless
 * bus_node_init() is called.
 *
 * With it on, every worker of every instance is a bus member with a
 * random id: bus_worker_publish() sends the envelope as NOTIFY (instead of
 * kore_msg) on one channel, every member LISTENs on its own connection
 * and skips its own messages. The envelope travels base64-encoded in
 * chunks of BUS_NODE_CHUNK bytes ("<member>:<seq>:<i>:<n>:<data>"), below
 * PostgreSQL's 8000-byte NOTIFY limit; receivers reassemble them (bounded
 * in number, size and age). Publishes are serialised (one NOTIFY in
 * flight per worker), so they commit, and arrive, in order.
 *
 * Kore behaviours answered here (field guide sections 6 and 7): the
 * listener connection may die silently or miss an edge (a 250 ms watchdog
 * drains it and restarts it), and kore_pgsql_cleanup() on a connection whose socket is
 * already gone would fatal() (node_cleanup() takes it out of epoll first,
 * as db/db_conn.c does for the request pool).
 *
 * XXX Notifications sent while a listener is down are lost; clients
 * resync (recovery or refetch).
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/random.h>

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include <kore/kore.h>
#include <kore/pgsql.h>

#include "bus/bus.h"

#define BUS_NODE_CHANNEL	"parley_bus"
#define BUS_NODE_CHUNK		6000	/* base64 bytes per NOTIFY */
#define BUS_NODE_ID_LEN		16
#define BUS_NODE_REASM_MAX	256	/* messages being reassembled */
#define BUS_NODE_REASM_MS	10000	/* drop incomplete ones after */
#define BUS_NODE_QUEUE_MAX	100000	/* chunks waiting to be sent */
#define BUS_NODE_WATCHDOG_MS	250	/* also bounds a missed edge */

struct node_chunk {
	TAILQ_ENTRY(node_chunk)	list;
	char			*text;		/* the NOTIFY payload */
};

struct node_reasm {
	TAILQ_ENTRY(node_reasm)	list;
	char			origin[BUS_NODE_ID_LEN + 1];
	u_int64_t		seq;
	u_int32_t		total;
	u_int32_t		got;		/* next expected index */
	u_int64_t		started;
	struct kore_buf		b64;
};

static void	node_listen_start(void);
static void	node_on_listener(struct kore_pgsql *, void *);
static void	node_on_publisher(struct kore_pgsql *, void *);
static void	node_watchdog(void *, u_int64_t);
static void	node_notify(const char *);
static void	node_pub_next(void);
static int	node_pub_query(struct kore_pgsql *);
static void	node_cleanup(struct kore_pgsql *);
static void	node_reasm_free(struct node_reasm *);

static char			*node_db = NULL;
static char			node_id[BUS_NODE_ID_LEN + 1];
static u_int64_t		node_seq = 0;
static struct kore_pgsql	*listener = NULL;
static struct kore_pgsql	*publisher = NULL;
static TAILQ_HEAD(, node_chunk)	queue = TAILQ_HEAD_INITIALIZER(queue);
static size_t			queued = 0;
static TAILQ_HEAD(, node_reasm)	reasm = TAILQ_HEAD_INITIALIZER(reasm);
static size_t			nreasm = 0;

/*
 * Turn cross-node fan-out on, on database dbname (registered with
 * kore_pgsql_register; the listener holds one of its connections per
 * worker). Call once per worker, after bus_worker_init().
 */
void
bus_node_init(const char *dbname)
{
	u_int8_t	rnd[BUS_NODE_ID_LEN / 2];
	size_t		i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		fatal("bus_node: getrandom failed");
	for (i = 0; i < sizeof(rnd); i++)
		(void)snprintf(node_id + 2 * i, 3, "%02x", rnd[i]);
	node_db = kore_strdup(dbname);
	node_listen_start();
	(void)kore_timer_add(node_watchdog, BUS_NODE_WATCHDOG_MS, NULL, 0);
}

/* 1 when publishes go through PostgreSQL. */
int
bus_node_active(void)
{
	return (node_db != NULL);
}

/*
 * Queue an encoded envelope for every other bus member (all workers of
 * all instances). The bytes are copied.
 */
void
bus_node_publish(const u_int8_t *data, size_t len)
{
	struct kore_buf		b64;
	struct node_chunk	*ch;
	size_t			total, i, off, n;
	int			plen;
	char			*s;

	/* Standard base64 of the whole envelope, then cut in chunks. */
	kore_buf_init(&b64, len * 4 / 3 + 8);
	if (!kore_base64_encode(data, len, &s))
		fatal("bus_node: base64 failed");
	kore_buf_append(&b64, s, strlen(s));
	kore_free(s);

	total = (b64.offset + BUS_NODE_CHUNK - 1) / BUS_NODE_CHUNK;
	if (total == 0)
		total = 1;
	if (queued + total > BUS_NODE_QUEUE_MAX) {
		kore_log(LOG_ERR, "bus_node: publish queue full, message "
		    "dropped");
		kore_buf_cleanup(&b64);
		return;
	}

	node_seq++;
	for (i = 0, off = 0; i < total; i++, off += n) {
		n = b64.offset - off;
		if (n > BUS_NODE_CHUNK)
			n = BUS_NODE_CHUNK;
		ch = kore_calloc(1, sizeof(*ch));
		ch->text = kore_malloc(BUS_NODE_ID_LEN + 64 + n + 1);
		plen = snprintf(ch->text, BUS_NODE_ID_LEN + 64,
		    "%s:%llu:%zu:%zu:", node_id,
		    (unsigned long long)node_seq, i, total);
		memcpy(ch->text + plen, b64.data + off, n);
		ch->text[plen + n] = '\0';
		TAILQ_INSERT_TAIL(&queue, ch, list);
		queued++;
	}
	kore_buf_cleanup(&b64);
	node_pub_next();
}

/* ------------------------------------------------------------ publish */

static void
node_pub_next(void)
{
	struct node_chunk	*ch;

	if (publisher != NULL || (ch = TAILQ_FIRST(&queue)) == NULL)
		return;

	publisher = kore_calloc(1, sizeof(*publisher));
	kore_pgsql_init(publisher);
	kore_pgsql_bind_callback(publisher, node_on_publisher, NULL);
	if (!kore_pgsql_setup(publisher, node_db, KORE_PGSQL_ASYNC)) {
		if (publisher->state == KORE_PGSQL_STATE_INIT)
			return;		/* queued: called back with INIT */
		kore_pgsql_logerror(publisher);
		node_cleanup(publisher);
		kore_free(publisher);
		publisher = NULL;
		return;			/* retried by the watchdog */
	}
	node_pub_query(publisher);
}

/* Send the first queued chunk on sql (set up); 0 if that failed. */
static int
node_pub_query(struct kore_pgsql *sql)
{
	struct node_chunk	*ch;

	if ((ch = TAILQ_FIRST(&queue)) == NULL) {
		node_cleanup(sql);
		kore_free(sql);
		publisher = NULL;
		return (1);
	}
	if (sql->conn != NULL && PQstatus(sql->conn->db) == CONNECTION_BAD)
		PQreset(sql->conn->db);
	if (!kore_pgsql_query_params(sql, "SELECT pg_notify($1, $2)", 0, 2,
	    KORE_PGSQL_PARAM_TEXT(BUS_NODE_CHANNEL),
	    KORE_PGSQL_PARAM_TEXT(ch->text))) {
		kore_pgsql_logerror(sql);
		node_cleanup(sql);
		kore_free(sql);
		publisher = NULL;
		return (0);
	}
	return (1);
}

static void
node_on_publisher(struct kore_pgsql *sql, void *arg)
{
	struct node_chunk	*ch;

	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
		/* A queued setup got a connection. */
		if (!kore_pgsql_setup(sql, node_db, KORE_PGSQL_ASYNC)) {
			if (sql->state == KORE_PGSQL_STATE_INIT)
				return;
			goto failed;
		}
		(void)node_pub_query(sql);
		return;
	case KORE_PGSQL_STATE_WAIT:
		return;
	case KORE_PGSQL_STATE_RESULT:
		kore_pgsql_continue(sql);
		return;
	case KORE_PGSQL_STATE_DONE:
		/* Sent: drop the chunk; continue() calls us with COMPLETE. */
		if ((ch = TAILQ_FIRST(&queue)) != NULL) {
			TAILQ_REMOVE(&queue, ch, list);
			queued--;
			kore_free(ch->text);
			kore_free(ch);
		}
		kore_pgsql_continue(sql);
		return;
	case KORE_PGSQL_STATE_COMPLETE:
		goto done;
	case KORE_PGSQL_STATE_ERROR:
		goto failed;
	default:
		kore_pgsql_continue(sql);
		return;
	}

failed:
	kore_pgsql_logerror(sql);
	node_cleanup(sql);
done:
	if (sql == publisher) {
		kore_free(publisher);
		publisher = NULL;
	}
	node_pub_next();
}

/* ------------------------------------------------------------ listen */

static void
node_listen_start(void)
{
	listener = kore_calloc(1, sizeof(*listener));
	kore_pgsql_init(listener);
	kore_pgsql_bind_callback(listener, node_on_listener, NULL);
	if (!kore_pgsql_setup(listener, node_db, KORE_PGSQL_ASYNC)) {
		if (listener->state == KORE_PGSQL_STATE_INIT)
			return;		/* queued: INIT comes later */
		kore_pgsql_logerror(listener);
		listener->state = KORE_PGSQL_STATE_ERROR;
		return;			/* the watchdog retries */
	}
	if (!kore_pgsql_query(listener, "LISTEN " BUS_NODE_CHANNEL)) {
		kore_pgsql_logerror(listener);
		listener->state = KORE_PGSQL_STATE_ERROR;
	}
}

static void
node_on_listener(struct kore_pgsql *sql, void *arg)
{
	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
		if (kore_pgsql_setup(sql, node_db, KORE_PGSQL_ASYNC))
			(void)kore_pgsql_query(sql, "LISTEN " BUS_NODE_CHANNEL);
		break;
	case KORE_PGSQL_STATE_NOTIFY:
		/* The strings are freed after we return (copy if kept). */
		if (sql->notify.extra != NULL)
			node_notify(sql->notify.extra);
		break;
	case KORE_PGSQL_STATE_DONE:
		/* Never continue(): that would give the connection back. */
		break;
	case KORE_PGSQL_STATE_ERROR:
		kore_pgsql_logerror(sql);
		break;
	default:
		break;
	}
}

/*
 * Every 250 ms: read notifications the edge-triggered epoll missed (Kore
 * sometimes does not call back for them: seen in tests), restart a dead
 * listener, drop stale reassemblies, retry publishing.
 */
static void
node_watchdog(void *arg, u_int64_t now)
{
	struct node_reasm	*r, *next;
	PGnotify		*n;

	if (listener != NULL && listener->conn != NULL &&
	    (listener->state == KORE_PGSQL_STATE_DONE ||
	    listener->state == KORE_PGSQL_STATE_NOTIFY)) {
		if (PQconsumeInput(listener->conn->db)) {
			while ((n = PQnotifies(listener->conn->db)) != NULL) {
				if (n->extra != NULL)
					node_notify(n->extra);
				PQfreemem(n);
			}
		}
		if (PQstatus(listener->conn->db) == CONNECTION_BAD)
			listener->state = KORE_PGSQL_STATE_ERROR;
	}
	if (listener == NULL || listener->state == KORE_PGSQL_STATE_ERROR ||
	    (listener->conn == NULL &&
	    listener->state != KORE_PGSQL_STATE_INIT)) {
		if (listener != NULL) {
			node_cleanup(listener);
			kore_free(listener);
			listener = NULL;
		}
		kore_log(LOG_NOTICE, "bus_node: (re)starting the listener");
		node_listen_start();
	}

	for (r = TAILQ_FIRST(&reasm); r != NULL; r = next) {
		next = TAILQ_NEXT(r, list);
		if (r->started + BUS_NODE_REASM_MS < now)
			node_reasm_free(r);
	}

	node_pub_next();
}

/* One NOTIFY payload: "<member>:<seq>:<i>:<n>:<base64 chunk>". */
static void
node_notify(const char *text)
{
	char			origin[BUS_NODE_ID_LEN + 1];
	unsigned long long	seq;
	size_t			idx, total, declen;
	int			off;
	struct node_reasm	*r;
	u_int8_t		*dec;
	const char		*data;

	off = 0;
	if (sscanf(text, "%16[0-9a-f]:%llu:%zu:%zu:%n", origin, &seq, &idx,
	    &total, &off) != 4 || off == 0 || total == 0 || idx >= total ||
	    total > 64 * 1024)
		return;			/* not ours */
	if (strcmp(origin, node_id) == 0)
		return;			/* our own publish */
	data = text + off;

	TAILQ_FOREACH(r, &reasm, list) {
		if (r->seq == seq && strcmp(r->origin, origin) == 0)
			break;
	}
	if (r == NULL) {
		if (idx != 0)
			return;		/* its start was lost */
		if (nreasm >= BUS_NODE_REASM_MAX)
			node_reasm_free(TAILQ_FIRST(&reasm));
		r = kore_calloc(1, sizeof(*r));
		(void)kore_strlcpy(r->origin, origin, sizeof(r->origin));
		r->seq = seq;
		r->total = (u_int32_t)total;
		r->started = kore_time_ms();
		kore_buf_init(&r->b64, strlen(data) * total);
		TAILQ_INSERT_TAIL(&reasm, r, list);
		nreasm++;
	}
	if (idx != r->got || total != r->total) {
		node_reasm_free(r);	/* a chunk went missing */
		return;
	}
	kore_buf_append(&r->b64, data, strlen(data));
	r->got++;
	if (r->got < r->total)
		return;

	kore_buf_append(&r->b64, "", 1);
	if (kore_base64_decode((const char *)r->b64.data, &dec, &declen)) {
		bus_worker_deliver_bytes(dec, declen, 0);
		kore_free(dec);
	}
	node_reasm_free(r);
}

static void
node_reasm_free(struct node_reasm *r)
{
	TAILQ_REMOVE(&reasm, r, list);
	nreasm--;
	kore_buf_cleanup(&r->b64);
	kore_free(r);
}

/*
 * kore_pgsql_cleanup() on a connection whose socket libpq already closed
 * calls epoll_ctl(DEL, -1) and fatal()s: take it out by hand and reset it
 * first (the same answer as db_cleanup() in src/db/db_conn.c).
 */
static void
node_cleanup(struct kore_pgsql *sql)
{
	if (sql->conn != NULL && PQstatus(sql->conn->db) == CONNECTION_BAD) {
		if (PQsocket(sql->conn->db) == -1)
			sql->flags &= ~KORE_PGSQL_SCHEDULED;
		PQreset(sql->conn->db);
	}
	kore_pgsql_cleanup(sql);
}
