/*
 * src/api/api_channel.c: channels (ADMIN or MODERATOR; "general" cannot be
 * created, renamed or deleted). Each answers with the server, its channels
 * and members, as the seed did.
 *
 *	POST   /api/channels?serverId= {name, type?}	201
 *	PATCH  /api/channels/<id>?serverId= {name?, type?}
 *	DELETE /api/channels/<id>?serverId=
 */

#include <sys/types.h>

#include <string.h>

#include "api/api.h"
#include "chat/chat.h"

static int	channel_fields(struct http_request *, int, char **, char **);

/* POST /api/channels?serverId= */
int
api_channels(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 sid[UTIL_UUID_LEN + 1];
	char			*name, *type;
	const char		*errstr;

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_POST)
		return (api_chat_method(req, "POST"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);
	if (api_qs_uuid(req, "serverId", 1, sid, &errstr) != UTIL_QS_FOUND)
		return (api_error(req, 400, "bad_request", errstr));
	if (!channel_fields(req, 1, &name, &type))
		return (KORE_RESULT_OK);

	dbr = chat_request(req, &chat_op_channel_admin, c.token_hash);
	db_request_param_str(dbr, sid);
	db_request_param_null(dbr);
	db_request_param_str(dbr, "create");
	api_chat_param(dbr, name);
	api_chat_param(dbr, type);
	kore_free(name);
	if (type != NULL)
		kore_free(type);
	return (db_request_run(req));
}

/* PATCH|DELETE /api/channels/<id>?serverId= */
int
api_channel(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 sid[UTIL_UUID_LEN + 1];
	char			 id[UTIL_UUID_LEN + 1];
	char			*name, *type;
	const char		*errstr;

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_PATCH &&
	    req->method != HTTP_METHOD_DELETE)
		return (api_chat_method(req, "PATCH, DELETE"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);
	if (!api_path_uuid(req, "/api/channels/", "", id))
		return (api_error(req, 400, "bad_request",
		    "the channel id is not a valid id"));
	if (api_qs_uuid(req, "serverId", 1, sid, &errstr) != UTIL_QS_FOUND)
		return (api_error(req, 400, "bad_request", errstr));

	name = type = NULL;
	if (req->method == HTTP_METHOD_PATCH &&
	    !channel_fields(req, 0, &name, &type))
		return (KORE_RESULT_OK);

	dbr = chat_request(req, &chat_op_channel_admin, c.token_hash);
	db_request_param_str(dbr, sid);
	db_request_param_str(dbr, id);
	db_request_param_str(dbr, req->method == HTTP_METHOD_PATCH ?
	    "update" : "delete");
	api_chat_param(dbr, name);
	api_chat_param(dbr, type);
	if (name != NULL)
		kore_free(name);
	if (type != NULL)
		kore_free(type);
	return (db_request_run(req));
}

/*
 * {name, type} of a channel: name 1..100 characters (required to create),
 * type TEXT, AUDIO or VIDEO. Answers the request itself on failure.
 */
static int
channel_fields(struct http_request *req, int create, char **name,
    char **type)
{
	json_t		*body;
	const char	*errstr;
	int		 status;

	*name = *type = NULL;
	if ((body = api_body(req, &errstr, &status)) == NULL) {
		api_body_error(req, errstr, status);
		return (KORE_RESULT_ERROR);
	}
	if (!api_str_field(body, "name", create, 1, CHAT_NAME_MAX, 1, name,
	    &errstr) ||
	    !api_str_field(body, "type", 0, 1, 16, 1, type, &errstr))
		goto bad;
	if (*type != NULL && strcmp(*type, "TEXT") != 0 &&
	    strcmp(*type, "AUDIO") != 0 && strcmp(*type, "VIDEO") != 0) {
		errstr = "type must be TEXT, AUDIO or VIDEO";
		goto bad;
	}
	json_decref(body);
	return (KORE_RESULT_OK);

bad:
	json_decref(body);
	if (*name != NULL)
		kore_free(*name);
	if (*type != NULL)
		kore_free(*type);
	*name = *type = NULL;
	api_error(req, 400, "bad_request", errstr);
	return (KORE_RESULT_ERROR);
}
