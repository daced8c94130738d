/* tests/unit/test_util_misc.c: ids, tokens, time and query strings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "util/util.h"

static void
test_uuid_valid(void **state)
{
	assert_true(util_uuid_valid("0b9a8e2c-4f1d-4c52-9a57-1e1f2a3b4c5d"));
	assert_true(util_uuid_valid("0B9A8E2C-4F1D-4C52-9A57-1E1F2A3B4C5D"));
	assert_false(util_uuid_valid(""));
	assert_false(util_uuid_valid("0b9a8e2c4f1d4c529a571e1f2a3b4c5d"));
	assert_false(util_uuid_valid("0b9a8e2c-4f1d-4c52-9a57-1e1f2a3b4c5d0"));
	assert_false(util_uuid_valid("0b9a8e2c-4f1d-4c52-9a57-1e1f2a3b4c5"));
	assert_false(util_uuid_valid("0b9a8e2g-4f1d-4c52-9a57-1e1f2a3b4c5d"));
	assert_false(util_uuid_valid("'; DROP TABLE messages; --"));
}

static void
test_token_is_base64url_and_unique(void **state)
{
	char	a[UTIL_TOKEN_LEN + 1], b[UTIL_TOKEN_LEN + 1];
	size_t	i;

	assert_int_equal(util_token_new(a, sizeof(a)), KORE_RESULT_OK);
	assert_int_equal(util_token_new(b, sizeof(b)), KORE_RESULT_OK);
	assert_int_equal(strlen(a), UTIL_TOKEN_LEN);
	assert_string_not_equal(a, b);
	for (i = 0; i < UTIL_TOKEN_LEN; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
	assert_int_equal(util_token_new(a, UTIL_TOKEN_LEN), KORE_RESULT_ERROR);
}

static void
test_sha256_hex_known_answer(void **state)
{
	char	out[UTIL_SHA256_HEXLEN + 1];

	util_sha256_hex("abc", 3, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}

static void
test_time_iso8601(void **state)
{
	char	out[UTIL_ISO8601_LEN + 1];

	util_time_iso8601(1795636147123ULL, out, sizeof(out));
	assert_string_equal(out, "2026-11-25T19:49:07.123Z");
	util_time_iso8601(0, out, sizeof(out));
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	util_time_iso8601(0, out, 10);
	assert_string_equal(out, "");
}

static void
test_qs_get_finds_and_decodes(void **state)
{
	char	v[64];

	assert_int_equal(util_qs_get("a=1&channelId=abc%2Dd&x", "channelId",
	    v, sizeof(v)), UTIL_QS_FOUND);
	assert_string_equal(v, "abc-d");
	assert_int_equal(util_qs_get("q=a+b%20c", "q", v, sizeof(v)),
	    UTIL_QS_FOUND);
	assert_string_equal(v, "a b c");
	assert_int_equal(util_qs_get("cursor=&x=1", "cursor", v, sizeof(v)),
	    UTIL_QS_MISSING);
	assert_int_equal(util_qs_get("cursor", "cursor", v, sizeof(v)),
	    UTIL_QS_MISSING);
	assert_int_equal(util_qs_get("xcursor=1", "cursor", v, sizeof(v)),
	    UTIL_QS_MISSING);
	assert_int_equal(util_qs_get(NULL, "cursor", v, sizeof(v)),
	    UTIL_QS_MISSING);
	assert_int_equal(util_qs_get("a=1&a=2", "a", v, sizeof(v)),
	    UTIL_QS_FOUND);
	assert_string_equal(v, "1");
}

static void
test_qs_get_rejects_bad_escapes_and_overflow(void **state)
{
	char	v[8];

	assert_int_equal(util_qs_get("a=%zz", "a", v, sizeof(v)),
	    UTIL_QS_INVALID);
	assert_int_equal(util_qs_get("a=%4", "a", v, sizeof(v)),
	    UTIL_QS_INVALID);
	assert_int_equal(util_qs_get("a=%00", "a", v, sizeof(v)),
	    UTIL_QS_INVALID);
	assert_int_equal(util_qs_get("a=123456789", "a", v, sizeof(v)),
	    UTIL_QS_INVALID);
	assert_int_equal(util_qs_get("a=1234567", "a", v, sizeof(v)),
	    UTIL_QS_FOUND);
}

static void
test_qs_get_many_parameters(void **state)
{
	char	qs[16000], v[16];
	size_t	off;
	int	i;

	off = 0;
	for (i = 0; i < 1000; i++)
		off += (size_t)snprintf(qs + off, sizeof(qs) - off, "p%d=%d&",
		    i, i);
	(void)snprintf(qs + off, sizeof(qs) - off, "last=yes");
	assert_int_equal(util_qs_get(qs, "p999", v, sizeof(v)), UTIL_QS_FOUND);
	assert_string_equal(v, "999");
	assert_int_equal(util_qs_get(qs, "last", v, sizeof(v)), UTIL_QS_FOUND);
	assert_string_equal(v, "yes");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid_valid),
		cmocka_unit_test(test_token_is_base64url_and_unique),
		cmocka_unit_test(test_sha256_hex_known_answer),
		cmocka_unit_test(test_time_iso8601),
		cmocka_unit_test(test_qs_get_finds_and_decodes),
		cmocka_unit_test(test_qs_get_rejects_bad_escapes_and_overflow),
		cmocka_unit_test(test_qs_get_many_parameters),
	};

	return (cmocka_run_group_tests_name("util_misc", tests, NULL, NULL));
}
