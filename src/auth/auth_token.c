/*
 * src/auth/auth_token.c: the caller's credentials. A request carries its
 * session token in the parley_session cookie (browsers) or an
 * "Authorization: Bearer" header (other clients); the database only ever
 * sees the token's SHA-256. Cookie-authenticated writes are also checked
 * against the Origin header: SameSite=Lax alone does not stop a
 * same-site page or a cross-site WebSocket from riding the cookie.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/auth.h"

static int	token_ok(const char *);

/*
 * Copy the caller's token into out (at least UTIL_TOKEN_LEN + 1 bytes).
 * The Bearer header wins over the cookie. Returns AUTH_FROM_BEARER,
 * AUTH_FROM_COOKIE, or AUTH_FROM_NONE when there is no well-formed token.
 */
int
auth_token_from_request(struct http_request *req, char *out, size_t outlen)
{
	const char	*hdr;
	char		*cookie;

	if (http_request_header(req, "authorization", &hdr)) {
		if (strncasecmp(hdr, "Bearer ", 7) == 0 && token_ok(hdr + 7) &&
		    kore_strlcpy(out, hdr + 7, outlen) < outlen)
			return (AUTH_FROM_BEARER);
		return (AUTH_FROM_NONE);
	}

	http_populate_cookies(req);
	if (http_request_cookie(req, AUTH_COOKIE, &cookie) &&
	    token_ok(cookie) && kore_strlcpy(out, cookie, outlen) < outlen)
		return (AUTH_FROM_COOKIE);

	return (AUTH_FROM_NONE);
}

/* SHA-256 hex (UTIL_SHA256_HEXLEN + 1 bytes) of a token, as stored. */
void
auth_token_hash(const char *token, char *out)
{
	util_sha256_hex(token, strlen(token), out);
}

/* Set the session cookie (Secure when the connection is TLS). */
void
auth_cookie_set(struct http_request *req, const char *token)
{
	char	buf[256];
	int	tls;

	tls = req->owner != NULL && req->owner->ssl != NULL;
	(void)snprintf(buf, sizeof(buf),
	    "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s",
	    AUTH_COOKIE, token, AUTH_SESSION_DAYS * 86400,
	    tls ? "; Secure" : "");
	http_response_header(req, "set-cookie", buf);
}

/* Expire the session cookie. */
void
auth_cookie_clear(struct http_request *req)
{
	char	buf[128];
	int	tls;

	tls = req->owner != NULL && req->owner->ssl != NULL;
	(void)snprintf(buf, sizeof(buf),
	    "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s", AUTH_COOKIE,
	    tls ? "; Secure" : "");
	http_response_header(req, "set-cookie", buf);
}

/*
 * Return 1 if the request's Origin (when it has one) is allowed: the
 * server's own origin (same host and port as the Host header), or one of
 * the comma-separated origins in $PARLEY_ORIGINS. Requests without an
 * Origin header (non-browser clients) are allowed here and judged by
 * their credentials.
 */
int
auth_origin_allowed(struct http_request *req)
{
	const char	*origin, *host, *extra, *p, *sep;
	size_t		 len;

	if (!http_request_header(req, "origin", &origin))
		return (1);

	if ((p = strstr(origin, "://")) != NULL && req->host != NULL &&
	    strcasecmp(p + 3, req->host) == 0)
		return (1);
	if (http_request_header(req, "host", &host) && p != NULL &&
	    strcasecmp(p + 3, host) == 0)
		return (1);

	if ((extra = getenv("PARLEY_ORIGINS")) == NULL)
		return (0);
	len = strlen(origin);
	for (p = extra; *p != '\0'; p = sep + 1) {
		if ((sep = strchr(p, ',')) == NULL)
			sep = p + strlen(p);
		if ((size_t)(sep - p) == len && strncasecmp(p, origin, len) == 0)
			return (1);
		if (*sep == '\0')
			break;
	}

	return (0);
}

/* A token is base64url of the right length; anything else is not ours. */
static int
token_ok(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= UTIL_TOKEN_LEN)
			return (0);
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return (0);
	}
	return (i == UTIL_TOKEN_LEN);
}
