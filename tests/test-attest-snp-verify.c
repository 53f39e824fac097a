/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of SEV-SNP report verification: chain, signature, TCB, chip ID (attest/snp-verify.c). */
#include "tests/lib/testlib.h"
#include <cvm/attest-snp.h>
#include <cvm/error.h>
#include <string.h>

typedef struct {
	GBytes *report;
	GBytes *vcek;
	gchar *roots;
} Fixture;

/* ORIGIN/FILE under tests/data/third-party. */
static GBytes *
third_party(const char *rel)
{
	g_autofree gchar *path = cvmt_third_party_path(rel);

	return cvmt_read_file(path);
}

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autofree gchar *ark = cvmt_third_party_path("virtee-sev/ark-milan.pem");

	f->report = third_party("trustee/report-milan-v2.bin");
	f->vcek = third_party("trustee/vcek-milan.der");
	f->roots = g_path_get_dirname(ark);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	g_bytes_unref(f->report);
	g_bytes_unref(f->vcek);
	g_free(f->roots);
	g_free(f);
	return 0;
}

static gboolean
run(Fixture *f, const guint8 *report, const CvmSnpVerifyOptions *extra, GBytes *vcek,
    CvmSnpVerifyStep *step, GError **error)
{
	CvmSnpVerifyOptions o = extra != NULL ? *extra : (CvmSnpVerifyOptions){ 0 };

	o.roots_dir = f->roots;
	return cvm_snp_verify_report(report != NULL ? report : g_bytes_get_data(f->report, NULL),
				     CVM_SNP_REPORT_SIZE, vcek != NULL ? vcek : f->vcek, &o, step, error);
}

static void
test_real_milan_report_verifies(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyStep step = CVM_SNP_VERIFY_INPUT;
	const guint8 *rep = g_bytes_get_data(f->report, NULL);
	CvmSnpVerifyOptions o = { .expect_measurement = rep + 0x90, .expect_report_data = rep + 0x50 };

	assert_true(run(f, NULL, &o, NULL, &step, &error));
	cvmt_assert_no_error(error);
	assert_int_equal(step, CVM_SNP_VERIFY_OK);
}

static void
test_invalid_vcek_fails_the_chain(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bad = third_party("trustee/vcek-invalid.der");
	CvmSnpVerifyStep step;

	assert_false(run(f, NULL, NULL, bad, &step, &error));
	cvmt_assert_error(error, CVM_ERROR_CRYPTO);
	assert_int_equal(step, CVM_SNP_VERIFY_CHAIN);
	assert_non_null(strstr(error->message, "certificate chain"));
}

static void
test_flipped_report_byte_fails_the_signature(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *rep = g_memdup2(g_bytes_get_data(f->report, NULL), CVM_SNP_REPORT_SIZE);
	CvmSnpVerifyStep step;

	rep[0x90] ^= 0x01;
	assert_false(run(f, rep, NULL, NULL, &step, &error));
	cvmt_assert_error(error, CVM_ERROR_CRYPTO);
	assert_int_equal(step, CVM_SNP_VERIFY_SIGNATURE);
}

static void
test_genoa_chain_is_rejected_for_a_milan_vcek(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) ask = third_party("virtee-sev/ask-genoa.pem");
	g_autoptr(GBytes) ark = third_party("virtee-sev/ark-genoa.pem");
	g_autoptr(GByteArray) chain = g_byte_array_new();
	g_autoptr(GBytes) chain_bytes = NULL;
	CvmSnpVerifyOptions o = { 0 };
	CvmSnpVerifyStep step;

	g_byte_array_append(chain, g_bytes_get_data(ask, NULL), g_bytes_get_size(ask));
	g_byte_array_append(chain, g_bytes_get_data(ark, NULL), g_bytes_get_size(ark));
	chain_bytes = g_byte_array_free_to_bytes(g_steal_pointer(&chain));
	o.chain_pem = chain_bytes;
	assert_false(run(f, NULL, &o, NULL, &step, &error));
	cvmt_assert_error(error, CVM_ERROR_CRYPTO);
	assert_int_equal(step, CVM_SNP_VERIFY_CHAIN);
}

static void
test_wrong_expected_measurement_is_named(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	guint8 zero[64] = { 0 };
	CvmSnpVerifyOptions o = { .expect_measurement = zero };
	CvmSnpVerifyOptions d = { .expect_report_data = zero };
	CvmSnpVerifyStep step;

	assert_false(run(f, NULL, &o, NULL, &step, &error));
	cvmt_assert_error(error, CVM_ERROR_MEASUREMENT_MISMATCH);
	assert_int_equal(step, CVM_SNP_VERIFY_MEASUREMENT);
	g_clear_error(&error);
	assert_false(run(f, NULL, &d, NULL, &step, &error));
	assert_int_equal(step, CVM_SNP_VERIFY_REPORT_DATA);
}

static void
test_truncated_report_is_an_input_failure(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyStep step;

	assert_false(cvm_snp_verify_report(g_bytes_get_data(f->report, NULL), 100, f->vcek, NULL,
					   &step, &error));
	cvmt_assert_error(error, CVM_ERROR_TRUNCATED);
	assert_int_equal(step, CVM_SNP_VERIFY_INPUT);
}

static void
test_at_checks_the_chain_at_that_time(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyStep step;
	/* vcek-milan.der is valid from 2023-01-24 to 2030-01-24. */
	g_autoptr(GDateTime) inside = g_date_time_new_from_iso8601("2024-06-01T00:00:00Z", NULL);
	g_autoptr(GDateTime) after = g_date_time_new_from_iso8601("2031-01-01T00:00:00Z", NULL);
	g_autoptr(GDateTime) before = g_date_time_new_from_iso8601("2022-01-01T00:00:00Z", NULL);
	CvmSnpVerifyOptions o = { .at = g_date_time_to_unix(inside) };

	assert_true(run(f, NULL, &o, NULL, &step, &error));
	cvmt_assert_no_error(error);
	/* outside the window: its own result, naming the certificate, its
	 * window, the time checked and the way to check inside it */
	o.at = g_date_time_to_unix(after);
	assert_false(run(f, NULL, &o, NULL, &step, &error));
	cvmt_assert_error(error, CVM_ERROR_CRYPTO);
	assert_int_equal(step, CVM_SNP_VERIFY_EXPIRED);
	assert_string_equal(cvm_snp_verify_step_to_string(step), "expired");
	assert_non_null(strstr(error->message, "certificate SEV-VCEK (depth 0) has expired"));
	assert_non_null(strstr(error->message, "valid from 2023-01-24T"));
	assert_non_null(strstr(error->message, " to 2030-01-24T"));
	assert_non_null(strstr(error->message, "checked at 2031-01-01T00:00:00Z"));
	assert_non_null(strstr(error->message, "--at TIME"));
	g_clear_error(&error);
	o.at = g_date_time_to_unix(before);
	assert_false(run(f, NULL, &o, NULL, &step, &error));
	cvmt_assert_error(error, CVM_ERROR_CRYPTO);
	assert_int_equal(step, CVM_SNP_VERIFY_NOT_YET_VALID);
	assert_string_equal(cvm_snp_verify_step_to_string(step), "not-yet-valid");
	assert_non_null(strstr(error->message, "certificate SEV-VCEK (depth 0) is not yet valid"));
	assert_non_null(strstr(error->message, "checked at 2022-01-01T00:00:00Z"));
}

/* The new results are numbered after the old ones, whose numbers stay. */
static void
test_step_numbers_and_names_are_stable(void **state)
{
	static const char *const names[] = { "ok", "input", "chain", "signature", "tcb", "chip-id",
					     "measurement", "report-data", "expired", "not-yet-valid" };

	(void)state;
	assert_int_equal(CVM_SNP_VERIFY_REPORT_DATA, 7);
	assert_int_equal(CVM_SNP_VERIFY_EXPIRED, 8);
	assert_int_equal(CVM_SNP_VERIFY_NOT_YET_VALID, 9);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		assert_string_equal(cvm_snp_verify_step_to_string(i), names[i]);
	assert_string_equal(cvm_snp_verify_step_to_string(G_N_ELEMENTS(names)), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_real_milan_report_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_vcek_fails_the_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_report_byte_fails_the_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_genoa_chain_is_rejected_for_a_milan_vcek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_expected_measurement_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_report_is_an_input_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_at_checks_the_chain_at_that_time, setup, teardown),
		cmocka_unit_test(test_step_numbers_and_names_are_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
