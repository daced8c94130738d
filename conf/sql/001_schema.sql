-- parley schema, version 1: the seed's models (Prisma's Profile, Server,
-- Member, Channel, Message, Conversation, DirectMessage) plus accounts and
-- sessions. snake_case here, camelCase in the JSON the functions below
-- render, so the C side passes row JSON through untouched.

CREATE TABLE profiles (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id		text NOT NULL UNIQUE,
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	image_url	text,
	email		text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
	password_hash	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX profiles_email_key ON profiles (lower(email));

-- Session tokens are never stored: only their SHA-256 (hex).
CREATE TABLE sessions (
	token_hash	text PRIMARY KEY CHECK (length(token_hash) = 64),
	profile_id	uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL
);
CREATE INDEX sessions_profile_idx ON sessions (profile_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE servers (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	image_url	text,
	invite_code	text NOT NULL UNIQUE,
	profile_id	uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX servers_profile_idx ON servers (profile_id);

CREATE TABLE members (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	role		text NOT NULL DEFAULT 'GUEST'
			    CHECK (role IN ('ADMIN', 'MODERATOR', 'GUEST')),
	profile_id	uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
	server_id	uuid NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (profile_id, server_id)
);
CREATE INDEX members_server_idx ON members (server_id);

CREATE TABLE channels (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	type		text NOT NULL DEFAULT 'TEXT'
			    CHECK (type IN ('TEXT', 'AUDIO', 'VIDEO')),
	profile_id	uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
	server_id	uuid NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channels_server_idx ON channels (server_id);
CREATE UNIQUE INDEX channels_general_key ON channels (server_id)
    WHERE name = 'general';

CREATE TABLE messages (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	content		text NOT NULL,
	file_url	text,
	member_id	uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	channel_id	uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
	deleted		boolean NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	updated_at	timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- History pages: keyset on (created_at, id) within a channel, newest first.
CREATE INDEX messages_channel_page_idx
    ON messages (channel_id, created_at DESC, id DESC);
CREATE INDEX messages_member_idx ON messages (member_id);

CREATE TABLE conversations (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	member_one_id	uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	member_two_id	uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (member_one_id <> member_two_id)
);
-- One conversation per unordered pair, whatever the order or the race.
CREATE UNIQUE INDEX conversations_pair_key ON conversations
    (LEAST(member_one_id, member_two_id), GREATEST(member_one_id, member_two_id));
CREATE INDEX conversations_two_idx ON conversations (member_two_id);

CREATE TABLE direct_messages (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	content		text NOT NULL,
	file_url	text,
	member_id	uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
	conversation_id	uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	deleted		boolean NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	updated_at	timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX direct_messages_page_idx
    ON direct_messages (conversation_id, created_at DESC, id DESC);
CREATE INDEX direct_messages_member_idx ON direct_messages (member_id);

-- JSON rendering: one function per shape, used by every query.

CREATE FUNCTION parley_ts(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

CREATE FUNCTION parley_error(code text, message text) RETURNS json
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT json_build_object('error',
	    json_build_object('code', code, 'message', message))
$$;

CREATE FUNCTION parley_profile_json(p profiles) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT json_build_object('id', p.id, 'userId', p.user_id,
	    'name', p.name, 'imageUrl', p.image_url, 'email', p.email,
	    'createdAt', parley_ts(p.created_at),
	    'updatedAt', parley_ts(p.updated_at))
$$;

CREATE FUNCTION parley_member_json(m members, p profiles) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT json_build_object('id', m.id, 'role', m.role,
	    'profileId', m.profile_id, 'serverId', m.server_id,
	    'createdAt', parley_ts(m.created_at),
	    'updatedAt', parley_ts(m.updated_at),
	    'profile', parley_profile_json(p))
$$;

-- The caller of a request: the profile behind a live session token hash.
CREATE FUNCTION parley_session_profile(token_hash text) RETURNS uuid
LANGUAGE sql STABLE AS $$
	SELECT s.profile_id FROM sessions s
	WHERE s.token_hash = $1 AND s.expires_at > now()
$$;
