/*
 * src/util/util_time.c: time formatting. The API's timestamps are rendered by
 * PostgreSQL; this is for what C writes itself (logs, event payloads built
 * without a row), in the same ISO 8601 UTC form with milliseconds.
 */

#include <sys/types.h>

#include <stdio.h>
#include <time.h>

#include "util/util.h"

/*
 * Format ms (milliseconds since the Unix epoch) as 2026-11-25T19:49:07.123Z
 * into out (at least UTIL_ISO8601_LEN + 1 bytes); out is "" if too small.
 */
void
util_time_iso8601(u_int64_t ms, char *out, size_t outlen)
{
	struct tm	tm;
	time_t		secs;
	int		n;

	if (outlen < UTIL_ISO8601_LEN + 1) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}

	secs = (time_t)(ms / 1000);
	(void)gmtime_r(&secs, &tm);
	n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (unsigned int)(ms % 1000));
	if (n < 0 || (size_t)n >= outlen)
		out[0] = '\0';
}
