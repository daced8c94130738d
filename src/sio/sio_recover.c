/*
 * src/sio/sio_recover.c: connection-state recovery (socketio-wire.md
 * section 9), per namespace and worker.
 *
 * The replay buffer keeps every emit (with its offset, rooms and except
 * lists) for the recovery window, bounded by SIO_REPLAY_MAX_PACKETS and
 * SIO_REPLAY_MAX_BYTES (oldest dropped first). Every worker records every
 * emit, its own directly and the others' from the bus, so a socket can
 * recover on any worker. Saved sessions ({sid, pid, rooms}) of sockets
 * that lost their transport are also kept on every worker; the one that
 * recovers a session tells the others to drop it.
 *
 * XXX Emits from different workers may be recorded in a different order
 * on each worker; a recovery that races concurrent emits of two workers
 * can miss or repeat one of them (the client refetches by cursor anyway).
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

static char	**strv_copy(const char *const *, size_t, size_t *);
static void	strv_free(char **, size_t);
static void	replay_free(struct sio_nsp *, struct sio_replay *);
static int	strv_has(char **, size_t, struct sio_room_owner *);
static int	saved_in_any(const struct sio_saved *, const char *const *,
		    size_t);

/* Store one emit (copies everything) and trim the buffer. */
void
sio_recover_record(struct sio_nsp *nsp, const char *offset, const char *event,
    const char *const *rooms, size_t nrooms, const char *const *except,
    size_t nexcept, const char *args, size_t args_len,
    const struct sio_bin *bins, size_t nbins)
{
	struct sio_replay	*r, *old;
	u_int8_t		*copy;
	size_t			i, bytes;
	u_int64_t		now;

	now = kore_time_ms();
	r = kore_calloc(1, sizeof(*r));
	r->at = now;
	r->offset = kore_strdup(offset);
	r->event = kore_strdup(event);
	bytes = sizeof(*r) + strlen(offset) + strlen(event) + args_len;
	r->rooms = strv_copy(rooms, nrooms, &bytes);
	r->nrooms = nrooms;
	r->except = strv_copy(except, nexcept, &bytes);
	r->nexcept = nexcept;
	if (args_len > 0) {
		r->args = kore_malloc(args_len + 1);
		memcpy(r->args, args, args_len);
		r->args[args_len] = '\0';
		r->args_len = args_len;
	}
	for (i = 0; i < nbins && i < SIO_MAX_ATTACHMENTS; i++) {
		copy = kore_malloc(bins[i].len == 0 ? 1 : bins[i].len);
		if (bins[i].len > 0)
			memcpy(copy, bins[i].data, bins[i].len);
		r->bins[i].data = copy;
		r->bins[i].len = bins[i].len;
		bytes += bins[i].len;
	}
	r->nbins = i;
	r->bytes = bytes;

	TAILQ_INSERT_TAIL(&nsp->replay, r, list);
	nsp->replay_count++;
	nsp->replay_bytes += bytes;

	while ((old = TAILQ_FIRST(&nsp->replay)) != NULL && old != r &&
	    (nsp->replay_count > SIO_REPLAY_MAX_PACKETS ||
	    nsp->replay_bytes > SIO_REPLAY_MAX_BYTES ||
	    old->at + nsp->srv->recovery < now))
		replay_free(nsp, old);
}

/* The stored emit whose offset is offset, or NULL (expired, unknown). */
struct sio_replay *
sio_recover_find(struct sio_nsp *nsp, const char *offset)
{
	struct sio_replay	*r;

	/* Recent offsets are the likely ones: search from the end. */
	TAILQ_FOREACH_REVERSE(r, &nsp->replay, sio_replay_head, list) {
		if (strcmp(r->offset, offset) == 0)
			return (r);
	}
	return (NULL);
}

/* 1 if a stored emit would have reached a socket in rooms own. */
int
sio_recover_matches(const struct sio_replay *r, struct sio_room_owner *own)
{
	if (r->nexcept > 0 && strv_has(r->except, r->nexcept, own))
		return (0);
	if (r->nrooms == 0)
		return (1);
	return (strv_has(r->rooms, r->nrooms, own));
}

/* Remember a recoverable session until the recovery window ends. */
void
sio_recover_save(struct sio_nsp *nsp, const char *sid, const char *pid,
    const char *const *rooms, size_t nrooms)
{
	struct sio_saved	*sv;
	size_t			bytes;

	sio_recover_drop(nsp, pid);
	/* Bounded: under a reconnect storm the oldest sessions go first. */
	while (nsp->nsaved >= SIO_SAVED_MAX &&
	    (sv = TAILQ_FIRST(&nsp->saved)) != NULL) {
		TAILQ_REMOVE(&nsp->saved, sv, list);
		nsp->nsaved--;
		sio_recover_saved_free(sv);
	}
	sv = kore_calloc(1, sizeof(*sv));
	(void)kore_strlcpy(sv->sid, sid, sizeof(sv->sid));
	(void)kore_strlcpy(sv->pid, pid, sizeof(sv->pid));
	sv->expires = kore_time_ms() + nsp->srv->recovery;
	bytes = 0;
	sv->rooms = strv_copy(rooms, nrooms, &bytes);
	sv->nrooms = nrooms;
	TAILQ_INSERT_TAIL(&nsp->saved, sv, list);
	nsp->nsaved++;
}

/*
 * Take the saved session of pid out of the store (the caller frees it
 * with sio_recover_saved_free); NULL when unknown or expired.
 */
struct sio_saved *
sio_recover_take(struct sio_nsp *nsp, const char *pid)
{
	struct sio_saved	*sv;

	TAILQ_FOREACH(sv, &nsp->saved, list) {
		if (strcmp(sv->pid, pid) == 0)
			break;
	}
	if (sv == NULL)
		return (NULL);
	TAILQ_REMOVE(&nsp->saved, sv, list);
	nsp->nsaved--;
	if (sv->expires < kore_time_ms()) {
		sio_recover_saved_free(sv);
		return (NULL);
	}
	return (sv);
}

/* Free a saved session taken with sio_recover_take(). */
void
sio_recover_saved_free(struct sio_saved *sv)
{
	strv_free(sv->rooms, sv->nrooms);
	kore_free(sv);
}

/* Forget the saved session of pid (recovered on another worker). */
void
sio_recover_drop(struct sio_nsp *nsp, const char *pid)
{
	struct sio_saved	*sv;

	if ((sv = sio_recover_take(nsp, pid)) != NULL)
		sio_recover_saved_free(sv);
}

/* Drop expired packets and sessions (the server's purge timer). */
void
sio_recover_purge(struct sio_nsp *nsp, u_int64_t now)
{
	struct sio_replay	*r;
	struct sio_saved	*sv;

	while ((r = TAILQ_FIRST(&nsp->replay)) != NULL &&
	    r->at + nsp->srv->recovery < now)
		replay_free(nsp, r);
	while ((sv = TAILQ_FIRST(&nsp->saved)) != NULL && sv->expires < now) {
		TAILQ_REMOVE(&nsp->saved, sv, list);
		nsp->nsaved--;
		sio_recover_saved_free(sv);
	}
}

/*
 * Apply an adapter-wide room operation (sio_nsp_rooms_join/leave/
 * disconnect, on every worker) to the saved sessions it selects, as it
 * applies to connected sockets: a member removed from a room while its
 * transport was down must not get that room's packets replayed when it
 * recovers, and a disconnected one must not recover at all.
 */
void
sio_recover_rooms_op(struct sio_nsp *nsp, int kind, const char *const *rooms,
    size_t nrooms, const char *const *except, size_t nexcept,
    const char *room)
{
	struct sio_saved	*sv, *next;
	char			**v;
	size_t			 i;

	for (sv = TAILQ_FIRST(&nsp->saved); sv != NULL; sv = next) {
		next = TAILQ_NEXT(sv, list);
		if (nrooms > 0 && !saved_in_any(sv, rooms, nrooms))
			continue;
		if (nexcept > 0 && saved_in_any(sv, except, nexcept))
			continue;

		switch (kind) {
		case BUS_KIND_ROOMS_JOIN:
			if (saved_in_any(sv, &room, 1))
				break;
			v = kore_calloc(sv->nrooms + 1, sizeof(*v));
			for (i = 0; i < sv->nrooms; i++)
				v[i] = sv->rooms[i];
			v[sv->nrooms++] = kore_strdup(room);
			kore_free(sv->rooms);
			sv->rooms = v;
			break;
		case BUS_KIND_ROOMS_LEAVE:
			for (i = 0; i < sv->nrooms; i++) {
				if (strcmp(sv->rooms[i], room) != 0)
					continue;
				kore_free(sv->rooms[i]);
				sv->rooms[i] = sv->rooms[--sv->nrooms];
				break;
			}
			break;
		case BUS_KIND_ROOMS_DISC:
			TAILQ_REMOVE(&nsp->saved, sv, list);
			nsp->nsaved--;
			sio_recover_saved_free(sv);
			break;
		}
	}
}

/* 1 if the saved session was in one of rooms[0..n). */
static int
saved_in_any(const struct sio_saved *sv, const char *const *rooms, size_t n)
{
	size_t		i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < sv->nrooms; k++) {
			if (strcmp(sv->rooms[k], rooms[i]) == 0)
				return (1);
		}
	}
	return (0);
}

static void
replay_free(struct sio_nsp *nsp, struct sio_replay *r)
{
	union {
		const u_int8_t	*c;
		void		*v;
	} u;
	size_t		i;

	TAILQ_REMOVE(&nsp->replay, r, list);
	nsp->replay_count--;
	nsp->replay_bytes -= r->bytes;
	for (i = 0; i < r->nbins; i++) {
		u.c = r->bins[i].data;
		kore_free(u.v);
	}
	strv_free(r->rooms, r->nrooms);
	strv_free(r->except, r->nexcept);
	kore_free(r->args);
	kore_free(r->offset);
	kore_free(r->event);
	kore_free(r);
}

static int
strv_has(char **v, size_t n, struct sio_room_owner *own)
{
	size_t		i;

	for (i = 0; i < n; i++) {
		if (sio_room_has(own, v[i]))
			return (1);
	}
	return (0);
}

static char **
strv_copy(const char *const *v, size_t n, size_t *bytes)
{
	char		**out;
	size_t		i;

	if (n == 0)
		return (NULL);
	out = kore_calloc(n, sizeof(*out));
	for (i = 0; i < n; i++) {
		out[i] = kore_strdup(v[i]);
		*bytes += strlen(v[i]) + 1 + sizeof(char *);
	}
	return (out);
}

static void
strv_free(char **v, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		kore_free(v[i]);
	kore_free(v);
}
