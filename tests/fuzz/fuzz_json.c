/*
 * tests/fuzz/fuzz_json.c: the request-body JSON reader and the escaping
 * writer. Whatever the bytes: util_json_parse either refuses them with an
 * error string or returns a value within the depth limit; util_json_str
 * always writes a JSON string that jansson parses back to the same text
 * (invalid UTF-8 replaced by U+FFFD, so only valid input is compared).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct kore_buf	 buf;
	json_error_t	 err;
	json_t		*v, *back;
	const char	*errstr;
	size_t		 outlen;
	char		*out;

	errstr = NULL;
	v = util_json_parse(data, len, 64 * 1024, UTIL_JSON_DEPTH_MAX, &errstr);
	if (v == NULL) {
		if (errstr == NULL)
			abort();
	} else {
		if (!util_json_depth_ok(v, UTIL_JSON_DEPTH_MAX))
			abort();
		json_decref(v);
	}

	kore_buf_init(&buf, len * 2 + 8);
	util_json_str(&buf, (const char *)data, len);
	out = kore_buf_stringify(&buf, &outlen);
	back = json_loadb(out, outlen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (back == NULL || !json_is_string(back))
		abort();
	if (util_utf8_valid(data, len) &&
	    (json_string_length(back) != len ||
	    memcmp(json_string_value(back), data, len) != 0))
		abort();
	json_decref(back);
	kore_buf_cleanup(&buf);

	return (0);
}
