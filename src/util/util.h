/*
 * src/util/util.h: layer 0 helpers every module uses: the one escaping
 * JSON writer, a size- and depth-limited JSON reader (jansson underneath),
 * UTF-8 validation, ids and tokens, time formatting and query-string parsing.
 * Nothing here touches the network, the database or Kore's runtime beyond
 * kore_buf and the allocator, so all of it is unit-tested outside Kore.
 */
#ifndef UTIL_H
#define UTIL_H

#include <sys/types.h>

#include <jansson.h>

#include <kore/kore.h>

#define UTIL_UUID_LEN		36	/* 8-4-4-4-12, lower-case hex */
#define UTIL_TOKEN_BYTES	32	/* session tokens: 256 bits */
#define UTIL_TOKEN_LEN		43	/* base64url, no padding */
#define UTIL_SHA256_HEXLEN	64
#define UTIL_ISO8601_LEN	24	/* 2026-11-25T19:49:07.123Z */

#define UTIL_JSON_DEPTH_MAX	32	/* request bodies */

/* util_json.c */
void	util_json_str(struct kore_buf *, const char *, size_t);
void	util_json_cstr(struct kore_buf *, const char *);
void	util_json_key(struct kore_buf *, const char *);
int	util_utf8_valid(const u_int8_t *, size_t);
size_t	util_utf8_chars(const u_int8_t *, size_t);
json_t	*util_json_parse(const void *, size_t, size_t, size_t, const char **);
int	util_json_depth_ok(json_t *, size_t);

/* util_id.c */
int	util_uuid_valid(const char *);
int	util_token_new(char *, size_t);
void	util_sha256_hex(const void *, size_t, char *);
void	util_hex(const u_int8_t *, size_t, char *);

/* util_time.c */
void	util_time_iso8601(u_int64_t, char *, size_t);

/* util_qs.c */
int	util_qs_get(const char *, const char *, char *, size_t);
int	util_url_decode(const char *, size_t, char *, size_t, size_t *);

#define UTIL_QS_MISSING		0
#define UTIL_QS_FOUND		1
#define UTIL_QS_INVALID		2

#endif /* !UTIL_H */
