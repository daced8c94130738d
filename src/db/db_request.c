/*
 * src/db/db_request.c: the one request state machine every REST handler
 * runs its database work through (layer 1).
 *
 *	state	waits for			next
 *	TASK	an off-loop task (optional)	SETUP, or DONE if it answered
 *	SETUP	a pool connection		QUERY (ERROR when none)
 *	QUERY	-				WAIT
 *	WAIT	pgsql to wake the request	READ, ERROR, or SETUP/TASK again
 *	READ	- (result callback)		WAIT
 *	ERROR	-				answer 4xx/5xx JSON, done
 *	DONE	-				answer dbr->status, done
 *
 * A handler creates the state with db_request_create(), adds parameters
 * and returns db_request_run(). The result callback (or the default
 * one, which reads "status, body" columns) may ask for another round by
 * setting dbr->again after changing dbr->op and the parameters, or after
 * arming a task with db_request_task(): this is how login verifies a
 * password hash off the event loop between two queries.
 */

#include <sys/types.h>

#include <string.h>

#include <libpq-fe.h>

#include "db/db.h"
#include "util/util.h"

enum db_state {
	DB_STATE_TASK,
	DB_STATE_SETUP,
	DB_STATE_QUERY,
	DB_STATE_WAIT,
	DB_STATE_READ,
	DB_STATE_ERROR,
	DB_STATE_DONE,
	DB_STATE_MAX
};

static int	state_task(struct http_request *);
static int	state_setup(struct http_request *);
static int	state_query(struct http_request *);
static int	state_wait(struct http_request *);
static int	state_read(struct http_request *);
static int	state_error(struct http_request *);
static int	state_done(struct http_request *);
static void	request_free(struct http_request *);
static void	result_default(struct db_request *);
static void	respond(struct db_request *);

/* Order must match enum db_state. */
static struct http_state	db_states[] = {
	KORE_HTTP_STATE(state_task),	/* kore task bound to the request */
	KORE_HTTP_STATE(state_setup),	/* get a pool connection */
	KORE_HTTP_STATE(state_query),	/* send op->sql with its params */
	KORE_HTTP_STATE(state_wait),	/* sleep until pgsql wakes us */
	KORE_HTTP_STATE(state_read),	/* op->result on the tuples */
	KORE_HTTP_STATE(state_error),	/* JSON error, done */
	KORE_HTTP_STATE(state_done),	/* dbr->status + dbr->out */
};

/*
 * Create the database state of req (once per request) for op. The state
 * is owned by Kore (freed with the request); parameters added later are
 * copied into it.
 */
struct db_request *
db_request_create(struct http_request *req, const struct db_op *op)
{
	struct db_request	*dbr;

	dbr = http_state_create(req, sizeof(*dbr), request_free);
	memset(dbr, 0, sizeof(*dbr));
	dbr->req = req;
	dbr->op = op;
	dbr->status = 500;
	dbr->content_type = "application/json";
	kore_buf_init(&dbr->out, 512);
	kore_pgsql_init(&dbr->sql);
	kore_pgsql_bind_request(&dbr->sql, req);
	req->fsm_state = DB_STATE_SETUP;

	return (dbr);
}

/* The database state of req, or NULL when it has none. */
struct db_request *
db_request_get(struct http_request *req)
{
	if (!http_state_exists(req))
		return (NULL);
	return (http_state_get(req));
}

/* Append a text parameter ($n, in call order); the bytes are copied. */
void
db_request_param(struct db_request *dbr, const void *data, size_t len)
{
	if (dbr->nparams == DB_PARAMS_MAX)
		fatal("db_request_param: too many parameters for %s",
		    dbr->op->name);
	dbr->params[dbr->nparams] = kore_malloc(len + 1);
	memcpy(dbr->params[dbr->nparams], data, len);
	dbr->params[dbr->nparams][len] = '\0';
	dbr->values[dbr->nparams] = dbr->params[dbr->nparams];
	dbr->lengths[dbr->nparams] = (int)len;
	dbr->formats[dbr->nparams] = 0;
	dbr->nparams++;
}

/* Append a NUL-terminated text parameter. */
void
db_request_param_str(struct db_request *dbr, const char *s)
{
	db_request_param(dbr, s, strlen(s));
}

/* Append an SQL NULL parameter. */
void
db_request_param_null(struct db_request *dbr)
{
	if (dbr->nparams == DB_PARAMS_MAX)
		fatal("db_request_param_null: too many parameters");
	dbr->params[dbr->nparams] = NULL;
	dbr->values[dbr->nparams] = NULL;
	dbr->lengths[dbr->nparams] = 0;
	dbr->formats[dbr->nparams] = 0;
	dbr->nparams++;
}

/* Drop every parameter (before the next round's query). */
void
db_request_reset_params(struct db_request *dbr)
{
	int	i;

	for (i = 0; i < dbr->nparams; i++) {
		if (dbr->params[i] != NULL) {
			explicit_bzero(dbr->params[i], (size_t)dbr->lengths[i]);
			kore_free(dbr->params[i]);
		}
		dbr->params[i] = NULL;
	}
	dbr->nparams = 0;
}

/*
 * Run entry in a Kore task thread before the next query; done runs on the
 * event loop once it finished. The task thread may only touch what the
 * handler placed in dbr->udata for it.
 */
void
db_request_task(struct db_request *dbr, int (*entry)(struct kore_task *),
    void (*done)(struct db_request *))
{
	dbr->task_entry = entry;
	dbr->task_done = done;
}

/*
 * Set the answer to the error shape {"error":{"code","message"}} with
 * status; the machine sends it when it reaches DONE.
 */
void
db_request_error(struct db_request *dbr, int status, const char *code,
    const char *message)
{
	dbr->status = status;
	kore_buf_reset(&dbr->out);
	kore_buf_appendf(&dbr->out, "{\"error\":{\"code\":");
	util_json_cstr(&dbr->out, code);
	kore_buf_appendf(&dbr->out, ",\"message\":");
	util_json_cstr(&dbr->out, message);
	kore_buf_appendf(&dbr->out, "}}");
}

/* Value of (row, col) of the current result; valid until the next round. */
const char *
db_request_value(struct db_request *dbr, int row, int col)
{
	return (kore_pgsql_getvalue(&dbr->sql, row, col));
}

/* 1 if (row, col) of the current result is SQL NULL. */
int
db_request_isnull(struct db_request *dbr, int row, int col)
{
	return (PQgetisnull(dbr->sql.result, row, col));
}

/* Number of rows in the current result. */
int
db_request_ntuples(struct db_request *dbr)
{
	return (kore_pgsql_ntuples(&dbr->sql));
}

/*
 * Run (or continue) the machine of req. Route handlers return this value
 * as is; it always ends with a response.
 */
int
db_request_run(struct http_request *req)
{
	return (http_state_run(db_states, DB_STATE_MAX, req));
}

/*
 * Answer now, without a query, with what db_request_error() (or the
 * handler) put in the state: for validation failures found after
 * db_request_create().
 */
int
db_request_answer(struct http_request *req)
{
	req->fsm_state = DB_STATE_DONE;
	return (http_state_run(db_states, DB_STATE_MAX, req));
}

static int
state_task(struct http_request *req)
{
	struct db_request	*dbr = http_state_get(req);

	if (!dbr->task_running) {
		dbr->task_running = 1;
		kore_task_create(&dbr->task, dbr->task_entry);
		kore_task_bind_request(&dbr->task, req);
		kore_task_run(&dbr->task);
		return (HTTP_STATE_RETRY);
	}

	if (kore_task_state(&dbr->task) != KORE_TASK_STATE_FINISHED) {
		http_request_sleep(req);
		return (HTTP_STATE_RETRY);
	}

	/* The task is done; its thread no longer touches dbr->udata. */
	dbr->task_running = 0;
	dbr->task_entry = NULL;
	kore_task_destroy(&dbr->task);		/* unbinds it from req */

	dbr->again = 0;
	if (dbr->task_done != NULL)
		dbr->task_done(dbr);

	if (dbr->again) {
		dbr->again = 0;
		req->fsm_state = dbr->task_entry != NULL ?
		    DB_STATE_TASK : DB_STATE_SETUP;
	} else {
		req->fsm_state = DB_STATE_DONE;
	}

	return (HTTP_STATE_CONTINUE);
}

static int
state_setup(struct http_request *req)
{
	struct db_request	*dbr = http_state_get(req);

	if (dbr->task_entry != NULL && !dbr->task_running) {
		req->fsm_state = DB_STATE_TASK;
		return (HTTP_STATE_CONTINUE);
	}

	if (!kore_pgsql_setup(&dbr->sql, DB_NAME, KORE_PGSQL_ASYNC)) {
		/* All connections busy: Kore queued us and will wake us. */
		if (dbr->sql.state == KORE_PGSQL_STATE_INIT)
			return (HTTP_STATE_RETRY);
		req->fsm_state = DB_STATE_ERROR;
		return (HTTP_STATE_CONTINUE);
	}
	db_check_conn(&dbr->sql);

	req->fsm_state = DB_STATE_QUERY;
	return (HTTP_STATE_CONTINUE);
}

static int
state_query(struct http_request *req)
{
	struct db_request	*dbr = http_state_get(req);

	req->fsm_state = DB_STATE_WAIT;
	if (!kore_pgsql_query_param_fields(&dbr->sql, dbr->op->sql, 0,
	    dbr->nparams, dbr->values, dbr->lengths,
	    dbr->formats)) {
		req->fsm_state = DB_STATE_ERROR;
		return (HTTP_STATE_CONTINUE);
	}

	return (HTTP_STATE_RETRY);
}

static int
state_wait(struct http_request *req)
{
	struct db_request	*dbr = http_state_get(req);

	switch (dbr->sql.state) {
	case KORE_PGSQL_STATE_WAIT:
		return (HTTP_STATE_RETRY);
	case KORE_PGSQL_STATE_COMPLETE:
		if (dbr->again) {
			/* Another round: a fresh pgsql bound to the request. */
			dbr->again = 0;
			db_cleanup(&dbr->sql);
			kore_pgsql_init(&dbr->sql);
			kore_pgsql_bind_request(&dbr->sql, req);
			req->fsm_state = dbr->task_entry != NULL ?
			    DB_STATE_TASK : DB_STATE_SETUP;
		} else {
			req->fsm_state = DB_STATE_DONE;
		}
		break;
	case KORE_PGSQL_STATE_ERROR:
		req->fsm_state = DB_STATE_ERROR;
		break;
	case KORE_PGSQL_STATE_RESULT:
		req->fsm_state = DB_STATE_READ;
		break;
	default:
		kore_pgsql_continue(&dbr->sql);
		break;
	}

	return (HTTP_STATE_CONTINUE);
}

static int
state_read(struct http_request *req)
{
	struct db_request	*dbr = http_state_get(req);

	if (dbr->op->result != NULL)
		dbr->op->result(dbr);
	else
		result_default(dbr);

	kore_pgsql_continue(&dbr->sql);
	req->fsm_state = DB_STATE_WAIT;
	return (HTTP_STATE_CONTINUE);
}

static int
state_error(struct http_request *req)
{
	struct db_request	*dbr = http_state_get(req);
	const char		*sqlstate;

	sqlstate = NULL;
	if (dbr->sql.result != NULL)
		sqlstate = PQresultErrorField(dbr->sql.result,
		    PG_DIAG_SQLSTATE);

	if (sqlstate != NULL && strncmp(sqlstate, "22", 2) == 0) {
		/* Data exception: a value the handler let through. */
		db_request_error(dbr, 400, "bad_request",
		    "a value in the request is not valid");
	} else if (sqlstate != NULL && strncmp(sqlstate, "23", 2) == 0) {
		db_request_error(dbr, 409, "conflict",
		    "the request conflicts with the current state");
	} else if (sqlstate == NULL || strncmp(sqlstate, "08", 2) == 0 ||
	    strncmp(sqlstate, "57", 2) == 0 || strncmp(sqlstate, "53", 2) == 0) {
		/* No connection, connection lost, server shutting down. */
		kore_log(LOG_NOTICE, "db: %s: %s", dbr->op->name,
		    dbr->sql.error != NULL ? dbr->sql.error : "unavailable");
		db_request_error(dbr, 503, "db_unavailable",
		    "the database is unavailable, try again");
	} else {
		kore_log(LOG_ERR, "db: %s failed (%s): %s", dbr->op->name,
		    sqlstate, dbr->sql.error != NULL ? dbr->sql.error : "");
		db_request_error(dbr, 500, "internal",
		    "the request could not be completed");
	}

	respond(dbr);
	return (HTTP_STATE_COMPLETE);
}

static int
state_done(struct http_request *req)
{
	struct db_request	*dbr = http_state_get(req);

	respond(dbr);
	return (HTTP_STATE_COMPLETE);
}

static void
respond(struct db_request *dbr)
{
	struct http_request	*req = dbr->req;

	if (dbr->done != NULL && dbr->status < 400)
		dbr->done(dbr);

	if (dbr->out.offset > 0) {
		http_response_header(req, "content-type", dbr->content_type);
		http_response_header(req, "cache-control", "no-store");
	}
	http_response(req, dbr->status, dbr->out.data, dbr->out.offset);
}

/*
 * The convention: one row, column 0 the HTTP status, column 1 the body
 * (JSON text, or NULL for none). No row at all is a 404.
 */
static void
result_default(struct db_request *dbr)
{
	const char	*status, *body;
	int		 len, err;

	kore_buf_reset(&dbr->out);
	if (kore_pgsql_ntuples(&dbr->sql) == 0) {
		db_request_error(dbr, 404, "not_found", "not found");
		return;
	}

	status = kore_pgsql_getvalue(&dbr->sql, 0, 0);
	dbr->status = (int)kore_strtonum(status, 10, 100, 599, &err);
	if (err != KORE_RESULT_OK)
		dbr->status = 500;
	if (kore_pgsql_nfields(&dbr->sql) > 1 &&
	    !PQgetisnull(dbr->sql.result, 0, 1)) {
		body = kore_pgsql_getvalue(&dbr->sql, 0, 1);
		len = kore_pgsql_getlength(&dbr->sql, 0, 1);
		kore_buf_append(&dbr->out, body, (size_t)len);
	}
}

/* onfree: Kore may call it more than once (pending tasks); idempotent. */
static void
request_free(struct http_request *req)
{
	struct db_request	*dbr = http_state_get(req);

	if (dbr == NULL || dbr->cleaned)
		return;
	if (dbr->task_running &&
	    kore_task_state(&dbr->task) != KORE_TASK_STATE_FINISHED)
		return;		/* Kore frees us once the task is done */

	dbr->cleaned = 1;
	db_cleanup(&dbr->sql);
	db_request_reset_params(dbr);
	kore_buf_cleanup(&dbr->out);
	if (dbr->udata != NULL && dbr->udata_free != NULL)
		dbr->udata_free(dbr->udata);
	dbr->udata = NULL;
}
