/*
 * src/api/api_member.c: members (the owner only, never on itself).
 *
 *	PATCH  /api/members/<id>?serverId= {role}	ADMIN|MODERATOR|GUEST
 *	DELETE /api/members/<id>?serverId=		kick
 */

#include <sys/types.h>

#include <string.h>

#include "api/api.h"
#include "chat/chat.h"

int
api_member(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 c;
	char			 sid[UTIL_UUID_LEN + 1];
	char			 id[UTIL_UUID_LEN + 1];
	char			*role;
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
	if (!api_path_uuid(req, "/api/members/", "", id))
		return (api_error(req, 400, "bad_request",
		    "the member id is not a valid id"));
	if (api_qs_uuid(req, "serverId", 1, sid, &errstr) != UTIL_QS_FOUND)
		return (api_error(req, 400, "bad_request", errstr));

	role = NULL;
	if (req->method == HTTP_METHOD_PATCH) {
		if ((body = api_body(req, &errstr, &status)) == NULL)
			return (api_body_error(req, errstr, status));
		if (!api_str_field(body, "role", 1, 1, 16, 1, &role,
		    &errstr)) {
			json_decref(body);
			return (api_error(req, 400, "bad_request", errstr));
		}
		json_decref(body);
		if (strcmp(role, "ADMIN") != 0 &&
		    strcmp(role, "MODERATOR") != 0 &&
		    strcmp(role, "GUEST") != 0) {
			kore_free(role);
			return (api_error(req, 400, "bad_request",
			    "role must be ADMIN, MODERATOR or GUEST"));
		}
	}

	dbr = chat_request(req, &chat_op_member_admin, c.token_hash);
	db_request_param_str(dbr, sid);
	db_request_param_str(dbr, id);
	db_request_param_str(dbr, role != NULL ? "role" : "kick");
	api_chat_param(dbr, role);
	if (role != NULL)
		kore_free(role);
	return (db_request_run(req));
}
