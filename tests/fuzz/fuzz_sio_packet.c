/*
 * tests/fuzz/fuzz_sio_packet.c: libFuzzer target for the Socket.IO codec
 * (src/sio/sio_packet.c). The input is split on 0x00 bytes into Engine.IO
 * messages; a message starting with 0x01 is binary (the rest is the
 * attachment), any other is a text packet. Every complete packet is
 * re-encoded and decoded again: the round trip must succeed.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <kore/kore.h>

#include "sio/sio.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
roundtrip(struct sio_packet *pkt)
{
	struct kore_buf		buf;
	struct sio_packet	again;
	const char		*errstr;
	char			*json;

	json = NULL;
	if (pkt->data != NULL)
		json = json_dumps(pkt->data, JSON_COMPACT | JSON_ENCODE_ANY);
	kore_buf_init(&buf, 64);
	sio_packet_encode(&buf, pkt->type, pkt->nsp, pkt->id, pkt->attachments,
	    json, json != NULL ? strlen(json) : 0);
	if (!sio_packet_decode(&again, buf.data, buf.offset, &errstr))
		abort();
	if (again.type != pkt->type || again.id != pkt->id ||
	    strcmp(again.nsp, pkt->nsp) != 0)
		abort();
	sio_packet_cleanup(&again);
	kore_buf_cleanup(&buf);
	free(json);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sio_decoder	dec;
	struct sio_packet	pkt;
	const char		*errstr;
	size_t			start, i;
	int			complete;

	sio_decoder_init(&dec);
	start = 0;
	for (i = 0; i <= size; i++) {
		if (i < size && data[i] != 0x00)
			continue;
		if (i > start && data[start] == 0x01) {
			if (!sio_decoder_feed(&dec, 1, data + start + 1,
			    i - start - 1, &pkt, &complete, &errstr))
				break;
		} else {
			if (!sio_decoder_feed(&dec, 0, data + start, i - start,
			    &pkt, &complete, &errstr))
				break;
		}
		if (complete) {
			if (pkt.nbins != pkt.attachments)
				abort();
			roundtrip(&pkt);
			sio_packet_cleanup(&pkt);
		}
		start = i + 1;
	}
	sio_decoder_cleanup(&dec);

	return (0);
}
