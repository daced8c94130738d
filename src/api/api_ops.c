/*
 * src/api/api_ops.c: what operators look at: /healthz (the process is up
 * and the database answers), /metrics (Prometheus text), and the JSON 404
 * for unknown API paths (Kore's own 404 has an empty body).
 */

#include <sys/types.h>

#include "api/api.h"
#include "app.h"
#include "db/db.h"
#include "eio/eio.h"
#include "sio/sio.h"

static const struct db_op	op_health = {
	.name = "health",
	.sql = "SELECT 200, json_build_object('status', 'ok', "
	    "'database', 'ok', 'time', parley_ts(now()))",
};

/* Registered by init.c: modules that contribute to /metrics. */
static void	(*metrics_sources[8])(struct kore_buf *);
static int	metrics_count;

static void	metric(struct kore_buf *, const char *, const char *,
		    const char *, u_int64_t);

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

/*
 * GET /metrics: Prometheus text format. The figures are this worker's
 * (label worker); a scrape reaches one worker of the instance.
 */
int
api_metrics(struct http_request *req)
{
	struct kore_buf		buf;
	struct eio_stats	es;
	struct sio_stats	ss;
	int			i;

	eio_stats(&es);
	sio_stats(&ss);
	kore_buf_init(&buf, 4096);
	metric(&buf, "worker_connections", "gauge",
	    "Open connections of this worker.", worker_active_connections);
	metric(&buf, "eio_sessions", "gauge",
	    "Engine.IO sessions owned by this worker.", es.sessions);
	metric(&buf, "eio_sessions_polling", "gauge",
	    "Sessions on HTTP long-polling.", es.sessions_polling);
	metric(&buf, "eio_sessions_websocket", "gauge",
	    "Sessions on WebSocket.", es.sessions_websocket);
	metric(&buf, "eio_polls_parked", "gauge",
	    "Long-poll requests waiting.", es.polls_parked);
	metric(&buf, "eio_queued_bytes", "gauge",
	    "Bytes queued for sessions, not yet sent.", es.queued_bytes);
	metric(&buf, "eio_relays", "gauge",
	    "WebSockets relayed to the worker owning their session.",
	    es.relays);
	metric(&buf, "eio_sessions_opened_total", "counter",
	    "Sessions opened.", es.opened_total);
	metric(&buf, "eio_sessions_closed_total", "counter",
	    "Sessions closed.", es.closed_total);
	metric(&buf, "eio_forwarded_total", "counter",
	    "Requests routed to the worker owning their session.",
	    es.forwarded_total);
	metric(&buf, "eio_overflow_total", "counter",
	    "Sessions closed because their send queue overflowed.",
	    es.overflow_total);
	metric(&buf, "sio_sockets", "gauge",
	    "Connected Socket.IO sockets.", ss.sockets);
	metric(&buf, "sio_rooms", "gauge", "Rooms.", ss.rooms);
	metric(&buf, "sio_emits_total", "counter",
	    "Emits started on this worker.", ss.emits);
	metric(&buf, "sio_deliveries_total", "counter",
	    "Packets delivered to sockets.", ss.deliveries);
	metric(&buf, "sio_bus_in_total", "counter",
	    "Fan-out messages received from other workers or nodes.",
	    ss.bus_in);
	metric(&buf, "sio_bus_out_total", "counter",
	    "Fan-out messages sent.", ss.bus_out);
	metric(&buf, "sio_protocol_errors_total", "counter",
	    "Sessions closed for bad input.", ss.protocol_errors);
	metric(&buf, "sio_recovered_total", "counter",
	    "Connection-state recoveries.", ss.recovered);
	metric(&buf, "sio_replay_packets", "gauge",
	    "Packets kept for connection-state recovery.", ss.replay_packets);
	for (i = 0; i < metrics_count; i++)
		metrics_sources[i](&buf);

	http_response_header(req, "content-type",
	    "text/plain; version=0.0.4; charset=utf-8");
	http_response_header(req, "cache-control", "no-store");
	http_response(req, 200, buf.data, buf.offset);
	kore_buf_cleanup(&buf);
	return (KORE_RESULT_OK);
}

/* One metric of this worker, with its HELP and TYPE lines. */
static void
metric(struct kore_buf *buf, const char *name, const char *type,
    const char *help, u_int64_t value)
{
	kore_buf_appendf(buf, "# HELP parley_%s %s\n# TYPE parley_%s %s\n"
	    "parley_%s{worker=\"%u\"} %llu\n", name, help, name, type, name,
	    worker != NULL ? worker->id : 0, (unsigned long long)value);
}

/* Any /api/ path without a route. */
int
api_not_found(struct http_request *req)
{
	return (api_error(req, 404, "not_found", "no such API endpoint"));
}
