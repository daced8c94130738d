/*
 * tests/unit/test_sio_room.c: the two-way room index (src/sio/sio_room.c,
 * pure; included here because kore.build links only *_packet.c and
 * *_codec.c into unit tests).
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>

#include "sio/sio.h"
#include "../../src/sio/sio_room.c"

/* Stand-ins for sockets: the index only stores the pointer. */
static char	sock_a, sock_b;

static size_t
members(struct sio_room_index *idx, const char *name)
{
	struct sio_room	*r;

	r = sio_room_find(idx, name);
	return (r == NULL ? 0 : r->count);
}

static void
test_join_leave_both_ways(void **state)
{
	struct sio_room_index	idx;
	struct sio_room_owner	a, b;
	struct sio_room		*r;
	struct sio_member	*m;

	(void)state;
	sio_room_index_init(&idx);
	sio_room_owner_init(&a);
	sio_room_owner_init(&b);

	assert_int_equal(sio_room_add(&idx, &a,
	    (struct sio_socket *)(void *)&sock_a, "r1"), KORE_RESULT_OK);
	assert_int_equal(sio_room_add(&idx, &a,
	    (struct sio_socket *)(void *)&sock_a, "r1"), KORE_RESULT_OK);
	assert_int_equal(sio_room_add(&idx, &a,
	    (struct sio_socket *)(void *)&sock_a, "r2"), KORE_RESULT_OK);
	assert_int_equal(sio_room_add(&idx, &b,
	    (struct sio_socket *)(void *)&sock_b, "r1"), KORE_RESULT_OK);

	assert_int_equal(idx.nrooms, 2);
	assert_int_equal(a.nrooms, 2);
	assert_int_equal(b.nrooms, 1);
	assert_int_equal(members(&idx, "r1"), 2);
	assert_int_equal(members(&idx, "r2"), 1);
	assert_int_equal(sio_room_has(&a, "r2"), 1);
	assert_int_equal(sio_room_has(&b, "r2"), 0);

	/* room -> sockets */
	r = sio_room_find(&idx, "r1");
	m = TAILQ_FIRST(&r->members);
	assert_ptr_equal(m->socket, &sock_a);
	m = TAILQ_NEXT(m, room_list);
	assert_ptr_equal(m->socket, &sock_b);

	assert_int_equal(sio_room_del(&idx, &a, "r1"), KORE_RESULT_OK);
	assert_int_equal(sio_room_del(&idx, &a, "r1"), KORE_RESULT_ERROR);
	assert_int_equal(members(&idx, "r1"), 1);

	/* The last member leaving frees the room. */
	assert_int_equal(sio_room_del(&idx, &b, "r1"), KORE_RESULT_OK);
	assert_null(sio_room_find(&idx, "r1"));
	assert_int_equal(idx.nrooms, 1);

	sio_room_del_all(&idx, &a);
	assert_int_equal(a.nrooms, 0);
	assert_int_equal(idx.nrooms, 0);
	assert_null(sio_room_find(&idx, "r2"));
	assert_null(sio_room_find(&idx, "nope"));
	sio_room_index_cleanup(&idx);
}

static void
test_many_rooms_grow_and_limit(void **state)
{
	struct sio_room_index	idx;
	struct sio_room_owner	a, b;
	char			name[32];
	int			i;

	(void)state;
	sio_room_index_init(&idx);
	sio_room_owner_init(&a);
	sio_room_owner_init(&b);
	for (i = 0; i < SIO_SOCKET_ROOMS_MAX; i++) {
		(void)snprintf(name, sizeof(name), "room:%d", i);
		assert_int_equal(sio_room_add(&idx, &a,
		    (struct sio_socket *)(void *)&sock_a, name),
		    KORE_RESULT_OK);
	}
	assert_true(idx.nbuckets >= SIO_SOCKET_ROOMS_MAX);
	assert_int_equal(sio_room_add(&idx, &a,
	    (struct sio_socket *)(void *)&sock_a, "one-too-many"),
	    KORE_RESULT_ERROR);
	/* Joining a room it is already in still succeeds at the limit. */
	assert_int_equal(sio_room_add(&idx, &a,
	    (struct sio_socket *)(void *)&sock_a, "room:7"), KORE_RESULT_OK);
	for (i = 0; i < SIO_SOCKET_ROOMS_MAX; i++) {
		(void)snprintf(name, sizeof(name), "room:%d", i);
		assert_non_null(sio_room_find(&idx, name));
	}
	assert_int_equal(sio_room_add(&idx, &b,
	    (struct sio_socket *)(void *)&sock_b, "room:500"), KORE_RESULT_OK);
	sio_room_del_all(&idx, &a);
	assert_int_equal(idx.nrooms, 1);
	assert_int_equal(members(&idx, "room:500"), 1);
	sio_room_del_all(&idx, &b);
	assert_int_equal(idx.nrooms, 0);
	sio_room_index_cleanup(&idx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_leave_both_ways),
		cmocka_unit_test(test_many_rooms_grow_and_limit),
	};

	return (cmocka_run_group_tests_name("sio_room", tests, NULL, NULL));
}
