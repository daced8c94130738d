-- parley schema, version 2: the chat's rules, as one function per REST
-- operation. Each function authenticates (the session token hash), checks
-- what the caller may do, acts, and renders the answer:
--
--	st	the HTTP status (401 no session, 403 known but not allowed,
--		404 missing or invisible, 400 bad reference, 409 conflict)
--	js	the JSON body (the error shape when st >= 400)
--	lv	live effects for the C side to run after the commit, one per
--		line (NULL for none), see src/chat/chat_live.c:
--		  E <event> <room>[,<room>...]		emit js to the rooms
--		  P <event> <room>[,<room>...] <json>	emit <json> instead
--		  J <selector-room> <room>		sockets in sel join room
--		  L <selector-room> <room>		sockets in sel leave room
--
-- Rooms: "profile:<id>" holds every socket of a profile, "server:<id>"
-- every socket whose profile is a member of the server (all channel events
-- go there: every channel of a server is readable by all its members).
-- Direct messages are emitted to the two members' profile rooms.
--
-- Every function is one statement for the caller (autocommit), and never
-- raises for an expected outcome: the status is computed here.

CREATE FUNCTION chat_fail(code int, err text, msg text,
    OUT st int, OUT js json, OUT lv text)
LANGUAGE sql IMMUTABLE AS $$
	SELECT code, parley_error(err, msg), NULL::text
$$;

CREATE FUNCTION chat_role_rank(role text) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE role WHEN 'ADMIN' THEN 0 WHEN 'MODERATOR' THEN 1
	    ELSE 2 END
$$;

CREATE FUNCTION chat_server_json(s servers) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', s.id, 'name', s.name,
	    'imageUrl', s.image_url, 'inviteCode', s.invite_code,
	    'profileId', s.profile_id,
	    'createdAt', parley_ts(s.created_at),
	    'updatedAt', parley_ts(s.updated_at))
$$;

CREATE FUNCTION chat_channel_json(c channels) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', c.id, 'name', c.name, 'type', c.type,
	    'profileId', c.profile_id, 'serverId', c.server_id,
	    'createdAt', parley_ts(c.created_at),
	    'updatedAt', parley_ts(c.updated_at))
$$;

-- A server with its channels (oldest first) and members (by role, then
-- age), each member with its profile: the seed's server page.
CREATE FUNCTION chat_server_full_json(s servers) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', s.id, 'name', s.name,
	    'imageUrl', s.image_url, 'inviteCode', s.invite_code,
	    'profileId', s.profile_id,
	    'createdAt', parley_ts(s.created_at),
	    'updatedAt', parley_ts(s.updated_at),
	    'channels', COALESCE((SELECT json_agg(chat_channel_json(c)
		ORDER BY c.created_at, c.id) FROM channels c
		WHERE c.server_id = s.id), '[]'::json),
	    'members', COALESCE((SELECT json_agg(parley_member_json(m, p)
		ORDER BY chat_role_rank(m.role), m.created_at, m.id)
		FROM members m JOIN profiles p ON p.id = m.profile_id
		WHERE m.server_id = s.id), '[]'::json))
$$;

CREATE FUNCTION chat_message_json(x messages, m members, p profiles)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', x.id, 'content', x.content,
	    'fileUrl', x.file_url, 'memberId', x.member_id,
	    'channelId', x.channel_id, 'deleted', x.deleted,
	    'createdAt', parley_ts(x.created_at),
	    'updatedAt', parley_ts(x.updated_at),
	    'member', parley_member_json(m, p))
$$;

CREATE FUNCTION chat_dm_json(x direct_messages, m members, p profiles)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', x.id, 'content', x.content,
	    'fileUrl', x.file_url, 'memberId', x.member_id,
	    'conversationId', x.conversation_id, 'deleted', x.deleted,
	    'createdAt', parley_ts(x.created_at),
	    'updatedAt', parley_ts(x.updated_at),
	    'member', parley_member_json(m, p))
$$;

CREATE FUNCTION chat_conversation_json(c conversations) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', c.id,
	    'memberOneId', c.member_one_id, 'memberTwoId', c.member_two_id,
	    'createdAt', parley_ts(c.created_at),
	    'updatedAt', parley_ts(c.updated_at),
	    'memberOne', (SELECT parley_member_json(m, p) FROM members m
		JOIN profiles p ON p.id = m.profile_id
		WHERE m.id = c.member_one_id),
	    'memberTwo', (SELECT parley_member_json(m, p) FROM members m
		JOIN profiles p ON p.id = m.profile_id
		WHERE m.id = c.member_two_id))
$$;

-- ------------------------------------------------------------ servers

CREATE FUNCTION chat_server_create(th text, p_name text, p_image text)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	s	servers;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	INSERT INTO servers (name, image_url, invite_code, profile_id)
	    VALUES (p_name, p_image, gen_random_uuid()::text, me)
	    RETURNING * INTO s;
	INSERT INTO members (role, profile_id, server_id)
	    VALUES ('ADMIN', me, s.id);
	INSERT INTO channels (name, type, profile_id, server_id)
	    VALUES ('general', 'TEXT', me, s.id);
	RETURN QUERY SELECT 201, chat_server_full_json(s),
	    'J profile:' || me || ' server:' || s.id;
END $$;

CREATE FUNCTION chat_server_list(th text)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql STABLE AS $$
DECLARE
	me	uuid := parley_session_profile(th);
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	RETURN QUERY SELECT 200, COALESCE(json_agg(chat_server_json(s)
	    ORDER BY s.created_at, s.id), '[]'::json), NULL::text
	    FROM members m JOIN servers s ON s.id = m.server_id
	    WHERE m.profile_id = me;
END $$;

CREATE FUNCTION chat_server_get(th text, p_server uuid)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql STABLE AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	s	servers;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	SELECT sv.* INTO s FROM servers sv JOIN members m
	    ON m.server_id = sv.id AND m.profile_id = me
	    WHERE sv.id = p_server;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such server');
		RETURN;
	END IF;
	RETURN QUERY SELECT 200, chat_server_full_json(s), NULL::text;
END $$;

-- What the owner may do to a server: op is 'update', 'invite', 'delete';
-- 'leave' is for everyone but the owner.
CREATE FUNCTION chat_server_admin(th text, p_server uuid, op text,
    p_name text, p_image text)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	s	servers;
	body	json;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	SELECT sv.* INTO s FROM servers sv JOIN members m
	    ON m.server_id = sv.id AND m.profile_id = me
	    WHERE sv.id = p_server;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such server');
		RETURN;
	END IF;

	IF op = 'leave' THEN
		IF s.profile_id = me THEN
			RETURN QUERY SELECT * FROM chat_fail(403, 'forbidden',
			    'the owner cannot leave the server');
			RETURN;
		END IF;
		DELETE FROM members WHERE server_id = s.id
		    AND profile_id = me;
		RETURN QUERY SELECT 200, chat_server_json(s),
		    'L profile:' || me || ' server:' || s.id;
		RETURN;
	END IF;

	IF s.profile_id <> me THEN
		RETURN QUERY SELECT * FROM chat_fail(403, 'forbidden',
		    'only the owner of the server may do this');
		RETURN;
	END IF;

	IF op = 'update' THEN
		UPDATE servers SET name = COALESCE(p_name, name),
		    image_url = COALESCE(p_image, image_url),
		    updated_at = now()
		    WHERE id = s.id RETURNING * INTO s;
		RETURN QUERY SELECT 200, chat_server_full_json(s),
		    'P server:update server:' || s.id || ' ' ||
		    chat_server_json(s)::text;
	ELSIF op = 'invite' THEN
		UPDATE servers SET invite_code = gen_random_uuid()::text,
		    updated_at = now()
		    WHERE id = s.id RETURNING * INTO s;
		RETURN QUERY SELECT 200, chat_server_full_json(s), NULL::text;
	ELSIF op = 'delete' THEN
		body := chat_server_json(s);
		DELETE FROM servers WHERE id = s.id;
		RETURN QUERY SELECT 200, body,
		    'P server:delete server:' || s.id || ' ' ||
		    json_build_object('serverId', s.id)::text || E'\n' ||
		    'L server:' || s.id || ' server:' || s.id;
	ELSE
		RETURN QUERY SELECT * FROM chat_fail(400, 'bad_request',
		    'unknown operation');
	END IF;
END $$;

CREATE FUNCTION chat_invite_join(th text, p_code text)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	s	servers;
	n	int;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	SELECT * INTO s FROM servers WHERE invite_code = p_code;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no server has this invite code');
		RETURN;
	END IF;
	INSERT INTO members (role, profile_id, server_id)
	    VALUES ('GUEST', me, s.id) ON CONFLICT DO NOTHING;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN QUERY SELECT 200, chat_server_full_json(s),
	    CASE WHEN n > 0 THEN 'J profile:' || me || ' server:' || s.id ||
	    E'\nP member:join server:' || s.id || ' ' ||
	    json_build_object('serverId', s.id, 'profileId', me)::text END;
END $$;

-- ------------------------------------------------------------ channels

-- op: 'create' (p_channel NULL), 'update', 'delete'. ADMIN or MODERATOR.
CREATE FUNCTION chat_channel_admin(th text, p_server uuid, p_channel uuid,
    op text, p_name text, p_type text)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	mb	members;
	c	channels;
	s	servers;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	SELECT * INTO mb FROM members WHERE server_id = p_server
	    AND profile_id = me;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such server');
		RETURN;
	END IF;
	IF op <> 'create' THEN
		SELECT * INTO c FROM channels WHERE id = p_channel
		    AND server_id = p_server;
		IF NOT FOUND THEN
			RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
			    'no such channel in this server');
			RETURN;
		END IF;
	END IF;
	IF mb.role NOT IN ('ADMIN', 'MODERATOR') THEN
		RETURN QUERY SELECT * FROM chat_fail(403, 'forbidden',
		    'only admins and moderators manage channels');
		RETURN;
	END IF;
	IF lower(p_name) = 'general' OR (op <> 'create' AND
	    c.name = 'general') THEN
		RETURN QUERY SELECT * FROM chat_fail(400, 'bad_request',
		    'the general channel cannot be created, renamed or deleted');
		RETURN;
	END IF;

	IF op = 'create' THEN
		INSERT INTO channels (name, type, profile_id, server_id)
		    VALUES (p_name, COALESCE(p_type, 'TEXT'), me, p_server)
		    RETURNING * INTO c;
	ELSIF op = 'update' THEN
		UPDATE channels SET name = COALESCE(p_name, name),
		    type = COALESCE(p_type, type), updated_at = now()
		    WHERE id = c.id RETURNING * INTO c;
	ELSE
		DELETE FROM channels WHERE id = c.id;
	END IF;
	UPDATE servers SET updated_at = now() WHERE id = p_server
	    RETURNING * INTO s;
	RETURN QUERY SELECT CASE op WHEN 'create' THEN 201 ELSE 200 END,
	    chat_server_full_json(s),
	    'P channel:' || op || ' server:' || p_server || ' ' ||
	    chat_channel_json(c)::text;
END $$;

-- ------------------------------------------------------------ members

-- op: 'role' or 'kick'. Owner only, never on self.
CREATE FUNCTION chat_member_admin(th text, p_server uuid, p_member uuid,
    op text, p_role text)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	s	servers;
	t	members;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	SELECT sv.* INTO s FROM servers sv JOIN members m
	    ON m.server_id = sv.id AND m.profile_id = me
	    WHERE sv.id = p_server;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such server');
		RETURN;
	END IF;
	SELECT * INTO t FROM members WHERE id = p_member
	    AND server_id = p_server;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such member in this server');
		RETURN;
	END IF;
	IF s.profile_id <> me THEN
		RETURN QUERY SELECT * FROM chat_fail(403, 'forbidden',
		    'only the owner of the server manages members');
		RETURN;
	END IF;
	IF t.profile_id = me THEN
		RETURN QUERY SELECT * FROM chat_fail(403, 'forbidden',
		    'the owner cannot change or kick itself');
		RETURN;
	END IF;

	IF op = 'role' THEN
		UPDATE members SET role = p_role, updated_at = now()
		    WHERE id = t.id;
		RETURN QUERY SELECT 200, chat_server_full_json(s),
		    'P member:update server:' || s.id || ' ' ||
		    json_build_object('serverId', s.id, 'memberId', t.id,
		    'role', p_role)::text;
	ELSE
		DELETE FROM members WHERE id = t.id;
		RETURN QUERY SELECT 200, chat_server_full_json(s),
		    'L profile:' || t.profile_id || ' server:' || s.id ||
		    E'\nP member:kick server:' || s.id || ',profile:' ||
		    t.profile_id || ' ' || json_build_object('serverId', s.id,
		    'memberId', t.id, 'profileId', t.profile_id)::text;
	END IF;
END $$;

-- ------------------------------------------------------------ conversations

CREATE FUNCTION chat_conversation_open(th text, p_server uuid,
    p_member uuid)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	mine	members;
	other	members;
	c	conversations;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	SELECT * INTO mine FROM members WHERE server_id = p_server
	    AND profile_id = me;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such server');
		RETURN;
	END IF;
	SELECT * INTO other FROM members WHERE id = p_member
	    AND server_id = p_server;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such member in this server');
		RETURN;
	END IF;
	IF other.id = mine.id THEN
		RETURN QUERY SELECT * FROM chat_fail(400, 'bad_request',
		    'a conversation needs two different members');
		RETURN;
	END IF;
	-- Atomic get-or-create: the unordered-pair unique index settles
	-- races; the loser's SELECT (a new snapshot) sees the winner's row.
	INSERT INTO conversations (member_one_id, member_two_id)
	    VALUES (mine.id, other.id) ON CONFLICT DO NOTHING
	    RETURNING * INTO c;
	IF c.id IS NULL THEN
		SELECT * INTO c FROM conversations
		    WHERE LEAST(member_one_id, member_two_id) =
			LEAST(mine.id, other.id)
		    AND GREATEST(member_one_id, member_two_id) =
			GREATEST(mine.id, other.id);
	END IF;
	RETURN QUERY SELECT 200, chat_conversation_json(c), NULL::text;
END $$;

-- ------------------------------------------------------------ channel messages

CREATE FUNCTION chat_message_post(th text, p_server uuid, p_channel uuid,
    p_content text, p_file text)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	mb	members;
	pr	profiles;
	c	channels;
	x	messages;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	SELECT * INTO mb FROM members WHERE server_id = p_server
	    AND profile_id = me;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such server');
		RETURN;
	END IF;
	SELECT * INTO c FROM channels WHERE id = p_channel
	    AND server_id = p_server;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such channel in this server');
		RETURN;
	END IF;
	IF c.type <> 'TEXT' THEN
		RETURN QUERY SELECT * FROM chat_fail(400, 'bad_request',
		    'only text channels carry messages');
		RETURN;
	END IF;
	INSERT INTO messages (content, file_url, member_id, channel_id)
	    VALUES (p_content, NULLIF(p_file, ''), mb.id, c.id)
	    RETURNING * INTO x;
	SELECT * INTO pr FROM profiles WHERE id = me;
	RETURN QUERY SELECT 200, chat_message_json(x, mb, pr),
	    'E chat:' || c.id || ':messages server:' || p_server;
END $$;

-- op: 'edit' (author only, not once deleted) or 'delete' (author, ADMIN or
-- MODERATOR; soft, idempotent).
CREATE FUNCTION chat_message_change(th text, p_server uuid, p_channel uuid,
    p_message uuid, op text, p_content text)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	mb	members;
	au	members;
	pr	profiles;
	x	messages;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	SELECT * INTO mb FROM members WHERE server_id = p_server
	    AND profile_id = me;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such server');
		RETURN;
	END IF;
	SELECT x0.* INTO x FROM messages x0 JOIN channels c0
	    ON c0.id = x0.channel_id AND c0.server_id = p_server
	    WHERE x0.id = p_message AND x0.channel_id = p_channel;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such message in this channel');
		RETURN;
	END IF;

	IF op = 'edit' THEN
		IF x.member_id <> mb.id THEN
			RETURN QUERY SELECT * FROM chat_fail(403, 'forbidden',
			    'only the author may edit a message');
			RETURN;
		END IF;
		UPDATE messages SET content = p_content,
		    updated_at = clock_timestamp()
		    WHERE id = x.id AND NOT deleted RETURNING * INTO x;
		IF NOT FOUND THEN
			RETURN QUERY SELECT * FROM chat_fail(409, 'deleted',
			    'a deleted message cannot be edited');
			RETURN;
		END IF;
	ELSE
		IF x.member_id <> mb.id AND
		    mb.role NOT IN ('ADMIN', 'MODERATOR') THEN
			RETURN QUERY SELECT * FROM chat_fail(403, 'forbidden',
			    'only the author, admins and moderators may '
			    'delete a message');
			RETURN;
		END IF;
		UPDATE messages SET content = 'This message has been deleted.',
		    file_url = NULL, deleted = true,
		    updated_at = clock_timestamp()
		    WHERE id = x.id AND NOT deleted RETURNING * INTO x;
		IF NOT FOUND THEN	/* already deleted: same answer, no event */
			SELECT * INTO x FROM messages WHERE id = p_message;
			SELECT * INTO au FROM members WHERE id = x.member_id;
			SELECT * INTO pr FROM profiles WHERE id = au.profile_id;
			RETURN QUERY SELECT 200, chat_message_json(x, au, pr),
			    NULL::text;
			RETURN;
		END IF;
	END IF;
	SELECT * INTO au FROM members WHERE id = x.member_id;
	SELECT * INTO pr FROM profiles WHERE id = au.profile_id;
	RETURN QUERY SELECT 200, chat_message_json(x, au, pr),
	    'E chat:' || x.channel_id || ':messages:update server:' ||
	    p_server;
END $$;

-- History: 10 newest first, before the cursor message (keyset on
-- (created_at, id), served by messages_channel_page_idx), one row looked
-- ahead for nextCursor. With p_after instead: up to 50 messages newer than
-- p_after, oldest first (catch-up after a long disconnection), nextCursor
-- being the last item's id when more exist.
CREATE FUNCTION chat_message_page(th text, p_channel uuid, p_cursor uuid,
    p_after uuid)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql STABLE AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	c	channels;
	k	messages;
	rows	messages[];
	lim	int := 10;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	SELECT c0.* INTO c FROM channels c0 JOIN members m
	    ON m.server_id = c0.server_id AND m.profile_id = me
	    WHERE c0.id = p_channel;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such channel');
		RETURN;
	END IF;
	IF COALESCE(p_cursor, p_after) IS NOT NULL THEN
		SELECT * INTO k FROM messages
		    WHERE id = COALESCE(p_cursor, p_after)
		    AND channel_id = p_channel;
		IF NOT FOUND THEN
			RETURN QUERY SELECT * FROM chat_fail(400, 'bad_request',
			    'the cursor is not a message of this channel');
			RETURN;
		END IF;
	END IF;

	IF p_after IS NOT NULL THEN
		lim := 50;
		SELECT array_agg(x ORDER BY x.created_at, x.id) INTO rows
		    FROM (SELECT * FROM messages
			WHERE channel_id = p_channel
			AND (created_at, id) > (k.created_at, k.id)
			ORDER BY created_at, id LIMIT 51) x;
	ELSIF p_cursor IS NOT NULL THEN
		SELECT array_agg(x ORDER BY x.created_at DESC, x.id DESC)
		    INTO rows
		    FROM (SELECT * FROM messages
			WHERE channel_id = p_channel
			AND (created_at, id) < (k.created_at, k.id)
			ORDER BY created_at DESC, id DESC LIMIT 11) x;
	ELSE
		SELECT array_agg(x ORDER BY x.created_at DESC, x.id DESC)
		    INTO rows
		    FROM (SELECT * FROM messages
			WHERE channel_id = p_channel
			ORDER BY created_at DESC, id DESC LIMIT 11) x;
	END IF;

	RETURN QUERY SELECT 200, json_build_object(
	    'items', COALESCE((SELECT json_agg(chat_message_json(rows[i], m, p)
		ORDER BY i)
		FROM generate_series(1, LEAST(COALESCE(
		    array_length(rows, 1), 0), lim)) i
		JOIN members m ON m.id = (rows[i]).member_id
		JOIN profiles p ON p.id = m.profile_id), '[]'::json),
	    'nextCursor', CASE WHEN COALESCE(array_length(rows, 1), 0) > lim
		THEN (rows[lim]).id END),
	    NULL::text;
END $$;

-- ------------------------------------------------------------ direct messages

-- The caller's member in a conversation, and the two profile rooms.
CREATE FUNCTION chat_dm_post(th text, p_conv uuid, p_content text,
    p_file text)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	cv	conversations;
	mb	members;
	pr	profiles;
	x	direct_messages;
	rooms	text;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	SELECT * INTO cv FROM conversations WHERE id = p_conv;
	SELECT * INTO mb FROM members
	    WHERE id IN (cv.member_one_id, cv.member_two_id)
	    AND profile_id = me;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such conversation');
		RETURN;
	END IF;
	SELECT string_agg('profile:' || m.profile_id, ',') INTO rooms
	    FROM members m WHERE m.id IN (cv.member_one_id, cv.member_two_id);
	INSERT INTO direct_messages (content, file_url, member_id,
	    conversation_id) VALUES (p_content, NULLIF(p_file, ''), mb.id, cv.id)
	    RETURNING * INTO x;
	SELECT * INTO pr FROM profiles WHERE id = me;
	RETURN QUERY SELECT 200, chat_dm_json(x, mb, pr),
	    'E chat:' || cv.id || ':messages ' || rooms;
END $$;

CREATE FUNCTION chat_dm_change(th text, p_conv uuid, p_message uuid,
    op text, p_content text)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	cv	conversations;
	mb	members;
	au	members;
	pr	profiles;
	x	direct_messages;
	rooms	text;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	SELECT * INTO cv FROM conversations WHERE id = p_conv;
	SELECT * INTO mb FROM members
	    WHERE id IN (cv.member_one_id, cv.member_two_id)
	    AND profile_id = me;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such conversation');
		RETURN;
	END IF;
	SELECT * INTO x FROM direct_messages WHERE id = p_message
	    AND conversation_id = cv.id;
	IF NOT FOUND THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such message in this conversation');
		RETURN;
	END IF;
	SELECT string_agg('profile:' || m.profile_id, ',') INTO rooms
	    FROM members m WHERE m.id IN (cv.member_one_id, cv.member_two_id);

	IF op = 'edit' THEN
		IF x.member_id <> mb.id THEN
			RETURN QUERY SELECT * FROM chat_fail(403, 'forbidden',
			    'only the author may edit a message');
			RETURN;
		END IF;
		UPDATE direct_messages SET content = p_content,
		    updated_at = clock_timestamp()
		    WHERE id = x.id AND NOT deleted RETURNING * INTO x;
		IF NOT FOUND THEN
			RETURN QUERY SELECT * FROM chat_fail(409, 'deleted',
			    'a deleted message cannot be edited');
			RETURN;
		END IF;
	ELSE
		IF x.member_id <> mb.id AND
		    mb.role NOT IN ('ADMIN', 'MODERATOR') THEN
			RETURN QUERY SELECT * FROM chat_fail(403, 'forbidden',
			    'only the author, admins and moderators may '
			    'delete a message');
			RETURN;
		END IF;
		UPDATE direct_messages SET
		    content = 'This message has been deleted.',
		    file_url = NULL, deleted = true,
		    updated_at = clock_timestamp()
		    WHERE id = x.id AND NOT deleted RETURNING * INTO x;
		IF NOT FOUND THEN
			SELECT * INTO x FROM direct_messages
			    WHERE id = p_message;
			rooms := NULL;
		END IF;
	END IF;
	SELECT * INTO au FROM members WHERE id = x.member_id;
	SELECT * INTO pr FROM profiles WHERE id = au.profile_id;
	RETURN QUERY SELECT 200, chat_dm_json(x, au, pr),
	    'E chat:' || cv.id || ':messages:update ' || rooms;
END $$;

CREATE FUNCTION chat_dm_page(th text, p_conv uuid, p_cursor uuid,
    p_after uuid)
RETURNS TABLE (st int, js json, lv text) LANGUAGE plpgsql STABLE AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	k	direct_messages;
	rows	direct_messages[];
	lim	int := 10;
BEGIN
	IF me IS NULL THEN
		RETURN QUERY SELECT * FROM chat_fail(401, 'unauthorized',
		    'no valid session');
		RETURN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM conversations cv JOIN members m
	    ON m.id IN (cv.member_one_id, cv.member_two_id)
	    AND m.profile_id = me WHERE cv.id = p_conv) THEN
		RETURN QUERY SELECT * FROM chat_fail(404, 'not_found',
		    'no such conversation');
		RETURN;
	END IF;
	IF COALESCE(p_cursor, p_after) IS NOT NULL THEN
		SELECT * INTO k FROM direct_messages
		    WHERE id = COALESCE(p_cursor, p_after)
		    AND conversation_id = p_conv;
		IF NOT FOUND THEN
			RETURN QUERY SELECT * FROM chat_fail(400, 'bad_request',
			    'the cursor is not a message of this conversation');
			RETURN;
		END IF;
	END IF;

	IF p_after IS NOT NULL THEN
		lim := 50;
		SELECT array_agg(x ORDER BY x.created_at, x.id) INTO rows
		    FROM (SELECT * FROM direct_messages
			WHERE conversation_id = p_conv
			AND (created_at, id) > (k.created_at, k.id)
			ORDER BY created_at, id LIMIT 51) x;
	ELSIF p_cursor IS NOT NULL THEN
		SELECT array_agg(x ORDER BY x.created_at DESC, x.id DESC)
		    INTO rows
		    FROM (SELECT * FROM direct_messages
			WHERE conversation_id = p_conv
			AND (created_at, id) < (k.created_at, k.id)
			ORDER BY created_at DESC, id DESC LIMIT 11) x;
	ELSE
		SELECT array_agg(x ORDER BY x.created_at DESC, x.id DESC)
		    INTO rows
		    FROM (SELECT * FROM direct_messages
			WHERE conversation_id = p_conv
			ORDER BY created_at DESC, id DESC LIMIT 11) x;
	END IF;

	RETURN QUERY SELECT 200, json_build_object(
	    'items', COALESCE((SELECT json_agg(chat_dm_json(rows[i], m, p)
		ORDER BY i)
		FROM generate_series(1, LEAST(COALESCE(
		    array_length(rows, 1), 0), lim)) i
		JOIN members m ON m.id = (rows[i]).member_id
		JOIN profiles p ON p.id = m.profile_id), '[]'::json),
	    'nextCursor', CASE WHEN COALESCE(array_length(rows, 1), 0) > lim
		THEN (rows[lim]).id END),
	    NULL::text;
END $$;

-- ------------------------------------------------------------ sockets

-- Live sockets, for presence across workers and nodes: one row per
-- connected socket, refreshed by its worker (node) every 30 s; rows of a
-- worker that died stop being refreshed and stop counting after 90 s.
CREATE TABLE chat_presence (
	sid		text PRIMARY KEY,
	profile_id	uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
	node		text NOT NULL,
	seen_at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_presence_profile_idx ON chat_presence (profile_id);
CREATE INDEX chat_presence_node_idx ON chat_presence (node);

-- A socket connects: its profile, the rooms it joins ("profile:<id>" and
-- "server:<id>" per membership), and whether it is the profile's first
-- live socket (presence). No row when the session is unknown or expired.
CREATE FUNCTION chat_socket_open(th text, p_sid text, p_node text)
RETURNS TABLE (profile_id uuid, room text, first boolean)
LANGUAGE plpgsql AS $$
DECLARE
	me	uuid := parley_session_profile(th);
	f	boolean;
BEGIN
	IF me IS NULL THEN
		RETURN;
	END IF;
	f := NOT EXISTS (SELECT 1 FROM chat_presence p WHERE p.profile_id = me
	    AND p.seen_at > now() - interval '90 seconds');
	INSERT INTO chat_presence (sid, profile_id, node)
	    VALUES (p_sid, me, p_node)
	    ON CONFLICT (sid) DO UPDATE SET seen_at = now();
	RETURN QUERY SELECT me, 'profile:' || me, f
	    UNION ALL
	    SELECT me, 'server:' || m.server_id, f FROM members m
	    WHERE m.profile_id = me;
END $$;

-- A socket is gone: (profile, last, rooms) where last says no other live
-- socket of the profile remains and rooms lists its server rooms.
CREATE FUNCTION chat_socket_close(p_sid text)
RETURNS TABLE (profile_id uuid, last boolean, rooms text)
LANGUAGE plpgsql AS $$
DECLARE
	me	uuid;
BEGIN
	DELETE FROM chat_presence p WHERE p.sid = p_sid
	    RETURNING p.profile_id INTO me;
	IF me IS NULL THEN
		RETURN;
	END IF;
	RETURN QUERY SELECT me, NOT EXISTS (SELECT 1 FROM chat_presence p
	    WHERE p.profile_id = me
	    AND p.seen_at > now() - interval '90 seconds'),
	    (SELECT string_agg('server:' || m.server_id, ',') FROM members m
	    WHERE m.profile_id = me);
END $$;

-- The online profiles of a server the caller is a member of (else none).
CREATE FUNCTION chat_presence_list(p_profile uuid, p_server uuid)
RETURNS TABLE (st int, js json) LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN EXISTS (SELECT 1 FROM members m
	    WHERE m.server_id = p_server AND m.profile_id = p_profile)
	    THEN 200 ELSE 404 END,
	    CASE WHEN EXISTS (SELECT 1 FROM members m
	    WHERE m.server_id = p_server AND m.profile_id = p_profile)
	    THEN COALESCE((SELECT json_agg(DISTINCT m.profile_id)
		FROM members m JOIN chat_presence p
		ON p.profile_id = m.profile_id
		AND p.seen_at > now() - interval '90 seconds'
		WHERE m.server_id = p_server), '[]'::json)
	    ELSE parley_error('not_found', 'no such server') END
$$;

-- A worker's heartbeat: refresh its sockets, forget long-dead ones.
CREATE FUNCTION chat_presence_touch(p_node text) RETURNS void
LANGUAGE sql AS $$
	UPDATE chat_presence SET seen_at = now() WHERE node = p_node;
	DELETE FROM chat_presence WHERE seen_at < now() - interval '10 minutes';
$$;

-- The server of a channel the profile may read (typing), or no row.
CREATE FUNCTION chat_channel_server(p_profile uuid, p_channel uuid)
RETURNS TABLE (server_id uuid) LANGUAGE sql STABLE AS $$
	SELECT c.server_id FROM channels c JOIN members m
	    ON m.server_id = c.server_id AND m.profile_id = p_profile
	    WHERE c.id = p_channel
$$;
