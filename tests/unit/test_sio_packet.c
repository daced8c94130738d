/*
 * tests/unit/test_sio_packet.c: the Socket.IO v5 codec (src/sio/sio_packet.c):
 * every decode rule of socketio-wire.md section 8, binary reassembly, the
 * encoder's exact bytes and the helpers.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <kore/kore.h>

#include "sio/sio.h"

static int
dec(struct sio_packet *pkt, const char *s, const char **errstr)
{
	*errstr = NULL;
	return (sio_packet_decode(pkt, (const u_int8_t *)s, strlen(s), errstr));
}

static void
expect_error(const char *s, const char *want)
{
	struct sio_packet	pkt;
	const char		*errstr;

	if (dec(&pkt, s, &errstr) != KORE_RESULT_ERROR)
		fail_msg("decoded %s", s);
	assert_non_null(errstr);
	assert_string_equal(errstr, want);
}

static char *
dump(const json_t *j)
{
	return (json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY));
}

static void
expect_ok(const char *s, int type, const char *nsp, long long id,
    const char *json)
{
	struct sio_packet	pkt;
	const char		*errstr;
	char			*out;

	if (dec(&pkt, s, &errstr) != KORE_RESULT_OK)
		fail_msg("%s: %s", s, errstr);
	assert_int_equal(pkt.type, type);
	assert_string_equal(pkt.nsp, nsp);
	assert_true(pkt.id == id);
	if (json == NULL) {
		assert_null(pkt.data);
	} else {
		assert_non_null(pkt.data);
		out = dump(pkt.data);
		assert_string_equal(out, json);
		free(out);
	}
	sio_packet_cleanup(&pkt);
}

static void
test_decode_spec_examples(void **state)
{
	(void)state;
	expect_ok("0", SIO_PACKET_CONNECT, "/", SIO_ACK_NONE, NULL);
	expect_ok("0{\"token\":\"123\"}", SIO_PACKET_CONNECT, "/",
	    SIO_ACK_NONE, "{\"token\":\"123\"}");
	expect_ok("0/admin,", SIO_PACKET_CONNECT, "/admin", SIO_ACK_NONE, NULL);
	expect_ok("0/custom", SIO_PACKET_CONNECT, "/custom", SIO_ACK_NONE,
	    NULL);
	expect_ok("0/admin,{\"a\":1}", SIO_PACKET_CONNECT, "/admin",
	    SIO_ACK_NONE, "{\"a\":1}");
	expect_ok("1", SIO_PACKET_DISCONNECT, "/", SIO_ACK_NONE, NULL);
	expect_ok("1/admin,", SIO_PACKET_DISCONNECT, "/admin", SIO_ACK_NONE,
	    NULL);
	expect_ok("2[\"hey\",\"Jude\"]", SIO_PACKET_EVENT, "/", SIO_ACK_NONE,
	    "[\"hey\",\"Jude\"]");
	expect_ok("2/admin,[\"bar\"]", SIO_PACKET_EVENT, "/admin",
	    SIO_ACK_NONE, "[\"bar\"]");
	expect_ok("212[\"foo\"]", SIO_PACKET_EVENT, "/", 12, "[\"foo\"]");
	expect_ok("2[42,1]", SIO_PACKET_EVENT, "/", SIO_ACK_NONE, "[42,1]");
	expect_ok("3/admin,13[\"bar\"]", SIO_PACKET_ACK, "/admin", 13,
	    "[\"bar\"]");
	expect_ok("30[]", SIO_PACKET_ACK, "/", 0, "[]");
	expect_ok("4{\"message\":\"Not authorized\"}",
	    SIO_PACKET_CONNECT_ERROR, "/", SIO_ACK_NONE,
	    "{\"message\":\"Not authorized\"}");
	expect_ok("4\"oops\"", SIO_PACKET_CONNECT_ERROR, "/", SIO_ACK_NONE,
	    "\"oops\"");
	expect_ok("22147483647[\"max\"]", SIO_PACKET_EVENT, "/",
	    2147483647LL, "[\"max\"]");
}

static void
test_decode_binary_header(void **state)
{
	struct sio_packet	pkt;
	const char		*errstr;

	(void)state;
	assert_int_equal(dec(&pkt,
	    "51-[\"baz\",{\"_placeholder\":true,\"num\":0}]", &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(pkt.type, SIO_PACKET_BINARY_EVENT);
	assert_int_equal(pkt.attachments, 1);
	assert_string_equal(pkt.nsp, "/");
	sio_packet_cleanup(&pkt);

	assert_int_equal(dec(&pkt, "52-/admin,[\"baz\",{\"_placeholder\":true,"
	    "\"num\":0},{\"_placeholder\":true,\"num\":1}]", &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(pkt.attachments, 2);
	assert_string_equal(pkt.nsp, "/admin");
	sio_packet_cleanup(&pkt);

	assert_int_equal(dec(&pkt, "61-15[\"bar\",{\"_placeholder\":true,"
	    "\"num\":0}]", &errstr), KORE_RESULT_OK);
	assert_int_equal(pkt.type, SIO_PACKET_BINARY_ACK);
	assert_true(pkt.id == 15);
	sio_packet_cleanup(&pkt);

	/* Ten attachments is the limit. */
	assert_int_equal(dec(&pkt, "510-[\"x\"]", &errstr), KORE_RESULT_OK);
	assert_int_equal(pkt.attachments, 10);
	sio_packet_cleanup(&pkt);
}

static void
test_decode_errors(void **state)
{
	(void)state;
	expect_error("", "empty packet");
	expect_error("7", "unknown packet type");
	expect_error("9[\"a\"]", "unknown packet type");
	expect_error("a", "unknown packet type");
	expect_error("5[\"a\"]", "illegal attachments");
	expect_error("5-[\"a\"]", "illegal attachments");
	expect_error("51", "illegal attachments");
	expect_error("5x-[\"a\"]", "illegal attachments");
	expect_error("511-[\"a\"]", "too many attachments");
	expect_error("51000-[\"a\"]", "too many attachments");
	expect_error("22147483648[\"a\"]", "invalid ack id");
	expect_error("299999999999999999999[\"a\"]", "invalid ack id");
	expect_error("2", "invalid payload");
	expect_error("2/admin,", "invalid payload");
	expect_error("2[]", "invalid payload");
	expect_error("2{}", "invalid payload");
	expect_error("2\"a\"", "invalid payload");
	expect_error("2[null]", "invalid payload");
	expect_error("2[{\"a\":1}]", "invalid payload");
	expect_error("2[\"connect\"]", "invalid payload");
	expect_error("2[\"connect_error\"]", "invalid payload");
	expect_error("2[\"disconnect\"]", "invalid payload");
	expect_error("2[\"disconnecting\"]", "invalid payload");
	expect_error("2[\"newListener\"]", "invalid payload");
	expect_error("2[\"removeListener\"]", "invalid payload");
	expect_error("2[\"a\"", "invalid payload");
	expect_error("2[\"a\"]x", "invalid payload");
	expect_error("2abc", "invalid payload");
	expect_error("0[]", "invalid payload");
	expect_error("0\"x\"", "invalid payload");
	expect_error("0{", "invalid payload");
	expect_error("1{}", "invalid payload");
	expect_error("1/admin,{}", "invalid payload");
	expect_error("3", "invalid payload");
	expect_error("31", "invalid payload");
	expect_error("31{}", "invalid payload");
	expect_error("4", "invalid payload");
	expect_error("4[]", "invalid payload");
	expect_error("41", "invalid payload");
	expect_error("6", "illegal attachments");
	expect_error("61-1{}", "invalid payload");
	expect_error("51-[\"a\",{\"_placeholder\":true,\"num\":1}]",
	    "illegal attachments");
	expect_error("51-[\"a\",{\"_placeholder\":true,\"num\":-1}]",
	    "illegal attachments");
	expect_error("51-[\"a\",{\"_placeholder\":true,\"num\":\"0\"}]",
	    "illegal attachments");
	expect_error("51-[\"a\",{\"_placeholder\":true}]",
	    "illegal attachments");
	expect_error("51-[\"a\",{\"x\":[{\"_placeholder\":true,\"num\":3}]}]",
	    "illegal attachments");
	expect_error("0/a\x01,", "invalid namespace");
}

static void
test_decode_namespace_too_long(void **state)
{
	char	s[SIO_NSP_MAX + 8];

	(void)state;
	s[0] = '0';
	s[1] = '/';
	memset(s + 2, 'a', SIO_NSP_MAX);
	s[SIO_NSP_MAX + 2] = '\0';
	expect_error(s, "namespace too long");
	/* Exactly SIO_NSP_MAX bytes ("/" + 127) is fine. */
	s[SIO_NSP_MAX + 1] = '\0';
	expect_ok(s, SIO_PACKET_CONNECT, s + 1, SIO_ACK_NONE, NULL);
}

static void
test_decode_depth_limit(void **state)
{
	char	s[256];
	size_t	i, n;

	(void)state;
	/* ["a",[[...]]]: depth 32 passes, 33 fails. */
	for (n = 31; n <= 32; n++) {
		memcpy(s, "2[\"a\",", 6);
		for (i = 0; i < n; i++)
			s[6 + i] = '[';
		for (i = 0; i < n; i++)
			s[6 + n + i] = ']';
		s[6 + 2 * n] = ']';
		s[7 + 2 * n] = '\0';
		if (n == 31) {
			struct sio_packet	pkt;
			const char		*errstr;
			assert_int_equal(dec(&pkt, s, &errstr), KORE_RESULT_OK);
			sio_packet_cleanup(&pkt);
		} else {
			expect_error(s, "payload nested too deeply");
		}
	}
	/* Brackets inside strings do not count. */
	assert_int_equal(sio_json_depth_ok((const u_int8_t *)
	    "[\"[[[[[[\\\"[[[[\"]", 16, 1), 1);
	assert_int_equal(sio_json_depth_ok((const u_int8_t *)"[[", 2, 1), 0);
	assert_int_equal(sio_json_depth_ok((const u_int8_t *)"{\"a\":{}}",
	    8, 2), 1);
	assert_int_equal(sio_json_depth_ok((const u_int8_t *)"{\"a\":{}}",
	    8, 1), 0);
}

static void
test_decoder_reassembles_binary(void **state)
{
	struct sio_decoder	d;
	struct sio_packet	pkt;
	const char		*errstr, *hdr;
	int			complete;
	const u_int8_t		a[] = { 1, 2, 3, 4 }, b[] = { 9 };

	(void)state;
	sio_decoder_init(&d);
	hdr = "52-[\"hi\",{\"_placeholder\":true,\"num\":0},"
	    "{\"_placeholder\":true,\"num\":1}]";
	assert_int_equal(sio_decoder_feed(&d, 0, (const u_int8_t *)hdr,
	    strlen(hdr), &pkt, &complete, &errstr), KORE_RESULT_OK);
	assert_int_equal(complete, 0);
	assert_int_equal(sio_decoder_feed(&d, 1, a, sizeof(a), &pkt,
	    &complete, &errstr), KORE_RESULT_OK);
	assert_int_equal(complete, 0);
	assert_int_equal(sio_decoder_feed(&d, 1, b, sizeof(b), &pkt,
	    &complete, &errstr), KORE_RESULT_OK);
	assert_int_equal(complete, 1);
	assert_int_equal(pkt.nbins, 2);
	assert_int_equal(pkt.bins[0].len, 4);
	assert_memory_equal(pkt.bins[0].data, a, 4);
	assert_int_equal(pkt.bins[1].len, 1);
	assert_int_equal(pkt.bins[1].data[0], 9);
	sio_packet_cleanup(&pkt);

	/* A zero-length attachment is still an attachment. */
	hdr = "51-[\"e\",{\"_placeholder\":true,\"num\":0}]";
	assert_int_equal(sio_decoder_feed(&d, 0, (const u_int8_t *)hdr,
	    strlen(hdr), &pkt, &complete, &errstr), KORE_RESULT_OK);
	assert_int_equal(sio_decoder_feed(&d, 1, a, 0, &pkt, &complete,
	    &errstr), KORE_RESULT_OK);
	assert_int_equal(complete, 1);
	assert_int_equal(pkt.bins[0].len, 0);
	sio_packet_cleanup(&pkt);

	/* Zero attachments: complete at once, nothing pending. */
	hdr = "50-[\"e\"]";
	assert_int_equal(sio_decoder_feed(&d, 0, (const u_int8_t *)hdr,
	    strlen(hdr), &pkt, &complete, &errstr), KORE_RESULT_OK);
	assert_int_equal(complete, 1);
	assert_int_equal(d.pending, 0);
	sio_packet_cleanup(&pkt);

	/* Plain text packets pass straight through. */
	assert_int_equal(sio_decoder_feed(&d, 0, (const u_int8_t *)"2[\"x\"]",
	    6, &pkt, &complete, &errstr), KORE_RESULT_OK);
	assert_int_equal(complete, 1);
	assert_int_equal(pkt.type, SIO_PACKET_EVENT);
	sio_packet_cleanup(&pkt);
	sio_decoder_cleanup(&d);
}

static void
test_decoder_errors(void **state)
{
	struct sio_decoder	d;
	struct sio_packet	pkt;
	const char		*errstr, *hdr;
	int			complete;
	const u_int8_t		a[] = { 1 };

	(void)state;
	/* An attachment nobody announced. */
	sio_decoder_init(&d);
	assert_int_equal(sio_decoder_feed(&d, 1, a, 1, &pkt, &complete,
	    &errstr), KORE_RESULT_ERROR);
	assert_string_equal(errstr, "unexpected binary attachment");

	/* Too few attachments: a text packet arrives first. */
	hdr = "52-[\"x\",{\"_placeholder\":true,\"num\":1}]";
	assert_int_equal(sio_decoder_feed(&d, 0, (const u_int8_t *)hdr,
	    strlen(hdr), &pkt, &complete, &errstr), KORE_RESULT_OK);
	assert_int_equal(sio_decoder_feed(&d, 1, a, 1, &pkt, &complete,
	    &errstr), KORE_RESULT_OK);
	assert_int_equal(complete, 0);
	assert_int_equal(sio_decoder_feed(&d, 0, (const u_int8_t *)"2[\"y\"]",
	    6, &pkt, &complete, &errstr), KORE_RESULT_ERROR);
	assert_string_equal(errstr,
	    "text packet while attachments are pending");
	/* The half-built packet is released by cleanup (ASan checks). */
	sio_decoder_cleanup(&d);

	/* Too many: one more attachment after completion. */
	sio_decoder_init(&d);
	hdr = "51-[\"x\",{\"_placeholder\":true,\"num\":0}]";
	assert_int_equal(sio_decoder_feed(&d, 0, (const u_int8_t *)hdr,
	    strlen(hdr), &pkt, &complete, &errstr), KORE_RESULT_OK);
	assert_int_equal(sio_decoder_feed(&d, 1, a, 1, &pkt, &complete,
	    &errstr), KORE_RESULT_OK);
	assert_int_equal(complete, 1);
	sio_packet_cleanup(&pkt);
	assert_int_equal(sio_decoder_feed(&d, 1, a, 1, &pkt, &complete,
	    &errstr), KORE_RESULT_ERROR);
	assert_string_equal(errstr, "unexpected binary attachment");

	/* A bad text packet is an error of the decoder too. */
	assert_int_equal(sio_decoder_feed(&d, 0, (const u_int8_t *)"8", 1,
	    &pkt, &complete, &errstr), KORE_RESULT_ERROR);
	assert_string_equal(errstr, "unknown packet type");
	sio_decoder_cleanup(&d);
}

static void
expect_enc(struct kore_buf *b, const char *want)
{
	assert_int_equal(b->offset, strlen(want));
	assert_memory_equal(b->data, want, b->offset);
	kore_buf_reset(b);
}

static void
test_encode_exact_bytes(void **state)
{
	struct kore_buf		b;

	(void)state;
	kore_buf_init(&b, 64);
	sio_packet_encode(&b, SIO_PACKET_CONNECT, "/", SIO_ACK_NONE, 0,
	    "{\"sid\":\"abc\"}", 13);
	expect_enc(&b, "0{\"sid\":\"abc\"}");
	sio_packet_encode(&b, SIO_PACKET_CONNECT_ERROR, "/random",
	    SIO_ACK_NONE, 0, "{\"message\":\"Invalid namespace\"}", 31);
	expect_enc(&b, "4/random,{\"message\":\"Invalid namespace\"}");
	sio_packet_encode(&b, SIO_PACKET_DISCONNECT, "/admin", SIO_ACK_NONE,
	    0, NULL, 0);
	expect_enc(&b, "1/admin,");
	sio_packet_encode(&b, SIO_PACKET_DISCONNECT, NULL, SIO_ACK_NONE, 0,
	    NULL, 0);
	expect_enc(&b, "1");
	sio_packet_encode(&b, SIO_PACKET_ACK, "/admin", 13, 0, "[\"bar\"]", 7);
	expect_enc(&b, "3/admin,13[\"bar\"]");
	sio_packet_encode(&b, SIO_PACKET_BINARY_EVENT, "/", SIO_ACK_NONE, 1,
	    "[]", 2);
	expect_enc(&b, "51-[]");
	sio_packet_encode(&b, SIO_PACKET_BINARY_ACK, "/a", 15, 2, "[]", 2);
	expect_enc(&b, "62-/a,15[]");

	sio_packet_encode_event(&b, SIO_PACKET_EVENT, "/", SIO_ACK_NONE, 0,
	    "hey", "\"Jude\"", 6, NULL);
	expect_enc(&b, "2[\"hey\",\"Jude\"]");
	sio_packet_encode_event(&b, SIO_PACKET_EVENT, "/", SIO_ACK_NONE, 0,
	    "auth", NULL, 0, NULL);
	expect_enc(&b, "2[\"auth\"]");
	sio_packet_encode_event(&b, SIO_PACKET_EVENT, "/admin", 7, 0,
	    "e", "1,{\"a\":2}", 9, "OFF.1.2");
	expect_enc(&b, "2/admin,7[\"e\",1,{\"a\":2},\"OFF.1.2\"]");
	sio_packet_encode_event(&b, SIO_PACKET_EVENT, "/", SIO_ACK_NONE, 0,
	    "e", NULL, 0, "o");
	expect_enc(&b, "2[\"e\",\"o\"]");
	sio_packet_encode_event(&b, SIO_PACKET_ACK, "/", 3, 0, NULL,
	    "\"x\",2", 5, NULL);
	expect_enc(&b, "33[\"x\",2]");
	sio_packet_encode_event(&b, SIO_PACKET_ACK, "/", 3, 0, NULL, NULL, 0,
	    NULL);
	expect_enc(&b, "33[]");
	sio_packet_encode_event(&b, SIO_PACKET_EVENT, "/", SIO_ACK_NONE, 0,
	    "q\"u\\o\n\x01", NULL, 0, NULL);
	expect_enc(&b, "2[\"q\\\"u\\\\o\\n\\u0001\"]");
	kore_buf_cleanup(&b);
}

static void
test_encode_decode_roundtrip(void **state)
{
	struct kore_buf		b;
	struct sio_packet	pkt;
	const char		*errstr;

	(void)state;
	kore_buf_init(&b, 64);
	sio_packet_encode_event(&b, SIO_PACKET_EVENT, "/chat", 99, 0,
	    "m\u00e9ssage", "{\"t\":\"\\u00e9\\n\"},[1,2]", 22, "x");
	assert_int_equal(sio_packet_decode(&pkt, b.data, b.offset, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(pkt.type, SIO_PACKET_EVENT);
	assert_string_equal(pkt.nsp, "/chat");
	assert_true(pkt.id == 99);
	assert_int_equal(json_array_size(pkt.data), 4);
	assert_string_equal(json_string_value(json_array_get(pkt.data, 0)),
	    "m\u00e9ssage");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(pkt.data, 1), "t")), "\u00e9\n");
	sio_packet_cleanup(&pkt);
	kore_buf_cleanup(&b);
}

static void
test_helpers(void **state)
{
	char		off[SIO_OFFSET_MAX], off2[SIO_OFFSET_MAX];
	json_t		*j;
	const char	*errstr;

	(void)state;
	assert_int_equal(sio_event_reserved("connect"), 1);
	assert_int_equal(sio_event_reserved("removeListener"), 1);
	assert_int_equal(sio_event_reserved("message"), 0);

	sio_offset_format(off, sizeof(off), 0, 1, 0);
	assert_string_equal(off, "0.1.0");
	sio_offset_format(off, sizeof(off), 64, 2, 7);
	assert_string_equal(off, "10.2.7");
	sio_offset_format(off, sizeof(off), 1764118000000ULL, 1, 5);
	sio_offset_format(off2, sizeof(off2), 1764118000000ULL, 2, 5);
	assert_string_not_equal(off, off2);

	j = json_loads("[{\"_placeholder\":true,\"num\":0},"
	    "{\"_placeholder\":false,\"num\":9}]", 0, NULL);
	assert_int_equal(sio_placeholders_check(j, 1, &errstr),
	    KORE_RESULT_OK);
	assert_int_equal(sio_placeholders_check(j, 0, &errstr),
	    KORE_RESULT_ERROR);
	json_decref(j);
	assert_int_equal(sio_placeholders_check(NULL, 0, &errstr),
	    KORE_RESULT_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_spec_examples),
		cmocka_unit_test(test_decode_binary_header),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_decode_namespace_too_long),
		cmocka_unit_test(test_decode_depth_limit),
		cmocka_unit_test(test_decoder_reassembles_binary),
		cmocka_unit_test(test_decoder_errors),
		cmocka_unit_test(test_encode_exact_bytes),
		cmocka_unit_test(test_encode_decode_roundtrip),
		cmocka_unit_test(test_helpers),
	};

	return (cmocka_run_group_tests_name("sio_packet", tests, NULL, NULL));
}
