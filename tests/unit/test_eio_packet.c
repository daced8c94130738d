/*
 * tests/unit/test_eio_packet.c: unit tests of src/eio/eio_packet.c, the
 * Engine.IO v4 codec (every packet type, payload splitting, base64 both
 * ways, WebSocket frame headers, the open packet, query and sid parsing).
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>

#include "eio/eio.h"

#define U(s)	((const u_int8_t *)(s))

static void
test_decode_every_type(void **state)
{
	struct eio_packet	pkt;
	struct kore_buf		scratch;
	const char		*errstr = NULL;
	char			in[16];
	int			t;

	(void)state;
	kore_buf_init(&scratch, 16);
	for (t = 0; t <= 6; t++) {
		snprintf(in, sizeof(in), "%dxy", t);
		assert_int_equal(eio_packet_decode(&pkt, U(in), 3, &scratch,
		    &errstr), KORE_RESULT_OK);
		assert_int_equal(pkt.type, t);
		assert_int_equal(pkt.binary, 0);
		assert_int_equal(pkt.len, 2);
		assert_memory_equal(pkt.data, "xy", 2);
	}
	/* A bare type digit has no data. */
	assert_int_equal(eio_packet_decode(&pkt, U("2"), 1, &scratch,
	    &errstr), KORE_RESULT_OK);
	assert_int_equal(pkt.type, EIO_PACKET_PING);
	assert_int_equal(pkt.len, 0);
	/* "3probe" is a pong with data. */
	assert_int_equal(eio_packet_decode(&pkt, U("3probe"), 6, &scratch,
	    &errstr), KORE_RESULT_OK);
	assert_int_equal(pkt.type, EIO_PACKET_PONG);
	assert_memory_equal(pkt.data, "probe", 5);
	kore_buf_cleanup(&scratch);
}

static void
test_decode_rejects_bad_type(void **state)
{
	struct eio_packet	pkt;
	struct kore_buf		scratch;
	const char		*errstr = NULL;
	const char		*bad[] = { "7", "9x", "a", "x4", "/", ":", " 4",
				    "\x1e" };
	size_t			i;

	(void)state;
	kore_buf_init(&scratch, 16);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errstr = NULL;
		assert_int_equal(eio_packet_decode(&pkt, U(bad[i]),
		    strlen(bad[i]), &scratch, &errstr), KORE_RESULT_ERROR);
		assert_string_equal(errstr, "invalid packet type");
	}
	kore_buf_cleanup(&scratch);
}

static void
test_decode_rejects_empty(void **state)
{
	struct eio_packet	pkt;
	struct kore_buf		scratch;
	const char		*errstr = NULL;

	(void)state;
	kore_buf_init(&scratch, 16);
	assert_int_equal(eio_packet_decode(&pkt, U(""), 0, &scratch,
	    &errstr), KORE_RESULT_ERROR);
	assert_string_equal(errstr, "empty packet");
	kore_buf_cleanup(&scratch);
}

static void
test_decode_binary_base64(void **state)
{
	struct eio_packet	pkt;
	struct kore_buf		scratch;
	const char		*errstr = NULL;
	const u_int8_t		want[] = { 1, 2, 3, 4 };

	(void)state;
	kore_buf_init(&scratch, 4);
	assert_int_equal(eio_packet_decode(&pkt, U("bAQIDBA=="), 9, &scratch,
	    &errstr), KORE_RESULT_OK);
	assert_int_equal(pkt.type, EIO_PACKET_MESSAGE);
	assert_int_equal(pkt.binary, 1);
	assert_int_equal(pkt.len, 4);
	assert_memory_equal(pkt.data, want, 4);
	/* Empty binary message. */
	assert_int_equal(eio_packet_decode(&pkt, U("b"), 1, &scratch,
	    &errstr), KORE_RESULT_OK);
	assert_int_equal(pkt.binary, 1);
	assert_int_equal(pkt.len, 0);
	kore_buf_cleanup(&scratch);
}

static void
test_decode_rejects_invalid_base64(void **state)
{
	struct eio_packet	pkt;
	struct kore_buf		scratch;
	const char		*errstr;
	const char		*bad[] = { "bA", "bAQ*D", "bAQIDBA=x", "bA===",
				    "b====", "bAQ=D", "bAB=", "bA\x1e" "B" };
	size_t			i;

	(void)state;
	kore_buf_init(&scratch, 4);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errstr = NULL;
		assert_int_equal(eio_packet_decode(&pkt, U(bad[i]),
		    strlen(bad[i]), &scratch, &errstr), KORE_RESULT_ERROR);
		assert_non_null(errstr);
	}
	kore_buf_cleanup(&scratch);
}

static void
test_base64_round_trip_all_lengths(void **state)
{
	struct kore_buf		enc, dec;
	u_int8_t		in[300];
	const char		*errstr;
	size_t			n, i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (u_int8_t)(i * 7 + 3);
	kore_buf_init(&enc, 8);
	kore_buf_init(&dec, 8);
	for (n = 0; n < sizeof(in); n++) {
		kore_buf_reset(&enc);
		kore_buf_reset(&dec);
		eio_base64_encode(&enc, in, n);
		assert_int_equal(enc.offset, ((n + 2) / 3) * 4);
		assert_int_equal(eio_base64_decode(&dec, enc.data, enc.offset,
		    &errstr), KORE_RESULT_OK);
		assert_int_equal(dec.offset, n);
		if (n > 0)
			assert_memory_equal(dec.data, in, n);
	}
	kore_buf_cleanup(&enc);
	kore_buf_cleanup(&dec);
}

static void
test_base64_known_vectors(void **state)
{
	struct kore_buf		b;
	const char		*errstr;
	const char		*vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
		{ "\xff\xfe\xfd", "//79" }, { "\xfb\xff", "+/8=" },
	};
	size_t			i;

	(void)state;
	kore_buf_init(&b, 4);
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		kore_buf_reset(&b);
		eio_base64_encode(&b, vec[i][0], strlen(vec[i][0]));
		assert_int_equal(b.offset, strlen(vec[i][1]));
		assert_memory_equal(b.data, vec[i][1], b.offset);
		kore_buf_reset(&b);
		assert_int_equal(eio_base64_decode(&b, U(vec[i][1]),
		    strlen(vec[i][1]), &errstr), KORE_RESULT_OK);
		assert_int_equal(b.offset, strlen(vec[i][0]));
		assert_memory_equal(b.data, vec[i][0], b.offset);
	}
	/* Unpadded input is accepted, like Node's decoder. */
	kore_buf_reset(&b);
	assert_int_equal(eio_base64_decode(&b, U("Zm8"), 3, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(b.offset, 2);
	assert_memory_equal(b.data, "fo", 2);
	kore_buf_cleanup(&b);
}

/* Collect the packets of a payload as "type:data|" for easy comparison. */
static int
split(const char *in, size_t len, char *out, size_t outlen)
{
	struct eio_payload	pl;
	const u_int8_t		*p;
	size_t			plen;
	const char		*errstr;
	struct eio_packet	pkt;
	struct kore_buf		scratch;
	int			n;

	out[0] = '\0';
	if (!eio_payload_init(&pl, U(in), len, 1000000, &errstr))
		return (-1);
	kore_buf_init(&scratch, 8);
	n = 0;
	while (eio_payload_next(&pl, &p, &plen)) {
		if (!eio_packet_decode(&pkt, p, plen, &scratch, &errstr)) {
			strncat(out, "ERR|", outlen - strlen(out) - 1);
			break;
		}
		snprintf(out + strlen(out), outlen - strlen(out), "%d%s:%.*s|",
		    pkt.type, pkt.binary ? "b" : "", (int)pkt.len,
		    (const char *)pkt.data);
		n++;
	}
	kore_buf_cleanup(&scratch);
	return (n);
}

static void
test_payload_splits_on_record_separator(void **state)
{
	char	out[256];

	(void)state;
	assert_int_equal(split("4hello\x1e" "2\x1e" "4world", 15, out,
	    sizeof(out)), 3);
	assert_string_equal(out, "4:hello|2:|4:world|");
	assert_int_equal(split("4hello\x1e" "bAQIDBA==", 16, out,
	    sizeof(out)), 2);
	assert_string_equal(out, "4:hello|4b:\x01\x02\x03\x04|");
	assert_int_equal(split("3", 1, out, sizeof(out)), 1);
	assert_string_equal(out, "3:|");
}

static void
test_payload_empty_and_separators_only(void **state)
{
	char	out[256];

	(void)state;
	/* "" decodes as one empty packet: an error. */
	assert_int_equal(split("", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "ERR|");
	assert_int_equal(split("\x1e", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "ERR|");
	assert_int_equal(split("\x1e\x1e\x1e", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "ERR|");
	/* A trailing separator yields an empty last packet: an error. */
	assert_int_equal(split("4a\x1e", 3, out, sizeof(out)), 1);
	assert_string_equal(out, "4:a|ERR|");
	/* Decoding stops at the first bad packet. */
	assert_int_equal(split("4a\x1e" "9\x1e" "4b", 7, out, sizeof(out)),
	    1);
	assert_string_equal(out, "4:a|ERR|");
}

static void
test_payload_rejects_oversized(void **state)
{
	struct eio_payload	pl;
	const char		*errstr = NULL;
	static u_int8_t		big[1001];

	(void)state;
	memset(big, '4', sizeof(big));
	assert_int_equal(eio_payload_init(&pl, big, 1000, 1000, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(eio_payload_init(&pl, big, 1001, 1000, &errstr),
	    KORE_RESULT_ERROR);
	assert_string_equal(errstr, "payload too large");
}

static void
test_encode_polling(void **state)
{
	struct kore_buf		b;
	const u_int8_t		bin[] = { 1, 2, 3, 4 };

	(void)state;
	kore_buf_init(&b, 4);
	eio_payload_append(&b, EIO_PACKET_MESSAGE, 0, "hello", 5);
	eio_payload_append(&b, EIO_PACKET_PING, 0, NULL, 0);
	eio_payload_append(&b, EIO_PACKET_MESSAGE, 1, bin, 4);
	eio_payload_append(&b, EIO_PACKET_NOOP, 0, NULL, 0);
	assert_int_equal(b.offset, 20);
	assert_memory_equal(b.data, "4hello\x1e" "2\x1e" "bAQIDBA==\x1e" "6",
	    20);
	kore_buf_reset(&b);
	eio_packet_encode(&b, EIO_PACKET_CLOSE, 0, NULL, 0);
	assert_int_equal(b.offset, 1);
	assert_memory_equal(b.data, "1", 1);
	kore_buf_cleanup(&b);
}

static void
test_ws_frames(void **state)
{
	struct kore_buf		b;
	u_int8_t		hdr[10];
	static u_int8_t		big[70000];

	(void)state;
	assert_int_equal(eio_ws_frame_header(hdr, 1, 0), 2);
	assert_int_equal(hdr[0], 0x81);
	assert_int_equal(hdr[1], 0);
	assert_int_equal(eio_ws_frame_header(hdr, 2, 125), 2);
	assert_int_equal(hdr[0], 0x82);
	assert_int_equal(hdr[1], 125);
	assert_int_equal(eio_ws_frame_header(hdr, 1, 126), 4);
	assert_int_equal(hdr[1], 126);
	assert_int_equal(hdr[2], 0);
	assert_int_equal(hdr[3], 126);
	assert_int_equal(eio_ws_frame_header(hdr, 1, 65535), 4);
	assert_int_equal(hdr[2], 0xff);
	assert_int_equal(hdr[3], 0xff);
	assert_int_equal(eio_ws_frame_header(hdr, 1, 65536), 10);
	assert_int_equal(hdr[1], 127);
	assert_memory_equal(hdr + 2, "\0\0\0\0\0\x01\0\0", 8);

	kore_buf_init(&b, 4);
	eio_ws_frame_packet(&b, EIO_PACKET_MESSAGE, 0, "hi", 2);
	assert_int_equal(b.offset, 5);
	assert_memory_equal(b.data, "\x81\x03" "4hi", 5);
	kore_buf_reset(&b);
	eio_ws_frame_packet(&b, EIO_PACKET_MESSAGE, 1, "\x01\x02", 2);
	assert_int_equal(b.offset, 4);
	assert_memory_equal(b.data, "\x82\x02\x01\x02", 4);
	kore_buf_reset(&b);
	eio_ws_frame_packet(&b, EIO_PACKET_PONG, 0, "probe", 5);
	assert_memory_equal(b.data, "\x81\x06" "3probe", 8);
	kore_buf_reset(&b);
	eio_ws_frame_packet(&b, EIO_PACKET_MESSAGE, 1, big, sizeof(big));
	assert_int_equal(b.offset, 10 + sizeof(big));
	kore_buf_cleanup(&b);
}

static void
test_open_packet_exact(void **state)
{
	struct kore_buf		b;
	const char		*w1 = "0{\"sid\":\"01abc\",\"upgrades\":"
				    "[\"websocket\"],\"pingInterval\":25000,"
				    "\"pingTimeout\":20000,"
				    "\"maxPayload\":1000000}";
	const char		*w2 = "0{\"sid\":\"01abc\",\"upgrades\":[],"
				    "\"pingInterval\":300,\"pingTimeout\":200,"
				    "\"maxPayload\":1000000}";

	(void)state;
	kore_buf_init(&b, 4);
	eio_packet_open(&b, "01abc", 1, 25000, 20000, 1000000);
	assert_int_equal(b.offset, strlen(w1));
	assert_memory_equal(b.data, w1, b.offset);
	kore_buf_reset(&b);
	eio_packet_open(&b, "01abc", 0, 300, 200, 1000000);
	assert_int_equal(b.offset, strlen(w2));
	assert_memory_equal(b.data, w2, b.offset);
	kore_buf_cleanup(&b);
}

static void
test_query_param(void **state)
{
	const char	*v;
	size_t		n;

	(void)state;
	assert_int_equal(eio_query_param("EIO=4&transport=polling&t=x",
	    "transport", &v, &n), KORE_RESULT_OK);
	assert_int_equal(n, 7);
	assert_memory_equal(v, "polling", 7);
	assert_int_equal(eio_query_param("EIO=4&transport=polling",
	    "EIO", &v, &n), KORE_RESULT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(eio_query_param("xEIO=4&EIOx=3", "EIO", &v, &n),
	    KORE_RESULT_ERROR);
	assert_int_equal(eio_query_param("a=1&sid=&b", "sid", &v, &n),
	    KORE_RESULT_OK);
	assert_int_equal(n, 0);
	assert_int_equal(eio_query_param("a=1&b", "b", &v, &n),
	    KORE_RESULT_OK);
	assert_int_equal(n, 0);
	assert_int_equal(eio_query_param("", "b", &v, &n), KORE_RESULT_ERROR);
	assert_int_equal(eio_query_param(NULL, "b", &v, &n),
	    KORE_RESULT_ERROR);
	assert_int_equal(eio_query_param("&&sid=Q&", "sid", &v, &n),
	    KORE_RESULT_OK);
	assert_int_equal(n, 1);
}

static void
test_sid_owner(void **state)
{
	u_int16_t	w;

	(void)state;
	assert_int_equal(eio_sid_owner("02abcdefghij-_0123456Z", 22, &w),
	    KORE_RESULT_OK);
	assert_int_equal(w, 2);
	assert_int_equal(eio_sid_owner("ffabcdefghij-_0123456Z", 22, &w),
	    KORE_RESULT_OK);
	assert_int_equal(w, 255);
	/* worker 0 does not exist; wrong length; bad characters */
	assert_int_equal(eio_sid_owner("00abcdefghij-_0123456Z", 22, &w),
	    KORE_RESULT_ERROR);
	assert_int_equal(eio_sid_owner("02abc", 5, &w), KORE_RESULT_ERROR);
	assert_int_equal(eio_sid_owner("0Gabcdefghij-_0123456Z", 22, &w),
	    KORE_RESULT_ERROR);
	assert_int_equal(eio_sid_owner("02abcdefghij-_012345/Z", 22, &w),
	    KORE_RESULT_ERROR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_every_type),
		cmocka_unit_test(test_decode_rejects_bad_type),
		cmocka_unit_test(test_decode_rejects_empty),
		cmocka_unit_test(test_decode_binary_base64),
		cmocka_unit_test(test_decode_rejects_invalid_base64),
		cmocka_unit_test(test_base64_round_trip_all_lengths),
		cmocka_unit_test(test_base64_known_vectors),
		cmocka_unit_test(test_payload_splits_on_record_separator),
		cmocka_unit_test(test_payload_empty_and_separators_only),
		cmocka_unit_test(test_payload_rejects_oversized),
		cmocka_unit_test(test_encode_polling),
		cmocka_unit_test(test_ws_frames),
		cmocka_unit_test(test_open_packet_exact),
		cmocka_unit_test(test_query_param),
		cmocka_unit_test(test_sid_owner),
	};

	return (cmocka_run_group_tests_name("eio_packet", tests, NULL, NULL));
}
