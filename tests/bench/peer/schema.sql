-- The seed's data model (Prisma's, in PostgreSQL): the tables the seed's
-- routes touch, with the camelCase column names Prisma gives them, so that a
-- row is already the JSON the seed's client reads. One index beyond the
-- seed's @@index([channelId]): ("channelId", "createdAt"), so the peer's
-- history page is an index scan, not a sort (the most favourable choice for
-- the peer).
CREATE TABLE IF NOT EXISTS profiles (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	"userId"	text NOT NULL UNIQUE,
	name		text NOT NULL,
	"imageUrl"	text NOT NULL,
	email		text NOT NULL,
	"createdAt"	timestamptz(3) NOT NULL DEFAULT now(),
	"updatedAt"	timestamptz(3) NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS servers (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name		text NOT NULL,
	"imageUrl"	text NOT NULL,
	"inviteCode"	text NOT NULL UNIQUE,
	"profileId"	uuid NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
	"createdAt"	timestamptz(3) NOT NULL DEFAULT now(),
	"updatedAt"	timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS servers_profile ON servers ("profileId");
CREATE TABLE IF NOT EXISTS members (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	role		text NOT NULL DEFAULT 'GUEST',
	"profileId"	uuid NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
	"serverId"	uuid NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
	"createdAt"	timestamptz(3) NOT NULL DEFAULT now(),
	"updatedAt"	timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS members_profile ON members ("profileId");
CREATE INDEX IF NOT EXISTS members_server ON members ("serverId");
CREATE TABLE IF NOT EXISTS channels (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name		text NOT NULL,
	type		text NOT NULL DEFAULT 'TEXT',
	"profileId"	uuid NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
	"serverId"	uuid NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
	"createdAt"	timestamptz(3) NOT NULL DEFAULT now(),
	"updatedAt"	timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS channels_server ON channels ("serverId");
CREATE TABLE IF NOT EXISTS messages (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	content		text NOT NULL,
	"fileUrl"	text,
	"memberId"	uuid NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	"channelId"	uuid NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	deleted		boolean NOT NULL DEFAULT false,
	"createdAt"	timestamptz(3) NOT NULL DEFAULT now(),
	"updatedAt"	timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS messages_channel ON messages ("channelId", "createdAt");
CREATE INDEX IF NOT EXISTS messages_member ON messages ("memberId");
