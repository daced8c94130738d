/*
 * tests/fuzz/fuzz_eio_packet.c: libFuzzer target for src/eio/eio_packet.c.
 *
 * Feeds the input as a polling payload (split on 0x1e, every packet
 * decoded, "b" packets base64-decoded) and checks invariants: decoded
 * binary data re-encodes to base64 that decodes to the same bytes, text
 * packets re-encode to exactly their input, and the query/sid parsers
 * never read out of bounds.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "eio/eio.h"

int	LLVMFuzzerTestOneInput(const u_int8_t *, size_t);

int
LLVMFuzzerTestOneInput(const u_int8_t *data, size_t len)
{
	struct eio_payload	pl;
	struct eio_packet	pkt;
	struct kore_buf		scratch, enc, dec;
	const u_int8_t		*p;
	size_t			plen, vlen;
	const char		*errstr, *val;
	char			*qs;
	u_int16_t		owner;

	kore_buf_init(&scratch, 16);
	kore_buf_init(&enc, 16);
	kore_buf_init(&dec, 16);

	if (eio_payload_init(&pl, data, len, 1000000, &errstr)) {
		while (eio_payload_next(&pl, &p, &plen)) {
			if (!eio_packet_decode(&pkt, p, plen, &scratch,
			    &errstr))
				break;
			kore_buf_reset(&enc);
			eio_packet_encode(&enc, pkt.type, pkt.binary,
			    pkt.data, pkt.len);
			if (pkt.binary) {
				kore_buf_reset(&dec);
				if (!eio_base64_decode(&dec, enc.data + 1,
				    enc.offset - 1, &errstr))
					abort();
				if (dec.offset != pkt.len || (pkt.len > 0 &&
				    memcmp(dec.data, pkt.data, pkt.len)))
					abort();
			} else if (enc.offset != plen ||
			    memcmp(enc.data, p, plen)) {
				abort();
			}
			kore_buf_reset(&enc);
			eio_ws_frame_packet(&enc, pkt.type, pkt.binary,
			    pkt.data, pkt.len);
		}
	}

	/* The same bytes as a query string and as a sid. */
	qs = malloc(len + 1);
	memcpy(qs, data, len);
	qs[len] = '\0';
	(void)eio_query_param(qs, "sid", &val, &vlen);
	(void)eio_query_param(qs, "EIO", &val, &vlen);
	(void)eio_sid_owner(qs, strlen(qs), &owner);
	free(qs);

	kore_buf_cleanup(&scratch);
	kore_buf_cleanup(&enc);
	kore_buf_cleanup(&dec);
	return (0);
}
