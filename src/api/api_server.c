/*
 * src/api/api_server.c: the HTTP adapters of servers, plus the helpers
 * every chat adapter shares. An adapter checks the method, the caller's
 * credentials and the shape of the input, then hands one chat op to the
 * db request machine: the SQL decides the rest (see src/chat/chat.h).
 *
 *	GET    /api/servers			the caller's servers
 *	POST   /api/servers {name, imageUrl}	create (201)
 *	GET    /api/servers/<id>		with channels and members
 *	PATCH  /api/servers/<id> {name?, imageUrl?}	owner
 *	DELETE /api/servers/<id>		owner
 *	PATCH  /api/servers/<id>/invite-code	owner
 *	PATCH  /api/servers/<id>/leave		anyone but the owner
 */

#include <sys/types.h>

#include <string.h>

#include "api/api.h"
#include "auth/auth.h"
#include "chat/chat.h"

static int	server_fields(struct http_request *, int, char **, char **,
		    const char **, int *);

/*
 * The caller of a chat route into c. Returns KORE_RESULT_OK, or
 * KORE_RESULT_ERROR after answering 401 (no credentials) or 403 (cookie
 * write from a foreign Origin).
 */
int
api_chat_caller(struct http_request *req, struct api_caller *c)
{
	if (!api_caller(req, c))
		return (KORE_RESULT_ERROR);
	if (c->from == AUTH_FROM_NONE) {
		api_error(req, 401, "unauthorized", "no valid session");
		return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

/* Answer 405 naming the allowed methods. */
int
api_chat_method(struct http_request *req, const char *allow)
{
	http_response_header(req, "allow", allow);
	return (api_error(req, 405, "method_not_allowed",
	    "this method is not allowed here"));
}

/* Add s, or SQL NULL when s is NULL, as the next parameter. */
void
api_chat_param(struct db_request *dbr, const char *s)
{
	if (s == NULL)
		db_request_param_null(dbr);
	else
		db_request_param_str(dbr, s);
}

/*
 * The input of a new message (channel or direct): the JSON body's
 * {content, fileUrl?} and one token of the caller's flood limit. Returns
 * KORE_RESULT_OK with *content and *file (NULL when absent) owned by the
 * caller (kore_free), or KORE_RESULT_ERROR after answering 400, 413 or 429.
 */
int
api_chat_post_input(struct http_request *req, const struct api_caller *c,
    char **content, char **file)
{
	json_t		*body;
	const char	*errstr;
	int		 status;

	if ((body = api_body(req, &errstr, &status)) == NULL) {
		(void)api_body_error(req, errstr, status);
		return (KORE_RESULT_ERROR);
	}
	if (!api_chat_content(body, 1, content, file, &errstr)) {
		json_decref(body);
		(void)api_error(req, 400, "bad_request", errstr);
		return (KORE_RESULT_ERROR);
	}
	json_decref(body);
	if (chat_rate_take(c->token_hash) != 0) {
		kore_free(*content);
		if (*file != NULL)
			kore_free(*file);
		*content = *file = NULL;
		(void)api_error(req, 429, "rate_limited",
		    "too many messages, slow down");
		return (KORE_RESULT_ERROR);
	}

	return (KORE_RESULT_OK);
}

/*
 * Read {content, fileUrl?} from body: content 1..4000 characters after
 * trimming (valid UTF-8: the JSON reader checked it), fileUrl an http(s)
 * URL or null/absent. want_file = 0 ignores fileUrl (edits).
 */
int
api_chat_content(json_t *body, int want_file, char **content, char **file,
    const char **errstr)
{
	*content = NULL;
	*file = NULL;
	if (!api_str_field(body, "content", 1, 1, CHAT_CONTENT_MAX, 1,
	    content, errstr)) {
		if (*errstr != NULL && strcmp(*errstr, "a field is too long") == 0)
			*errstr = "content is longer than 4000 characters";
		else if (*errstr != NULL && (strcmp(*errstr, "a field is empty") ==
		    0 || strcmp(*errstr, "a field is too short") == 0))
			*errstr = "content is empty";
		return (KORE_RESULT_ERROR);
	}
	if (!want_file)
		return (KORE_RESULT_OK);
	if (!api_str_field(body, "fileUrl", 0, 0, CHAT_URL_MAX, 1, file,
	    errstr))
		goto bad;
	if (*file != NULL && **file == '\0') {
		kore_free(*file);
		*file = NULL;
	}
	if (*file != NULL && !api_url_ok(*file)) {
		*errstr = "fileUrl must be an http(s) URL";
		goto bad;
	}
	return (KORE_RESULT_OK);

bad:
	kore_free(*content);
	*content = NULL;
	if (*file != NULL)
		kore_free(*file);
	*file = NULL;
	return (KORE_RESULT_ERROR);
}

/* GET|POST /api/servers */
int
api_servers(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			*name, *image;
	const char		*errstr;
	int			 status;

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_POST)
		return (api_chat_method(req, "GET, POST"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);

	if (req->method == HTTP_METHOD_GET) {
		(void)chat_request(req, &chat_op_server_list, c.token_hash);
		return (db_request_run(req));
	}

	if (!server_fields(req, 1, &name, &image, &errstr, &status))
		return (api_error(req, status, status == 413 ?
		    "payload_too_large" : "bad_request", errstr));
	dbr = chat_request(req, &chat_op_server_create, c.token_hash);
	api_chat_param(dbr, name);
	api_chat_param(dbr, image);
	kore_free(name);
	if (image != NULL)
		kore_free(image);
	return (db_request_run(req));
}

/* GET|PATCH|DELETE /api/servers/<id> */
int
api_server(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 id[UTIL_UUID_LEN + 1];
	char			*name, *image;
	const char		*errstr;
	int			 status;

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_GET &&
	    req->method != HTTP_METHOD_PATCH &&
	    req->method != HTTP_METHOD_DELETE)
		return (api_chat_method(req, "GET, PATCH, DELETE"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);
	if (!api_path_uuid(req, "/api/servers/", "", id))
		return (api_error(req, 400, "bad_request",
		    "the server id is not a valid id"));

	if (req->method == HTTP_METHOD_GET) {
		dbr = chat_request(req, &chat_op_server_get, c.token_hash);
		db_request_param_str(dbr, id);
		return (db_request_run(req));
	}
	if (req->method == HTTP_METHOD_DELETE) {
		dbr = chat_request(req, &chat_op_server_admin, c.token_hash);
		db_request_param_str(dbr, id);
		db_request_param_str(dbr, "delete");
		db_request_param_null(dbr);
		db_request_param_null(dbr);
		return (db_request_run(req));
	}

	if (!server_fields(req, 0, &name, &image, &errstr, &status))
		return (api_error(req, status, status == 413 ?
		    "payload_too_large" : "bad_request", errstr));
	dbr = chat_request(req, &chat_op_server_admin, c.token_hash);
	db_request_param_str(dbr, id);
	db_request_param_str(dbr, "update");
	api_chat_param(dbr, name);
	api_chat_param(dbr, image);
	if (name != NULL)
		kore_free(name);
	if (image != NULL)
		kore_free(image);
	return (db_request_run(req));
}

/* PATCH /api/servers/<id>/invite-code */
int
api_server_invite_code(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 id[UTIL_UUID_LEN + 1];

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_PATCH)
		return (api_chat_method(req, "PATCH"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);
	if (!api_path_uuid(req, "/api/servers/", "/invite-code", id))
		return (api_error(req, 400, "bad_request",
		    "the server id is not a valid id"));

	dbr = chat_request(req, &chat_op_server_admin, c.token_hash);
	db_request_param_str(dbr, id);
	db_request_param_str(dbr, "invite");
	db_request_param_null(dbr);
	db_request_param_null(dbr);
	return (db_request_run(req));
}

/* PATCH /api/servers/<id>/leave */
int
api_server_leave(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 id[UTIL_UUID_LEN + 1];

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_PATCH)
		return (api_chat_method(req, "PATCH"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);
	if (!api_path_uuid(req, "/api/servers/", "/leave", id))
		return (api_error(req, 400, "bad_request",
		    "the server id is not a valid id"));

	dbr = chat_request(req, &chat_op_server_admin, c.token_hash);
	db_request_param_str(dbr, id);
	db_request_param_str(dbr, "leave");
	db_request_param_null(dbr);
	db_request_param_null(dbr);
	return (db_request_run(req));
}

/*
 * {name, imageUrl} of a server: name 1..100 characters (required when
 * creating), imageUrl an http(s) URL, "" or null. On failure *errstr and
 * *status (400 or 413) are set and nothing is left allocated.
 */
static int
server_fields(struct http_request *req, int create, char **name,
    char **image, const char **errstr, int *status)
{
	json_t		*body;

	*name = NULL;
	*image = NULL;
	if ((body = api_body(req, errstr, status)) == NULL)
		return (KORE_RESULT_ERROR);
	*status = 400;
	if (!api_str_field(body, "name", create, 1, CHAT_NAME_MAX, 1, name,
	    errstr) ||
	    !api_str_field(body, "imageUrl", 0, 0, CHAT_URL_MAX, 1, image,
	    errstr))
		goto bad;
	if (*image != NULL && **image != '\0' && !api_url_ok(*image)) {
		*errstr = "imageUrl must be an http(s) URL";
		goto bad;
	}
	json_decref(body);
	return (KORE_RESULT_OK);

bad:
	json_decref(body);
	if (*name != NULL)
		kore_free(*name);
	if (*image != NULL)
		kore_free(*image);
	*name = *image = NULL;
	return (KORE_RESULT_ERROR);
}
