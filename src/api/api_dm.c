/*
 * src/api/api_dm.c: direct messages, the same four routes as channel
 * messages, scoped by a conversation instead of a server and channel.
 *
 *	POST   /api/socket/direct-messages?conversationId= {content, fileUrl?}
 *	PATCH  /api/socket/direct-messages/<id>?conversationId= {content}
 *	DELETE /api/socket/direct-messages/<id>?conversationId=
 *	GET    /api/direct-messages?conversationId=[&cursor= | &after=]
 */

#include <sys/types.h>

#include "api/api.h"
#include "chat/chat.h"

/* POST /api/socket/direct-messages */
int
api_dms_post(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 cv[UTIL_UUID_LEN + 1];
	char			*content, *file;
	const char		*errstr;

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_POST)
		return (api_chat_method(req, "POST"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);
	if (api_qs_uuid(req, "conversationId", 1, cv, &errstr) !=
	    UTIL_QS_FOUND)
		return (api_error(req, 400, "bad_request", errstr));
	if (!api_chat_post_input(req, &c, &content, &file))
		return (KORE_RESULT_OK);

	dbr = chat_request(req, &chat_op_dm_post, c.token_hash);
	db_request_param_str(dbr, cv);
	db_request_param_str(dbr, content);
	api_chat_param(dbr, file);
	kore_free(content);
	if (file != NULL)
		kore_free(file);
	return (db_request_run(req));
}

/* PATCH|DELETE /api/socket/direct-messages/<id> */
int
api_dm(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 cv[UTIL_UUID_LEN + 1];
	char			 id[UTIL_UUID_LEN + 1];
	char			*content, *file;
	json_t			*body;
	const char		*errstr;
	int			 status;

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_PATCH &&
	    req->method != HTTP_METHOD_DELETE)
		return (api_chat_method(req, "PATCH, DELETE"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);
	if (!api_path_uuid(req, "/api/socket/direct-messages/", "", id))
		return (api_error(req, 400, "bad_request",
		    "the message id is not a valid id"));
	if (api_qs_uuid(req, "conversationId", 1, cv, &errstr) !=
	    UTIL_QS_FOUND)
		return (api_error(req, 400, "bad_request", errstr));

	content = NULL;
	if (req->method == HTTP_METHOD_PATCH) {
		if ((body = api_body(req, &errstr, &status)) == NULL)
			return (api_body_error(req, errstr, status));
		if (!api_chat_content(body, 0, &content, &file, &errstr)) {
			json_decref(body);
			return (api_error(req, 400, "bad_request", errstr));
		}
		json_decref(body);
	}

	dbr = chat_request(req, &chat_op_dm_change, c.token_hash);
	db_request_param_str(dbr, cv);
	db_request_param_str(dbr, id);
	db_request_param_str(dbr, content != NULL ? "edit" : "delete");
	api_chat_param(dbr, content);
	if (content != NULL)
		kore_free(content);
	return (db_request_run(req));
}

/* GET /api/direct-messages?conversationId=&cursor=|after= */
int
api_dms(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 cv[UTIL_UUID_LEN + 1];
	char			 cursor[UTIL_UUID_LEN + 1];
	char			 after[UTIL_UUID_LEN + 1];
	const char		*errstr;

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_GET)
		return (api_chat_method(req, "GET"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);
	if (api_qs_uuid(req, "conversationId", 1, cv, &errstr) !=
	    UTIL_QS_FOUND)
		return (api_error(req, 400, "bad_request", errstr));
	if (!api_chat_cursors(req, cursor, after))
		return (KORE_RESULT_OK);

	dbr = chat_request(req, &chat_op_dm_rows, c.token_hash);
	db_request_param_str(dbr, cv);
	api_chat_param(dbr, cursor[0] != '\0' ? cursor : NULL);
	api_chat_param(dbr, after[0] != '\0' ? after : NULL);
	return (db_request_run(req));
}
