/*
 * src/chat/chat_op.c: the query of every chat operation. Each calls one
 * function of conf/sql/002_chat.sql (plans are cached per connection) that
 * returns (status, body, live); $1 is always the caller's session token
 * hash. The REST adapters and the socket handlers use the same ops, so a
 * message sent over the socket takes exactly the REST code path.
 */

#include <sys/types.h>

#include "chat/chat.h"

#define CHAT_OP(n, q)							\
	const struct db_op chat_op_##n = {				\
		.name = #n,						\
		.sql = q,						\
		.result = chat_result,					\
	}

CHAT_OP(server_create, "SELECT * FROM chat_server_create($1, $2, $3)");
CHAT_OP(server_list, "SELECT * FROM chat_server_list($1)");
CHAT_OP(server_get, "SELECT * FROM chat_server_get($1, $2)");
/* $3 op: update | invite | delete | leave; $4 name, $5 imageUrl */
CHAT_OP(server_admin,
    "SELECT * FROM chat_server_admin($1, $2, $3, $4, $5)");
CHAT_OP(invite_join, "SELECT * FROM chat_invite_join($1, $2)");
/* $2 server, $3 channel (NULL to create), $4 op, $5 name, $6 type */
CHAT_OP(channel_admin,
    "SELECT * FROM chat_channel_admin($1, $2, $3, $4, $5, $6)");
/* $2 server, $3 member, $4 op: role | kick, $5 role */
CHAT_OP(member_admin,
    "SELECT * FROM chat_member_admin($1, $2, $3, $4, $5)");
CHAT_OP(conversation_open,
    "SELECT * FROM chat_conversation_open($1, $2, $3)");
/* $2 server, $3 channel, $4 content, $5 fileUrl */
CHAT_OP(message_post,
    "SELECT * FROM chat_message_post($1, $2, $3, $4, $5)");
/* $2 server, $3 channel, $4 message, $5 op: edit | delete, $6 content */
CHAT_OP(message_change,
    "SELECT * FROM chat_message_change($1, $2, $3, $4, $5, $6)");
/* $2 conversation, $3 content, $4 fileUrl */
CHAT_OP(dm_post, "SELECT * FROM chat_dm_post($1, $2, $3, $4)");
/* $2 conversation, $3 message, $4 op, $5 content */
CHAT_OP(dm_change, "SELECT * FROM chat_dm_change($1, $2, $3, $4, $5)");

/*
 * History pages as raw rows (004_page_rows.sql), rendered by chat_page.c;
 * $2 channel or conversation, $3 cursor, $4 after.
 */
#define CHAT_PAGE(n, q, r)						\
	const struct db_op chat_op_##n = {				\
		.name = #n,						\
		.sql = q,						\
		.result = r,						\
	}

CHAT_PAGE(message_rows, "SELECT * FROM chat_message_rows($1, $2, $3, $4)",
    chat_page_messages);
CHAT_PAGE(dm_rows, "SELECT * FROM chat_dm_rows($1, $2, $3, $4)",
    chat_page_dms);

/* The socket side; db_call only (no result callback). */
#define CHAT_CALL(n, q)							\
	const struct db_op chat_op_##n = {				\
		.name = #n,						\
		.sql = q,						\
	}

/* Rows (profile_id, room, first); $1 token hash, $2 sid, $3 node */
CHAT_CALL(socket_open,
    "SELECT profile_id, room, first FROM chat_socket_open($1, $2, $3)");
/* Row (profile_id, last, rooms) or none; $1 sid */
CHAT_CALL(socket_close,
    "SELECT profile_id, last, rooms FROM chat_socket_close($1)");
/* Row (status, body); $1 profile, $2 server */
CHAT_CALL(presence_list, "SELECT st, js FROM chat_presence_list($1, $2)");
/* $1 node */
CHAT_CALL(presence_touch, "SELECT chat_presence_touch($1)");
/* Row (bool): is $1 (profile) a member of $2 (server)? */
CHAT_CALL(member_check, "SELECT EXISTS (SELECT 1 FROM members "
    "WHERE profile_id = $1 AND server_id = $2)");
/* Rows (server_id); $1 profile, $2 channel */
CHAT_CALL(channel_server,
    "SELECT server_id FROM chat_channel_server($1, $2)");
