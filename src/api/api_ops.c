/*
 * src/api/api_ops.c: what operators look at: /healthz (the process is up
 * and the database answers), /metrics (Prometheus text), and the JSON 404
 * for unknown API paths (Kore's own 404 has an empty body).
 */

#include <sys/types.h>

#include "api/api.h"
#include "app.h"
#include "db/db.h"

static const struct db_op	op_health = {
	.name = "health",
	.sql = "SELECT 200, json_build_object('status', 'ok', "
	    "'database', 'ok', 'time', parley_ts(now()))",
};

/* Registered by init.c: modules that contribute to /metrics. */
static void	(*metrics_sources[8])(struct kore_buf *);
static int	metrics_count;

/* GET /healthz: 200 with the database reachable, 503 otherwise. */
int
api_healthz(struct http_request *req)
{
	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
		return (api_error(req, 405, "method_not_allowed", "use GET"));

	(void)db_request_create(req, &op_health);
	return (db_request_run(req));
}

/* Add a module's metrics writer (called from init.c at start-up). */
void
api_metrics_register(void (*fn)(struct kore_buf *))
{
	if (metrics_count == (int)(sizeof(metrics_sources) /
	    sizeof(metrics_sources[0])))
		fatal("api_metrics_register: too many sources");
	metrics_sources[metrics_count++] = fn;
}

/* GET /metrics: Prometheus text format, for this worker. */
int
api_metrics(struct http_request *req)
{
	struct kore_buf		buf;
	int			i;

	kore_buf_init(&buf, 1024);
	kore_buf_appendf(&buf,
	    "# HELP parley_worker_connections Open connections of this worker.\n"
	    "# TYPE parley_worker_connections gauge\n"
	    "parley_worker_connections{worker=\"%u\"} %u\n",
	    worker != NULL ? worker->id : 0, worker_active_connections);
	for (i = 0; i < metrics_count; i++)
		metrics_sources[i](&buf);

	http_response_header(req, "content-type",
	    "text/plain; version=0.0.4; charset=utf-8");
	http_response_header(req, "cache-control", "no-store");
	http_response(req, 200, buf.data, buf.offset);
	kore_buf_cleanup(&buf);
	return (KORE_RESULT_OK);
}

/* Any /api/ path without a route. */
int
api_not_found(struct http_request *req)
{
	return (api_error(req, 404, "not_found", "no such API endpoint"));
}
