/*
 * tests/conformance/src/fixture_eio.c: the conformance fixture's Engine.IO
 * part and its Kore entry points (DESIGN.md §6). Not part of parley.
 *
 * /engine.io/ is a raw echo server: every message packet, text or binary,
 * is sent back as is. pingInterval 300, pingTimeout 200, maxPayload 1e6,
 * CORS "*". For the integration tests only, the text message
 * "__eio_fixture_close__" makes the server close the session instead
 * (eio_session_close), and a handshake with "deny=" in its query is
 * refused by allowRequest. The Socket.IO part (/socket.io/) lives in fixture_sio.c, which
 * provides fixture_sio_init(); until it exists the weak symbol is NULL and
 * only /engine.io/ is served.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#include "eio/eio.h"

void	kore_worker_configure(void);
int	fixture_eio_stats(struct http_request *);
void	fixture_sio_init(void) __attribute__((weak));

static void	echo_on_message(struct eio_session *, int, const u_int8_t *,
		    size_t);
static int	echo_allow(struct http_request *, const char **);

static const struct eio_config	echo_config = {
	.path = "/engine.io",
	.ping_interval = 300,
	.ping_timeout = 200,
	.upgrade_timeout = 10000,
	.max_payload = 1000000,
	.max_queue = 4 * 1024 * 1024,
	.transports = EIO_TRANSPORT_POLLING | EIO_TRANSPORT_WEBSOCKET,
	.allow_upgrades = 1,
	.cors_origin = "*",
	.allow_request = echo_allow,
};

static const struct eio_handler	echo_handler = {
	.on_open = NULL,
	.on_message = echo_on_message,
	.on_close = NULL,
};

void
kore_worker_configure(void)
{
	struct eio_config	cfg = echo_config;
	const char		*v;

	/*
	 * Integration tests that load the machine (two workers, bursts) may
	 * stretch the heartbeat; the conformance run never sets these.
	 */
	if ((v = getenv("FIXTURE_PING_INTERVAL")) != NULL && atoi(v) > 0)
		cfg.ping_interval = (u_int32_t)atoi(v);
	if ((v = getenv("FIXTURE_PING_TIMEOUT")) != NULL && atoi(v) > 0)
		cfg.ping_timeout = (u_int32_t)atoi(v);

	/* The Engine.IO echo endpoint is always created first (index 0). */
	(void)eio_server_create(&cfg, &echo_handler);

	/* --- Socket.IO part: provided by fixture_sio.c (sio helper). --- */
	if (fixture_sio_init != NULL)
		fixture_sio_init();
}

/*
 * /fixture/eio-stats: this worker's id and eio counters as JSON, so the
 * multi-worker tests can see that requests were routed between workers.
 */
int
fixture_eio_stats(struct http_request *req)
{
	struct eio_stats	st;
	struct kore_buf		buf;

	eio_stats(&st);
	kore_buf_init(&buf, 256);
	kore_buf_appendf(&buf, "{\"worker\":%u,\"pid\":%d,\"sessions\":%llu,"
	    "\"polling\":%llu,\"upgrading\":%llu,\"websocket\":%llu,"
	    "\"queued\":%llu,\"parked\":%llu,\"relays\":%llu,"
	    "\"opened\":%llu,"
	    "\"closed\":%llu,\"forwarded\":%llu,\"overflow\":%llu}",
	    worker->id, (int)getpid(), (unsigned long long)st.sessions,
	    (unsigned long long)st.sessions_polling,
	    (unsigned long long)st.sessions_upgrading,
	    (unsigned long long)st.sessions_websocket,
	    (unsigned long long)st.queued_bytes,
	    (unsigned long long)st.polls_parked,
	    (unsigned long long)st.relays,
	    (unsigned long long)st.opened_total,
	    (unsigned long long)st.closed_total,
	    (unsigned long long)st.forwarded_total,
	    (unsigned long long)st.overflow_total);
	http_response_header(req, "content-type", "application/json");
	http_response(req, 200, buf.data, buf.offset);
	kore_buf_cleanup(&buf);
	return (KORE_RESULT_OK);
}

/*
 * allowRequest for the tests: a handshake with "deny=<reason>" in the
 * query is refused (403 code 4), "deny=" with the default message. The
 * conformance suites never send it.
 */
static int
echo_allow(struct http_request *req, const char **reason)
{
	const char	*v;
	size_t		len;

	if (!eio_query_param(req->query_string, "deny", &v, &len))
		return (KORE_RESULT_OK);
	if (len > 0 && len == 6 && memcmp(v, "custom", 6) == 0)
		*reason = "custom \"reason\"";
	return (KORE_RESULT_ERROR);
}

static void
echo_on_message(struct eio_session *s, int binary, const u_int8_t *data,
    size_t len)
{
	static const char	magic[] = "__eio_fixture_close__";

	if (!binary && len == sizeof(magic) - 1 &&
	    memcmp(data, magic, len) == 0) {
		eio_session_close(s, NULL);
		return;
	}
	eio_session_send(s, binary, data, len);
}
