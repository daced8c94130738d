/*
 * src/api/api_message.c: channel messages (the seed's routes and shapes).
 *
 *	POST   /api/socket/messages?serverId=&channelId= {content, fileUrl?}
 *	PATCH  /api/socket/messages/<id>?serverId=&channelId= {content}
 *	DELETE /api/socket/messages/<id>?serverId=&channelId=
 *	GET    /api/messages?channelId=[&cursor=<id> | &after=<id>]
 *
 * Posting is limited per caller (429 with Retry-After, chat_rate.c).
 */

#include <sys/types.h>

#include "api/api.h"
#include "chat/chat.h"

/* POST /api/socket/messages */
int
api_messages_post(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 sid[UTIL_UUID_LEN + 1];
	char			 cid[UTIL_UUID_LEN + 1];
	char			*content, *file;
	const char		*errstr;

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_POST)
		return (api_chat_method(req, "POST"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);
	if (api_qs_uuid(req, "serverId", 1, sid, &errstr) != UTIL_QS_FOUND ||
	    api_qs_uuid(req, "channelId", 1, cid, &errstr) != UTIL_QS_FOUND)
		return (api_error(req, 400, "bad_request", errstr));
	if (!api_chat_post_input(req, &c, &content, &file))
		return (KORE_RESULT_OK);

	dbr = chat_request(req, &chat_op_message_post, c.token_hash);
	db_request_param_str(dbr, sid);
	db_request_param_str(dbr, cid);
	db_request_param_str(dbr, content);
	api_chat_param(dbr, file);
	kore_free(content);
	if (file != NULL)
		kore_free(file);
	return (db_request_run(req));
}

/* PATCH|DELETE /api/socket/messages/<id> */
int
api_message(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 sid[UTIL_UUID_LEN + 1];
	char			 cid[UTIL_UUID_LEN + 1];
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
	if (!api_path_uuid(req, "/api/socket/messages/", "", id))
		return (api_error(req, 400, "bad_request",
		    "the message id is not a valid id"));
	if (api_qs_uuid(req, "serverId", 1, sid, &errstr) != UTIL_QS_FOUND ||
	    api_qs_uuid(req, "channelId", 1, cid, &errstr) != UTIL_QS_FOUND)
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

	dbr = chat_request(req, &chat_op_message_change, c.token_hash);
	db_request_param_str(dbr, sid);
	db_request_param_str(dbr, cid);
	db_request_param_str(dbr, id);
	db_request_param_str(dbr, content != NULL ? "edit" : "delete");
	api_chat_param(dbr, content);
	if (content != NULL)
		kore_free(content);
	return (db_request_run(req));
}

/*
 * Read the optional "cursor" and "after" ids of a history request into
 * cursor/after ("" when absent). Answers 400 itself and returns
 * KORE_RESULT_ERROR when one is not a UUID or both are given.
 */
int
api_chat_cursors(struct http_request *req, char *cursor, char *after)
{
	const char	*errstr;
	int		 r1, r2;

	cursor[0] = after[0] = '\0';
	r1 = api_qs_uuid(req, "cursor", 0, cursor, &errstr);
	if (r1 == UTIL_QS_INVALID) {
		api_error(req, 400, "bad_request", "cursor is not a message id");
		return (KORE_RESULT_ERROR);
	}
	r2 = api_qs_uuid(req, "after", 0, after, &errstr);
	if (r2 == UTIL_QS_INVALID) {
		api_error(req, 400, "bad_request", "after is not a message id");
		return (KORE_RESULT_ERROR);
	}
	if (r1 == UTIL_QS_FOUND && r2 == UTIL_QS_FOUND) {
		api_error(req, 400, "bad_request",
		    "give cursor or after, not both");
		return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

/* GET /api/messages?channelId=&cursor=|after= */
int
api_messages(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 cid[UTIL_UUID_LEN + 1];
	char			 cursor[UTIL_UUID_LEN + 1];
	char			 after[UTIL_UUID_LEN + 1];
	const char		*errstr;

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_GET)
		return (api_chat_method(req, "GET"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);
	if (api_qs_uuid(req, "channelId", 1, cid, &errstr) != UTIL_QS_FOUND)
		return (api_error(req, 400, "bad_request", errstr));
	if (!api_chat_cursors(req, cursor, after))
		return (KORE_RESULT_OK);

	dbr = chat_request(req, &chat_op_message_rows, c.token_hash);
	db_request_param_str(dbr, cid);
	api_chat_param(dbr, cursor[0] != '\0' ? cursor : NULL);
	api_chat_param(dbr, after[0] != '\0' ? after : NULL);
	return (db_request_run(req));
}
