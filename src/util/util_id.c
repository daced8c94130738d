/*
 * src/util/util_id.c: identifiers and secrets. UUIDs are made by PostgreSQL
 * (gen_random_uuid) and only validated here; session tokens are made here
 * from the kernel's CSPRNG and stored by the database as SHA-256 hashes only.
 */

#include <sys/types.h>
#include <sys/random.h>

#include <errno.h>
#include <string.h>

#include <openssl/sha.h>

#include "util/util.h"

static const char	b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Return 1 if s is a canonical UUID string (36 characters, hex digits of
 * either case in 8-4-4-4-12 groups), 0 otherwise. Anything else that would
 * reach a uuid column is refused before the query, as a 400.
 */
int
util_uuid_valid(const char *s)
{
	int	i;

	for (i = 0; i < UTIL_UUID_LEN; i++) {
		if (s[i] == '\0')
			return (0);
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
			continue;
		}
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return (0);
	}

	return (s[UTIL_UUID_LEN] == '\0');
}

/*
 * Write a new session token (UTIL_TOKEN_BYTES random bytes, base64url
 * without padding, NUL-terminated) into out, which must hold at least
 * UTIL_TOKEN_LEN + 1 bytes. Returns KORE_RESULT_ERROR if the kernel's random
 * source fails (it does not block after boot).
 */
int
util_token_new(char *out, size_t outlen)
{
	u_int8_t	raw[UTIL_TOKEN_BYTES + 1];
	size_t		off, i, o;
	ssize_t		r;
	u_int32_t	v;

	if (outlen < UTIL_TOKEN_LEN + 1)
		return (KORE_RESULT_ERROR);

	for (off = 0; off < UTIL_TOKEN_BYTES; off += (size_t)r) {
		r = getrandom(raw + off, UTIL_TOKEN_BYTES - off, 0);
		if (r == -1) {
			if (errno == EINTR) {
				r = 0;
				continue;
			}
			return (KORE_RESULT_ERROR);
		}
	}
	raw[UTIL_TOKEN_BYTES] = 0;

	/* 32 bytes: ten full 3-byte groups, then 2 bytes -> 3 characters. */
	o = 0;
	for (i = 0; i < UTIL_TOKEN_BYTES; i += 3) {
		v = (u_int32_t)raw[i] << 16 | (u_int32_t)raw[i + 1] << 8;
		if (i + 2 < UTIL_TOKEN_BYTES)
			v |= raw[i + 2];
		out[o++] = b64url[(v >> 18) & 0x3f];
		out[o++] = b64url[(v >> 12) & 0x3f];
		out[o++] = b64url[(v >> 6) & 0x3f];
		if (i + 2 < UTIL_TOKEN_BYTES)
			out[o++] = b64url[v & 0x3f];
	}
	out[o] = '\0';
	explicit_bzero(raw, sizeof(raw));

	return (o == UTIL_TOKEN_LEN ? KORE_RESULT_OK : KORE_RESULT_ERROR);
}

/* Lower-case hex of data[0..len) into out (2 * len + 1 bytes). */
void
util_hex(const u_int8_t *data, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[i * 2] = digits[data[i] >> 4];
		out[i * 2 + 1] = digits[data[i] & 0xf];
	}
	out[len * 2] = '\0';
}

/* SHA-256 of data as 64 lower-case hex digits into out (65 bytes). */
void
util_sha256_hex(const void *data, size_t len, char *out)
{
	u_int8_t	digest[SHA256_DIGEST_LENGTH];

	(void)SHA256(data, len, digest);
	util_hex(digest, sizeof(digest), out);
}
