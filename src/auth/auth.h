/*
 * src/auth/auth.h: accounts. Password hashing (scrypt, in Kore task
 * threads: never on the event loop) and the caller's credentials (a
 * session token from the cookie or a Bearer header, of which only the
 * SHA-256 ever reaches the database).
 */
#ifndef AUTH_H
#define AUTH_H

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include "util/util.h"

#define AUTH_COOKIE		"parley_session"
#define AUTH_SESSION_DAYS	30
#define AUTH_PASSWORD_MIN	8
#define AUTH_PASSWORD_MAX	1024
#define AUTH_HASH_MAX		256

/* Where the caller's token came from. */
#define AUTH_FROM_NONE		0
#define AUTH_FROM_COOKIE	1
#define AUTH_FROM_BEARER	2

/* Work shared with a task thread: inputs, then the result. */
struct auth_work {
	char	password[AUTH_PASSWORD_MAX + 1];
	char	stored[AUTH_HASH_MAX];		/* hash to verify against */
	char	hash[AUTH_HASH_MAX];		/* new hash (signup) */
	int	ok;				/* verify result / hash made */
};

/* auth_password.c */
void	auth_password_init(void);
int	auth_password_hash(const char *, char *, size_t);
int	auth_password_verify(const char *, const char *);
void	auth_password_dummy(char *, size_t);

/* auth_token.c */
int	auth_token_from_request(struct http_request *, char *, size_t);
void	auth_token_hash(const char *, char *);
void	auth_cookie_set(struct http_request *, const char *);
void	auth_cookie_clear(struct http_request *);
int	auth_origin_allowed(struct http_request *);

#endif /* !AUTH_H */
