/*
 * src/api/api.h: the REST adapters (layer 4). A handler parses and
 * validates the request, resolves the caller's credentials, then hands one
 * query to the db request machine and renders what it returns. Errors
 * always have one shape: {"error":{"code":"...","message":"..."}}.
 */
#ifndef API_H
#define API_H

#include <sys/types.h>

#include <jansson.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "util/util.h"

#define API_BODY_MAX		(64 * 1024)	/* REST JSON bodies */

/* The caller, as far as the request tells (the database decides). */
struct api_caller {
	int	from;				/* AUTH_FROM_* */
	char	token[UTIL_TOKEN_LEN + 1];
	char	token_hash[UTIL_SHA256_HEXLEN + 1];	/* "" when none */
};

/* api_json.c */
int	api_error(struct http_request *, int, const char *, const char *);
int	api_json_response(struct http_request *, int, const void *, size_t);
json_t	*api_body(struct http_request *, const char **, int *);
int	api_body_error(struct http_request *, const char *, int);
int	api_caller(struct http_request *, struct api_caller *);
int	api_str_field(json_t *, const char *, int, size_t, size_t, int,
	    char **, const char **);
int	api_url_ok(const char *);
int	api_qs_uuid(struct http_request *, const char *, int, char *,
	    const char **);
void	api_metrics_register(void (*)(struct kore_buf *));
int	api_path_uuid(struct http_request *, const char *, const char *,
	    char *);

/* routes: named in conf/parley.conf */
int	api_healthz(struct http_request *);
int	api_metrics(struct http_request *);
int	api_not_found(struct http_request *);
int	api_auth_signup(struct http_request *);
int	api_auth_login(struct http_request *);
int	api_auth_logout(struct http_request *);
int	api_profile(struct http_request *);

/* chat adapters (api_server.c, api_message.c): shared helpers */
struct db_request;
int	api_chat_caller(struct http_request *, struct api_caller *);
int	api_chat_method(struct http_request *, const char *);
void	api_chat_param(struct db_request *, const char *);
int	api_chat_content(json_t *, int, char **, char **, const char **);
int	api_chat_post_input(struct http_request *,
	    const struct api_caller *, char **, char **);
int	api_chat_cursors(struct http_request *, char *, char *);

/* chat routes */
int	api_servers(struct http_request *);
int	api_server(struct http_request *);
int	api_server_invite_code(struct http_request *);
int	api_server_leave(struct http_request *);
int	api_invite(struct http_request *);
int	api_channels(struct http_request *);
int	api_channel(struct http_request *);
int	api_member(struct http_request *);
int	api_conversations(struct http_request *);
int	api_messages_post(struct http_request *);
int	api_message(struct http_request *);
int	api_messages(struct http_request *);
int	api_dms_post(struct http_request *);
int	api_dm(struct http_request *);
int	api_dms(struct http_request *);

#endif /* !API_H */
