/*
 * src/sio/sio_room.c: the two-way room index of one namespace on one
 * worker (pure: only the allocator).
 *
 * room -> sockets: a chained hash table of rooms, each with its member
 * list; socket -> rooms: the member list embedded in the socket (struct
 * sio_room_owner). One struct sio_member sits in both lists, so joining,
 * leaving and leave-all on disconnect are O(1) per membership (plus the
 * owner's list scan to find a membership by name, bounded by
 * SIO_SOCKET_ROOMS_MAX). A room is freed with its last member.
 * Unit-tested in tests/unit/test_sio_room.c.
 */

#include <sys/types.h>

#include <string.h>

#include <kore/kore.h>

#include "sio/sio.h"

#define ROOM_BUCKETS_MIN	64

static u_int32_t	room_hash(const char *);
static void		room_grow(struct sio_room_index *);
static void		room_unlink(struct sio_room_index *, struct sio_room *);
static struct sio_member *owner_find(struct sio_room_owner *, const char *);
static void		member_free(struct sio_room_index *,
			    struct sio_room_owner *, struct sio_member *);

/* Prepare an empty index. */
void
sio_room_index_init(struct sio_room_index *idx)
{
	idx->nbuckets = ROOM_BUCKETS_MIN;
	idx->buckets = kore_calloc(idx->nbuckets, sizeof(*idx->buckets));
	idx->nrooms = 0;
}

/*
 * Free the table. Every owner must have left all rooms before (the index
 * does not own the members' sockets); leftover rooms are freed anyway.
 */
void
sio_room_index_cleanup(struct sio_room_index *idx)
{
	struct sio_room		*r, *next;
	struct sio_member	*m;
	size_t			i;

	for (i = 0; i < idx->nbuckets; i++) {
		for (r = idx->buckets[i]; r != NULL; r = next) {
			next = r->next;
			while ((m = TAILQ_FIRST(&r->members)) != NULL) {
				TAILQ_REMOVE(&r->members, m, room_list);
				kore_free(m);
			}
			kore_free(r->name);
			kore_free(r);
		}
	}
	kore_free(idx->buckets);
	idx->buckets = NULL;
	idx->nbuckets = 0;
	idx->nrooms = 0;
}

/* Prepare a socket's (empty) membership list. */
void
sio_room_owner_init(struct sio_room_owner *own)
{
	TAILQ_INIT(&own->rooms);
	own->nrooms = 0;
	own->mark = 0;
}

/* The room called name, or NULL when nobody is in it. */
struct sio_room *
sio_room_find(struct sio_room_index *idx, const char *name)
{
	struct sio_room		*r;
	u_int32_t		h;

	h = room_hash(name);
	for (r = idx->buckets[h & (idx->nbuckets - 1)]; r != NULL;
	    r = r->next) {
		if (r->hash == h && strcmp(r->name, name) == 0)
			return (r);
	}
	return (NULL);
}

/*
 * Put the owner (whose socket is sock) in room name, creating the room.
 * Joining a room twice is a no-op. Fails only when the owner is already
 * in SIO_SOCKET_ROOMS_MAX rooms.
 */
int
sio_room_add(struct sio_room_index *idx, struct sio_room_owner *own,
    struct sio_socket *sock, const char *name)
{
	struct sio_room		*r;
	struct sio_member	*m;
	u_int32_t		slot;

	if (owner_find(own, name) != NULL)
		return (KORE_RESULT_OK);
	if (own->nrooms >= SIO_SOCKET_ROOMS_MAX)
		return (KORE_RESULT_ERROR);

	if ((r = sio_room_find(idx, name)) == NULL) {
		if (idx->nrooms >= idx->nbuckets)
			room_grow(idx);
		r = kore_calloc(1, sizeof(*r));
		r->name = kore_strdup(name);
		r->hash = room_hash(name);
		TAILQ_INIT(&r->members);
		slot = r->hash & (idx->nbuckets - 1);
		r->next = idx->buckets[slot];
		idx->buckets[slot] = r;
		idx->nrooms++;
	}

	m = kore_calloc(1, sizeof(*m));
	m->room = r;
	m->socket = sock;
	TAILQ_INSERT_TAIL(&r->members, m, room_list);
	TAILQ_INSERT_TAIL(&own->rooms, m, sock_list);
	r->count++;
	own->nrooms++;

	return (KORE_RESULT_OK);
}

/* Take the owner out of room name; KORE_RESULT_ERROR if it was not in. */
int
sio_room_del(struct sio_room_index *idx, struct sio_room_owner *own,
    const char *name)
{
	struct sio_member	*m;

	if ((m = owner_find(own, name)) == NULL)
		return (KORE_RESULT_ERROR);
	member_free(idx, own, m);
	return (KORE_RESULT_OK);
}

/* Take the owner out of every room (disconnect). */
void
sio_room_del_all(struct sio_room_index *idx, struct sio_room_owner *own)
{
	struct sio_member	*m;

	while ((m = TAILQ_FIRST(&own->rooms)) != NULL)
		member_free(idx, own, m);
}

/* Return 1 if the owner is in room name. */
int
sio_room_has(struct sio_room_owner *own, const char *name)
{
	return (owner_find(own, name) != NULL);
}

static struct sio_member *
owner_find(struct sio_room_owner *own, const char *name)
{
	struct sio_member	*m;

	TAILQ_FOREACH(m, &own->rooms, sock_list) {
		if (strcmp(m->room->name, name) == 0)
			return (m);
	}
	return (NULL);
}

static void
member_free(struct sio_room_index *idx, struct sio_room_owner *own,
    struct sio_member *m)
{
	struct sio_room		*r;

	r = m->room;
	TAILQ_REMOVE(&r->members, m, room_list);
	TAILQ_REMOVE(&own->rooms, m, sock_list);
	r->count--;
	own->nrooms--;
	kore_free(m);

	if (r->count == 0) {
		room_unlink(idx, r);
		kore_free(r->name);
		kore_free(r);
	}
}

static void
room_unlink(struct sio_room_index *idx, struct sio_room *r)
{
	struct sio_room		**pp;

	pp = &idx->buckets[r->hash & (idx->nbuckets - 1)];
	while (*pp != NULL) {
		if (*pp == r) {
			*pp = r->next;
			idx->nrooms--;
			return;
		}
		pp = &(*pp)->next;
	}
	fatal("sio_room: room '%s' not in its bucket", r->name);
}

/* Double the table (load factor 1). */
static void
room_grow(struct sio_room_index *idx)
{
	struct sio_room		**nb, *r, *next;
	size_t			i, n;

	n = idx->nbuckets * 2;
	nb = kore_calloc(n, sizeof(*nb));
	for (i = 0; i < idx->nbuckets; i++) {
		for (r = idx->buckets[i]; r != NULL; r = next) {
			next = r->next;
			r->next = nb[r->hash & (n - 1)];
			nb[r->hash & (n - 1)] = r;
		}
	}
	kore_free(idx->buckets);
	idx->buckets = nb;
	idx->nbuckets = n;
}

/* FNV-1a. */
static u_int32_t
room_hash(const char *s)
{
	u_int32_t	h;

	h = 2166136261U;
	while (*s != '\0') {
		h ^= (u_int8_t)*s++;
		h *= 16777619U;
	}
	return (h);
}
