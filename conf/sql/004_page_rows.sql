-- History pages as raw rows: the C side renders the JSON (src/chat/chat_page.c).
--
-- chat_message_page()/chat_dm_page() of 002_chat.sql render each message
-- with nested json_build_object and six to_char timestamps: that rendering
-- was ~2/3 of the database time of a history read. These two functions
-- authenticate, authorize and page exactly like them (same statuses, same
-- error bodies, same keyset order and limits) but return plain columns:
--
--	the head row	st (HTTP status), js (the error body when st >= 400,
--			else NULL), lim (the page size: 10, or 50 with p_after);
--			every other column NULL
--	then for st = 200, up to lim + 1 message rows in page order (the one
--			beyond lim only tells that a next page exists: its
--			predecessor's id is nextCursor), st/js/lim NULL, and
--			the message, its member and the member's profile, every
--			timestamp as microseconds since the Unix epoch (int8).
--
-- The SQL renderers stay: POST answers and socket events still render
-- messages with chat_message_json()/chat_dm_json(), and chat_message_page()/
-- chat_dm_page() remain as the reference tests/integration/32-chat-render
-- compares the C pages with, byte for byte.

-- Microseconds since the Unix epoch (exact: extract() is numeric).
-- STABLE like extract() itself, so that it is inlined (see 003): declared
-- IMMUTABLE, each call cost a full SQL-function call, ~2 us, 66 per page.
CREATE FUNCTION parley_us(t timestamptz) RETURNS int8
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT (extract(epoch FROM t) * 1000000)::int8
$$;

CREATE FUNCTION chat_message_rows(th text, p_channel uuid, p_cursor uuid,
    p_after uuid)
RETURNS TABLE (st int, js json, lim int,
    id uuid, content text, file_url text, member_id uuid, parent_id uuid,
    deleted boolean, created_us int8, updated_us int8,
    m_role text, m_profile_id uuid, m_server_id uuid,
    m_created_us int8, m_updated_us int8,
    p_user_id text, p_name text, p_image_url text, p_email text,
    p_created_us int8, p_updated_us int8)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
	me	uuid := parley_session_profile(th);
	kc	timestamptz;
	ki	uuid;
BEGIN
	IF me IS NULL THEN
		st := 401;
		js := parley_error('unauthorized', 'no valid session');
		RETURN NEXT;
		RETURN;
	END IF;
	PERFORM FROM channels c0 JOIN members m0
	    ON m0.server_id = c0.server_id AND m0.profile_id = me
	    WHERE c0.id = p_channel;
	IF NOT FOUND THEN
		st := 404;
		js := parley_error('not_found', 'no such channel');
		RETURN NEXT;
		RETURN;
	END IF;
	IF COALESCE(p_cursor, p_after) IS NOT NULL THEN
		SELECT k0.created_at, k0.id INTO kc, ki FROM messages k0
		    WHERE k0.id = COALESCE(p_cursor, p_after)
		    AND k0.channel_id = p_channel;
		IF NOT FOUND THEN
			st := 400;
			js := parley_error('bad_request',
			    'the cursor is not a message of this channel');
			RETURN NEXT;
			RETURN;
		END IF;
	END IF;

	st := 200;
	lim := CASE WHEN p_after IS NOT NULL THEN 50 ELSE 10 END;
	RETURN NEXT;

	IF p_after IS NOT NULL THEN
		RETURN QUERY SELECT NULL::int, NULL::json, NULL::int, x.id,
		    x.content, x.file_url, x.member_id, x.channel_id, x.deleted,
		    parley_us(x.created_at), parley_us(x.updated_at), m.role,
		    m.profile_id, m.server_id, parley_us(m.created_at),
		    parley_us(m.updated_at), p.user_id, p.name, p.image_url,
		    p.email, parley_us(p.created_at), parley_us(p.updated_at)
		    FROM (SELECT * FROM messages x0
			WHERE x0.channel_id = p_channel
			AND (x0.created_at, x0.id) > (kc, ki)
			ORDER BY x0.created_at, x0.id LIMIT 51) x
		    JOIN members m ON m.id = x.member_id
		    JOIN profiles p ON p.id = m.profile_id
		    ORDER BY x.created_at, x.id;
	ELSIF p_cursor IS NOT NULL THEN
		RETURN QUERY SELECT NULL::int, NULL::json, NULL::int, x.id,
		    x.content, x.file_url, x.member_id, x.channel_id, x.deleted,
		    parley_us(x.created_at), parley_us(x.updated_at), m.role,
		    m.profile_id, m.server_id, parley_us(m.created_at),
		    parley_us(m.updated_at), p.user_id, p.name, p.image_url,
		    p.email, parley_us(p.created_at), parley_us(p.updated_at)
		    FROM (SELECT * FROM messages x0
			WHERE x0.channel_id = p_channel
			AND (x0.created_at, x0.id) < (kc, ki)
			ORDER BY x0.created_at DESC, x0.id DESC LIMIT 11) x
		    JOIN members m ON m.id = x.member_id
		    JOIN profiles p ON p.id = m.profile_id
		    ORDER BY x.created_at DESC, x.id DESC;
	ELSE
		RETURN QUERY SELECT NULL::int, NULL::json, NULL::int, x.id,
		    x.content, x.file_url, x.member_id, x.channel_id, x.deleted,
		    parley_us(x.created_at), parley_us(x.updated_at), m.role,
		    m.profile_id, m.server_id, parley_us(m.created_at),
		    parley_us(m.updated_at), p.user_id, p.name, p.image_url,
		    p.email, parley_us(p.created_at), parley_us(p.updated_at)
		    FROM (SELECT * FROM messages x0
			WHERE x0.channel_id = p_channel
			ORDER BY x0.created_at DESC, x0.id DESC LIMIT 11) x
		    JOIN members m ON m.id = x.member_id
		    JOIN profiles p ON p.id = m.profile_id
		    ORDER BY x.created_at DESC, x.id DESC;
	END IF;
END $$;

CREATE FUNCTION chat_dm_rows(th text, p_conv uuid, p_cursor uuid,
    p_after uuid)
RETURNS TABLE (st int, js json, lim int,
    id uuid, content text, file_url text, member_id uuid, parent_id uuid,
    deleted boolean, created_us int8, updated_us int8,
    m_role text, m_profile_id uuid, m_server_id uuid,
    m_created_us int8, m_updated_us int8,
    p_user_id text, p_name text, p_image_url text, p_email text,
    p_created_us int8, p_updated_us int8)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
	me	uuid := parley_session_profile(th);
	kc	timestamptz;
	ki	uuid;
BEGIN
	IF me IS NULL THEN
		st := 401;
		js := parley_error('unauthorized', 'no valid session');
		RETURN NEXT;
		RETURN;
	END IF;
	PERFORM FROM conversations cv JOIN members m0
	    ON m0.id IN (cv.member_one_id, cv.member_two_id)
	    AND m0.profile_id = me WHERE cv.id = p_conv;
	IF NOT FOUND THEN
		st := 404;
		js := parley_error('not_found', 'no such conversation');
		RETURN NEXT;
		RETURN;
	END IF;
	IF COALESCE(p_cursor, p_after) IS NOT NULL THEN
		SELECT k0.created_at, k0.id INTO kc, ki FROM direct_messages k0
		    WHERE k0.id = COALESCE(p_cursor, p_after)
		    AND k0.conversation_id = p_conv;
		IF NOT FOUND THEN
			st := 400;
			js := parley_error('bad_request',
			    'the cursor is not a message of this conversation');
			RETURN NEXT;
			RETURN;
		END IF;
	END IF;

	st := 200;
	lim := CASE WHEN p_after IS NOT NULL THEN 50 ELSE 10 END;
	RETURN NEXT;

	IF p_after IS NOT NULL THEN
		RETURN QUERY SELECT NULL::int, NULL::json, NULL::int, x.id,
		    x.content, x.file_url, x.member_id, x.conversation_id,
		    x.deleted, parley_us(x.created_at), parley_us(x.updated_at),
		    m.role, m.profile_id, m.server_id, parley_us(m.created_at),
		    parley_us(m.updated_at), p.user_id, p.name, p.image_url,
		    p.email, parley_us(p.created_at), parley_us(p.updated_at)
		    FROM (SELECT * FROM direct_messages x0
			WHERE x0.conversation_id = p_conv
			AND (x0.created_at, x0.id) > (kc, ki)
			ORDER BY x0.created_at, x0.id LIMIT 51) x
		    JOIN members m ON m.id = x.member_id
		    JOIN profiles p ON p.id = m.profile_id
		    ORDER BY x.created_at, x.id;
	ELSIF p_cursor IS NOT NULL THEN
		RETURN QUERY SELECT NULL::int, NULL::json, NULL::int, x.id,
		    x.content, x.file_url, x.member_id, x.conversation_id,
		    x.deleted, parley_us(x.created_at), parley_us(x.updated_at),
		    m.role, m.profile_id, m.server_id, parley_us(m.created_at),
		    parley_us(m.updated_at), p.user_id, p.name, p.image_url,
		    p.email, parley_us(p.created_at), parley_us(p.updated_at)
		    FROM (SELECT * FROM direct_messages x0
			WHERE x0.conversation_id = p_conv
			AND (x0.created_at, x0.id) < (kc, ki)
			ORDER BY x0.created_at DESC, x0.id DESC LIMIT 11) x
		    JOIN members m ON m.id = x.member_id
		    JOIN profiles p ON p.id = m.profile_id
		    ORDER BY x.created_at DESC, x.id DESC;
	ELSE
		RETURN QUERY SELECT NULL::int, NULL::json, NULL::int, x.id,
		    x.content, x.file_url, x.member_id, x.conversation_id,
		    x.deleted, parley_us(x.created_at), parley_us(x.updated_at),
		    m.role, m.profile_id, m.server_id, parley_us(m.created_at),
		    parley_us(m.updated_at), p.user_id, p.name, p.image_url,
		    p.email, parley_us(p.created_at), parley_us(p.updated_at)
		    FROM (SELECT * FROM direct_messages x0
			WHERE x0.conversation_id = p_conv
			ORDER BY x0.created_at DESC, x0.id DESC LIMIT 11) x
		    JOIN members m ON m.id = x.member_id
		    JOIN profiles p ON p.id = m.profile_id
		    ORDER BY x.created_at DESC, x.id DESC;
	END IF;
END $$;
