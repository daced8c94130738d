// The benchmark peer: the seed's stack (Next.js pages API + socket.io +
// a PostgreSQL driver), reduced to what the benchmark exercises and run the
// way the seed runs: one Node.js process, npm socket.io 4.8 attached to a
// plain http server on /api/socket/io (addTrailingSlash: false, as the seed),
// `pg` with a pool of 10, and the seed's two message routes with the seed's
// JSON shapes and database round trips:
//
//   POST /api/socket/messages?serverId=&channelId=  {content, fileUrl?}
//        profile lookup, server (with its members) where the profile is a
//        member, channel of that server, INSERT, then the member with its
//        profile (Prisma's `include`), io.emit("chat:<channelId>:messages")
//        to every socket, 200 with the message.
//   GET  /api/messages?channelId=&cursor=
//        profile lookup, then 10 messages newest first (Prisma's cursor +
//        skip 1), each with member and profile; {items, nextCursor}.
//
// The seed took the profile from its hosted auth service's session; the
// peer authenticates nothing and takes the profile's userId from the
// `X-User-Id` header (the same query the seed runs on the session's userId).
//
// Usage: DATABASE_URL=... PORT=... node server.mjs   (prints "listening PORT")

import http from 'node:http';
import fs from 'node:fs';
import { Server } from 'socket.io';
import pg from 'pg';

const MESSAGES_BATCH = 10;
const port = Number(process.env.PORT || 3000);
const pool = new pg.Pool({
	connectionString: process.env.DATABASE_URL,
	max: 10,
	// Keep the pool's connections (Prisma's pool does not drop them after
	// 10 s idle either); it also keeps the database's CPU accounting stable.
	idleTimeoutMillis: 0,
});

const schema = fs.readFileSync(new URL('./schema.sql', import.meta.url), 'utf8');
await pool.query(schema);

const MESSAGE_COLS = `m.id, m.content, m."fileUrl", m."memberId", m."channelId",
    m.deleted, m."createdAt", m."updatedAt"`;

function send(res, status, obj) {
	const body = JSON.stringify(obj);
	res.writeHead(status, {
		'Content-Type': 'application/json',
		'Content-Length': Buffer.byteLength(body),
	});
	res.end(body);
}

function readBody(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

async function currentProfile(req) {
	const userId = req.headers['x-user-id'];
	if (!userId)
		return null;
	const r = await pool.query('SELECT * FROM profiles WHERE "userId" = $1', [userId]);
	return r.rows[0] || null;
}

// A flat row of messages JOIN members JOIN profiles -> the nested object.
function nest(r) {
	return {
		id: r.id, content: r.content, fileUrl: r.fileUrl, memberId: r.memberId,
		channelId: r.channelId, deleted: r.deleted, createdAt: r.createdAt,
		updatedAt: r.updatedAt,
		member: {
			id: r.mId, role: r.mRole, profileId: r.mProfileId, serverId: r.mServerId,
			createdAt: r.mCreatedAt, updatedAt: r.mUpdatedAt,
			profile: {
				id: r.pId, userId: r.pUserId, name: r.pName, imageUrl: r.pImageUrl,
				email: r.pEmail, createdAt: r.pCreatedAt, updatedAt: r.pUpdatedAt,
			},
		},
	};
}

const JOINED = `${MESSAGE_COLS},
    mb.id AS "mId", mb.role AS "mRole", mb."profileId" AS "mProfileId",
    mb."serverId" AS "mServerId", mb."createdAt" AS "mCreatedAt", mb."updatedAt" AS "mUpdatedAt",
    p.id AS "pId", p."userId" AS "pUserId", p.name AS "pName", p."imageUrl" AS "pImageUrl",
    p.email AS "pEmail", p."createdAt" AS "pCreatedAt", p."updatedAt" AS "pUpdatedAt"
    FROM messages m JOIN members mb ON mb.id = m."memberId" JOIN profiles p ON p.id = mb."profileId"`;

async function postMessage(req, res, url) {
	const profile = await currentProfile(req);
	const raw = await readBody(req);
	let body;
	try {
		body = JSON.parse(raw || '{}');
	} catch {
		return send(res, 400, { error: 'Invalid JSON' });
	}
	const { content, fileUrl } = body;
	const serverId = url.searchParams.get('serverId');
	const channelId = url.searchParams.get('channelId');
	if (!profile)
		return send(res, 401, { error: 'Unauthorized' });
	if (!serverId)
		return send(res, 400, { error: 'Server ID missing' });
	if (!channelId)
		return send(res, 400, { error: 'Channel ID missing' });
	if (!content)
		return send(res, 400, { error: 'Content missing' });

	// db.server.findFirst({where: {id, members: {some: {profileId}}}, include: {members: true}})
	const srv = await pool.query(`SELECT s.* FROM servers s WHERE s.id = $1 AND EXISTS
	    (SELECT 1 FROM members mb WHERE mb."serverId" = s.id AND mb."profileId" = $2)`,
	    [serverId, profile.id]);
	if (srv.rows.length === 0)
		return send(res, 404, { message: 'Server not found' });
	const members = await pool.query('SELECT * FROM members WHERE "serverId" = $1', [serverId]);
	// db.channel.findFirst({where: {id: channelId, serverId}})
	const ch = await pool.query('SELECT * FROM channels WHERE id = $1 AND "serverId" = $2',
	    [channelId, serverId]);
	if (ch.rows.length === 0)
		return send(res, 404, { message: 'Channel not found' });
	const member = members.rows.find((m) => m.profileId === profile.id);
	if (!member)
		return send(res, 404, { message: 'Member not found' });

	// db.message.create({data, include: {member: {include: {profile: true}}}})
	const ins = await pool.query(`INSERT INTO messages (content, "fileUrl", "channelId", "memberId")
	    VALUES ($1, $2, $3, $4) RETURNING *`, [content, fileUrl ?? null, channelId, member.id]);
	const withMember = await pool.query(`SELECT mb.id AS "mId", mb.role AS "mRole",
	    mb."profileId" AS "mProfileId", mb."serverId" AS "mServerId",
	    mb."createdAt" AS "mCreatedAt", mb."updatedAt" AS "mUpdatedAt",
	    p.id AS "pId", p."userId" AS "pUserId", p.name AS "pName", p."imageUrl" AS "pImageUrl",
	    p.email AS "pEmail", p."createdAt" AS "pCreatedAt", p."updatedAt" AS "pUpdatedAt"
	    FROM members mb JOIN profiles p ON p.id = mb."profileId" WHERE mb.id = $1`, [member.id]);
	const message = nest({ ...ins.rows[0], ...withMember.rows[0] });

	io.emit(`chat:${channelId}:messages`, message);
	return send(res, 200, message);
}

async function getMessages(req, res, url) {
	const profile = await currentProfile(req);
	if (!profile)
		return send(res, 401, { error: 'Unauthorized' });
	const cursor = url.searchParams.get('cursor');
	const channelId = url.searchParams.get('channelId');
	if (!channelId)
		return send(res, 400, { error: 'Channel ID missing' });
	let r;
	if (cursor) {
		// Prisma: cursor {id}, skip 1, orderBy createdAt desc.
		r = await pool.query(`SELECT ${JOINED} WHERE m."channelId" = $1 AND m."createdAt" <=
		    (SELECT "createdAt" FROM messages WHERE id = $2)
		    ORDER BY m."createdAt" DESC OFFSET 1 LIMIT $3`, [channelId, cursor, MESSAGES_BATCH]);
	} else {
		r = await pool.query(`SELECT ${JOINED} WHERE m."channelId" = $1
		    ORDER BY m."createdAt" DESC LIMIT $2`, [channelId, MESSAGES_BATCH]);
	}
	const items = r.rows.map(nest);
	let nextCursor = null;
	if (items.length === MESSAGES_BATCH)
		nextCursor = items[MESSAGES_BATCH - 1].id;
	return send(res, 200, { items, nextCursor });
}

const httpServer = http.createServer(async (req, res) => {
	const url = new URL(req.url, 'http://peer');
	try {
		if (req.method === 'POST' && url.pathname === '/api/socket/messages')
			return await postMessage(req, res, url);
		if (req.method === 'GET' && url.pathname === '/api/messages')
			return await getMessages(req, res, url);
		send(res, 404, { error: 'Not found' });
	} catch (err) {
		console.error('[peer]', err.message);
		if (!res.headersSent)
			send(res, 500, { message: 'Internal Error' });
	}
});

// As the seed's pages/api/socket/io.ts.
const io = new Server(httpServer, {
	path: '/api/socket/io',
	addTrailingSlash: false,
});

httpServer.listen(port, '127.0.0.1', 4096, () => {
	console.log(`listening ${port}`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
	process.on(sig, () => {
		io.close();
		pool.end().finally(() => process.exit(0));
		setTimeout(() => process.exit(0), 1000).unref();
	});
}
