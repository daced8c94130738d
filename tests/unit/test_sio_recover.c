/*
 * tests/unit/test_sio_recover.c: the connection-state recovery store
 * (src/sio/sio_recover.c): replay buffer (lookup by offset, room/except
 * matching, trimming by window, count and bytes) and saved sessions
 * (save, take, drop, expiry, purge). sio_recover.c and sio_room.c are
 * included here with a fake clock: they only need the allocator.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#define SIO_INTERNAL
#include "sio/sio.h"

static u_int64_t	fake_now = 1000000;

u_int64_t
kore_time_ms(void)
{
	return (fake_now);
}

#include "../../src/sio/sio_room.c"
#include "../../src/sio/sio_recover.c"

static struct sio_server	srv;
static struct sio_nsp		nsp;

static int
setup(void **state)
{
	(void)state;
	memset(&srv, 0, sizeof(srv));
	memset(&nsp, 0, sizeof(nsp));
	srv.recovery = 120000;
	nsp.srv = &srv;
	nsp.name = "/";
	TAILQ_INIT(&nsp.replay);
	TAILQ_INIT(&nsp.saved);
	sio_room_index_init(&nsp.rooms);
	fake_now = 1000000;
	return (0);
}

static int
teardown(void **state)
{
	struct sio_replay	*r;
	struct sio_saved	*sv;

	(void)state;
	while ((r = TAILQ_FIRST(&nsp.replay)) != NULL)
		replay_free(&nsp, r);
	while ((sv = TAILQ_FIRST(&nsp.saved)) != NULL) {
		TAILQ_REMOVE(&nsp.saved, sv, list);
		sio_recover_saved_free(sv);
	}
	sio_room_index_cleanup(&nsp.rooms);
	return (0);
}

static void
record(const char *offset, const char *const *rooms, size_t nrooms,
    const char *const *except, size_t nexcept, const char *args)
{
	sio_recover_record(&nsp, offset, "ev", rooms, nrooms, except, nexcept,
	    args, args != NULL ? strlen(args) : 0, NULL, 0);
}

static void
test_replay_find_and_order(void **state)
{
	struct sio_replay	*r;
	struct sio_bin		bin;
	const u_int8_t		bytes[] = { 1, 2, 3 };

	(void)state;
	record("o1", NULL, 0, NULL, 0, "1");
	bin.data = bytes;
	bin.len = sizeof(bytes);
	sio_recover_record(&nsp, "o2", "bin", NULL, 0, NULL, 0,
	    "{\"_placeholder\":true,\"num\":0}", 29, &bin, 1);
	record("o3", NULL, 0, NULL, 0, NULL);
	assert_int_equal(nsp.replay_count, 3);

	r = sio_recover_find(&nsp, "o1");
	assert_non_null(r);
	assert_string_equal(r->args, "1");
	r = TAILQ_NEXT(r, list);
	assert_string_equal(r->offset, "o2");
	assert_string_equal(r->event, "bin");
	assert_int_equal(r->nbins, 1);
	assert_memory_equal(r->bins[0].data, bytes, 3);
	assert_ptr_not_equal(r->bins[0].data, bytes);	/* a copy */
	r = TAILQ_NEXT(r, list);
	assert_string_equal(r->offset, "o3");
	assert_null(r->args);
	assert_null(TAILQ_NEXT(r, list));
	assert_null(sio_recover_find(&nsp, "nope"));
}

static void
test_replay_matches_rooms(void **state)
{
	struct sio_room_owner	own;
	struct sio_replay	*all, *r1, *r1x2, *x2;
	const char		*rooms1[] = { "r1" };
	const char		*rooms13[] = { "r3", "r1" };
	const char		*ex2[] = { "r2" };
	char			sock;

	(void)state;
	sio_room_owner_init(&own);
	record("all", NULL, 0, NULL, 0, NULL);
	record("r1", rooms1, 1, NULL, 0, NULL);
	record("r1x2", rooms13, 2, ex2, 1, NULL);
	record("x2", NULL, 0, ex2, 1, NULL);
	all = sio_recover_find(&nsp, "all");
	r1 = sio_recover_find(&nsp, "r1");
	r1x2 = sio_recover_find(&nsp, "r1x2");
	x2 = sio_recover_find(&nsp, "x2");

	/* In no room: only the emits to everyone. */
	assert_true(sio_recover_matches(all, &own));
	assert_false(sio_recover_matches(r1, &own));
	assert_false(sio_recover_matches(r1x2, &own));
	assert_true(sio_recover_matches(x2, &own));

	assert_int_equal(sio_room_add(&nsp.rooms, &own,
	    (struct sio_socket *)(void *)&sock, "r1"), KORE_RESULT_OK);
	assert_true(sio_recover_matches(r1, &own));
	assert_true(sio_recover_matches(r1x2, &own));

	assert_int_equal(sio_room_add(&nsp.rooms, &own,
	    (struct sio_socket *)(void *)&sock, "r2"), KORE_RESULT_OK);
	assert_true(sio_recover_matches(all, &own));
	assert_true(sio_recover_matches(r1, &own));
	assert_false(sio_recover_matches(r1x2, &own));
	assert_false(sio_recover_matches(x2, &own));
	sio_room_del_all(&nsp.rooms, &own);
}

static void
test_replay_trims_by_window(void **state)
{
	(void)state;
	record("old", NULL, 0, NULL, 0, NULL);
	fake_now += 60000;
	record("mid", NULL, 0, NULL, 0, NULL);
	fake_now += 60001;
	/* "old" is now older than the 120 s window: dropped on insert. */
	record("new", NULL, 0, NULL, 0, NULL);
	assert_null(sio_recover_find(&nsp, "old"));
	assert_non_null(sio_recover_find(&nsp, "mid"));
	assert_int_equal(nsp.replay_count, 2);
	/* The purge timer drops what expired since. */
	sio_recover_purge(&nsp, fake_now + 60000);
	assert_null(sio_recover_find(&nsp, "mid"));
	assert_non_null(sio_recover_find(&nsp, "new"));
	sio_recover_purge(&nsp, fake_now + 120001);
	assert_int_equal(nsp.replay_count, 0);
	assert_int_equal(nsp.replay_bytes, 0);
}

static void
test_replay_trims_by_count_and_bytes(void **state)
{
	char		off[32], *big;
	size_t		i;

	(void)state;
	for (i = 0; i < SIO_REPLAY_MAX_PACKETS + 5; i++) {
		(void)snprintf(off, sizeof(off), "o%zu", i);
		record(off, NULL, 0, NULL, 0, "1");
	}
	assert_int_equal(nsp.replay_count, SIO_REPLAY_MAX_PACKETS);
	assert_null(sio_recover_find(&nsp, "o4"));
	assert_non_null(sio_recover_find(&nsp, "o5"));

	big = kore_malloc(1024 * 1024 + 1);
	memset(big, 'x', 1024 * 1024);
	big[1024 * 1024] = '\0';
	for (i = 0; i < 40; i++) {
		(void)snprintf(off, sizeof(off), "big%zu", i);
		record(off, NULL, 0, NULL, 0, big);
	}
	kore_free(big);
	assert_true(nsp.replay_bytes <= SIO_REPLAY_MAX_BYTES);
	assert_true(nsp.replay_count < 40);
	assert_null(sio_recover_find(&nsp, "big0"));
	assert_non_null(sio_recover_find(&nsp, "big39"));
}

static void
test_saved_sessions(void **state)
{
	struct sio_saved	*sv;
	const char		*rooms[] = { "SID1", "room" };

	(void)state;
	sio_recover_save(&nsp, "SID1", "PID1", rooms, 2);
	sio_recover_save(&nsp, "SID2", "PID2", NULL, 0);
	assert_int_equal(nsp.nsaved, 2);

	/* Saving the same pid again replaces it. */
	sio_recover_save(&nsp, "SID1", "PID1", rooms, 2);
	assert_int_equal(nsp.nsaved, 2);

	sv = sio_recover_take(&nsp, "PID1");
	assert_non_null(sv);
	assert_string_equal(sv->sid, "SID1");
	assert_int_equal(sv->nrooms, 2);
	assert_string_equal(sv->rooms[1], "room");
	sio_recover_saved_free(sv);
	/* Taken once only. */
	assert_null(sio_recover_take(&nsp, "PID1"));
	assert_int_equal(nsp.nsaved, 1);

	/* Dropped (recovered on another worker). */
	sio_recover_drop(&nsp, "PID2");
	assert_null(sio_recover_take(&nsp, "PID2"));
	assert_int_equal(nsp.nsaved, 0);

	/* Expired: not taken, and purged. */
	sio_recover_save(&nsp, "SID3", "PID3", NULL, 0);
	sio_recover_save(&nsp, "SID4", "PID4", NULL, 0);
	fake_now += 120001;
	assert_null(sio_recover_take(&nsp, "PID3"));
	assert_int_equal(nsp.nsaved, 1);
	sio_recover_purge(&nsp, fake_now);
	assert_int_equal(nsp.nsaved, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replay_find_and_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_matches_rooms,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_trims_by_window,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_replay_trims_by_count_and_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_saved_sessions,
		    setup, teardown),
	};

	return (cmocka_run_group_tests_name("sio_recover", tests, NULL, NULL));
}
