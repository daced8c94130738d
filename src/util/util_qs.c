/*
 * src/util/util_qs.c: query strings. Kore 4.1.0 drops every query argument
 * that is not declared in a params block with a validator (field guide §3),
 * so handlers read req->query_string through util_qs_get() instead.
 */

#include <sys/types.h>

#include <string.h>

#include "util/util.h"

static int	hexval(int);

/*
 * Percent-decode in[0..inlen) ('+' is a space, as in forms) into out
 * (outlen bytes, NUL-terminated), storing the decoded length in *outl.
 * Returns KORE_RESULT_ERROR on a malformed escape, an encoded NUL or if the
 * result does not fit.
 */
int
util_url_decode(const char *in, size_t inlen, char *out, size_t outlen,
    size_t *outl)
{
	size_t		i, o;
	int		hi, lo;

	o = 0;
	for (i = 0; i < inlen; i++) {
		if (o + 1 >= outlen)
			return (KORE_RESULT_ERROR);
		if (in[i] == '+') {
			out[o++] = ' ';
		} else if (in[i] == '%') {
			if (inlen - i < 3)
				return (KORE_RESULT_ERROR);
			if ((hi = hexval(in[i + 1])) == -1 ||
			    (lo = hexval(in[i + 2])) == -1)
				return (KORE_RESULT_ERROR);
			if (hi == 0 && lo == 0)
				return (KORE_RESULT_ERROR);
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
	*outl = o;

	return (KORE_RESULT_OK);
}

/*
 * Find the first parameter called name in the query string qs (without
 * the '?'; may be NULL) and decode its value into out (outlen bytes).
 * Returns UTIL_QS_FOUND, UTIL_QS_MISSING (absent, or present and empty:
 * "cursor=" means no cursor, as the seed's client sends it) or
 * UTIL_QS_INVALID (bad escape or too long for out).
 */
int
util_qs_get(const char *qs, const char *name, char *out, size_t outlen)
{
	const char	*p, *amp, *eq;
	size_t		 nlen, klen, vlen, olen;

	if (qs == NULL || outlen == 0)
		return (UTIL_QS_MISSING);

	nlen = strlen(name);
	for (p = qs; *p != '\0'; p = amp + 1) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		klen = (size_t)((eq != NULL ? eq : amp) - p);
		if (klen == nlen && memcmp(p, name, nlen) == 0) {
			if (eq == NULL || eq + 1 == amp)
				return (UTIL_QS_MISSING);
			vlen = (size_t)(amp - (eq + 1));
			if (!util_url_decode(eq + 1, vlen, out, outlen, &olen))
				return (UTIL_QS_INVALID);
			return (UTIL_QS_FOUND);
		}
		if (*amp == '\0')
			break;
	}

	return (UTIL_QS_MISSING);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}
