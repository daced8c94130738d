/*
 * src/chat/chat.h: the chat's domain (layer 5 of DESIGN.md §2): who may do
 * what, and what live sockets see afterwards.
 *
 * The rules themselves live in conf/sql/002_chat.sql, one PL/pgSQL
 * function per operation that authenticates, authorizes, acts and renders
 * in one statement; it returns (status, body, live). History pages are the
 * exception: 004_page_rows.sql returns them as raw rows, rendered as JSON
 * by chat_page.c. This module holds the query descriptors (chat_op.c),
 * runs the "live" instructions after the commit (chat_live.c), renders
 * history pages (chat_page.c), limits floods (chat_rate.c) and serves the
 * Socket.IO side (chat_socket.c).
 *
 * Socket.IO surface (namespace "/", path /api/socket/io):
 *
 *   connect	auth: cookie parley_session from the handshake, or
 *		{token} in the CONNECT payload; a foreign Origin or an unknown
 *		session is refused with CONNECT_ERROR {"message": ...}. The
 *		socket joins "profile:<profileId>" and "server:<serverId>" for
 *		each of its servers.
 *
 *   server -> client events
 *	chat:<channelId>:messages		new channel message (message)
 *	chat:<channelId>:messages:update	edited/deleted message (message)
 *	chat:<conversationId>:messages		new direct message
 *	chat:<conversationId>:messages:update	edited/deleted direct message
 *	typing			{serverId, channelId, profileId} (not to the sender)
 *	presence		{profileId, online} to the profile's servers,
 *				when its first socket connects / last leaves
 *	server:update		server (no channels/members): edited
 *	server:delete		{serverId}
 *	channel:create|update|delete	the channel
 *	member:join		{serverId, profileId}
 *	member:update		{serverId, memberId, role}
 *	member:kick		{serverId, memberId, profileId}
 *
 *   client -> server events (ack: {ok: true, message} or
 *   {ok: false, status, error: {code, message}})
 *	message:send	{serverId, channelId, content, fileUrl?}
 *	message:edit	{serverId, channelId, messageId, content}
 *	message:delete	{serverId, channelId, messageId}
 *	dm:send		{conversationId, content, fileUrl?}
 *	dm:edit		{conversationId, messageId, content}
 *	dm:delete	{conversationId, messageId}
 *	typing		{channelId} (no ack needed; at most 2 per second)
 *	presence:list	{serverId} -> ack {ok: true, profileIds: [...]}
 */
#ifndef CHAT_H
#define CHAT_H

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "db/db.h"

#define CHAT_CONTENT_MAX	4000	/* characters, after trimming */
#define CHAT_NAME_MAX		100
#define CHAT_URL_MAX		2048
#define CHAT_INVITE_MAX		64

/* The live side, wired by chat_socket.c (NULL until a socket server is). */
struct chat_live_ops {
	void	(*emit)(const char **, const char *, const char *);
	void	(*join)(const char *, const char *);
	void	(*leave)(const char *, const char *);
};

/* chat_op.c: one descriptor per function of 002_chat.sql */
extern const struct db_op	chat_op_server_create;
extern const struct db_op	chat_op_server_list;
extern const struct db_op	chat_op_server_get;
extern const struct db_op	chat_op_server_admin;
extern const struct db_op	chat_op_invite_join;
extern const struct db_op	chat_op_channel_admin;
extern const struct db_op	chat_op_member_admin;
extern const struct db_op	chat_op_conversation_open;
extern const struct db_op	chat_op_message_post;
extern const struct db_op	chat_op_message_change;
extern const struct db_op	chat_op_dm_post;
extern const struct db_op	chat_op_dm_change;
extern const struct db_op	chat_op_message_rows;
extern const struct db_op	chat_op_dm_rows;
extern const struct db_op	chat_op_socket_open;
extern const struct db_op	chat_op_socket_close;
extern const struct db_op	chat_op_presence_list;
extern const struct db_op	chat_op_presence_touch;
extern const struct db_op	chat_op_channel_server;
extern const struct db_op	chat_op_member_check;

/* chat_live.c */
void	chat_live_set(const struct chat_live_ops *);
void	chat_live_run(const char *, const char *, size_t);
struct db_request	*chat_request(struct http_request *,
			    const struct db_op *, const char *);
void	chat_result(struct db_request *);

/* chat_page.c */
void	chat_page_messages(struct db_request *);
void	chat_page_dms(struct db_request *);

/* chat_rate.c */
void	chat_rate_init(void);
int	chat_rate_take(const char *);

/* chat_socket.c */
void	chat_socket_init(void);

#endif /* !CHAT_H */
