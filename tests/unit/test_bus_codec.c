/*
 * tests/unit/test_bus_codec.c: the bus envelope codec (src/bus/bus_codec.c):
 * round trips of every kind, and every decoder error path.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <kore/kore.h>

#include "bus/bus.h"

static void
test_roundtrip_emit(void **state)
{
	struct bus_envelope	env, out;
	struct kore_buf		b;
	const char		*errstr;
	const u_int8_t		bin[] = { 0, 1, 2, 255 };

	(void)state;
	bus_envelope_init(&env, BUS_KIND_EMIT);
	env.flags = BUS_FLAG_RECOVERY;
	env.origin = 513;
	env.time = 0x0102030405060708ULL;
	env.srv = "/socket.io";
	env.nsp = "/";
	env.event = "chat:1:messages";
	env.offset = "abc.1.2";
	env.rooms[0] = "r1";
	env.rooms[1] = "";
	env.nrooms = 2;
	env.except[0] = "x";
	env.nexcept = 1;
	env.payload = (const u_int8_t *)"{\"id\":1},2";
	env.payload_len = 10;
	env.bins[0] = bin;
	env.bin_lens[0] = sizeof(bin);
	env.bins[1] = bin;
	env.bin_lens[1] = 0;
	env.nbins = 2;

	kore_buf_init(&b, 64);
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(bus_envelope_decode(&out, b.data, b.offset, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(out.kind, BUS_KIND_EMIT);
	assert_int_equal(out.flags, BUS_FLAG_RECOVERY);
	assert_int_equal(out.origin, 513);
	assert_true(out.time == 0x0102030405060708ULL);
	assert_string_equal(out.srv, "/socket.io");
	assert_string_equal(out.nsp, "/");
	assert_string_equal(out.event, "chat:1:messages");
	assert_string_equal(out.offset, "abc.1.2");
	assert_int_equal(out.nrooms, 2);
	assert_string_equal(out.rooms[0], "r1");
	assert_string_equal(out.rooms[1], "");
	assert_int_equal(out.nexcept, 1);
	assert_string_equal(out.except[0], "x");
	assert_int_equal(out.payload_len, 10);
	assert_memory_equal(out.payload, "{\"id\":1},2", 10);
	assert_int_equal(out.nbins, 2);
	assert_int_equal(out.bin_lens[0], 4);
	assert_memory_equal(out.bins[0], bin, 4);
	assert_int_equal(out.bin_lens[1], 0);
	assert_null(out.room);
	assert_null(out.sid);
	assert_null(out.pid);
	kore_buf_cleanup(&b);
}

static void
test_roundtrip_other_kinds(void **state)
{
	struct bus_envelope	env, out;
	struct kore_buf		b;
	const char		*errstr;

	(void)state;
	kore_buf_init(&b, 64);

	bus_envelope_init(&env, BUS_KIND_ROOMS_JOIN);
	env.srv = "/s";
	env.nsp = "/";
	env.room = "profile:1";
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(bus_envelope_decode(&out, b.data, b.offset, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(out.kind, BUS_KIND_ROOMS_JOIN);
	assert_string_equal(out.room, "profile:1");
	assert_int_equal(out.nrooms, 0);
	kore_buf_reset(&b);

	bus_envelope_init(&env, BUS_KIND_ROOMS_DISC);
	env.flags = BUS_FLAG_CLOSE;
	env.srv = "/s";
	env.nsp = "/n";
	env.rooms[0] = "sel";
	env.nrooms = 1;
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(bus_envelope_decode(&out, b.data, b.offset, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(out.flags, BUS_FLAG_CLOSE);
	assert_string_equal(out.rooms[0], "sel");
	kore_buf_reset(&b);

	bus_envelope_init(&env, BUS_KIND_SESSION_SAVE);
	env.srv = "/s";
	env.nsp = "/";
	env.sid = "SID";
	env.pid = "PID";
	env.rooms[0] = "SID";
	env.rooms[1] = "room";
	env.nrooms = 2;
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(bus_envelope_decode(&out, b.data, b.offset, &errstr),
	    KORE_RESULT_OK);
	assert_string_equal(out.sid, "SID");
	assert_string_equal(out.pid, "PID");
	assert_int_equal(out.nrooms, 2);
	kore_buf_reset(&b);

	bus_envelope_init(&env, BUS_KIND_SESSION_DROP);
	env.srv = "/s";
	env.pid = "PID";
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(bus_envelope_decode(&out, b.data, b.offset, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(out.kind, BUS_KIND_SESSION_DROP);
	kore_buf_cleanup(&b);
}

static void
test_encode_rejects(void **state)
{
	struct bus_envelope	env;
	struct kore_buf		b;
	const char		*errstr;

	(void)state;
	kore_buf_init(&b, 64);
	bus_envelope_init(&env, 0);
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_ERROR);
	assert_string_equal(errstr, "unknown kind");
	bus_envelope_init(&env, BUS_KIND_MAX + 1);
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_ERROR);

	bus_envelope_init(&env, BUS_KIND_EMIT);
	env.srv = "/s";
	env.nsp = "/";
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_ERROR);
	assert_string_equal(errstr, "missing field");

	env.event = "e";
	env.nrooms = BUS_ROOMS_MAX + 1;
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_ERROR);
	assert_string_equal(errstr, "too many entries");
	env.nrooms = 0;
	env.nbins = BUS_BINS_MAX + 1;
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_ERROR);
	env.nbins = 0;
	env.payload = (const u_int8_t *)"x";
	env.payload_len = (size_t)BUS_FIELD_MAX + 1;
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_ERROR);
	assert_string_equal(errstr, "field too large");
	env.payload_len = 0;
	env.nbins = 1;
	env.bins[0] = (const u_int8_t *)"x";
	env.bin_lens[0] = (size_t)BUS_FIELD_MAX + 1;
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_ERROR);
	assert_string_equal(errstr, "field too large");

	bus_envelope_init(&env, BUS_KIND_ROOMS_LEAVE);
	env.srv = "/s";
	env.nsp = "/";
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_ERROR);
	bus_envelope_init(&env, BUS_KIND_ROOMS_DISC);
	env.srv = "/s";
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_ERROR);
	bus_envelope_init(&env, BUS_KIND_SESSION_SAVE);
	env.srv = "/s";
	env.nsp = "/";
	env.sid = "s";
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_ERROR);
	bus_envelope_init(&env, BUS_KIND_SESSION_DROP);
	env.srv = "/s";
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_ERROR);
	assert_int_equal(b.offset, 0);
	kore_buf_cleanup(&b);
}

/* A valid ROOMS_JOIN message, then corrupted copies of it. */
static size_t
valid_join(u_int8_t *out)
{
	struct bus_envelope	env;
	struct kore_buf		b;
	const char		*errstr;
	size_t			len;

	bus_envelope_init(&env, BUS_KIND_ROOMS_JOIN);
	env.srv = "/s";
	env.nsp = "/";
	env.room = "r";
	kore_buf_init(&b, 64);
	assert_int_equal(bus_envelope_encode(&b, &env, &errstr),
	    KORE_RESULT_OK);
	len = b.offset;
	memcpy(out, b.data, len);
	kore_buf_cleanup(&b);
	return (len);
}

static void
expect_decode_error(const u_int8_t *data, size_t len, const char *want)
{
	struct bus_envelope	out;
	const char		*errstr = NULL;

	assert_int_equal(bus_envelope_decode(&out, data, len, &errstr),
	    KORE_RESULT_ERROR);
	assert_string_equal(errstr, want);
}

static void
test_decode_errors(void **state)
{
	u_int8_t	m[256], c[256];
	size_t		len;

	(void)state;
	len = valid_join(m);
	/* fields: srv @16 (5+3), nsp @24 (5+2), room @31 (5+2) */
	assert_int_equal(len, 38);

	expect_decode_error(m, 0, "not a bus envelope");
	expect_decode_error(m, BUS_HEADER_LEN - 1, "not a bus envelope");
	memcpy(c, m, len);
	c[0] = 'X';
	expect_decode_error(c, len, "not a bus envelope");
	memcpy(c, m, len);
	c[2] = 9;
	expect_decode_error(c, len, "unsupported version");
	memcpy(c, m, len);
	c[3] = 0;
	expect_decode_error(c, len, "unknown kind");
	c[3] = BUS_KIND_MAX + 1;
	expect_decode_error(c, len, "unknown kind");

	/* Truncations. */
	expect_decode_error(m, len - 1, "truncated field");
	expect_decode_error(m, 16 + 3, "truncated field header");

	/* Header only: the fields the kind needs are missing. */
	expect_decode_error(m, BUS_HEADER_LEN, "missing field");
	/* Without the room field. */
	expect_decode_error(m, 31, "missing field");

	/* A string without its NUL, or with one inside. */
	memcpy(c, m, len);
	c[16 + 5 + 2] = 'x';
	expect_decode_error(c, len, "invalid string field");
	memcpy(c, m, len);
	c[16 + 5 + 1] = '\0';
	expect_decode_error(c, len, "invalid string field");
	/* An empty string field (length 0). */
	memcpy(c, m, 16);
	memcpy(c + 16, "\x01\0\0\0\0", 5);
	expect_decode_error(c, 21, "invalid string field");

	/* Unknown and repeated tags. */
	memcpy(c, m, len);
	c[16] = 99;
	expect_decode_error(c, len, "unknown field");
	memcpy(c, m, len);
	memcpy(c + len, m + 16, 8);
	expect_decode_error(c, len + 8, "repeated field");
	memcpy(c, m, len);
	memcpy(c + len, "\x09\0\0\0\0\x09\0\0\0\0", 10);
	expect_decode_error(c, len + 10, "repeated field");
}

static void
test_decode_count_limits(void **state)
{
	struct bus_envelope	out;
	struct kore_buf		b;
	const char		*errstr;
	u_int8_t		m[256];
	size_t			len, i;

	(void)state;
	len = valid_join(m);
	kore_buf_init(&b, 64);
	kore_buf_append(&b, m, len);
	for (i = 0; i < BUS_ROOMS_MAX; i++)
		kore_buf_append(&b, "\x07\0\0\0\x01\0", 6);
	assert_int_equal(bus_envelope_decode(&out, b.data, b.offset, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(out.nrooms, BUS_ROOMS_MAX);
	kore_buf_append(&b, "\x07\0\0\0\x01\0", 6);
	expect_decode_error(b.data, b.offset, "too many entries");
	kore_buf_reset(&b);

	kore_buf_append(&b, m, len);
	for (i = 0; i <= BUS_ROOMS_MAX; i++)
		kore_buf_append(&b, "\x08\0\0\0\x01\0", 6);
	expect_decode_error(b.data, b.offset, "too many entries");
	kore_buf_reset(&b);

	kore_buf_append(&b, m, len);
	for (i = 0; i < BUS_BINS_MAX; i++)
		kore_buf_append(&b, "\x0a\0\0\0\0", 5);
	assert_int_equal(bus_envelope_decode(&out, b.data, b.offset, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(out.nbins, BUS_BINS_MAX);
	kore_buf_append(&b, "\x0a\0\0\0\0", 5);
	expect_decode_error(b.data, b.offset, "too many entries");
	kore_buf_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_emit),
		cmocka_unit_test(test_roundtrip_other_kinds),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_decode_count_limits),
	};

	return (cmocka_run_group_tests_name("bus_codec", tests, NULL, NULL));
}
