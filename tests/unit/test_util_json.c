/* tests/unit/test_util_json.c: the escaping writer and the limited reader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "util/util.h"

static char *
render(const char *s, size_t len)
{
	struct kore_buf	buf;
	size_t		n;
	char		*out;

	kore_buf_init(&buf, 16);
	util_json_str(&buf, s, len);
	out = strdup(kore_buf_stringify(&buf, &n));
	kore_buf_cleanup(&buf);
	return (out);
}

static void
test_str_escapes_quotes_and_controls(void **state)
{
	char	*out;

	out = render("a\"b\\c\n\t\x01", 8);
	assert_string_equal(out, "\"a\\\"b\\\\c\\n\\t\\u0001\"");
	free(out);
}

static void
test_str_keeps_valid_utf8(void **state)
{
	char	*out;

	out = render("h\xc3\xa9llo \xf0\x9f\x98\x80", 11);
	assert_string_equal(out, "\"h\xc3\xa9llo \xf0\x9f\x98\x80\"");
	free(out);
}

static void
test_str_replaces_invalid_utf8(void **state)
{
	char	*out;

	/* lone continuation, overlong '/', truncated 3-byte sequence */
	out = render("\x80" "\xc0\xaf" "\xe2\x82", 5);
	assert_string_equal(out,
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	free(out);
}

static void
test_str_escapes_line_separators(void **state)
{
	char	*out;

	out = render("\xe2\x80\xa8x\xe2\x80\xa9", 7);
	assert_string_equal(out, "\"\\u2028x\\u2029\"");
	free(out);
}

static void
test_str_output_parses_back(void **state)
{
	const char	*in = "</script>\"\\\x1f" "\xc3\xa9";
	char		*out;
	json_t		*v;
	json_error_t	 err;

	out = render(in, strlen(in));
	v = json_loads(out, JSON_DECODE_ANY, &err);
	assert_non_null(v);
	assert_string_equal(json_string_value(v), in);
	json_decref(v);
	free(out);
}

static void
test_utf8_valid_rejects_surrogates_and_overlongs(void **state)
{
	assert_true(util_utf8_valid((const u_int8_t *)"abc", 3));
	assert_true(util_utf8_valid((const u_int8_t *)"\xe2\x82\xac", 3));
	assert_false(util_utf8_valid((const u_int8_t *)"\xed\xa0\x80", 3));
	assert_false(util_utf8_valid((const u_int8_t *)"\xe0\x80\xaf", 3));
	assert_false(util_utf8_valid((const u_int8_t *)"\xf4\x90\x80\x80", 4));
	assert_false(util_utf8_valid((const u_int8_t *)"\xff", 1));
	assert_false(util_utf8_valid((const u_int8_t *)"\xc3", 1));
}

static void
test_utf8_chars_counts_code_points(void **state)
{
	assert_int_equal(util_utf8_chars((const u_int8_t *)"h\xc3\xa9", 3), 2);
	assert_int_equal(util_utf8_chars(
	    (const u_int8_t *)"\xf0\x9f\x98\x80", 4), 1);
}

static void
test_parse_accepts_unicode_escapes(void **state)
{
	const char	*in = "{\"name\":\"caf\\u00e9 \\ud83d\\ude00\"}";
	const char	*errstr = NULL;
	json_t		*v;

	v = util_json_parse(in, strlen(in), 1024, 8, &errstr);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "name")),
	    "caf\xc3\xa9 \xf0\x9f\x98\x80");
	json_decref(v);
}

static void
test_parse_rejects_bad_input(void **state)
{
	const char	*errstr;
	json_t		*v;
	char		 deep[200];
	size_t		 i;

	errstr = NULL;
	assert_null(util_json_parse("", 0, 1024, 8, &errstr));
	assert_string_equal(errstr, "empty body");

	assert_null(util_json_parse("{\"a\":1", 6, 1024, 8, &errstr));
	assert_string_equal(errstr, "malformed JSON");

	assert_null(util_json_parse("{} x", 4, 1024, 8, &errstr));
	assert_string_equal(errstr, "malformed JSON");

	assert_null(util_json_parse("\"\xff\"", 3, 1024, 8, &errstr));
	assert_string_equal(errstr, "body is not valid UTF-8");

	assert_null(util_json_parse("[1,2,3]", 7, 4, 8, &errstr));
	assert_string_equal(errstr, "body too large");

	assert_null(util_json_parse("\"a\\u0000b\"", 10, 1024, 8, &errstr));
	assert_string_equal(errstr, "malformed JSON");

	for (i = 0; i < 100; i++) {
		deep[i] = '[';
		deep[100 + i] = ']';
	}
	assert_null(util_json_parse(deep, 200, 1024, 32, &errstr));
	assert_string_equal(errstr, "JSON nested too deeply");
	v = util_json_parse(deep + 70, 60, 1024, 32, &errstr);
	assert_non_null(v);
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_escapes_quotes_and_controls),
		cmocka_unit_test(test_str_keeps_valid_utf8),
		cmocka_unit_test(test_str_replaces_invalid_utf8),
		cmocka_unit_test(test_str_escapes_line_separators),
		cmocka_unit_test(test_str_output_parses_back),
		cmocka_unit_test(test_utf8_valid_rejects_surrogates_and_overlongs),
		cmocka_unit_test(test_utf8_chars_counts_code_points),
		cmocka_unit_test(test_parse_accepts_unicode_escapes),
		cmocka_unit_test(test_parse_rejects_bad_input),
	};

	return (cmocka_run_group_tests_name("util_json", tests, NULL, NULL));
}
