/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the IGVM attest response codec, v1 and v2 (attest/igvm-response.c). */
#include "tests/lib/testlib.h"
#include <cvm/attest-igvm.h>
#include <cvm/error.h>
#include <string.h>

/* OpenVMM's parse_response_header unit-test vectors: a bare v2 header,
 * error 1103 (0x44F) with HTTP 403 and the retry signal, and error 1103
 * with HTTP 503 and no retry. */
static const guint8 v2_1103_403_retry[32] = {
	0x20, 0, 0, 0, 0x02, 0, 0, 0, 0x4F, 0x04, 0, 0, 0x93, 0x01, 0, 0, 0x01, 0, 0, 0,
};
static const guint8 v2_1103_503_noretry[32] = {
	0x20, 0, 0, 0, 0x02, 0, 0, 0, 0x4F, 0x04, 0, 0, 0xF7, 0x01, 0, 0, 0x00, 0, 0, 0,
};

static void
roundtrip(const guint8 *bytes, gsize len, CvmIgvmAttestResponse *resp)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) again = NULL;

	assert_true(cvm_igvm_attest_response_decode(bytes, len, resp, &error));
	cvmt_assert_no_error(error);
	again = cvm_igvm_attest_response_encode(resp, &error);
	cvmt_assert_no_error(error);
	assert_int_equal(g_bytes_get_size(again), len);
	assert_memory_equal(g_bytes_get_data(again, NULL), bytes, len);
}

static void
test_v2_error_1103_http_403_retry_roundtrips(void **state)
{
	CvmIgvmAttestResponse r;

	roundtrip(v2_1103_403_retry, sizeof(v2_1103_403_retry), &r);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.error_code, 1103);
	assert_int_equal(r.http_status_code, 403);
	assert_int_equal(r.igvm_signal, CVM_IGVM_SIGNAL_RETRY);
	assert_int_equal(g_bytes_get_size(r.payload), 0);
	cvm_igvm_attest_response_clear(&r);
}

static void
test_v2_error_1103_http_503_without_retry_roundtrips(void **state)
{
	CvmIgvmAttestResponse r;

	roundtrip(v2_1103_503_noretry, sizeof(v2_1103_503_noretry), &r);
	assert_int_equal(r.error_code, 1103);
	assert_int_equal(r.http_status_code, 503);
	assert_int_equal(r.igvm_signal & CVM_IGVM_SIGNAL_RETRY, 0);
	cvm_igvm_attest_response_clear(&r);
}

static void
test_v1_payload_roundtrips(void **state)
{
	const guint8 v1[] = { 0x0B, 0, 0, 0, 0x01, 0, 0, 0, 'a', 'b', 'c' };
	CvmIgvmAttestResponse r;

	roundtrip(v1, sizeof(v1), &r);
	assert_int_equal(r.version, 1);
	assert_int_equal(r.error_code, 0);
	assert_int_equal(g_bytes_get_size(r.payload), 3);
	assert_memory_equal(g_bytes_get_data(r.payload, NULL), "abc", 3);
	cvm_igvm_attest_response_clear(&r);
}

static void
test_v2_payload_after_32_byte_header(void **state)
{
	g_autoptr(GError) error = NULL;
	guint8 buf[40] = { 0x24, 0, 0, 0, 0x02, 0 };
	CvmIgvmAttestResponse r;

	memcpy(buf + 32, "KEYS", 4);
	/* Page padding after data_size is ignored, as the guest ignores it. */
	assert_true(cvm_igvm_attest_response_decode(buf, sizeof(buf), &r, &error));
	assert_int_equal(g_bytes_get_size(r.payload), 4);
	assert_memory_equal(g_bytes_get_data(r.payload, NULL), "KEYS", 4);
	cvm_igvm_attest_response_clear(&r);
}

static void
test_empty_and_short_responses_are_truncated(void **state)
{
	for (gsize len = 0; len < 8; len++) {
		g_autoptr(GError) error = NULL;
		CvmIgvmAttestResponse r;

		assert_false(cvm_igvm_attest_response_decode(v2_1103_403_retry, len, &r, &error));
		cvmt_assert_error(error, CVM_ERROR_TRUNCATED);
		assert_non_null(strstr(error->message, "offset 0"));
		assert_null(r.payload);
	}
}

static void
test_data_size_beyond_received_bytes_is_truncated(void **state)
{
	g_autoptr(GError) error = NULL;
	CvmIgvmAttestResponse r;

	assert_false(cvm_igvm_attest_response_decode(v2_1103_403_retry, 31, &r, &error));
	cvmt_assert_error(error, CVM_ERROR_TRUNCATED);
}

static void
test_v2_data_size_below_32_is_rejected(void **state)
{
	g_autoptr(GError) error = NULL;
	guint8 buf[32];
	CvmIgvmAttestResponse r;

	memcpy(buf, v2_1103_403_retry, 32);
	buf[0] = 8;
	assert_false(cvm_igvm_attest_response_decode(buf, sizeof(buf), &r, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
}

static void
test_version_3_is_rejected(void **state)
{
	g_autoptr(GError) error = NULL;
	guint8 buf[32];
	CvmIgvmAttestResponse r;

	memcpy(buf, v2_1103_403_retry, 32);
	buf[4] = 3;
	assert_false(cvm_igvm_attest_response_decode(buf, sizeof(buf), &r, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
	assert_non_null(strstr(error->message, "offset 4"));
}

static void
test_oversized_response_is_rejected(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *big = g_malloc0(CVM_IGVM_ATTEST_RESPONSE_MAX + 1);
	CvmIgvmAttestResponse r;

	memcpy(big, v2_1103_403_retry, 32);
	assert_false(cvm_igvm_attest_response_decode(big, CVM_IGVM_ATTEST_RESPONSE_MAX + 1, &r, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
}

static void
test_v1_with_error_info_cannot_be_encoded(void **state)
{
	g_autoptr(GError) error = NULL;
	CvmIgvmAttestResponse r = { .version = 1, .error_code = 5 };

	assert_null(cvm_igvm_attest_response_encode(&r, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_error_1103_http_403_retry_roundtrips),
		cmocka_unit_test(test_v2_error_1103_http_503_without_retry_roundtrips),
		cmocka_unit_test(test_v1_payload_roundtrips),
		cmocka_unit_test(test_v2_payload_after_32_byte_header),
		cmocka_unit_test(test_empty_and_short_responses_are_truncated),
		cmocka_unit_test(test_data_size_beyond_received_bytes_is_truncated),
		cmocka_unit_test(test_v2_data_size_below_32_is_rejected),
		cmocka_unit_test(test_version_3_is_rejected),
		cmocka_unit_test(test_oversized_response_is_rejected),
		cmocka_unit_test(test_v1_with_error_info_cannot_be_encoded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
