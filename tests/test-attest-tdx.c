/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TDX quote buffer (attest/tdx-quote-buf.c) and QGS messages (attest/qgs-message.c). */
#include "tests/lib/testlib.h"
#include <cvm/attest-tdx.h>
#include <cvm/error.h>
#include <string.h>

static void
fill_header(guint8 *buf, guint64 version, guint32 in_len)
{
	guint64 v = GUINT64_TO_LE(version);
	guint32 l = GUINT32_TO_LE(in_len);

	memset(buf, 0, 24);
	memcpy(buf, &v, 8);
	memcpy(buf + 16, &l, 4);
}

static void
test_quote_buffer_header_decodes(void **state)
{
	g_autoptr(GError) error = NULL;
	guint8 buf[8192];
	CvmTdxQuoteBufHeader h;
	const guint8 *report = NULL;

	fill_header(buf, 1, 1024);
	assert_true(cvm_tdx_quote_buf_decode(buf, sizeof(buf), &h, &report, &error));
	assert_int_equal(h.in_len, 1024);
	assert_int_equal(h.status, CVM_TDX_QUOTE_STATUS_SUCCESS);
	assert_ptr_equal(report, buf + 24);
}

static void
test_quote_buffer_bad_version_short_and_oversized_are_rejected(void **state)
{
	guint8 buf[64];
	g_autofree guint8 *big = g_malloc0(CVM_TDX_QUOTE_BUF_MAX + 1);
	CvmTdxQuoteBufHeader h;
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;

	fill_header(buf, 2, 8);
	assert_false(cvm_tdx_quote_buf_decode(buf, sizeof(buf), &h, NULL, &e1));
	cvmt_assert_error(e1, CVM_ERROR_INVALID_DATA);
	fill_header(buf, 1, 41);
	assert_false(cvm_tdx_quote_buf_decode(buf, sizeof(buf), &h, NULL, &e2));
	assert_non_null(strstr(e2->message, "offset 16"));
	assert_false(cvm_tdx_quote_buf_decode(buf, 23, &h, NULL, &e3));
	cvmt_assert_error(e3, CVM_ERROR_TRUNCATED);
	fill_header(big, 1, 8);
	assert_false(cvm_tdx_quote_buf_decode(big, CVM_TDX_QUOTE_BUF_MAX + 1, &h, NULL, &e4));
	cvmt_assert_error(e4, CVM_ERROR_INVALID_DATA);
}

static void
test_completion_never_reports_out_len_beyond_the_buffer(void **state)
{
	g_autoptr(GError) error = NULL;
	guint8 buf[64], quote[41] = { 0x5a };
	CvmTdxQuoteBufHeader h;

	fill_header(buf, 1, 8);
	assert_false(cvm_tdx_quote_buf_complete(buf, sizeof(buf), CVM_TDX_QUOTE_STATUS_SUCCESS, quote,
						sizeof(quote), &error));
	assert_true(cvm_tdx_quote_buf_decode(buf, sizeof(buf), &h, NULL, NULL));
	assert_int_equal(h.out_len, 0); /* nothing half-written */
	assert_true(cvm_tdx_quote_buf_complete(buf, sizeof(buf), CVM_TDX_QUOTE_STATUS_SUCCESS, quote, 40, NULL));
	assert_true(cvm_tdx_quote_buf_decode(buf, sizeof(buf), &h, NULL, NULL));
	assert_int_equal(h.out_len, 40);
	assert_int_equal(buf[24], 0x5a);
}

static void
test_qgs_get_quote_request_is_byte_exact_and_roundtrips(void **state)
{
	g_autoptr(GBytes) report = g_bytes_new_static("TDREPORT", 8);
	CvmQgsMessage m = { .type = CVM_QGS_GET_QUOTE_REQ, .data = report };
	g_autoptr(GBytes) wire = cvm_qgs_message_encode(&m, NULL);
	const guint8 expect[] = { 0, 0, 0, 32, 1, 0, 1, 0, 0, 0, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0,
				  8, 0, 0, 0, 0, 0, 0, 0, 'T', 'D', 'R', 'E', 'P', 'O', 'R', 'T' };
	g_autoptr(GError) error = NULL;
	guint32 flen = 0;
	CvmQgsMessage back;

	assert_int_equal(g_bytes_get_size(wire), sizeof(expect));
	assert_memory_equal(g_bytes_get_data(wire, NULL), expect, sizeof(expect));
	assert_true(cvm_qgs_frame_length(expect, &flen, &error));
	assert_int_equal(flen, 32);
	assert_true(cvm_qgs_message_decode(expect + 4, flen, &back, &error));
	cvmt_assert_no_error(error);
	assert_true(g_bytes_equal(back.data, report));
	cvm_qgs_message_clear(&back);
}

static void
test_qgs_get_quote_response_roundtrips(void **state)
{
	g_autoptr(GBytes) quote = g_bytes_new_static("QUOTE!", 6);
	CvmQgsMessage m = { .type = CVM_QGS_GET_QUOTE_RESP, .data = quote };
	g_autoptr(GBytes) wire = cvm_qgs_message_encode(&m, NULL);
	const guint8 *w = g_bytes_get_data(wire, NULL);
	CvmQgsMessage back;

	assert_int_equal(w[24], 6); /* quote_size after selected_id_size */
	assert_true(cvm_qgs_message_decode(w + 4, g_bytes_get_size(wire) - 4, &back, NULL));
	assert_int_equal(back.type, CVM_QGS_GET_QUOTE_RESP);
	assert_true(g_bytes_equal(back.data, quote));
	cvm_qgs_message_clear(&back);
}

static void
test_qgs_malformed_messages_are_rejected(void **state)
{
	g_autoptr(GBytes) report = g_bytes_new_static("TDREPORT", 8);
	CvmQgsMessage m = { .type = CVM_QGS_GET_QUOTE_REQ, .data = report };
	g_autoptr(GBytes) wire = cvm_qgs_message_encode(&m, NULL);
	guint8 msg[32];
	const guint8 le_prefix[4] = { 0x20, 0, 0, 0 }; /* canonical/tdx#220: wrong byte order */
	CvmQgsMessage out;
	guint32 flen;
	const struct { gsize at; guint8 v; const char *where; } bad[] = {
		{ 0, 2, "offset 0" }, { 8, 31, "offset 8" }, { 16, 9, "offset 16" }, { 20, 1, "offset 20" },
	};

	assert_false(cvm_qgs_frame_length(le_prefix, &flen, NULL));
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;

		memcpy(msg, (const guint8 *)g_bytes_get_data(wire, NULL) + 4, sizeof(msg));
		msg[bad[i].at] = bad[i].v;
		assert_false(cvm_qgs_message_decode(msg, sizeof(msg), &out, &error));
		assert_non_null(strstr(error->message, bad[i].where));
		assert_null(out.data);
	}
	for (gsize len = 0; len < sizeof(msg); len++) {
		g_autoptr(GError) error = NULL;

		assert_false(cvm_qgs_message_decode(msg, len, &out, &error));
		assert_non_null(error);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_buffer_header_decodes),
		cmocka_unit_test(test_quote_buffer_bad_version_short_and_oversized_are_rejected),
		cmocka_unit_test(test_completion_never_reports_out_len_beyond_the_buffer),
		cmocka_unit_test(test_qgs_get_quote_request_is_byte_exact_and_roundtrips),
		cmocka_unit_test(test_qgs_get_quote_response_roundtrips),
		cmocka_unit_test(test_qgs_malformed_messages_are_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
