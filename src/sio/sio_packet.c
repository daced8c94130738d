/*
 * src/sio/sio_packet.c: the Socket.IO v5 packet codec (layer 0, pure).
 *
 * Wire format (socketio-wire.md section 8), carried in Engine.IO message
 * packets:
 *
 *	<type>[<#attachments>-][<nsp>,][<ack id>][<JSON payload>]
 *
 * followed, for BINARY_EVENT and BINARY_ACK, by #attachments binary
 * Engine.IO messages. The decoder follows socket.io-parser's rules and is
 * stricter where the reference is sloppy: an empty packet, an EVENT or ACK
 * without payload, an ack id above 2^31-1, JSON nested deeper than
 * SIO_JSON_DEPTH_MAX and a namespace with control characters are errors.
 * Any error means the caller closes the whole Engine.IO session.
 *
 * Nothing here needs Kore's runtime beyond kore_buf and the allocator: the
 * file is unit-tested (tests/unit/test_sio_packet.c) and fuzzed
 * (tests/fuzz/fuzz_sio_packet.c) outside Kore.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <kore/kore.h>

#include "sio/sio.h"
#include "util/util.h"

static int	packet_payload_valid(int, const json_t *);
static int	placeholders_walk(const json_t *, u_int32_t, size_t);
static void	bin_free(struct sio_bin *);

/* Event names a client may not emit (socket.io RESERVED_EVENTS). */
static const char	*reserved_events[] = {
	"connect", "connect_error", "disconnect", "disconnecting",
	"newListener", "removeListener", NULL
};

/*
 * Decode one text Socket.IO packet of len bytes (the Engine.IO message
 * without its '4'). On success *pkt holds a copy of the namespace and an
 * owned jansson payload (NULL when absent); release it with
 * sio_packet_cleanup(). For BINARY_EVENT/BINARY_ACK the attachments are
 * not part of the text: pkt->attachments says how many must follow and
 * every placeholder in the payload has been checked against that count.
 * On failure nothing is allocated and *errstr names the rule broken.
 */
int
sio_packet_decode(struct sio_packet *pkt, const u_int8_t *data, size_t len,
    const char **errstr)
{
	size_t		i, start, nsp_len;
	long long	id;
	u_int32_t	natt;
	json_t		*json;
	json_error_t	jerr;

	memset(pkt, 0, sizeof(*pkt));
	pkt->id = SIO_ACK_NONE;
	pkt->nsp[0] = '/';

	if (len == 0) {
		*errstr = "empty packet";
		return (KORE_RESULT_ERROR);
	}

	if (data[0] < '0' || data[0] > '6') {
		*errstr = "unknown packet type";
		return (KORE_RESULT_ERROR);
	}

	pkt->type = data[0] - '0';
	i = 1;

	/* Binary packets: "<n>-" with 0 <= n <= SIO_MAX_ATTACHMENTS. */
	if (pkt->type == SIO_PACKET_BINARY_EVENT ||
	    pkt->type == SIO_PACKET_BINARY_ACK) {
		natt = 0;
		start = i;
		while (i < len && data[i] >= '0' && data[i] <= '9') {
			if (i - start >= 3) {
				*errstr = "too many attachments";
				return (KORE_RESULT_ERROR);
			}
			natt = natt * 10 + (data[i] - '0');
			i++;
		}
		if (i == start || i >= len || data[i] != '-') {
			*errstr = "illegal attachments";
			return (KORE_RESULT_ERROR);
		}
		if (natt > SIO_MAX_ATTACHMENTS) {
			*errstr = "too many attachments";
			return (KORE_RESULT_ERROR);
		}
		pkt->attachments = natt;
		i++;
	}

	/* Namespace: from '/' up to a ',' (consumed) or the end. */
	if (i < len && data[i] == '/') {
		start = i;
		while (i < len && data[i] != ',') {
			if (data[i] < 0x20 || data[i] == 0x7f) {
				*errstr = "invalid namespace";
				return (KORE_RESULT_ERROR);
			}
			i++;
		}
		nsp_len = i - start;
		if (nsp_len > SIO_NSP_MAX) {
			*errstr = "namespace too long";
			return (KORE_RESULT_ERROR);
		}
		memcpy(pkt->nsp, data + start, nsp_len);
		pkt->nsp[nsp_len] = '\0';
		if (i < len)
			i++;
	}

	/* Ack id: a run of digits, 0 .. 2^31-1. */
	if (i < len && data[i] >= '0' && data[i] <= '9') {
		id = 0;
		while (i < len && data[i] >= '0' && data[i] <= '9') {
			id = id * 10 + (data[i] - '0');
			if (id > SIO_ACK_ID_MAX) {
				*errstr = "invalid ack id";
				return (KORE_RESULT_ERROR);
			}
			i++;
		}
		pkt->id = id;
	}

	json = NULL;
	if (i < len) {
		if (!sio_json_depth_ok(data + i, len - i, SIO_JSON_DEPTH_MAX)) {
			*errstr = "payload nested too deeply";
			return (KORE_RESULT_ERROR);
		}
		json = json_loadb((const char *)data + i, len - i,
		    JSON_DECODE_ANY, &jerr);
		if (json == NULL) {
			*errstr = "invalid payload";
			return (KORE_RESULT_ERROR);
		}
	}

	if (!packet_payload_valid(pkt->type, json)) {
		json_decref(json);
		*errstr = "invalid payload";
		return (KORE_RESULT_ERROR);
	}

	if ((pkt->type == SIO_PACKET_BINARY_EVENT ||
	    pkt->type == SIO_PACKET_BINARY_ACK) &&
	    !sio_placeholders_check(json, pkt->attachments, errstr)) {
		json_decref(json);
		return (KORE_RESULT_ERROR);
	}

	pkt->data = json;
	return (KORE_RESULT_OK);
}

/* Release what sio_packet_decode() or sio_decoder_feed() put in *pkt. */
void
sio_packet_cleanup(struct sio_packet *pkt)
{
	u_int32_t	i;

	if (pkt->data != NULL) {
		json_decref(pkt->data);
		pkt->data = NULL;
	}
	for (i = 0; i < pkt->nbins; i++)
		bin_free(&pkt->bins[i]);
	pkt->nbins = 0;
}

/* Prepare a per-session decoder (nothing pending). */
void
sio_decoder_init(struct sio_decoder *dec)
{
	memset(dec, 0, sizeof(*dec));
}

/* Drop a half-reassembled packet, if any. */
void
sio_decoder_cleanup(struct sio_decoder *dec)
{
	if (dec->pending)
		sio_packet_cleanup(&dec->pkt);
	dec->pending = 0;
}

/*
 * Feed one Engine.IO message (text, or binary when binary != 0) into the
 * session's decoder. Returns KORE_RESULT_OK and sets *complete to 1 when
 * *out holds a whole packet (the caller owns it: sio_packet_cleanup), or
 * to 0 when a binary packet still waits for attachments. Errors (the
 * caller closes the session): any decode error, a text packet while
 * attachments are pending, an attachment nobody announced.
 */
int
sio_decoder_feed(struct sio_decoder *dec, int binary, const u_int8_t *data,
    size_t len, struct sio_packet *out, int *complete, const char **errstr)
{
	struct sio_packet	pkt;
	struct sio_bin		*bin;
	u_int8_t		*copy;

	*complete = 0;

	if (!binary) {
		if (dec->pending) {
			*errstr = "text packet while attachments are pending";
			return (KORE_RESULT_ERROR);
		}
		if (!sio_packet_decode(&pkt, data, len, errstr))
			return (KORE_RESULT_ERROR);
		if ((pkt.type == SIO_PACKET_BINARY_EVENT ||
		    pkt.type == SIO_PACKET_BINARY_ACK) && pkt.attachments > 0) {
			dec->pkt = pkt;
			dec->pending = 1;
			return (KORE_RESULT_OK);
		}
		*out = pkt;
		*complete = 1;
		return (KORE_RESULT_OK);
	}

	if (!dec->pending) {
		*errstr = "unexpected binary attachment";
		return (KORE_RESULT_ERROR);
	}

	copy = kore_malloc(len == 0 ? 1 : len);
	if (len > 0)
		memcpy(copy, data, len);
	bin = &dec->pkt.bins[dec->pkt.nbins++];
	bin->data = copy;
	bin->len = len;

	if (dec->pkt.nbins == dec->pkt.attachments) {
		*out = dec->pkt;
		memset(&dec->pkt, 0, sizeof(dec->pkt));
		dec->pending = 0;
		*complete = 1;
	}

	return (KORE_RESULT_OK);
}

/*
 * Append one packet to buf: type, "<n>-" for binary types, "<nsp>," unless
 * the namespace is "/" (or NULL), the ack id when id >= 0, then json as is
 * (json may be NULL). This is what the Engine.IO message carries after '4'.
 */
void
sio_packet_encode(struct kore_buf *buf, int type, const char *nsp,
    long long id, u_int32_t attachments, const char *json, size_t json_len)
{
	kore_buf_appendf(buf, "%d", type);
	if (type == SIO_PACKET_BINARY_EVENT || type == SIO_PACKET_BINARY_ACK)
		kore_buf_appendf(buf, "%u-", attachments);
	if (nsp != NULL && strcmp(nsp, "/") != 0) {
		kore_buf_append(buf, nsp, strlen(nsp));
		kore_buf_append(buf, ",", 1);
	}
	if (id >= 0)
		kore_buf_appendf(buf, "%lld", id);
	if (json != NULL && json_len > 0)
		kore_buf_append(buf, json, json_len);
}

/*
 * Append an EVENT/ACK-style packet whose payload is built from parts:
 * [ "event", args_json, "offset" ]. event is escaped (NULL for acks: no
 * name), args_json is the caller's pre-encoded, comma-separated list of
 * JSON values without brackets (NULL or "" for none) and is copied
 * untouched: the caller vouches that it is valid JSON. offset (NULL for
 * none) is appended as a last string argument (connection-state
 * recovery).
 */
void
sio_packet_encode_event(struct kore_buf *buf, int type, const char *nsp,
    long long id, u_int32_t attachments, const char *event,
    const char *args_json, size_t args_len, const char *offset)
{
	int		first;

	sio_packet_encode(buf, type, nsp, id, attachments, NULL, 0);
	kore_buf_append(buf, "[", 1);
	first = 1;
	if (event != NULL) {
		util_json_str(buf, event, strlen(event));
		first = 0;
	}
	if (args_json != NULL && args_len > 0) {
		if (!first)
			kore_buf_append(buf, ",", 1);
		kore_buf_append(buf, args_json, args_len);
		first = 0;
	}
	if (offset != NULL) {
		if (!first)
			kore_buf_append(buf, ",", 1);
		util_json_str(buf, offset, strlen(offset));
	}
	kore_buf_append(buf, "]", 1);
}

/*
 * Return 1 if the JSON text never nests arrays/objects deeper than max
 * (brackets inside strings do not count), 0 otherwise. Run before
 * json_loadb() so that a hostile payload costs a linear scan only.
 */
int
sio_json_depth_ok(const u_int8_t *data, size_t len, size_t max)
{
	size_t		i, depth;
	int		in_str;

	depth = 0;
	in_str = 0;
	for (i = 0; i < len; i++) {
		if (in_str) {
			if (data[i] == '\\')
				i++;
			else if (data[i] == '"')
				in_str = 0;
			continue;
		}
		switch (data[i]) {
		case '"':
			in_str = 1;
			break;
		case '[':
		case '{':
			if (++depth > max)
				return (0);
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		}
	}

	return (1);
}

/*
 * Check every {"_placeholder":true,"num":k} in json: k must be an integer
 * with 0 <= k < n ("illegal attachments" otherwise). json may be NULL.
 */
int
sio_placeholders_check(const json_t *json, u_int32_t n, const char **errstr)
{
	if (json == NULL)
		return (KORE_RESULT_OK);
	if (!placeholders_walk(json, n, 0)) {
		*errstr = "illegal attachments";
		return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

/*
 * Format a connection-state recovery offset: the millisecond clock in
 * yeast's alphabet, then the emitting worker and a per-worker sequence,
 * so that offsets from different workers never collide.
 */
void
sio_offset_format(char *out, size_t outlen, u_int64_t now_ms,
    u_int32_t worker_id, u_int32_t seq)
{
	static const char	alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
	    "WXYZabcdefghijklmnopqrstuvwxyz-_";
	char			tmp[16];
	size_t			n, i;

	n = 0;
	do {
		tmp[n++] = alphabet[now_ms & 63];
		now_ms >>= 6;
	} while (now_ms != 0 && n < sizeof(tmp));

	i = 0;
	while (n > 0 && i + 1 < outlen)
		out[i++] = tmp[--n];
	out[i] = '\0';
	(void)snprintf(out + i, outlen - i, ".%u.%u", worker_id, seq);
}

/* Return 1 if name is an event a client may not emit. */
int
sio_event_reserved(const char *name)
{
	int		i;

	for (i = 0; reserved_events[i] != NULL; i++) {
		if (strcmp(reserved_events[i], name) == 0)
			return (1);
	}
	return (0);
}

/* Payload rules per type (socket.io-parser isPayloadValid, stricter). */
static int
packet_payload_valid(int type, const json_t *json)
{
	const json_t	*first;

	switch (type) {
	case SIO_PACKET_CONNECT:
		return (json == NULL || json_is_object(json));
	case SIO_PACKET_DISCONNECT:
		return (json == NULL);
	case SIO_PACKET_CONNECT_ERROR:
		return (json != NULL &&
		    (json_is_string(json) || json_is_object(json)));
	case SIO_PACKET_EVENT:
	case SIO_PACKET_BINARY_EVENT:
		if (json == NULL || !json_is_array(json) ||
		    json_array_size(json) == 0)
			return (0);
		first = json_array_get(json, 0);
		if (json_is_number(first))
			return (1);
		if (!json_is_string(first))
			return (0);
		return (!sio_event_reserved(json_string_value(first)));
	case SIO_PACKET_ACK:
	case SIO_PACKET_BINARY_ACK:
		return (json != NULL && json_is_array(json));
	}

	return (0);
}

static int
placeholders_walk(const json_t *json, u_int32_t n, size_t depth)
{
	const char	*key;
	const json_t	*val, *num;
	size_t		idx;
	json_int_t	k;

	if (depth > SIO_JSON_DEPTH_MAX)
		return (0);

	if (json_is_array(json)) {
		json_array_foreach(json, idx, val) {
			if (!placeholders_walk(val, n, depth + 1))
				return (0);
		}
		return (1);
	}

	if (!json_is_object(json))
		return (1);

	if (json_is_true(json_object_get(json, "_placeholder"))) {
		num = json_object_get(json, "num");
		if (!json_is_integer(num))
			return (0);
		k = json_integer_value(num);
		return (k >= 0 && k < (json_int_t)n);
	}

	json_object_foreach((json_t *)(uintptr_t)json, key, val) {
		if (!placeholders_walk(val, n, depth + 1))
			return (0);
	}
	return (1);
}

static void
bin_free(struct sio_bin *bin)
{
	union {
		const u_int8_t	*c;
		void		*v;
	} u;

	/* The decoder owns the copies it made (sio_decoder_feed). */
	u.c = bin->data;
	kore_free(u.v);
	bin->data = NULL;
	bin->len = 0;
}
