/*
 * src/db/db.h: PostgreSQL through Kore's async pgsql layer.
 *
 * One request state machine (db_request.c) runs every REST query; a
 * callback variant (db_call.c) runs queries for work without an HTTP
 * request (socket events, authentication of a socket). Every query is
 * parameterised: SQL text is a constant, values travel as parameters.
 * Migrations (db_migrate.c) run once, in the parent, before workers fork.
 */
#ifndef DB_H
#define DB_H

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>
#include <kore/tasks.h>

#define DB_NAME			"db"	/* the one registered database */
#define DB_PARAMS_MAX		12

/* Default conninfo: the private cluster kore.build starts. */
#define DB_DEFAULT_URL		\
	"postgresql://parley@127.0.0.1:55432/parley?connect_timeout=3"

struct db_request;
struct db_call;

/*
 * A query descriptor. The SQL returns, by convention, one row whose first
 * column is the HTTP status and whose second is the JSON body (NULL for
 * no body); a result callback replaces that convention where needed.
 */
struct db_op {
	const char	*name;				/* for logs */
	const char	*sql;				/* $1..$n placeholders */
	void		(*result)(struct db_request *);	/* NULL: (status, body) */
};

/* One REST request's database work; lives in the request's http_state. */
struct db_request {
	struct kore_pgsql	 sql;
	struct kore_task	 task;		/* optional off-loop work */
	struct http_request	*req;
	const struct db_op	*op;		/* query to run next */
	int			 nparams;
	char			*params[DB_PARAMS_MAX];	/* owned copies */
	const char		*values[DB_PARAMS_MAX];	/* = params, for libpq */
	int			 lengths[DB_PARAMS_MAX];
	int			 formats[DB_PARAMS_MAX];

	int			(*task_entry)(struct kore_task *);
	void			(*task_done)(struct db_request *);
	int			 task_running;

	int			 again;		/* result/task asked for more */
	int			 status;	/* HTTP status of the answer */
	struct kore_buf		 out;		/* HTTP body of the answer */
	const char		*content_type;

	/* Called with the response built, right before it is sent:
	   set headers (cookies), publish events. */
	void			(*done)(struct db_request *);

	void			*udata;		/* the handler's own state */
	void			(*udata_free)(void *);
	int			 cleaned;
};

/* A query without an HTTP request. */
typedef void	(*db_call_cb)(struct db_call *, int ok);

struct db_call {
	struct kore_pgsql	 sql;
	const struct db_op	*op;
	int			 nparams;
	char			*params[DB_PARAMS_MAX];
	const char		*values[DB_PARAMS_MAX];
	int			 lengths[DB_PARAMS_MAX];
	int			 formats[DB_PARAMS_MAX];
	db_call_cb		 cb;
	void			*arg;
	int			 cancelled;	/* owner went away: result dropped */
	int			 fired;
};

/* db_conn.c */
void	db_init(void);
const char *db_url(void);
void	db_cleanup(struct kore_pgsql *);
void	db_check_conn(struct kore_pgsql *);
int	db_ping(void);

/* db_request.c */
struct db_request	*db_request_create(struct http_request *,
			    const struct db_op *);
struct db_request	*db_request_get(struct http_request *);
void	db_request_param(struct db_request *, const void *, size_t);
void	db_request_param_str(struct db_request *, const char *);
void	db_request_param_null(struct db_request *);
void	db_request_reset_params(struct db_request *);
void	db_request_task(struct db_request *, int (*)(struct kore_task *),
	    void (*)(struct db_request *));
int	db_request_run(struct http_request *);
int	db_request_answer(struct http_request *);
void	db_request_error(struct db_request *, int, const char *,
	    const char *);
const char *db_request_value(struct db_request *, int, int);
int	db_request_isnull(struct db_request *, int, int);
int	db_request_ntuples(struct db_request *);

/* db_call.c */
struct db_call	*db_call_create(const struct db_op *, db_call_cb, void *);
void	db_call_param(struct db_call *, const void *, size_t);
void	db_call_param_str(struct db_call *, const char *);
void	db_call_run(struct db_call *);
void	db_call_cancel(struct db_call *);
const char *db_call_value(struct db_call *, int, int);
int	db_call_isnull(struct db_call *, int, int);
int	db_call_ntuples(struct db_call *);

/* db_migrate.c */
int	db_migrate(const char *);

#endif /* !DB_H */
