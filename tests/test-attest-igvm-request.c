/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the IGVM attest request codec, v1 and v2 (attest/igvm-request.c). */
#include "tests/lib/testlib.h"
#include <cvm/attest-igvm.h>
#include <cvm/error.h>
#include <json-c/json.h>
#include <string.h>

static const char claims_json[] = "{\"keys\":[],\"vm-configuration\":{\"tpm-enabled\":true}}";

static GBytes *
make_request(guint32 data_version, guint32 caps)
{
	CvmIgvmAttestRequest r = { .header_version = 2, .request_type = CVM_IGVM_ATTEST_AK_CERT_REQUEST,
				   .data_version = data_version, .report_type = 2, .hash_type = 1,
				   .capabilities = caps };
	g_autoptr(GBytes) claims = g_bytes_new_static(claims_json, strlen(claims_json));

	r.report[0] = 2; /* an SNP report version in the slot */
	r.claims = claims;
	return cvm_igvm_attest_request_encode(&r, NULL);
}

static guint32
le32_at(const guint8 *b, gsize off)
{
	guint32 v;

	memcpy(&v, b + off, 4);
	return GUINT32_FROM_LE(v);
}

static void
test_v2_request_layout_is_byte_exact(void **state)
{
	g_autoptr(GBytes) blob = make_request(2, CVM_IGVM_CAP_ERROR_CODE | CVM_IGVM_CAP_RETRY);
	gsize len;
	const guint8 *b = g_bytes_get_data(blob, &len);
	gsize claims = strlen(claims_json);

	assert_int_equal(len, 0x4D8 + claims);
	assert_memory_equal(b, "HCLA", 4);
	assert_int_equal(le32_at(b, 0x8), len);
	assert_int_equal(le32_at(b, 0xC), 2);
	assert_int_equal(b[0x20], 2);
	assert_int_equal(le32_at(b, 0x4C0), 24 + claims);
	assert_int_equal(le32_at(b, 0x4C4), 2);
	assert_int_equal(le32_at(b, 0x4D0), claims);
	assert_int_equal(le32_at(b, 0x4D4), 3);
	assert_memory_equal(b + 0x4D8, claims_json, claims);
}

static void
test_v1_request_has_claims_at_0x4d4_and_roundtrips(void **state)
{
	g_autoptr(GBytes) blob = make_request(1, 0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) again = NULL;
	json_object *claims = NULL;
	CvmIgvmAttestRequest r;
	gsize len;
	const guint8 *b = g_bytes_get_data(blob, &len);

	assert_memory_equal(b + 0x4D4, claims_json, strlen(claims_json));
	assert_true(cvm_igvm_attest_request_decode(b, len, &r, &error));
	cvmt_assert_no_error(error);
	assert_int_equal(r.data_version, 1);
	assert_int_equal(r.capabilities, 0);
	claims = cvm_igvm_attest_request_claims(&r, &error);
	cvmt_assert_no_error(error);
	assert_non_null(json_object_object_get(claims, "vm-configuration"));
	json_object_put(claims);
	again = cvm_igvm_attest_request_encode(&r, &error);
	assert_true(g_bytes_equal(again, blob));
	cvm_igvm_attest_request_clear(&r);
}

static void
test_v2_capabilities_decode(void **state)
{
	g_autoptr(GBytes) blob = make_request(2, CVM_IGVM_CAP_ERROR_CODE | CVM_IGVM_CAP_RETRY);
	g_autoptr(GBytes) again = NULL;
	CvmIgvmAttestRequest r;

	assert_true(cvm_igvm_attest_request_decode(g_bytes_get_data(blob, NULL), g_bytes_get_size(blob), &r, NULL));
	assert_int_equal(r.data_version, 2);
	assert_int_equal(r.capabilities, CVM_IGVM_CAP_ERROR_CODE | CVM_IGVM_CAP_RETRY);
	again = cvm_igvm_attest_request_encode(&r, NULL);
	assert_true(g_bytes_equal(again, blob));
	cvm_igvm_attest_request_clear(&r);
}

static void
expect_reject(GBytes *blob, gsize len, gsize patch_at, guint8 value, int code, const char *where)
{
	g_autofree guint8 *b = g_malloc0(MAX(len, g_bytes_get_size(blob)));
	g_autoptr(GError) error = NULL;
	CvmIgvmAttestRequest r;

	memcpy(b, g_bytes_get_data(blob, NULL), MIN(len, g_bytes_get_size(blob)));
	if (patch_at != G_MAXSIZE)
		b[patch_at] = value;
	assert_false(cvm_igvm_attest_request_decode(b, len, &r, &error));
	cvmt_assert_error(error, code);
	if (where != NULL)
		assert_non_null(strstr(error->message, where));
	assert_null(r.claims);
}

static void
test_malformed_requests_are_rejected_with_offsets(void **state)
{
	g_autoptr(GBytes) blob = make_request(2, 3);
	gsize len = g_bytes_get_size(blob);

	expect_reject(blob, 0x4D3, G_MAXSIZE, 0, CVM_ERROR_TRUNCATED, "0x4d4");
	expect_reject(blob, len - 1, G_MAXSIZE, 0, CVM_ERROR_TRUNCATED, "offset 0x8");
	expect_reject(blob, len, 0, 'X', CVM_ERROR_INVALID_DATA, "offset 0");
	expect_reject(blob, len, 0x4C4, 3, CVM_ERROR_INVALID_DATA, "0x4c4");
	expect_reject(blob, len, 0x4C0, 0, CVM_ERROR_INVALID_DATA, "0x4c0");
	expect_reject(blob, len, 0x8, 0x00, CVM_ERROR_INVALID_DATA, "offset 0x8");
	expect_reject(blob, CVM_IGVM_ATTEST_REQUEST_MAX + 1, G_MAXSIZE, 0, CVM_ERROR_INVALID_DATA, "maximum");
}

static void
test_claims_that_are_not_a_json_object_are_refused(void **state)
{
	CvmIgvmAttestRequest r = { .data_version = 1 };
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) claims = g_bytes_new_static("{\"a\":1} trailing", 16);

	r.claims = claims;
	assert_null(cvm_igvm_attest_request_claims(&r, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_request_layout_is_byte_exact),
		cmocka_unit_test(test_v1_request_has_claims_at_0x4d4_and_roundtrips),
		cmocka_unit_test(test_v2_capabilities_decode),
		cmocka_unit_test(test_malformed_requests_are_rejected_with_offsets),
		cmocka_unit_test(test_claims_that_are_not_a_json_object_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
