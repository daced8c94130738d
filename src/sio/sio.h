/*
 * src/sio/sio.h: a Socket.IO v5 server for Kore applications, on top of
 * the Engine.IO v4 transport in src/eio/ and the cross-worker bus in src/bus/.
 *
 * Layers inside the module:
 *	sio_packet.c	L0 pure codec: packets, binary reassembly, offsets
 *	sio_room.c	two-way room index (room -> sockets, socket -> rooms)
 *	sio_recover.c	connection-state recovery: replay buffer, sessions
 *	sio_socket.c	per Engine.IO session client, sockets, acks
 *	sio_nsp.c	servers, namespaces, middlewares, handlers
 *	sio_emit.c	emits and adapter-wide room operations over the bus
 *
 * Threading model: Kore workers are processes. Every socket lives on the
 * worker that owns its Engine.IO session and every function here runs on
 * that worker. Emits to rooms and adapter-wide room operations reach every
 * worker through the bus (one kore_msg per operation per worker).
 *
 * A minimal example is in src/sio/README.md.
 */
#ifndef SIO_H
#define SIO_H

#include <sys/queue.h>
#include <sys/types.h>

#include <jansson.h>

#include <kore/kore.h>

/* eio/eio.h is included by the runtime files only: the codec and the room
   index build without it (unit tests, fuzzing). */
struct eio_config;

/* Packet types (socketio-wire.md section 8). */
#define SIO_PACKET_CONNECT		0
#define SIO_PACKET_DISCONNECT		1
#define SIO_PACKET_EVENT		2
#define SIO_PACKET_ACK			3
#define SIO_PACKET_CONNECT_ERROR	4
#define SIO_PACKET_BINARY_EVENT		5
#define SIO_PACKET_BINARY_ACK		6

#define SIO_MAX_ATTACHMENTS	10		/* socket.io-parser maxAttachments */
#define SIO_JSON_DEPTH_MAX	32		/* nesting of arrays/objects */
#define SIO_ACK_ID_MAX		2147483647LL	/* 2^31 - 1 */
#define SIO_ACK_NONE		(-1LL)
#define SIO_NSP_MAX		128		/* bytes of a namespace name */
#define SIO_ID_LEN		20		/* socket ids and pids */
#define SIO_OFFSET_MAX		48		/* recovery offset string */
#define SIO_SOCKET_ROOMS_MAX	1024		/* rooms one socket may be in */
#define SIO_ACK_PENDING_MAX	1024		/* server->client acks waiting */
#define SIO_MW_MAX		8		/* middlewares per namespace */

#define SIO_CONNECT_TIMEOUT	45000		/* ms, socket.io default */
#define SIO_RECOVERY_WINDOW	120000		/* ms, maxDisconnectionDuration */
#define SIO_REPLAY_MAX_PACKETS	20000		/* per namespace and worker */
#define SIO_REPLAY_MAX_BYTES	(16 * 1024 * 1024)
#define SIO_SAVED_MAX		100000		/* saved sessions per nsp */

/* One binary attachment; the bytes are borrowed unless said otherwise. */
struct sio_bin {
	const u_int8_t		*data;
	size_t			len;
};

/*
 * One decoded packet. The namespace is copied, data is owned (jansson
 * reference, NULL when the packet had no payload), bins are owned copies
 * of the attachments of a binary packet, in order (num 0, 1, ...).
 * Placeholders stay in data as {"_placeholder":true,"num":k}: k indexes
 * bins. Release with sio_packet_cleanup().
 */
struct sio_packet {
	int			type;		/* SIO_PACKET_* */
	char			nsp[SIO_NSP_MAX + 1];	/* "/" by default */
	long long		id;		/* ack id or SIO_ACK_NONE */
	u_int32_t		attachments;	/* announced count (5, 6) */
	json_t			*data;		/* payload or NULL */
	struct sio_bin		bins[SIO_MAX_ATTACHMENTS];
	u_int32_t		nbins;		/* attachments received */
};

/*
 * Per Engine.IO session decoder: a binary packet waits here for its
 * attachments, whichever transport they arrive on.
 */
struct sio_decoder {
	struct sio_packet	pkt;		/* the packet being completed */
	int			pending;	/* 1 while attachments miss */
};

struct sio_server;
struct sio_nsp;
struct sio_socket;
struct sio_ack;
struct bus_envelope;

/* Callbacks an application registers. */
typedef void	(*sio_mw_cb)(struct sio_socket *);
typedef void	(*sio_conn_cb)(struct sio_socket *);
typedef void	(*sio_disc_cb)(struct sio_socket *, const char *);
typedef void	(*sio_event_cb)(struct sio_socket *, json_t *, struct sio_ack *);
typedef void	(*sio_ack_cb)(struct sio_socket *, json_t *, const char *, void *);

/* Room index entries: one per (room, socket) pair, linked both ways. */
struct sio_member {
	struct sio_room		*room;
	struct sio_socket	*socket;
	TAILQ_ENTRY(sio_member)	room_list;	/* in room->members */
	TAILQ_ENTRY(sio_member)	sock_list;	/* in socket->rooms */
};

TAILQ_HEAD(sio_member_list, sio_member);

struct sio_room {
	char			*name;
	u_int32_t		hash;
	size_t			count;		/* members */
	struct sio_member_list	members;
	struct sio_room		*next;		/* hash chain */
};

/* room -> sockets; one per namespace (per worker). */
struct sio_room_index {
	struct sio_room		**buckets;
	size_t			nbuckets;	/* power of two */
	size_t			nrooms;
};

/*
 * A socket as the room index sees it: its membership list. Embedded in
 * struct sio_socket; kept separate so that sio_room.c stays pure.
 */
struct sio_room_owner {
	struct sio_member_list	rooms;
	size_t			nrooms;
	u_int64_t		mark;		/* emit dedupe epoch */
};

/* sio_packet.c: the pure codec */
int	sio_packet_decode(struct sio_packet *, const u_int8_t *, size_t,
	    const char **);
void	sio_packet_cleanup(struct sio_packet *);
void	sio_decoder_init(struct sio_decoder *);
void	sio_decoder_cleanup(struct sio_decoder *);
int	sio_decoder_feed(struct sio_decoder *, int, const u_int8_t *, size_t,
	    struct sio_packet *, int *, const char **);
void	sio_packet_encode(struct kore_buf *, int, const char *, long long,
	    u_int32_t, const char *, size_t);
void	sio_packet_encode_event(struct kore_buf *, int, const char *,
	    long long, u_int32_t, const char *, const char *, size_t,
	    const char *);
int	sio_json_depth_ok(const u_int8_t *, size_t, size_t);
int	sio_placeholders_check(const json_t *, u_int32_t, const char **);
size_t	sio_placeholders_count(const json_t *);
void	sio_offset_format(char *, size_t, u_int64_t, u_int32_t, u_int32_t);
int	sio_event_reserved(const char *);

/* sio_room.c: the two-way room index (pure) */
void	sio_room_index_init(struct sio_room_index *);
void	sio_room_index_cleanup(struct sio_room_index *);
struct sio_room	*sio_room_find(struct sio_room_index *, const char *);
int	sio_room_add(struct sio_room_index *, struct sio_room_owner *,
	    struct sio_socket *, const char *);
int	sio_room_del(struct sio_room_index *, struct sio_room_owner *,
	    const char *);
void	sio_room_del_all(struct sio_room_index *, struct sio_room_owner *);
int	sio_room_has(struct sio_room_owner *, const char *);
void	sio_room_owner_init(struct sio_room_owner *);

/*
 * Public API. Full contracts are above each definition; in short:
 *
 * Servers and namespaces (sio_nsp.c), set up in kore_worker_configure,
 * identically on every worker:
 *	sio_server_create(cfg)		eio endpoint + namespace "/"
 *	sio_server_set_connect_timeout	ms without a namespace (45000)
 *	sio_server_set_recovery		window ms, 0 = off (opt-in clients)
 *	sio_nsp_create / sio_nsp_find	other namespaces (unknown: refused)
 *	sio_nsp_use(nsp, mw)		async middleware -> sio_next()
 *	sio_nsp_on_connection / _on_disconnect, sio_on(nsp, event, cb)
 *
 * Sockets (sio_socket.c), only on the worker that owns them (i.e. from
 * their callbacks):
 *	sio_next(s, NULL | reason, data_json)	middleware verdict, once
 *	sio_socket_id/nsp/auth/header/transport/connected/recovered/udata
 *	sio_socket_attachments		binary args during a callback
 *	sio_socket_ref/unref		keep a socket across async work
 *	sio_socket_emit[_bin](s, event, args_json[, bins])
 *	sio_socket_emit_ack(..., timeout, cb, arg)	cb exactly once
 *	sio_socket_join/leave/in	rooms of this socket
 *	sio_socket_disconnect(s, close)	DISCONNECT (+ close the session)
 *	sio_ack_send[_bin] / sio_ack_retain / sio_ack_free
 *
 * Every worker (sio_emit.c; one bus message per call):
 *	sio_nsp_emit[_bin](nsp, rooms|NULL, except|NULL, event, args_json)
 *	sio_nsp_rooms_join/leave(nsp, sel|NULL, room), _disconnect(nsp, sel)
 *
 * args_json everywhere: JSON values separated by commas, no brackets,
 * copied untouched. Room lists: NULL-terminated arrays of strings.
 */

/* sio_nsp.c: servers and namespaces */
struct sio_server	*sio_server_create(const struct eio_config *);
void			 sio_server_set_connect_timeout(struct sio_server *,
			    u_int32_t);
void			 sio_server_set_recovery(struct sio_server *,
			    u_int32_t);
struct sio_nsp		*sio_nsp_create(struct sio_server *, const char *);
struct sio_nsp		*sio_nsp_find(struct sio_server *, const char *);
void	sio_nsp_use(struct sio_nsp *, sio_mw_cb);
void	sio_nsp_on_connection(struct sio_nsp *, sio_conn_cb);
void	sio_nsp_on_disconnect(struct sio_nsp *, sio_disc_cb);
void	sio_on(struct sio_nsp *, const char *, sio_event_cb);
const char	*sio_nsp_name(struct sio_nsp *);
size_t		 sio_nsp_sockets(struct sio_nsp *);

/* sio_socket.c: sockets, acks */
void	sio_next(struct sio_socket *, const char *, const char *);
const char	*sio_socket_id(struct sio_socket *);
struct sio_nsp	*sio_socket_nsp(struct sio_socket *);
json_t		*sio_socket_auth(struct sio_socket *);
const char	*sio_socket_header(struct sio_socket *, const char *);
const char	*sio_socket_transport(struct sio_socket *);
int		 sio_socket_connected(struct sio_socket *);
int		 sio_socket_recovered(struct sio_socket *);
void		 sio_socket_set_udata(struct sio_socket *, void *);
void		*sio_socket_udata(struct sio_socket *);
size_t		 sio_socket_attachments(struct sio_socket *,
		    const struct sio_bin **);
void	sio_socket_ref(struct sio_socket *);
void	sio_socket_unref(struct sio_socket *);
void	sio_socket_disconnect(struct sio_socket *, int);
void	sio_socket_emit(struct sio_socket *, const char *, const char *);
void	sio_socket_emit_bin(struct sio_socket *, const char *, const char *,
	    const struct sio_bin *, size_t);
int	sio_socket_emit_ack(struct sio_socket *, const char *, const char *,
	    const struct sio_bin *, size_t, u_int32_t, sio_ack_cb, void *);
int	sio_socket_join(struct sio_socket *, const char *);
void	sio_socket_leave(struct sio_socket *, const char *);
int	sio_socket_in(struct sio_socket *, const char *);
void	sio_ack_retain(struct sio_ack *);
void	sio_ack_send(struct sio_ack *, const char *);
void	sio_ack_send_bin(struct sio_ack *, const char *,
	    const struct sio_bin *, size_t);
void	sio_ack_free(struct sio_ack *);

/* sio_emit.c: emits and adapter-wide room operations (every worker) */
void	sio_nsp_emit(struct sio_nsp *, const char **, const char **,
	    const char *, const char *);
void	sio_nsp_emit_bin(struct sio_nsp *, const char **, const char **,
	    const char *, const char *, const struct sio_bin *, size_t);
void	sio_nsp_rooms_join(struct sio_nsp *, const char *, const char *);
void	sio_nsp_rooms_leave(struct sio_nsp *, const char *, const char *);
void	sio_nsp_rooms_disconnect(struct sio_nsp *, const char *);

/* sio_stats for /metrics (this worker) */
struct sio_stats {
	u_int64_t	sockets;		/* connected now */
	u_int64_t	rooms;			/* rooms now, all namespaces */
	u_int64_t	emits;			/* emits started here */
	u_int64_t	deliveries;		/* packets sent to sockets */
	u_int64_t	bus_in;			/* bus messages received */
	u_int64_t	bus_out;		/* bus messages sent */
	u_int64_t	protocol_errors;	/* sessions closed for bad input */
	u_int64_t	recovered;		/* successful recoveries */
	u_int64_t	replay_packets;		/* in replay buffers now */
};
void	sio_stats(struct sio_stats *);

#if defined(SIO_INTERNAL)
/* ------------------------------------------------------------------ */
/* Internals shared by the runtime files of src/sio/.                  */

#define SIO_SERVERS_MAX		4	/* sio servers per process */
#define SIO_PURGE_MS		5000	/* recovery purge period */

#define SIO_SOCK_MIDDLEWARE	1	/* CONNECT seen, middlewares run */
#define SIO_SOCK_CONNECTED	2	/* in the namespace */
#define SIO_SOCK_CLOSED		3	/* gone; freed at refs == 0 */

struct sio_handler {
	char			*event;
	sio_event_cb		cb;
	TAILQ_ENTRY(sio_handler) list;
};

/* One stored emit for connection-state recovery (owned copies). */
struct sio_replay {
	TAILQ_ENTRY(sio_replay)	list;
	u_int64_t		at;		/* ms, when stored */
	char			*offset;
	char			*event;
	char			**rooms;	/* NULL: everyone */
	size_t			nrooms;
	char			**except;
	size_t			nexcept;
	char			*args;		/* pre-encoded args or NULL */
	size_t			args_len;
	struct sio_bin		bins[SIO_MAX_ATTACHMENTS];	/* owned */
	size_t			nbins;
	size_t			bytes;		/* accounted size */
};

/* A recoverable session: a socket that lost its transport. */
struct sio_saved {
	TAILQ_ENTRY(sio_saved)	list;
	char			sid[SIO_ID_LEN + 1];
	char			pid[SIO_ID_LEN + 1];
	u_int64_t		expires;	/* ms */
	char			**rooms;
	size_t			nrooms;
};

struct sio_nsp {
	TAILQ_ENTRY(sio_nsp)	list;
	struct sio_server	*srv;
	char			*name;
	sio_mw_cb		mws[SIO_MW_MAX];
	size_t			nmws;
	sio_conn_cb		on_conn;
	sio_disc_cb		on_disc;
	TAILQ_HEAD(, sio_handler) handlers;
	TAILQ_HEAD(, sio_socket) sockets;	/* connected, this worker */
	size_t			nsockets;
	struct sio_room_index	rooms;
	TAILQ_HEAD(sio_replay_head, sio_replay) replay;	/* oldest first */
	size_t			replay_count;
	size_t			replay_bytes;
	TAILQ_HEAD(, sio_saved)	saved;		/* oldest first */
	size_t			nsaved;
};

struct sio_server {
	TAILQ_ENTRY(sio_server)	list;
	int			slot;		/* on_open trampoline */
	struct eio_server	*eio;
	char			*path;		/* identifies it on the bus */
	u_int32_t		connect_timeout;	/* ms */
	u_int32_t		recovery;	/* window ms; 0: off */
	TAILQ_HEAD(, sio_nsp)	nsps;
	struct kore_timer	*purge_timer;
};

/* The Socket.IO side of one Engine.IO session. */
struct sio_client {
	struct eio_session	*es;
	struct sio_server	*srv;
	struct sio_decoder	dec;
	TAILQ_HEAD(, sio_socket) sockets;	/* every state but CLOSED */
	struct kore_timer	*connect_timer;
	struct kore_timer	*attach_timer;	/* binary packet incomplete */
	char			*cookie;	/* handshake headers, copied */
	char			*authorization;
	char			*origin;
	int			closing;	/* eio close requested */
};

/* A server->client emit waiting for its ack. */
struct sio_pending {
	TAILQ_ENTRY(sio_pending) list;
	struct sio_socket	*s;
	long long		id;
	sio_ack_cb		cb;
	void			*arg;
	struct kore_timer	*timer;
};

struct sio_socket {
	TAILQ_ENTRY(sio_socket)	client_list;	/* in client->sockets */
	TAILQ_ENTRY(sio_socket)	nsp_list;	/* in nsp->sockets */
	struct sio_client	*client;	/* NULL once closed */
	struct sio_nsp		*nsp;
	char			id[SIO_ID_LEN + 1];
	char			pid[SIO_ID_LEN + 1];	/* "" unless opted in */
	int			state;		/* SIO_SOCK_* */
	int			recover;	/* opted in to recovery */
	int			recovered;
	size_t			mw_next;	/* next middleware */
	json_t			*auth;		/* CONNECT payload, {} */
	char			*cookie;
	char			*authorization;
	char			*origin;
	void			*udata;
	u_int32_t		refs;
	struct sio_room_owner	rooms;
	long long		next_ack;
	TAILQ_HEAD(, sio_pending) acks;
	size_t			nacks;
	const struct sio_bin	*cur_bins;	/* during a callback */
	size_t			cur_nbins;
};

/* A client's ack request, handed to an event handler. */
struct sio_ack {
	struct sio_socket	*s;
	long long		id;
	int			retained;	/* sio_ack_retain() called */
	int			sent;		/* answered (at most once) */
	int			in_handler;	/* the event handler runs */
};

extern struct sio_stats	sio_counters;
extern TAILQ_HEAD(sio_server_list, sio_server) sio_servers;

/* sio_nsp.c */
struct sio_server	*sio_server_by_path(const char *);
struct sio_handler	*sio_nsp_handler(struct sio_nsp *, const char *);

/* sio_socket.c */
void	sio_client_open(struct sio_server *, struct eio_session *,
	    struct http_request *);
void	sio_client_message(struct eio_session *, int, const u_int8_t *,
	    size_t);
void	sio_client_close(struct eio_session *, const char *);
void	sio_socket_send(struct sio_socket *, const struct kore_buf *,
	    const struct sio_bin *, size_t);
void	sio_socket_close(struct sio_socket *, const char *, int);
void	sio_random_id(char *);

/* sio_emit.c */
void	sio_emit_local(struct sio_nsp *, const char *const *, size_t,
	    const char *const *, size_t, const char *, const char *, size_t,
	    const struct sio_bin *, size_t, const char *);
void	sio_emit_offset(struct sio_nsp *, char *, size_t);
void	sio_bus_deliver(const struct bus_envelope *);
void	sio_bus_session_save(struct sio_socket *);
void	sio_bus_session_drop(struct sio_nsp *, const char *);

/* sio_recover.c */
void	sio_recover_record(struct sio_nsp *, const char *, const char *,
	    const char *const *, size_t, const char *const *, size_t, const char *,
	    size_t, const struct sio_bin *, size_t);
struct sio_replay *sio_recover_find(struct sio_nsp *, const char *);
void	sio_recover_save(struct sio_nsp *, const char *, const char *,
	    const char *const *, size_t);
struct sio_saved *sio_recover_take(struct sio_nsp *, const char *);
void	sio_recover_saved_free(struct sio_saved *);
void	sio_recover_drop(struct sio_nsp *, const char *);
void	sio_recover_purge(struct sio_nsp *, u_int64_t);
void	sio_recover_rooms_op(struct sio_nsp *, int, const char *const *,
	    size_t, const char *const *, size_t, const char *);
int	sio_recover_matches(const struct sio_replay *,
	    struct sio_room_owner *);
#endif /* SIO_INTERNAL */

#endif /* !SIO_H */
