/*
 * src/sio/sio_emit.c: emits to rooms and adapter-wide room operations
 * (layer L2), on this worker and, through the bus, on every other one.
 *
 * An emit is one bus envelope (event, pre-encoded args, rooms, except,
 * attachments, recovery offset) sent once to every other worker; each
 * worker (the sender directly, the others on receipt) records it for
 * recovery and delivers it to its own matching sockets, encoding the
 * packet at most twice (with and without the offset, for sockets that
 * did or did not opt in to recovery). Room selection follows socket.io's
 * adapter: the union of rooms (everyone when none), minus every socket in
 * an except room, each socket once.
 */

#include <sys/types.h>

#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#include "bus/bus.h"
#include "eio/eio.h"

#define SIO_INTERNAL
#include "sio/sio.h"

static u_int64_t	emit_epoch = 0;
static u_int32_t	offset_seq = 0;

static size_t	list_len(const char **);
static u_int64_t emit_select(struct sio_nsp *, const char *const *, size_t,
		    const char *const *, size_t);
static int	emit_selected(struct sio_socket *, u_int64_t);
static void	rooms_op_local(struct sio_nsp *, int, u_int8_t,
		    const char *const *, size_t, const char *const *, size_t,
		    const char *);
static void	rooms_op(struct sio_nsp *, int, u_int8_t, const char *,
		    const char *);
static void	env_set_lists(struct bus_envelope *, const char *const *,
		    size_t, const char *const *, size_t);

/*
 * Emit event with pre-encoded args_json ("a,b,c": JSON values without
 * brackets, copied untouched) to the sockets of nsp in any of rooms
 * (NULL-terminated; NULL or empty: everyone in nsp) and in none of except
 * (NULL-terminated or NULL), on every worker. One bus message per call.
 */
void
sio_nsp_emit(struct sio_nsp *nsp, const char **rooms, const char **except,
    const char *event, const char *args_json)
{
	sio_nsp_emit_bin(nsp, rooms, except, event, args_json, NULL, 0);
}

/* sio_nsp_emit() with binary attachments (placeholders in args_json). */
void
sio_nsp_emit_bin(struct sio_nsp *nsp, const char **rooms,
    const char **except, const char *event, const char *args_json,
    const struct sio_bin *bins, size_t nbins)
{
	struct bus_envelope	*env;
	char			offset[SIO_OFFSET_MAX];
	size_t			nrooms, nexcept, args_len, i;

	nrooms = list_len(rooms);
	nexcept = list_len(except);
	args_len = args_json != NULL ? strlen(args_json) : 0;
	if (nrooms > BUS_ROOMS_MAX || nexcept > BUS_ROOMS_MAX ||
	    nbins > SIO_MAX_ATTACHMENTS) {
		kore_log(LOG_ERR, "sio: emit of '%s' refused: too many rooms "
		    "or attachments", event);
		return;
	}

	sio_counters.emits++;
	offset[0] = '\0';
	if (nsp->srv->recovery > 0) {
		sio_emit_offset(nsp, offset, sizeof(offset));
		sio_recover_record(nsp, offset, event, rooms, nrooms, except,
		    nexcept, args_json, args_len, bins, nbins);
	}

	sio_emit_local(nsp, rooms, nrooms, except, nexcept, event, args_json,
	    args_len, bins, nbins, offset[0] != '\0' ? offset : NULL);

	env = kore_calloc(1, sizeof(*env));
	bus_envelope_init(env, BUS_KIND_EMIT);
	env->srv = nsp->srv->path;
	env->nsp = nsp->name;
	env->event = event;
	env->offset = offset[0] != '\0' ? offset : NULL;
	env_set_lists(env, rooms, nrooms, except, nexcept);
	env->payload = (const u_int8_t *)(args_json != NULL ? args_json : "");
	env->payload_len = args_len;
	for (i = 0; i < nbins; i++) {
		env->bins[i] = bins[i].data;
		env->bin_lens[i] = bins[i].len;
	}
	env->nbins = nbins;
	(void)bus_worker_publish(env);
	kore_free(env);
}

/*
 * Deliver one emit to the matching sockets of nsp on this worker. The
 * packet is encoded once (plus once with the offset when some socket
 * opted in to recovery).
 */
void
sio_emit_local(struct sio_nsp *nsp, const char *const *rooms, size_t nrooms,
    const char *const *except, size_t nexcept, const char *event,
    const char *args, size_t args_len, const struct sio_bin *bins,
    size_t nbins, const char *offset)
{
	struct kore_buf		plain, with;
	struct sio_socket	*s;
	struct sio_room		*r;
	struct sio_member	*m;
	u_int64_t		epoch;
	size_t			i;
	int			type;

	if (nsp->nsockets == 0)
		return;

	type = nbins > 0 ? SIO_PACKET_BINARY_EVENT : SIO_PACKET_EVENT;
	kore_buf_init(&plain, 128 + args_len);
	sio_packet_encode_event(&plain, type, nsp->name, SIO_ACK_NONE,
	    (u_int32_t)nbins, event, args, args_len, NULL);
	with.offset = 0;
	with.data = NULL;

	epoch = emit_select(nsp, rooms, nrooms, except, nexcept);

#define DELIVER(sock)							\
	do {								\
		if ((sock)->recover && offset != NULL) {		\
			if (with.data == NULL) {			\
				kore_buf_init(&with, 160 + args_len);	\
				sio_packet_encode_event(&with, type,	\
				    nsp->name, SIO_ACK_NONE,		\
				    (u_int32_t)nbins, event, args,	\
				    args_len, offset);			\
			}						\
			sio_socket_send((sock), &with, bins, nbins);	\
		} else {						\
			sio_socket_send((sock), &plain, bins, nbins);	\
		}							\
	} while (0)

	if (nrooms == 0) {
		TAILQ_FOREACH(s, &nsp->sockets, nsp_list) {
			if (emit_selected(s, epoch))
				DELIVER(s);
		}
	} else {
		for (i = 0; i < nrooms; i++) {
			if ((r = sio_room_find(&nsp->rooms, rooms[i])) == NULL)
				continue;
			TAILQ_FOREACH(m, &r->members, room_list) {
				s = m->socket;
				if (s->state == SIO_SOCK_CONNECTED &&
				    emit_selected(s, epoch))
					DELIVER(s);
			}
		}
	}
#undef DELIVER

	kore_buf_cleanup(&plain);
	if (with.data != NULL)
		kore_buf_cleanup(&with);
}

/* A fresh recovery offset, unique across workers. */
void
sio_emit_offset(struct sio_nsp *nsp, char *out, size_t outlen)
{
	sio_offset_format(out, outlen, kore_time_ms(), bus_worker_id(),
	    offset_seq++);
}

/*
 * Every socket in room sel (NULL: every socket of nsp) joins room, on
 * every worker (socket.io's socketsJoin).
 */
void
sio_nsp_rooms_join(struct sio_nsp *nsp, const char *sel, const char *room)
{
	rooms_op(nsp, BUS_KIND_ROOMS_JOIN, 0, sel, room);
}

/* Every socket in room sel (NULL: all) leaves room, on every worker. */
void
sio_nsp_rooms_leave(struct sio_nsp *nsp, const char *sel, const char *room)
{
	rooms_op(nsp, BUS_KIND_ROOMS_LEAVE, 0, sel, room);
}

/*
 * Every socket in room sel (NULL: all) is disconnected from nsp ("server
 * namespace disconnect", the client gets DISCONNECT), on every worker.
 */
void
sio_nsp_rooms_disconnect(struct sio_nsp *nsp, const char *sel)
{
	rooms_op(nsp, BUS_KIND_ROOMS_DISC, 0, sel, NULL);
}

/* bus subscriber: an operation published by another worker. */
void
sio_bus_deliver(const struct bus_envelope *env)
{
	struct sio_server	*srv;
	struct sio_nsp		*nsp;
	struct sio_bin		bins[SIO_MAX_ATTACHMENTS];
	size_t			i;

	if ((srv = sio_server_by_path(env->srv)) == NULL)
		return;

	if (env->kind == BUS_KIND_SESSION_DROP) {
		TAILQ_FOREACH(nsp, &srv->nsps, list)
			sio_recover_drop(nsp, env->pid);
		return;
	}

	if ((nsp = sio_nsp_find(srv, env->nsp)) == NULL)
		return;

	switch (env->kind) {
	case BUS_KIND_EMIT:
		if (env->nbins > SIO_MAX_ATTACHMENTS)
			return;
		for (i = 0; i < env->nbins; i++) {
			bins[i].data = env->bins[i];
			bins[i].len = env->bin_lens[i];
		}
		if (env->offset != NULL && srv->recovery > 0) {
			sio_recover_record(nsp, env->offset, env->event,
			    env->rooms, env->nrooms, env->except,
			    env->nexcept, (const char *)env->payload,
			    env->payload_len, bins, env->nbins);
		}
		sio_emit_local(nsp, env->rooms, env->nrooms, env->except,
		    env->nexcept, env->event, (const char *)env->payload,
		    env->payload_len, bins, env->nbins, env->offset);
		break;
	case BUS_KIND_ROOMS_JOIN:
	case BUS_KIND_ROOMS_LEAVE:
	case BUS_KIND_ROOMS_DISC:
		rooms_op_local(nsp, env->kind, env->flags, env->rooms,
		    env->nrooms, env->except, env->nexcept, env->room);
		break;
	case BUS_KIND_SESSION_SAVE:
		if (srv->recovery > 0) {
			sio_recover_save(nsp, env->sid, env->pid, env->rooms,
			    env->nrooms);
		}
		break;
	}
}

/*
 * A socket that may recover later lost its transport: remember its id,
 * pid and rooms here and on every other worker (it may come back
 * anywhere).
 */
void
sio_bus_session_save(struct sio_socket *s)
{
	struct bus_envelope	*env;
	struct sio_member	*m;
	const char		**rooms;
	size_t			n;

	rooms = kore_calloc(s->rooms.nrooms + 1, sizeof(*rooms));
	n = 0;
	TAILQ_FOREACH(m, &s->rooms.rooms, sock_list) {
		if (n < BUS_ROOMS_MAX)
			rooms[n++] = m->room->name;
	}
	sio_recover_save(s->nsp, s->id, s->pid, rooms, n);

	env = kore_calloc(1, sizeof(*env));
	bus_envelope_init(env, BUS_KIND_SESSION_SAVE);
	env->srv = s->nsp->srv->path;
	env->nsp = s->nsp->name;
	env->sid = s->id;
	env->pid = s->pid;
	memcpy(env->rooms, rooms, n * sizeof(*rooms));
	env->nrooms = n;
	(void)bus_worker_publish(env);
	kore_free(env);
	kore_free(rooms);
}

/* A session was recovered: forget it everywhere else. */
void
sio_bus_session_drop(struct sio_nsp *nsp, const char *pid)
{
	struct bus_envelope	env;

	bus_envelope_init(&env, BUS_KIND_SESSION_DROP);
	env.srv = nsp->srv->path;
	env.pid = pid;
	(void)bus_worker_publish(&env);
}

static void
rooms_op(struct sio_nsp *nsp, int kind, u_int8_t flags, const char *sel,
    const char *room)
{
	struct bus_envelope	*env;
	const char		*rooms[2];
	size_t			nrooms;

	rooms[0] = sel;
	rooms[1] = NULL;
	nrooms = sel != NULL ? 1 : 0;

	rooms_op_local(nsp, kind, flags, rooms, nrooms, NULL, 0, room);

	env = kore_calloc(1, sizeof(*env));
	bus_envelope_init(env, (u_int8_t)kind);
	env->flags = flags;
	env->srv = nsp->srv->path;
	env->nsp = nsp->name;
	env->room = room;
	env_set_lists(env, rooms, nrooms, NULL, 0);
	(void)bus_worker_publish(env);
	kore_free(env);
}

/* Apply a room operation to the selected sockets of this worker. */
static void
rooms_op_local(struct sio_nsp *nsp, int kind, u_int8_t flags,
    const char *const *rooms, size_t nrooms, const char *const *except,
    size_t nexcept,
    const char *room)
{
	struct sio_socket	*s, *next, **sel;
	struct sio_room		*r;
	struct sio_member	*m;
	u_int64_t		epoch;
	size_t			n, i, cap;

	/* Saved (recoverable) sessions follow the same membership. */
	if (nsp->srv->recovery > 0)
		sio_recover_rooms_op(nsp, kind, rooms, nrooms, except, nexcept,
		    room);

	if (nsp->nsockets == 0)
		return;

	/* Collect first: joining/leaving changes the lists we walk. */
	cap = nsp->nsockets;
	sel = kore_calloc(cap, sizeof(*sel));
	n = 0;
	epoch = emit_select(nsp, rooms, nrooms, except, nexcept);
	if (nrooms == 0) {
		for (s = TAILQ_FIRST(&nsp->sockets); s != NULL; s = next) {
			next = TAILQ_NEXT(s, nsp_list);
			if (emit_selected(s, epoch) && n < cap)
				sel[n++] = s;
		}
	} else {
		for (i = 0; i < nrooms; i++) {
			if ((r = sio_room_find(&nsp->rooms, rooms[i])) == NULL)
				continue;
			TAILQ_FOREACH(m, &r->members, room_list) {
				if (m->socket->state == SIO_SOCK_CONNECTED &&
				    emit_selected(m->socket, epoch) && n < cap)
					sel[n++] = m->socket;
			}
		}
	}

	for (i = 0; i < n; i++)
		sio_socket_ref(sel[i]);
	for (i = 0; i < n; i++) {
		s = sel[i];
		switch (kind) {
		case BUS_KIND_ROOMS_JOIN:
			(void)sio_socket_join(s, room);
			break;
		case BUS_KIND_ROOMS_LEAVE:
			sio_socket_leave(s, room);
			break;
		case BUS_KIND_ROOMS_DISC:
			sio_socket_disconnect(s, (flags & BUS_FLAG_CLOSE) != 0);
			break;
		}
		sio_socket_unref(s);
	}
	kore_free(sel);
}

/*
 * Start a selection: a new epoch, with every socket of an except room
 * marked as already seen. emit_selected() then passes each other socket
 * once.
 */
static u_int64_t
emit_select(struct sio_nsp *nsp, const char *const *rooms, size_t nrooms,
    const char *const *except, size_t nexcept)
{
	struct sio_room		*r;
	struct sio_member	*m;
	size_t			i;

	(void)rooms;
	(void)nrooms;
	emit_epoch++;
	for (i = 0; i < nexcept; i++) {
		if ((r = sio_room_find(&nsp->rooms, except[i])) == NULL)
			continue;
		TAILQ_FOREACH(m, &r->members, room_list)
			m->socket->rooms.mark = emit_epoch;
	}
	return (emit_epoch);
}

static int
emit_selected(struct sio_socket *s, u_int64_t epoch)
{
	if (s->rooms.mark == epoch)
		return (0);
	s->rooms.mark = epoch;
	return (1);
}

static void
env_set_lists(struct bus_envelope *env, const char *const *rooms,
    size_t nrooms, const char *const *except, size_t nexcept)
{
	size_t		i;

	for (i = 0; i < nrooms; i++)
		env->rooms[i] = rooms[i];
	env->nrooms = nrooms;
	for (i = 0; i < nexcept; i++)
		env->except[i] = except[i];
	env->nexcept = nexcept;
}

static size_t
list_len(const char **list)
{
	size_t		n;

	if (list == NULL)
		return (0);
	for (n = 0; list[n] != NULL; n++)
		;
	return (n);
}
