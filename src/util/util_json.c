/*
 * src/util/util_json.c: the one JSON writer and the request-body reader.
 *
 * Kore 4.1.0's kore_json writes strings without escaping them and rejects
 * \u escapes (field guide §9), so user text never goes through it. Output is
 * written here, into kore_buf; input is parsed with jansson after checking
 * size, then depth, so that every caller gets the same limits and one error
 * string per failure.
 */

#include <sys/types.h>

#include <string.h>

#include "util/util.h"

static const char	hexdigits[] = "0123456789abcdef";

/*
 * Append s[0..len) as a JSON string literal, quotes included. Control
 * characters, quote and backslash are escaped; U+2028/U+2029 are escaped too
 * so the output is safe inside a <script>. Invalid UTF-8 sequences are
 * replaced by U+FFFD: the writer never emits invalid JSON, whatever it gets.
 */
void
util_json_str(struct kore_buf *buf, const char *s, size_t len)
{
	const u_int8_t	*p, *end;
	size_t		 n, run;
	char		 esc[6];

	p = (const u_int8_t *)s;
	end = p + len;
	kore_buf_append(buf, "\"", 1);

	while (p < end) {
		/* Copy the longest run of bytes that need no escaping. */
		for (run = 0; p + run < end; run++) {
			if (p[run] < 0x20 || p[run] == '"' || p[run] == '\\' ||
			    p[run] >= 0x80)
				break;
		}
		if (run > 0) {
			kore_buf_append(buf, p, run);
			p += run;
			continue;
		}

		if (*p >= 0x80) {
			/* Length of one valid sequence at p, or 0. */
			n = 0;
			if ((*p & 0xe0) == 0xc0)
				n = 2;
			else if ((*p & 0xf0) == 0xe0)
				n = 3;
			else if ((*p & 0xf8) == 0xf0)
				n = 4;
			if (n == 0 || (size_t)(end - p) < n ||
			    !util_utf8_valid(p, n)) {
				kore_buf_append(buf, "\\ufffd", 6);
				p++;
				continue;
			}
			if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
			    (p[2] == 0xa8 || p[2] == 0xa9)) {
				kore_buf_append(buf,
				    p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			} else {
				kore_buf_append(buf, p, n);
			}
			p += n;
			continue;
		}

		switch (*p) {
		case '"':
			kore_buf_append(buf, "\\\"", 2);
			break;
		case '\\':
			kore_buf_append(buf, "\\\\", 2);
			break;
		case '\n':
			kore_buf_append(buf, "\\n", 2);
			break;
		case '\r':
			kore_buf_append(buf, "\\r", 2);
			break;
		case '\t':
			kore_buf_append(buf, "\\t", 2);
			break;
		case '\b':
			kore_buf_append(buf, "\\b", 2);
			break;
		case '\f':
			kore_buf_append(buf, "\\f", 2);
			break;
		default:
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hexdigits[*p >> 4];
			esc[5] = hexdigits[*p & 0xf];
			kore_buf_append(buf, esc, sizeof(esc));
			break;
		}
		p++;
	}

	kore_buf_append(buf, "\"", 1);
}

/* Append a NUL-terminated string as a JSON string literal. */
void
util_json_cstr(struct kore_buf *buf, const char *s)
{
	util_json_str(buf, s, strlen(s));
}

/* Append "key": (the key escaped like any string). */
void
util_json_key(struct kore_buf *buf, const char *key)
{
	util_json_cstr(buf, key);
	kore_buf_append(buf, ":", 1);
}

/*
 * Return 1 if data[0..len) is well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 otherwise.
 */
int
util_utf8_valid(const u_int8_t *data, size_t len)
{
	size_t		i, n, k;
	u_int32_t	cp;

	for (i = 0; i < len; i += n) {
		if (data[i] < 0x80) {
			n = 1;
			continue;
		}
		if (data[i] >= 0xc2 && data[i] <= 0xdf) {
			n = 2;
			cp = data[i] & 0x1f;
		} else if ((data[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = data[i] & 0x0f;
		} else if (data[i] >= 0xf0 && data[i] <= 0xf4) {
			n = 4;
			cp = data[i] & 0x07;
		} else {
			return (0);
		}
		if (len - i < n)
			return (0);
		for (k = 1; k < n; k++) {
			if ((data[i + k] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (data[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
	}

	return (1);
}

/* Number of code points in valid UTF-8 data (continuation bytes skipped). */
size_t
util_utf8_chars(const u_int8_t *data, size_t len)
{
	size_t		i, count;

	count = 0;
	for (i = 0; i < len; i++) {
		if ((data[i] & 0xc0) != 0x80)
			count++;
	}

	return (count);
}

/* Return 1 if no container in v is nested deeper than max levels. */
int
util_json_depth_ok(json_t *v, size_t max)
{
	const char	*key;
	json_t		*child;
	size_t		 i;

	if (!json_is_object(v) && !json_is_array(v))
		return (1);
	if (max == 0)
		return (0);

	if (json_is_object(v)) {
		json_object_foreach(v, key, child) {
			if (!util_json_depth_ok(child, max - 1))
				return (0);
		}
	} else {
		json_array_foreach(v, i, child) {
			if (!util_json_depth_ok(child, max - 1))
				return (0);
		}
	}

	return (1);
}

/*
 * Parse data[0..len) as one JSON value, at most maxlen bytes and maxdepth
 * nested containers. Returns a new reference (caller json_decref()s it) or
 * NULL with *errstr set to a static description. Invalid UTF-8, \u0000
 * and trailing garbage are errors.
 */
json_t *
util_json_parse(const void *data, size_t len, size_t maxlen, size_t maxdepth,
    const char **errstr)
{
	json_t		*v;
	json_error_t	 err;

	if (len == 0) {
		*errstr = "empty body";
		return (NULL);
	}
	if (len > maxlen) {
		*errstr = "body too large";
		return (NULL);
	}
	if (!util_utf8_valid(data, len)) {
		*errstr = "body is not valid UTF-8";
		return (NULL);
	}
	if ((v = json_loadb(data, len, JSON_DECODE_ANY, &err)) == NULL) {
		*errstr = "malformed JSON";
		return (NULL);
	}
	if (!util_json_depth_ok(v, maxdepth)) {
		json_decref(v);
		*errstr = "JSON nested too deeply";
		return (NULL);
	}

	return (v);
}
