/*
 * src/eio/eio_packet.c: the Engine.IO v4 codec (layer 0: pure, no Kore
 * runtime, only kore_buf and the allocator; unit-tested and fuzzed).
 *
 * Wire format (docs/socketio-wire.md §2):
 *	packet	= <type digit 0-6><data>		text
 *		| "b" <standard base64 with padding>	binary message (polling)
 *	payload	= packet *( 0x1e packet )		polling bodies
 * On a WebSocket a binary message is a binary frame with the raw bytes.
 * Decoding borrows from the input; only base64 is decoded into a caller
 * supplied scratch buffer.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>

#include "eio/eio.h"

static const char	b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int	b64_value(u_int8_t);

/*
 * Make room for len more bytes in buf, growing geometrically (kore_buf
 * grows by exactly what is appended, which makes many small appends
 * quadratic).
 */
void
eio_buf_reserve(struct kore_buf *buf, size_t len)
{
	size_t		want;

	if (buf->length - buf->offset >= len)
		return;
	want = buf->length * 2;
	if (want < buf->offset + len)
		want = buf->offset + len;
	if (want < 128)
		want = 128;
	buf->data = kore_realloc(buf->data, want);
	buf->length = want;
}

/*
 * Decode one packet in its text form (a polling payload element or a
 * WebSocket text frame). On success *pkt borrows from data, or from
 * scratch for a "b" (base64) packet: scratch is reset first and must
 * outlive the use of pkt->data. On failure *errstr is a static string and
 * nothing is allocated beyond scratch's existing buffer.
 */
int
eio_packet_decode(struct eio_packet *pkt, const u_int8_t *data, size_t len,
    struct kore_buf *scratch, const char **errstr)
{
	if (len == 0) {
		*errstr = "empty packet";
		return (KORE_RESULT_ERROR);
	}

	if (data[0] == 'b') {
		kore_buf_reset(scratch);
		if (!eio_base64_decode(scratch, data + 1, len - 1, errstr))
			return (KORE_RESULT_ERROR);
		pkt->type = EIO_PACKET_MESSAGE;
		pkt->binary = 1;
		pkt->data = scratch->data;
		pkt->len = scratch->offset;
		return (KORE_RESULT_OK);
	}

	if (data[0] < '0' || data[0] > '6') {
		*errstr = "invalid packet type";
		return (KORE_RESULT_ERROR);
	}

	pkt->type = data[0] - '0';
	pkt->binary = 0;
	pkt->data = data + 1;
	pkt->len = len - 1;
	return (KORE_RESULT_OK);
}

/*
 * Start iterating over a polling payload of len bytes (borrowed). Fails
 * when the payload is larger than max (maxHttpBufferSize).
 */
int
eio_payload_init(struct eio_payload *pl, const u_int8_t *data, size_t len,
    size_t max, const char **errstr)
{
	if (len > max) {
		*errstr = "payload too large";
		return (KORE_RESULT_ERROR);
	}

	pl->cur = data;
	pl->left = len;
	pl->done = 0;
	return (KORE_RESULT_OK);
}

/*
 * Return the next packet of the payload (split on 0x1e) in *pkt and *len,
 * borrowed. An empty payload and empty elements ("a\x1e", "\x1e") yield
 * empty packets, which eio_packet_decode() rejects, as engine.io-parser
 * does. Returns KORE_RESULT_ERROR when there is nothing left.
 */
int
eio_payload_next(struct eio_payload *pl, const u_int8_t **pkt, size_t *len)
{
	const u_int8_t	*sep;

	if (pl->done)
		return (KORE_RESULT_ERROR);

	sep = (pl->left > 0) ? memchr(pl->cur, EIO_RS, pl->left) : NULL;
	*pkt = pl->cur;
	if (sep == NULL) {
		*len = pl->left;
		pl->cur += pl->left;
		pl->left = 0;
		pl->done = 1;
	} else {
		*len = (size_t)(sep - pl->cur);
		pl->left -= *len + 1;
		pl->cur = sep + 1;
	}

	return (KORE_RESULT_OK);
}

/*
 * Append one packet in its polling (text) form: binary messages become
 * "b" + base64, everything else <digit><data>.
 */
void
eio_packet_encode(struct kore_buf *buf, int type, int binary,
    const void *data, size_t len)
{
	u_int8_t	c;

	if (binary) {
		eio_buf_reserve(buf, 1 + ((len + 2) / 3) * 4);
		kore_buf_append(buf, "b", 1);
		eio_base64_encode(buf, data, len);
		return;
	}

	c = '0' + type;
	eio_buf_reserve(buf, len + 1);
	kore_buf_append(buf, &c, 1);
	if (len > 0)
		kore_buf_append(buf, data, len);
}

/* Append a packet to a polling payload, with 0x1e if buf is not empty. */
void
eio_payload_append(struct kore_buf *buf, int type, int binary,
    const void *data, size_t len)
{
	u_int8_t	rs = EIO_RS;

	eio_buf_reserve(buf, len + 2);
	if (buf->offset > 0)
		kore_buf_append(buf, &rs, 1);
	eio_packet_encode(buf, type, binary, data, len);
}

/* Standard base64 with padding (RFC 4648 §4), appended to buf. */
void
eio_base64_encode(struct kore_buf *buf, const void *data, size_t len)
{
	const u_int8_t	*in = data;
	u_int8_t	*out;
	size_t		i, olen, o;
	u_int32_t	v;

	olen = ((len + 2) / 3) * 4;
	if (olen == 0)
		return;

	/* Grow once, then write in place. */
	eio_buf_reserve(buf, olen);
	out = buf->data + buf->offset;

	o = 0;
	for (i = 0; i + 2 < len; i += 3) {
		v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
		out[o++] = b64_chars[(v >> 18) & 0x3f];
		out[o++] = b64_chars[(v >> 12) & 0x3f];
		out[o++] = b64_chars[(v >> 6) & 0x3f];
		out[o++] = b64_chars[v & 0x3f];
	}

	if (i < len) {
		v = in[i] << 16;
		if (i + 1 < len)
			v |= in[i + 1] << 8;
		out[o++] = b64_chars[(v >> 18) & 0x3f];
		out[o++] = b64_chars[(v >> 12) & 0x3f];
		out[o++] = (i + 1 < len) ? b64_chars[(v >> 6) & 0x3f] : '=';
		out[o++] = '=';
	}

	buf->offset += o;
}

/*
 * Decode standard base64 into buf (appended). Padding is optional (Node's
 * decoder is lenient about it) but when present must be at the end; any
 * other character, or a dangling single character, is an error.
 */
int
eio_base64_decode(struct kore_buf *buf, const u_int8_t *data, size_t len,
    const char **errstr)
{
	size_t		i, n, pad, olen;
	u_int32_t	v;
	int		c;
	u_int8_t	*out;

	pad = 0;
	while (len > 0 && data[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (pad > 0 && (len + pad) % 4 != 0) {
		*errstr = "invalid base64 padding";
		return (KORE_RESULT_ERROR);
	}
	if (len % 4 == 1) {
		*errstr = "invalid base64 length";
		return (KORE_RESULT_ERROR);
	}

	olen = (len / 4) * 3 + ((len % 4) ? (len % 4) - 1 : 0);
	eio_buf_reserve(buf, olen + 1);
	out = buf->data + buf->offset;

	v = 0;
	n = 0;
	for (i = 0; i < len; i++) {
		if ((c = b64_value(data[i])) == -1) {
			*errstr = "invalid base64 character";
			return (KORE_RESULT_ERROR);
		}
		v = (v << 6) | (u_int32_t)c;
		if ((i & 3) == 3) {
			out[n++] = (v >> 16) & 0xff;
			out[n++] = (v >> 8) & 0xff;
			out[n++] = v & 0xff;
			v = 0;
		}
	}

	switch (len & 3) {
	case 2:
		out[n++] = (v >> 4) & 0xff;
		break;
	case 3:
		out[n++] = (v >> 10) & 0xff;
		out[n++] = (v >> 2) & 0xff;
		break;
	}

	buf->offset += n;
	return (KORE_RESULT_OK);
}

/*
 * Write a server-to-client WebSocket frame header (FIN set, no mask) for
 * a payload of len bytes into hdr (at least 10 bytes); returns its size.
 */
size_t
eio_ws_frame_header(u_int8_t *hdr, u_int8_t op, size_t len)
{
	int		i;

	hdr[0] = 0x80 | (op & 0x0f);
	if (len <= 125) {
		hdr[1] = (u_int8_t)len;
		return (2);
	}
	if (len <= 0xffff) {
		hdr[1] = 126;
		hdr[2] = (len >> 8) & 0xff;
		hdr[3] = len & 0xff;
		return (4);
	}

	hdr[1] = 127;
	for (i = 0; i < 8; i++)
		hdr[2 + i] = ((u_int64_t)len >> (56 - 8 * i)) & 0xff;
	return (10);
}

/*
 * Append one Engine.IO packet as a WebSocket frame: binary messages as a
 * binary frame with the raw bytes, everything else as a text frame
 * <digit><data>. The payload is copied once, into buf.
 */
void
eio_ws_frame_packet(struct kore_buf *buf, int type, int binary,
    const void *data, size_t len)
{
	u_int8_t	hdr[11];
	size_t		hlen;

	eio_buf_reserve(buf, len + sizeof(hdr));
	if (binary) {
		hlen = eio_ws_frame_header(hdr, 0x2, len);
		kore_buf_append(buf, hdr, hlen);
	} else {
		hlen = eio_ws_frame_header(hdr, 0x1, len + 1);
		hdr[hlen++] = '0' + type;
		kore_buf_append(buf, hdr, hlen);
	}
	if (len > 0)
		kore_buf_append(buf, data, len);
}

/*
 * Append the open packet: exactly the keys sid, upgrades, pingInterval,
 * pingTimeout and maxPayload (clients check for no extra keys). The sid is
 * ours (URL-safe), so it needs no JSON escaping.
 */
void
eio_packet_open(struct kore_buf *buf, const char *sid, int upgrades,
    u_int32_t ping_interval, u_int32_t ping_timeout, size_t max_payload)
{
	kore_buf_appendf(buf, "0{\"sid\":\"%s\",\"upgrades\":[%s],"
	    "\"pingInterval\":%u,\"pingTimeout\":%u,\"maxPayload\":%zu}",
	    sid, upgrades ? "\"websocket\"" : "", ping_interval, ping_timeout,
	    max_payload);
}

/*
 * Find name=value in a query string (no leading '?'); *val and *vlen borrow
 * from qs. Values are not percent-decoded (EIO, transport and sid never
 * need it). Returns KORE_RESULT_ERROR when the parameter is absent.
 */
int
eio_query_param(const char *qs, const char *name, const char **val,
    size_t *vlen)
{
	const char	*p, *end, *eq;
	size_t		nlen;

	if (qs == NULL)
		return (KORE_RESULT_ERROR);

	nlen = strlen(name);
	p = qs;
	while (*p != '\0') {
		if ((end = strchr(p, '&')) == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    memcmp(p, name, nlen) == 0) {
			*val = eq + 1;
			*vlen = (size_t)(end - eq - 1);
			return (KORE_RESULT_OK);
		}
		if (eq == NULL && (size_t)(end - p) == nlen &&
		    memcmp(p, name, nlen) == 0) {
			*val = end;
			*vlen = 0;
			return (KORE_RESULT_OK);
		}
		p = (*end == '&') ? end + 1 : end;
	}

	return (KORE_RESULT_ERROR);
}

/*
 * The owner worker named by a sid: its first two characters, lowercase
 * hex, 1..255. Returns KORE_RESULT_ERROR for anything that cannot be one
 * of our sids (wrong length or characters).
 */
int
eio_sid_owner(const char *sid, size_t len, u_int16_t *owner)
{
	size_t		i;
	u_int16_t	v;
	char		c;

	if (len != EIO_SID_LEN)
		return (KORE_RESULT_ERROR);

	v = 0;
	for (i = 0; i < len; i++) {
		c = sid[i];
		if (i < 2) {
			if (c >= '0' && c <= '9')
				v = (v << 4) | (u_int16_t)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = (v << 4) | (u_int16_t)(c - 'a' + 10);
			else
				return (KORE_RESULT_ERROR);
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return (KORE_RESULT_ERROR);
	}

	if (v == 0)
		return (KORE_RESULT_ERROR);

	*owner = v;
	return (KORE_RESULT_OK);
}

static int
b64_value(u_int8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}
