/*
 * src/bus/bus_codec.c: the bus envelope codec (layer 0, pure).
 *
 * Layout (all integers big-endian):
 *
 *	'P' 'B' version kind flags 0 origin:u16 time:u64
 *	then fields: tag:u8 len:u32 bytes[len]
 *
 * String fields carry their terminating NUL in len, so a decoded string
 * points straight into the message. The decoder checks every length, the
 * terminator, the absence of interior NULs, unknown or repeated tags, the
 * counts, and the fields each kind requires. Unit-tested in
 * tests/unit/test_bus_codec.c.
 */

#include <sys/types.h>

#include <string.h>

#include <kore/kore.h>

#include "bus/bus.h"

static void	put_field(struct kore_buf *, u_int8_t, const void *, size_t);
static void	put_str(struct kore_buf *, u_int8_t, const char *);
static int	get_str(const u_int8_t *, size_t, const char **);
static int	envelope_complete(const struct bus_envelope *);

/* Zero an envelope and set its kind. */
void
bus_envelope_init(struct bus_envelope *env, u_int8_t kind)
{
	memset(env, 0, sizeof(*env));
	env->kind = kind;
}

/*
 * Append env to buf. Fails (nothing appended) when the kind is unknown,
 * a field the kind needs is missing, or a count is over its limit.
 */
int
bus_envelope_encode(struct kore_buf *buf, const struct bus_envelope *env,
    const char **errstr)
{
	u_int8_t	hdr[BUS_HEADER_LEN];
	size_t		i;
	int		s;

	if (env->kind == 0 || env->kind > BUS_KIND_MAX) {
		*errstr = "unknown kind";
		return (KORE_RESULT_ERROR);
	}
	if (env->nrooms > BUS_ROOMS_MAX || env->nexcept > BUS_ROOMS_MAX ||
	    env->nbins > BUS_BINS_MAX) {
		*errstr = "too many entries";
		return (KORE_RESULT_ERROR);
	}
	if (env->payload_len > BUS_FIELD_MAX) {
		*errstr = "field too large";
		return (KORE_RESULT_ERROR);
	}
	for (i = 0; i < env->nbins; i++) {
		if (env->bin_lens[i] > BUS_FIELD_MAX) {
			*errstr = "field too large";
			return (KORE_RESULT_ERROR);
		}
	}
	if (!envelope_complete(env)) {
		*errstr = "missing field";
		return (KORE_RESULT_ERROR);
	}

	hdr[0] = BUS_MAGIC0;
	hdr[1] = BUS_MAGIC1;
	hdr[2] = BUS_VERSION;
	hdr[3] = env->kind;
	hdr[4] = env->flags;
	hdr[5] = 0;
	hdr[6] = (u_int8_t)(env->origin >> 8);
	hdr[7] = (u_int8_t)env->origin;
	for (s = 0; s < 8; s++)
		hdr[8 + s] = (u_int8_t)(env->time >> (56 - 8 * s));
	kore_buf_append(buf, hdr, sizeof(hdr));

	put_str(buf, BUS_TAG_SRV, env->srv);
	put_str(buf, BUS_TAG_NSP, env->nsp);
	put_str(buf, BUS_TAG_ROOM, env->room);
	put_str(buf, BUS_TAG_EVENT, env->event);
	put_str(buf, BUS_TAG_OFFSET, env->offset);
	put_str(buf, BUS_TAG_SID, env->sid);
	put_str(buf, BUS_TAG_PID, env->pid);
	for (i = 0; i < env->nrooms; i++)
		put_str(buf, BUS_TAG_ROOMS, env->rooms[i]);
	for (i = 0; i < env->nexcept; i++)
		put_str(buf, BUS_TAG_EXCEPT, env->except[i]);
	if (env->payload != NULL)
		put_field(buf, BUS_TAG_PAYLOAD, env->payload, env->payload_len);
	for (i = 0; i < env->nbins; i++)
		put_field(buf, BUS_TAG_BIN, env->bins[i], env->bin_lens[i]);

	return (KORE_RESULT_OK);
}

/*
 * Decode len bytes into *env. On success every pointer in *env borrows
 * from data. On failure *errstr says why and *env must not be used.
 */
int
bus_envelope_decode(struct bus_envelope *env, const u_int8_t *data,
    size_t len, const char **errstr)
{
	size_t		off, flen;
	u_int8_t	tag;
	const char	**slot;
	int		s;

	memset(env, 0, sizeof(*env));

	if (len < BUS_HEADER_LEN || data[0] != BUS_MAGIC0 ||
	    data[1] != BUS_MAGIC1) {
		*errstr = "not a bus envelope";
		return (KORE_RESULT_ERROR);
	}
	if (data[2] != BUS_VERSION) {
		*errstr = "unsupported version";
		return (KORE_RESULT_ERROR);
	}
	if (data[3] == 0 || data[3] > BUS_KIND_MAX) {
		*errstr = "unknown kind";
		return (KORE_RESULT_ERROR);
	}

	env->kind = data[3];
	env->flags = data[4];
	env->origin = (u_int16_t)((data[6] << 8) | data[7]);
	for (s = 0; s < 8; s++)
		env->time = (env->time << 8) | data[8 + s];

	off = BUS_HEADER_LEN;
	while (off < len) {
		if (len - off < 5) {
			*errstr = "truncated field header";
			return (KORE_RESULT_ERROR);
		}
		tag = data[off];
		flen = ((size_t)data[off + 1] << 24) |
		    ((size_t)data[off + 2] << 16) |
		    ((size_t)data[off + 3] << 8) | (size_t)data[off + 4];
		off += 5;
		if (flen > len - off) {
			*errstr = "truncated field";
			return (KORE_RESULT_ERROR);
		}

		slot = NULL;
		switch (tag) {
		case BUS_TAG_SRV:
			slot = &env->srv;
			break;
		case BUS_TAG_NSP:
			slot = &env->nsp;
			break;
		case BUS_TAG_ROOM:
			slot = &env->room;
			break;
		case BUS_TAG_EVENT:
			slot = &env->event;
			break;
		case BUS_TAG_OFFSET:
			slot = &env->offset;
			break;
		case BUS_TAG_SID:
			slot = &env->sid;
			break;
		case BUS_TAG_PID:
			slot = &env->pid;
			break;
		case BUS_TAG_ROOMS:
			if (env->nrooms == BUS_ROOMS_MAX) {
				*errstr = "too many entries";
				return (KORE_RESULT_ERROR);
			}
			slot = &env->rooms[env->nrooms++];
			break;
		case BUS_TAG_EXCEPT:
			if (env->nexcept == BUS_ROOMS_MAX) {
				*errstr = "too many entries";
				return (KORE_RESULT_ERROR);
			}
			slot = &env->except[env->nexcept++];
			break;
		case BUS_TAG_PAYLOAD:
			if (env->payload != NULL) {
				*errstr = "repeated field";
				return (KORE_RESULT_ERROR);
			}
			env->payload = data + off;
			env->payload_len = flen;
			break;
		case BUS_TAG_BIN:
			if (env->nbins == BUS_BINS_MAX) {
				*errstr = "too many entries";
				return (KORE_RESULT_ERROR);
			}
			env->bins[env->nbins] = data + off;
			env->bin_lens[env->nbins++] = flen;
			break;
		default:
			*errstr = "unknown field";
			return (KORE_RESULT_ERROR);
		}

		if (slot != NULL) {
			if (*slot != NULL) {
				*errstr = "repeated field";
				return (KORE_RESULT_ERROR);
			}
			if (!get_str(data + off, flen, slot)) {
				*errstr = "invalid string field";
				return (KORE_RESULT_ERROR);
			}
		}
		off += flen;
	}

	if (!envelope_complete(env)) {
		*errstr = "missing field";
		return (KORE_RESULT_ERROR);
	}

	return (KORE_RESULT_OK);
}

static void
put_field(struct kore_buf *buf, u_int8_t tag, const void *data, size_t len)
{
	u_int8_t	hdr[5];

	hdr[0] = tag;
	hdr[1] = (u_int8_t)(len >> 24);
	hdr[2] = (u_int8_t)(len >> 16);
	hdr[3] = (u_int8_t)(len >> 8);
	hdr[4] = (u_int8_t)len;
	kore_buf_append(buf, hdr, sizeof(hdr));
	if (len > 0)
		kore_buf_append(buf, data, len);
}

static void
put_str(struct kore_buf *buf, u_int8_t tag, const char *s)
{
	if (s == NULL)
		return;
	/* The NUL travels with the string: decoded strings point in place. */
	put_field(buf, tag, s, strlen(s) + 1);
}

static int
get_str(const u_int8_t *data, size_t len, const char **out)
{
	if (len == 0 || data[len - 1] != '\0')
		return (0);
	if (memchr(data, '\0', len - 1) != NULL)
		return (0);
	*out = (const char *)data;
	return (1);
}

/* The fields each kind cannot do without. */
static int
envelope_complete(const struct bus_envelope *env)
{
	switch (env->kind) {
	case BUS_KIND_EMIT:
		return (env->srv != NULL && env->nsp != NULL &&
		    env->event != NULL);
	case BUS_KIND_ROOMS_JOIN:
	case BUS_KIND_ROOMS_LEAVE:
		return (env->srv != NULL && env->nsp != NULL &&
		    env->room != NULL);
	case BUS_KIND_ROOMS_DISC:
		return (env->srv != NULL && env->nsp != NULL);
	case BUS_KIND_SESSION_SAVE:
		return (env->srv != NULL && env->nsp != NULL &&
		    env->sid != NULL && env->pid != NULL);
	case BUS_KIND_SESSION_DROP:
		return (env->srv != NULL && env->pid != NULL);
	}
	return (0);
}
