/*
 * src/bus/bus_worker.c: fan-out between the workers of one Kore instance
 * (layer L1) with one kore_msg id of the sio/bus block (APP_MSG_SIO_BASE).
 *
 * bus_worker_publish() encodes an envelope once and sends it with
 * KORE_MSG_WORKER_ALL: the parent relays it to every worker, the sender
 * included (Kore's msg.c does not filter the source), so the receiver
 * drops its own messages; the publisher did its local part directly.
 * One message per operation crosses each worker boundary once; nothing
 * goes through kore_websocket_broadcast.
 */

#include <sys/types.h>

#include <kore/kore.h>

#include "bus/bus.h"

static void	bus_on_msg(struct kore_msg *, const void *);

static u_int8_t		bus_msg_id = 0;
static bus_deliver_cb	bus_deliver = NULL;
static u_int64_t	bus_in = 0;
static u_int64_t	bus_out = 0;

/*
 * Register message id and the subscriber that receives every envelope
 * other workers publish. Call once per worker (kore_worker_configure).
 */
void
bus_worker_init(u_int8_t id, bus_deliver_cb cb)
{
	bus_msg_id = id;
	bus_deliver = cb;
	if (!kore_msg_register(id, bus_on_msg))
		fatal("bus: cannot register message id %u", id);
}

/*
 * Send env to every other worker (stamped with this worker's id and the
 * time). Returns KORE_RESULT_ERROR, after logging, when env cannot be
 * encoded; the message is queued to the parent otherwise.
 */
int
bus_worker_publish(const struct bus_envelope *env)
{
	struct bus_envelope	copy;
	struct kore_buf		buf;
	const char		*errstr;

	if (bus_msg_id == 0)
		fatal("bus: publish before bus_worker_init");

	copy = *env;
	copy.origin = bus_worker_id();
	copy.time = kore_time_ms();

	kore_buf_init(&buf, 256 + env->payload_len);
	if (!bus_envelope_encode(&buf, &copy, &errstr)) {
		kore_log(LOG_ERR, "bus: cannot publish: %s", errstr);
		kore_buf_cleanup(&buf);
		return (KORE_RESULT_ERROR);
	}
	if (bus_node_active())
		bus_node_publish(buf.data, buf.offset);
	else
		kore_msg_send(KORE_MSG_WORKER_ALL, bus_msg_id, buf.data,
		    buf.offset);
	bus_out++;
	kore_buf_cleanup(&buf);

	return (KORE_RESULT_OK);
}

/* This worker's id (1..N), 0 outside a worker. */
u_int16_t
bus_worker_id(void)
{
	return (worker != NULL ? worker->id : 0);
}

/* Messages received from / sent to other workers since start. */
void
bus_worker_stats(u_int64_t *in, u_int64_t *out)
{
	*in = bus_in;
	*out = bus_out;
}

static void
bus_on_msg(struct kore_msg *msg, const void *data)
{
	/* KORE_MSG_WORKER_ALL comes back to the sender too. */
	if (msg->src == bus_worker_id())
		return;
	bus_worker_deliver_bytes(data, msg->length, msg->src);
}

/*
 * Decode an envelope another bus member sent (src: its worker id, 0 when
 * it came from another node) and hand it to the subscriber.
 */
void
bus_worker_deliver_bytes(const u_int8_t *data, size_t len, u_int16_t src)
{
	struct bus_envelope	*env;
	const char		*errstr;

	/* Large (BUS_ROOMS_MAX pointers): not on the stack. */
	env = kore_malloc(sizeof(*env));
	if (!bus_envelope_decode(env, data, len, &errstr)) {
		kore_log(LOG_ERR, "bus: bad message from %u: %s", src,
		    errstr);
		kore_free(env);
		return;
	}
	bus_in++;
	if (bus_deliver != NULL)
		bus_deliver(env);
	kore_free(env);
}
