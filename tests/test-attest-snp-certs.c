/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the GHCB certificate table codec (attest/snp-certs.c). */
#include "tests/lib/testlib.h"
#include <cvm/attest-snp.h>
#include <cvm/error.h>
#include <string.h>

static GPtrArray *
two_certs(void)
{
	g_autoptr(GPtrArray) certs = g_ptr_array_new_with_free_func((GDestroyNotify)cvm_snp_cert_free);
	g_autoptr(GBytes) a = g_bytes_new_static("ARKDER", 6);
	g_autoptr(GBytes) v = g_bytes_new_static("VCEK", 4);

	g_ptr_array_add(certs, cvm_snp_cert_new(CVM_SNP_CERT_GUID_ARK, a, NULL));
	g_ptr_array_add(certs, cvm_snp_cert_new(CVM_SNP_CERT_GUID_VCEK, v, NULL));
	return g_steal_pointer(&certs);
}

static void
test_table_encodes_byte_exact_with_rfc_guid_order(void **state)
{
	g_autoptr(GPtrArray) certs = two_certs();
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) table = cvm_snp_cert_table_encode(certs, &error);
	const guint8 expect_ark_guid[16] = { 0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
					     0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae };
	const guint8 *b;
	gsize len;

	cvmt_assert_no_error(error);
	b = g_bytes_get_data(table, &len);
	assert_int_equal(len, 3 * 24 + 6 + 4);
	assert_memory_equal(b, expect_ark_guid, 16);
	/* offset 72 and length 6, little-endian */
	assert_memory_equal(b + 16, "\x48\0\0\0\x06\0\0\0", 8);
	assert_memory_equal(b + 24 + 16, "\x4e\0\0\0\x04\0\0\0", 8);
	for (int i = 48; i < 72; i++)
		assert_int_equal(b[i], 0);
	assert_memory_equal(b + 72, "ARKDERVCEK", 10);
}

static void
test_table_roundtrips(void **state)
{
	g_autoptr(GPtrArray) certs = two_certs();
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) table = cvm_snp_cert_table_encode(certs, NULL);
	g_autoptr(GPtrArray) back = NULL;
	g_autoptr(GBytes) again = NULL;
	g_autofree gchar *guid = NULL;
	gsize len;
	const guint8 *b = g_bytes_get_data(table, &len);

	back = cvm_snp_cert_table_decode(b, len, &error);
	cvmt_assert_no_error(error);
	assert_int_equal(back->len, 2);
	guid = cvm_snp_cert_guid_to_string(((CvmSnpCert *)g_ptr_array_index(back, 1))->guid);
	assert_string_equal(guid, CVM_SNP_CERT_GUID_VCEK);
	again = cvm_snp_cert_table_encode(back, &error);
	assert_true(g_bytes_equal(again, table));
}

static void
test_empty_table_is_24_zero_bytes(void **state)
{
	g_autoptr(GBytes) table = cvm_snp_cert_table_encode(NULL, NULL);
	g_autoptr(GPtrArray) back = NULL;
	gsize len;
	const guint8 *b = g_bytes_get_data(table, &len);

	assert_int_equal(len, 24);
	for (int i = 0; i < 24; i++)
		assert_int_equal(b[i], 0);
	back = cvm_snp_cert_table_decode(b, len, NULL);
	assert_non_null(back);
	assert_int_equal(back->len, 0);
}

static void
test_table_without_terminator_is_truncated(void **state)
{
	g_autoptr(GPtrArray) certs = two_certs();
	g_autoptr(GBytes) table = cvm_snp_cert_table_encode(certs, NULL);
	const guint8 *b = g_bytes_get_data(table, NULL);

	for (gsize len = 0; len < 72; len++) {
		g_autoptr(GError) error = NULL;

		assert_null(cvm_snp_cert_table_decode(b, len, &error));
		assert_non_null(error);
		assert_non_null(strstr(error->message, "offset"));
	}
}

static void
test_entry_pointing_into_table_or_past_end_is_rejected(void **state)
{
	g_autoptr(GPtrArray) certs = two_certs();
	g_autoptr(GBytes) table = cvm_snp_cert_table_encode(certs, NULL);
	gsize len = g_bytes_get_size(table);
	g_autofree guint8 *b = g_memdup2(g_bytes_get_data(table, NULL), len);
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;

	b[16] = 0x10; /* ARK offset inside the table */
	assert_null(cvm_snp_cert_table_decode(b, len, &e1));
	cvmt_assert_error(e1, CVM_ERROR_INVALID_DATA);
	assert_non_null(strstr(e1->message, "entry 0 at offset 0"));
	b[16] = 0x48;
	b[24 + 20] = 0x05; /* VCEK length one past the end */
	assert_null(cvm_snp_cert_table_decode(b, len, &e2));
	cvmt_assert_error(e2, CVM_ERROR_INVALID_DATA);
	assert_non_null(strstr(e2->message, "entry 1 at offset 24"));
}

static void
test_oversized_buffer_is_rejected(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *big = g_malloc0(CVM_SNP_CERT_TABLE_MAX + 1);

	assert_null(cvm_snp_cert_table_decode(big, CVM_SNP_CERT_TABLE_MAX + 1, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
}

static void
test_bad_guid_text_is_rejected(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) d = g_bytes_new_static("x", 1);

	assert_null(cvm_snp_cert_new("c0b406a4-a803-4952-9743-3fb6014cd0aZ", d, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_encodes_byte_exact_with_rfc_guid_order),
		cmocka_unit_test(test_table_roundtrips),
		cmocka_unit_test(test_empty_table_is_24_zero_bytes),
		cmocka_unit_test(test_table_without_terminator_is_truncated),
		cmocka_unit_test(test_entry_pointing_into_table_or_past_end_is_rejected),
		cmocka_unit_test(test_oversized_buffer_is_rejected),
		cmocka_unit_test(test_bad_guid_text_is_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
