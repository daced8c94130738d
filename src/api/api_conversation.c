/*
 * src/api/api_conversation.c: POST /api/conversations?serverId= {memberId}
 * gets or creates the conversation between the caller's member of that
 * server and memberId (one row per unordered pair, whatever the race).
 */

#include <sys/types.h>

#include "api/api.h"
#include "chat/chat.h"

int
api_conversations(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 sid[UTIL_UUID_LEN + 1];
	char			*member;
	json_t			*body;
	const char		*errstr;
	int			 status;

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_POST)
		return (api_chat_method(req, "POST"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);
	if (api_qs_uuid(req, "serverId", 1, sid, &errstr) != UTIL_QS_FOUND)
		return (api_error(req, 400, "bad_request", errstr));
	if ((body = api_body(req, &errstr, &status)) == NULL)
		return (api_body_error(req, errstr, status));
	if (!api_str_field(body, "memberId", 1, 36, 36, 0, &member,
	    &errstr) || !util_uuid_valid(member)) {
		json_decref(body);
		if (member != NULL)
			kore_free(member);
		return (api_error(req, 400, "bad_request",
		    "memberId must be a member id"));
	}
	json_decref(body);

	dbr = chat_request(req, &chat_op_conversation_open, c.token_hash);
	db_request_param_str(dbr, sid);
	db_request_param_str(dbr, member);
	kore_free(member);
	return (db_request_run(req));
}
