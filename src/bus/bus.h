/*
 * src/bus/bus.h: fan-out of Socket.IO operations to the other Kore workers.
 *
 * An operation (an emit, an adapter-wide room operation, a recovery
 * session record) is an envelope: a kind plus a few named fields. The
 * codec (bus_codec.c, layer 0, pure) turns it into bytes and back;
 * bus_worker.c sends the bytes once to every other worker with one
 * kore_msg and hands received envelopes to the subscriber (sio); with
 * bus_node.c turned on (bus_node_init), the bytes go through PostgreSQL
 * NOTIFY instead and reach every worker of every instance.
 * The bus knows nothing of Socket.IO: it only carries strings and bytes.
 */
#ifndef BUS_H
#define BUS_H

#include <sys/types.h>

#include <kore/kore.h>

#define BUS_MAGIC0		'P'
#define BUS_MAGIC1		'B'
#define BUS_VERSION		1
#define BUS_HEADER_LEN		16	/* magic, version, kind, flags, pad,
					   origin u16, time u64 */

#define BUS_ROOMS_MAX		1024	/* rooms and except entries */
#define BUS_BINS_MAX		10	/* binary attachments */
#define BUS_FIELD_MAX		(64 * 1024 * 1024)

/* Envelope kinds. */
#define BUS_KIND_EMIT		1	/* rooms/except, payload, offset, bins */
#define BUS_KIND_ROOMS_JOIN	2	/* rooms/except select, room to join */
#define BUS_KIND_ROOMS_LEAVE	3	/* rooms/except select, room to leave */
#define BUS_KIND_ROOMS_DISC	4	/* rooms/except select; flags: close */
#define BUS_KIND_SESSION_SAVE	5	/* sid, pid, rooms: recoverable */
#define BUS_KIND_SESSION_DROP	6	/* pid: recovered elsewhere */
#define BUS_KIND_MAX		6

/* Envelope flags. */
#define BUS_FLAG_CLOSE		0x01	/* ROOMS_DISC: close the transport */
#define BUS_FLAG_RECOVERY	0x02	/* EMIT: store for recovery */

/* Field tags on the wire. */
#define BUS_TAG_SRV		1
#define BUS_TAG_NSP		2
#define BUS_TAG_ROOM		3
#define BUS_TAG_OFFSET		4
#define BUS_TAG_SID		5
#define BUS_TAG_PID		6
#define BUS_TAG_ROOMS		7	/* repeatable */
#define BUS_TAG_EXCEPT		8	/* repeatable */
#define BUS_TAG_PAYLOAD		9
#define BUS_TAG_BIN		10	/* repeatable */
#define BUS_TAG_EVENT		11

/*
 * A decoded envelope. Every string is NUL-terminated; after
 * bus_envelope_decode() all pointers borrow from the decoded bytes (valid
 * as long as those are). Unset strings are NULL.
 */
struct bus_envelope {
	u_int8_t	kind;			/* BUS_KIND_* */
	u_int8_t	flags;			/* BUS_FLAG_* */
	u_int16_t	origin;			/* worker id of the sender */
	u_int64_t	time;			/* ms, sender's clock */
	const char	*srv;			/* sio server path */
	const char	*nsp;			/* namespace */
	const char	*room;			/* JOIN/LEAVE target */
	const char	*event;			/* EMIT: event name */
	const char	*offset;		/* EMIT: recovery offset */
	const char	*sid;			/* SESSION_SAVE */
	const char	*pid;			/* SESSION_SAVE/DROP */
	const char	*rooms[BUS_ROOMS_MAX];	/* selector / saved rooms */
	size_t		nrooms;
	const char	*except[BUS_ROOMS_MAX];
	size_t		nexcept;
	const u_int8_t	*payload;		/* EMIT: args JSON, untouched */
	size_t		payload_len;
	const u_int8_t	*bins[BUS_BINS_MAX];	/* EMIT: attachments */
	size_t		bin_lens[BUS_BINS_MAX];
	size_t		nbins;
};

/* Subscriber: gets every envelope another worker published. */
typedef void	(*bus_deliver_cb)(const struct bus_envelope *);

/* bus_codec.c: the pure envelope codec */
void	bus_envelope_init(struct bus_envelope *, u_int8_t);
int	bus_envelope_encode(struct kore_buf *, const struct bus_envelope *,
	    const char **);
int	bus_envelope_decode(struct bus_envelope *, const u_int8_t *, size_t,
	    const char **);

/* bus_worker.c: kore_msg fan-out between the workers of one instance */
void	bus_worker_init(u_int8_t, bus_deliver_cb);
int	bus_worker_publish(const struct bus_envelope *);
void	bus_worker_deliver_bytes(const u_int8_t *, size_t, u_int16_t);
u_int16_t	bus_worker_id(void);
void	bus_worker_stats(u_int64_t *, u_int64_t *);

/* bus_node.c: PostgreSQL LISTEN/NOTIFY fan-out across instances */
void	bus_node_init(const char *);
int	bus_node_active(void);
void	bus_node_publish(const u_int8_t *, size_t);

#endif /* !BUS_H */
