// The peer's benchmark fixture: one profile, one server it owns (ADMIN
// member), its `general` TEXT channel; the rows the seed would have after
// sign-up and "create server". Returns the ids the load generator needs.
import fs from 'node:fs';
import pg from 'pg';

export async function peerFixture(databaseUrl) {
	const c = new pg.Client({ connectionString: databaseUrl });
	await c.connect();
	try {
		await c.query(fs.readFileSync(new URL('./schema.sql', import.meta.url), 'utf8'));
		const tag = `bench-${process.pid}-${Date.now()}`;
		const p = await c.query(`INSERT INTO profiles ("userId", name, "imageUrl", email)
		    VALUES ($1, 'bench', 'https://example.com/a.png', $2) RETURNING id`,
		    [tag, `${tag}@example.com`]);
		const profileId = p.rows[0].id;
		const s = await c.query(`INSERT INTO servers (name, "imageUrl", "inviteCode", "profileId")
		    VALUES ('bench', 'https://example.com/s.png', $1, $2) RETURNING id`,
		    [tag, profileId]);
		const serverId = s.rows[0].id;
		await c.query(`INSERT INTO members (role, "profileId", "serverId") VALUES ('ADMIN', $1, $2)`,
		    [profileId, serverId]);
		const ch = await c.query(`INSERT INTO channels (name, type, "profileId", "serverId")
		    VALUES ('general', 'TEXT', $1, $2) RETURNING id`, [profileId, serverId]);
		return { userId: tag, profileId, serverId, channelId: ch.rows[0].id };
	} finally {
		await c.end();
	}
}
