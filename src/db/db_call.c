/*
 * src/db/db_call.c: a query without an HTTP request (layer 1), for socket
 * events and socket authentication. The call object is heap-allocated and
 * owns its pgsql; its callback runs exactly once, with ok = 1 and the
 * result readable through db_call_value() during the callback, or ok = 0.
 * The call is freed after the callback returns. An owner that goes away
 * first calls db_call_cancel(): the query is abandoned and the callback
 * is never run.
 *
 * Kore re-enters the pgsql callback for every state (field guide §6):
 * INIT when a queued call finally gets a connection, RESULT per result,
 * DONE when the query finished (kore_pgsql_continue then calls us again
 * with COMPLETE from inside itself), ERROR on failure.
 */

#include <sys/types.h>

#include <string.h>

#include <libpq-fe.h>

#include "db/db.h"

static void	call_on_pgsql(struct kore_pgsql *, void *);
static void	call_start(struct db_call *);
static void	call_fire(struct db_call *, int);
static void	call_free(struct db_call *);

/* Create a call of op; cb(call, ok) will run once (unless cancelled). */
struct db_call *
db_call_create(const struct db_op *op, db_call_cb cb, void *arg)
{
	struct db_call	*call;

	call = kore_calloc(1, sizeof(*call));
	call->op = op;
	call->cb = cb;
	call->arg = arg;
	kore_pgsql_init(&call->sql);
	kore_pgsql_bind_callback(&call->sql, call_on_pgsql, call);

	return (call);
}

/* Append a text parameter; the bytes are copied. */
void
db_call_param(struct db_call *call, const void *data, size_t len)
{
	if (call->nparams == DB_PARAMS_MAX)
		fatal("db_call_param: too many parameters for %s",
		    call->op->name);
	call->params[call->nparams] = kore_malloc(len + 1);
	memcpy(call->params[call->nparams], data, len);
	call->params[call->nparams][len] = '\0';
	call->values[call->nparams] = call->params[call->nparams];
	call->lengths[call->nparams] = (int)len;
	call->formats[call->nparams] = 0;
	call->nparams++;
}

/* Append a NUL-terminated text parameter. */
void
db_call_param_str(struct db_call *call, const char *s)
{
	db_call_param(call, s, strlen(s));
}

/* Start the query; the callback may run before this returns (on error). */
void
db_call_run(struct db_call *call)
{
	call_start(call);
}

/*
 * The owner of the call is going away: never run the callback. The query
 * is cancelled (or its result dropped) and the call freed by this module.
 */
void
db_call_cancel(struct db_call *call)
{
	call->cancelled = 1;
}

/* Value of (row, col) of the result, during the callback only. */
const char *
db_call_value(struct db_call *call, int row, int col)
{
	return (kore_pgsql_getvalue(&call->sql, row, col));
}

/* 1 if (row, col) is SQL NULL, during the callback only. */
int
db_call_isnull(struct db_call *call, int row, int col)
{
	return (PQgetisnull(call->sql.result, row, col));
}

/* Number of rows of the result, during the callback only. */
int
db_call_ntuples(struct db_call *call)
{
	return (kore_pgsql_ntuples(&call->sql));
}

static void
call_start(struct db_call *call)
{
	if (!kore_pgsql_setup(&call->sql, DB_NAME, KORE_PGSQL_ASYNC)) {
		/* Queued: Kore calls us back with INIT when one is free. */
		if (call->sql.state == KORE_PGSQL_STATE_INIT)
			return;
		kore_log(LOG_NOTICE, "db: %s: %s", call->op->name,
		    call->sql.error != NULL ? call->sql.error : "no connection");
		call_fire(call, 0);
		call_free(call);
		return;
	}
	db_check_conn(&call->sql);

	if (!kore_pgsql_query_param_fields(&call->sql, call->op->sql, 0,
	    call->nparams, call->values, call->lengths,
	    call->formats)) {
		kore_log(LOG_NOTICE, "db: %s: %s", call->op->name,
		    call->sql.error != NULL ? call->sql.error : "query failed");
		call_fire(call, 0);
		call_free(call);
	}
}

static void
call_on_pgsql(struct kore_pgsql *sql, void *arg)
{
	struct db_call	*call = arg;

	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
		call_start(call);
		return;
	case KORE_PGSQL_STATE_WAIT:
		return;
	case KORE_PGSQL_STATE_RESULT:
		call_fire(call, 1);
		kore_pgsql_continue(sql);
		return;
	case KORE_PGSQL_STATE_DONE:
		/* Re-enters us with COMPLETE from inside continue. */
		kore_pgsql_continue(sql);
		return;
	case KORE_PGSQL_STATE_COMPLETE:
		/* A command without rows (no RESULT state): success. */
		call_fire(call, 1);
		call_free(call);
		return;
	case KORE_PGSQL_STATE_ERROR:
		kore_log(LOG_NOTICE, "db: %s failed: %s", call->op->name,
		    sql->error != NULL ? sql->error : "");
		call_fire(call, 0);
		call_free(call);
		return;
	default:
		kore_pgsql_continue(sql);
		return;
	}
}

static void
call_fire(struct db_call *call, int ok)
{
	if (call->fired || call->cancelled)
		return;
	call->fired = 1;
	call->cb(call, ok);
}

static void
call_free(struct db_call *call)
{
	int	i;

	/* Called from inside Kore's pgsql callback: clear the binding
	   first so that cleanup does not call us again. */
	call->sql.cb = NULL;
	db_cleanup(&call->sql);
	for (i = 0; i < call->nparams; i++)
		kore_free(call->params[i]);
	kore_free(call);
}
