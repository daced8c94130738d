/*
 * tests/unit/kore_shim.c: the few Kore runtime functions that the pure
 * (layer 0) sources and Kore's own buf.c call, mapped onto libc so that the
 * codecs can be unit-tested and fuzzed without a Kore process.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

void *
kore_malloc(size_t len)
{
	void	*p;

	if ((p = malloc(len == 0 ? 1 : len)) == NULL)
		abort();
	return (p);
}

void *
kore_calloc(size_t n, size_t len)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, len == 0 ? 1 : len)) == NULL)
		abort();
	return (p);
}

void *
kore_realloc(void *ptr, size_t len)
{
	void	*p;

	if ((p = realloc(ptr, len == 0 ? 1 : len)) == NULL)
		abort();
	return (p);
}

void
kore_free(void *ptr)
{
	free(ptr);
}

char *
kore_strdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		abort();
	return (p);
}

size_t
kore_strlcpy(char *dst, const char *src, const size_t len)
{
	size_t	n;

	n = strlen(src);
	if (len > 0) {
		memcpy(dst, src, n >= len ? len - 1 : n);
		dst[n >= len ? len - 1 : n] = '\0';
	}
	return (n);
}

void *
kore_mem_find(void *src, size_t slen, const void *needle, size_t len)
{
	return (memmem(src, slen, needle, len));
}

void
fatal(const char *fmt, ...)
{
	va_list		args;

	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fputc('\n', stderr);
	abort();
}

void
kore_log(int prio, const char *fmt, ...)
{
	va_list		args;

	(void)prio;
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fputc('\n', stderr);
}
