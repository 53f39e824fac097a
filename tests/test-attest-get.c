/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the GET IGVM_ATTEST codec (attest/get-igvm-attest.c). */
#include "tests/lib/testlib.h"
#include <cvm/attest-get.h>
#include <cvm/error.h>
#include <string.h>

static void
test_request_roundtrips_with_header_and_offsets(void **state)
{
	g_autofree CvmGetIgvmAttestRequest *req = g_new0(CvmGetIgvmAttestRequest, 1);
	g_autofree CvmGetIgvmAttestRequest *back = g_new0(CvmGetIgvmAttestRequest, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) wire = NULL;
	g_autoptr(GBytes) again = NULL;
	const guint8 *w;

	req->number_gpa = 16;
	req->shared_gpa[15] = 0x123456789000ull;
	req->agent_data_length = 3;
	req->report_length = 4096;
	memcpy(req->agent_data, "abc", 3);
	req->report[4095] = 0x77;
	wire = cvm_get_igvm_attest_request_encode(req, &error);
	cvmt_assert_no_error(error);
	w = g_bytes_get_data(wire, NULL);
	assert_int_equal(g_bytes_get_size(wire), 6288);
	assert_memory_equal(w, "\x01\x02\x08\x00\x10\x00\x00\x00", 8);
	assert_memory_equal(w + 8 + 15 * 8, "\x00\x90\x78\x56\x34\x12\x00\x00", 8);
	assert_int_equal(w[144], 'a');
	assert_int_equal(w[2192 + 4095], 0x77);
	assert_true(cvm_get_igvm_attest_request_decode(w, 6288, back, &error));
	assert_int_equal(back->shared_gpa[15], 0x123456789000ull);
	again = cvm_get_igvm_attest_request_encode(back, NULL);
	assert_true(g_bytes_equal(again, wire));
}

static void
test_request_limits_sizes_and_header_are_enforced(void **state)
{
	g_autofree CvmGetIgvmAttestRequest *req = g_new0(CvmGetIgvmAttestRequest, 1);
	g_autofree CvmGetIgvmAttestRequest *out = g_new0(CvmGetIgvmAttestRequest, 1);
	g_autoptr(GBytes) wire = cvm_get_igvm_attest_request_encode(req, NULL);
	g_autofree guint8 *b = g_malloc0(6289);
	const struct { gsize at; guint8 v; int code; const char *where; } bad[] = {
		{ 4, 17, CVM_ERROR_INVALID_DATA, "offset 4" },
		{ 137, 0x09, CVM_ERROR_INVALID_DATA, "offset 136" },
		{ 141, 0x11, CVM_ERROR_INVALID_DATA, "offset 140" },
		{ 1, 3, CVM_ERROR_PROTOCOL, "offset 0" },
		{ 2, 9, CVM_ERROR_PROTOCOL, "offset 0" },
	};
	g_autoptr(GError) e1 = NULL, e2 = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;

		memcpy(b, g_bytes_get_data(wire, NULL), 6288);
		b[bad[i].at] = bad[i].v;
		assert_false(cvm_get_igvm_attest_request_decode(b, 6288, out, &error));
		cvmt_assert_error(error, bad[i].code);
		assert_non_null(strstr(error->message, bad[i].where));
	}
	memcpy(b, g_bytes_get_data(wire, NULL), 6288);
	assert_false(cvm_get_igvm_attest_request_decode(b, 6287, out, &e1));
	cvmt_assert_error(e1, CVM_ERROR_TRUNCATED);
	assert_false(cvm_get_igvm_attest_request_decode(b, 6289, out, &e2));
	cvmt_assert_error(e2, CVM_ERROR_INVALID_DATA);
}

static void
test_response_generic_error_roundtrips(void **state)
{
	g_autoptr(GBytes) wire = cvm_get_igvm_attest_response_encode(CVM_GET_IGVM_ATTEST_GENERIC_ERROR);
	g_autoptr(GError) error = NULL;
	guint32 length = 0;

	assert_memory_equal(g_bytes_get_data(wire, NULL), "\x01\x03\x08\x00\xff\xff\xff\xff", 8);
	assert_true(cvm_get_igvm_attest_response_decode(g_bytes_get_data(wire, NULL), 8, &length, &error));
	assert_int_equal(length, CVM_GET_IGVM_ATTEST_GENERIC_ERROR);
	assert_false(cvm_get_igvm_attest_response_decode(g_bytes_get_data(wire, NULL), 7, &length, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_roundtrips_with_header_and_offsets),
		cmocka_unit_test(test_request_limits_sizes_and_header_are_enforced),
		cmocka_unit_test(test_response_generic_error_roundtrips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
