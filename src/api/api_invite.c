/*
 * src/api/api_invite.c: POST /api/invites/<inviteCode> joins the server as
 * a GUEST (200 with the server; already a member: the same answer).
 */

#include <sys/types.h>

#include <string.h>

#include "api/api.h"
#include "chat/chat.h"

int
api_invite(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	const char		*code, *p;

	if (http_state_exists(req))
		return (db_request_run(req));
	if (req->method != HTTP_METHOD_POST)
		return (api_chat_method(req, "POST"));
	if (!api_chat_caller(req, &c))
		return (KORE_RESULT_OK);

	code = req->path + strlen("/api/invites/");
	if (strncmp(req->path, "/api/invites/", 13) != 0 || *code == '\0' ||
	    strlen(code) > CHAT_INVITE_MAX)
		return (api_error(req, 400, "bad_request",
		    "the invite code is not valid"));
	for (p = code; *p != '\0'; p++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_'))
			return (api_error(req, 400, "bad_request",
			    "the invite code is not valid"));
	}

	dbr = chat_request(req, &chat_op_invite_join, c.token_hash);
	db_request_param_str(dbr, code);
	return (db_request_run(req));
}
