/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The a{sv} options of Attestation.VerifySnpReport (attest/snp-verify-variant.c):
 * what the client sends is what cvmd reads, and cvmd refuses the rest by
 * name (unknown keys, wrong types or lengths, oversized chains, at <= 0). */
#include "tests/lib/testlib.h"

#include <cvm/attest-snp.h>
#include <cvm/error.h>
#include <string.h>

static void
test_options_round_trip(void **state)
{
	guint8 meas[48], rd[64];
	g_autoptr(GBytes) chain = g_bytes_new_static("-----BEGIN CERTIFICATE-----\n", 28);
	CvmSnpVerifyOptions in = { .roots_dir = "/ignored", .chain_pem = chain, .expect_measurement = meas,
				   .expect_report_data = rd, .at = 1748736000 };
	CvmSnpVerifyOptions out;
	g_autoptr(GVariant) v = NULL;
	g_autoptr(GError) error = NULL;

	(void)state;
	memset(meas, 0xab, sizeof(meas));
	memset(rd, 0xcd, sizeof(rd));
	v = g_variant_ref_sink(cvm_snp_verify_options_to_variant(&in));
	/* the roots are never sent */
	assert_null(g_variant_lookup_value(v, "roots", NULL));
	assert_int_equal(g_variant_n_children(v), 4);
	assert_true(cvm_snp_verify_options_from_variant(v, &out, &error));
	cvmt_assert_no_error(error);
	assert_null(out.roots_dir);
	assert_int_equal(out.at, in.at);
	assert_true(g_bytes_equal(out.chain_pem, chain));
	assert_memory_equal(out.expect_measurement, meas, sizeof(meas));
	assert_memory_equal(out.expect_report_data, rd, sizeof(rd));
	g_bytes_unref(out.chain_pem);

	/* nothing set: an empty dictionary, read back as no options */
	g_variant_unref(v);
	v = g_variant_ref_sink(cvm_snp_verify_options_to_variant(NULL));
	assert_int_equal(g_variant_n_children(v), 0);
	assert_true(cvm_snp_verify_options_from_variant(v, &out, &error));
	assert_null(out.chain_pem);
	assert_int_equal(out.at, 0);
}

static void
refused(const char *text, const char *message)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_parse(G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error));
	CvmSnpVerifyOptions out;

	cvmt_assert_no_error(error);
	assert_false(cvm_snp_verify_options_from_variant(v, &out, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	if (strstr(error->message, message) == NULL)
		fail_msg("%s: \"%s\" is not in \"%s\"", text, message, error->message);
	assert_null(out.chain_pem);
}

static void
test_bad_options_are_refused_by_name(void **state)
{
	g_autofree gchar *big = NULL;
	GString *s = g_string_new("{'chain': <@ay [");

	(void)state;
	refused("{'roots': <'/etc'>}", "bad key \"roots\"");
	refused("{'at': <'2025-06-01T00:00:00Z'>}", "bad key \"at\" (type s)");
	refused("{'at': <int64 0>}", "option \"at\" is 0");
	refused("{'at': <int64 -5>}", "option \"at\" is -5");
	refused("{'expect-measurement': <@ay [1, 2]>}", "is 2 bytes, not 48");
	refused("{'expect-report-data': <@ay []>}", "is 0 bytes, not 64");
	refused("{'chain': <'text'>}", "bad key \"chain\" (type s)");
	/* a valid chain first, then a bad key: nothing is kept */
	refused("{'chain': <@ay [1]>, 'x': <1>}", "bad key \"x\"");
	for (guint i = 0; i <= CVM_SNP_VERIFY_INPUT_MAX; i++)
		g_string_append(s, i == 0 ? "0" : ",0");
	g_string_append(s, "]>}");
	big = g_string_free(s, FALSE);
	refused(big, "more than 65536");
}

static void
test_steps_come_back_from_their_names(void **state)
{
	(void)state;
	for (guint i = CVM_SNP_VERIFY_OK; i <= CVM_SNP_VERIFY_NOT_YET_VALID; i++)
		assert_int_equal(cvm_snp_verify_step_from_string(cvm_snp_verify_step_to_string(i)), i);
	/* a newer cvmd's step this libcvm does not know */
	assert_int_equal(cvm_snp_verify_step_from_string("quantum"), CVM_SNP_VERIFY_INPUT);
	assert_int_equal(cvm_snp_verify_step_from_string(NULL), CVM_SNP_VERIFY_INPUT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_round_trip),
		cmocka_unit_test(test_bad_options_are_refused_by_name),
		cmocka_unit_test(test_steps_come_back_from_their_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
