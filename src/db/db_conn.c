/*
 * src/db/db_conn.c: registering the database and keeping connections
 * healthy. Kore 4.1.0 never repairs a pooled connection whose server went
 * away, and kore_pgsql_cleanup() on a connection whose socket libpq already
 * closed ends in fatal() (field guide §6): db_cleanup() and db_check_conn()
 * are the one place these Kore behaviours are answered. Every pgsql in the
 * project is released through db_cleanup(), never kore_pgsql_cleanup().
 */

#include <sys/types.h>

#include <stdlib.h>

#include <libpq-fe.h>

#include "db/db.h"

static const char	*url;

/*
 * Register DB_NAME with the conninfo from $DATABASE_URL (or the private
 * cluster's default). Call once per worker from kore_worker_configure():
 * kore_pgsql_register snapshots pgsql_conn_max from the parsed config.
 */
void
db_init(void)
{
	if ((url = getenv("DATABASE_URL")) == NULL || *url == '\0')
		url = DB_DEFAULT_URL;
	if (!kore_pgsql_register(DB_NAME, url))
		fatalx("db: cannot register the database");
}

/* The conninfo in use (contains the password: never log it). */
const char *
db_url(void)
{
	if (url == NULL && ((url = getenv("DATABASE_URL")) == NULL ||
	    *url == '\0'))
		url = DB_DEFAULT_URL;
	return (url);
}

/*
 * Release a pgsql (its connection back to the pool, or the pending query
 * cancelled). A connection found dead is reset first, and one whose
 * socket is already gone is taken out of epoll by hand, because Kore would
 * call epoll_ctl(DEL, -1) on it and fatal().
 */
void
db_cleanup(struct kore_pgsql *sql)
{
	if (sql->conn != NULL && PQstatus(sql->conn->db) == CONNECTION_BAD) {
		if (PQsocket(sql->conn->db) == -1)
			sql->flags &= ~KORE_PGSQL_SCHEDULED;
		PQreset(sql->conn->db);		/* bounded by connect_timeout */
	}
	kore_pgsql_cleanup(sql);
}

/* After a successful kore_pgsql_setup(): repair a pooled dead connection. */
void
db_check_conn(struct kore_pgsql *sql)
{
	if (sql->conn != NULL && PQstatus(sql->conn->db) == CONNECTION_BAD)
		PQreset(sql->conn->db);
}
