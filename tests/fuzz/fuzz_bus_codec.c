/*
 * tests/fuzz/fuzz_bus_codec.c: libFuzzer target for the bus envelope codec
 * (src/bus/bus_codec.c). Any input is decoded; a decoded envelope must
 * re-encode and decode to the same fields.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "bus/bus.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct bus_envelope	env, again;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kore_buf		buf;
	const char		*errstr;
	size_t			i;

	if (!bus_envelope_decode(&env, data, size, &errstr))
		return (0);

	kore_buf_init(&buf, size + 16);
	if (!bus_envelope_encode(&buf, &env, &errstr))
		abort();
	if (!bus_envelope_decode(&again, buf.data, buf.offset, &errstr))
		abort();
	if (again.kind != env.kind || again.nrooms != env.nrooms ||
	    again.nexcept != env.nexcept || again.nbins != env.nbins ||
	    again.payload_len != env.payload_len)
		abort();
	for (i = 0; i < env.nrooms; i++) {
		if (strcmp(again.rooms[i], env.rooms[i]) != 0)
			abort();
	}
	for (i = 0; i < env.nbins; i++) {
		if (again.bin_lens[i] != env.bin_lens[i] ||
		    memcmp(again.bins[i], env.bins[i], env.bin_lens[i]) != 0)
			abort();
	}
	kore_buf_cleanup(&buf);
	return (0);
}
