/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the SEV-SNP report codec on the real Milan report (attest/snp-report.c). */
#include "tests/lib/testlib.h"
#include <cvm/attest-snp.h>
#include <cvm/error.h>
#include <string.h>

static GBytes *
milan_report(void)
{
	g_autofree gchar *path = cvmt_third_party_path("trustee/report-milan-v2.bin");

	return cvmt_read_file(path);
}

static void
test_real_milan_report_decodes_and_reencodes_byte_exact(void **state)
{
	g_autoptr(GBytes) bytes = milan_report();
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) again = NULL;
	const guint8 prefix[] = { 0xa1, 0xf3, 0x93, 0x04, 0x13, 0x24, 0x7b, 0xb3, 0x8c, 0xfc, 0x17, 0x15 };
	CvmSnpReport r;
	gsize len;
	const guint8 *b = g_bytes_get_data(bytes, &len);

	assert_true(cvm_snp_report_decode(b, len, &r, &error));
	cvmt_assert_no_error(error);
	assert_int_equal(cvm_le32(r.version), 2);
	assert_int_equal(cvm_le32(r.signature_algo), CVM_SNP_SIG_ALGO_ECDSA_P384_SHA384);
	assert_memory_equal(r.measurement, prefix, sizeof(prefix));
	again = cvm_snp_report_encode(&r);
	assert_true(g_bytes_equal(again, bytes));
}

static void
test_truncated_and_oversized_reports_are_rejected(void **state)
{
	g_autoptr(GBytes) bytes = milan_report();
	g_autofree guint8 *big = g_malloc0(CVM_SNP_REPORT_SIZE + 1);
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	CvmSnpReport r;

	assert_false(cvm_snp_report_decode(g_bytes_get_data(bytes, NULL), CVM_SNP_REPORT_SIZE - 1, &r, &e1));
	cvmt_assert_error(e1, CVM_ERROR_TRUNCATED);
	memcpy(big, g_bytes_get_data(bytes, NULL), CVM_SNP_REPORT_SIZE);
	assert_false(cvm_snp_report_decode(big, CVM_SNP_REPORT_SIZE + 1, &r, &e2));
	cvmt_assert_error(e2, CVM_ERROR_INVALID_DATA);
	assert_non_null(strstr(e2->message, "0x4a0"));
}

static void
test_versions_outside_2_to_5_are_rejected(void **state)
{
	g_autoptr(GBytes) bytes = milan_report();
	g_autofree guint8 *b = g_memdup2(g_bytes_get_data(bytes, NULL), CVM_SNP_REPORT_SIZE);
	const guint32 bad[] = { 0, 1, 6, 0xffffffff };
	CvmSnpReport r;

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		guint32 v = GUINT32_TO_LE(bad[i]);

		memcpy(b, &v, 4);
		assert_false(cvm_snp_report_decode(b, CVM_SNP_REPORT_SIZE, &r, &error));
		cvmt_assert_error(error, CVM_ERROR_NOT_SUPPORTED);
	}
	b[0] = 5;
	b[1] = b[2] = b[3] = 0;
	assert_true(cvm_snp_report_decode(b, CVM_SNP_REPORT_SIZE, &r, NULL));
}

static void
test_v2_report_with_cpuid_bytes_is_rejected(void **state)
{
	g_autoptr(GBytes) bytes = milan_report();
	g_autofree guint8 *b = g_memdup2(g_bytes_get_data(bytes, NULL), CVM_SNP_REPORT_SIZE);
	g_autoptr(GError) error = NULL;
	CvmSnpReport r;

	b[0x188] = 0x19;
	assert_false(cvm_snp_report_decode(b, CVM_SNP_REPORT_SIZE, &r, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
	b[0] = 3; /* v3 carries the CPUID family */
	assert_true(cvm_snp_report_decode(b, CVM_SNP_REPORT_SIZE, &r, NULL));
	assert_int_equal(r.cpuid_fam_id, 0x19);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_milan_report_decodes_and_reencodes_byte_exact),
		cmocka_unit_test(test_truncated_and_oversized_reports_are_rejected),
		cmocka_unit_test(test_versions_outside_2_to_5_are_rejected),
		cmocka_unit_test(test_v2_report_with_cpuid_bytes_is_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
