/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CvmSnpVerifyOptions as the a{sv} of cvmd's Attestation.VerifySnpReport()
 * and back, and a step back from its name: the one place that knows the
 * option keys, for the client (cvmctl) and cvmd. */
#include <cvm/attest-snp.h>
#include <cvm/error.h>
#include <string.h>

static GVariant *
bytes_variant(const guint8 *data, gsize len)
{
	return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1);
}

GVariant *
cvm_snp_verify_options_to_variant(const CvmSnpVerifyOptions *opts)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	if (opts != NULL && opts->at != 0)
		g_variant_builder_add(&b, "{sv}", "at", g_variant_new_int64(opts->at));
	if (opts != NULL && opts->chain_pem != NULL)
		g_variant_builder_add(&b, "{sv}", "chain",
				      g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, opts->chain_pem, TRUE));
	if (opts != NULL && opts->expect_measurement != NULL)
		g_variant_builder_add(&b, "{sv}", "expect-measurement", bytes_variant(opts->expect_measurement, 48));
	if (opts != NULL && opts->expect_report_data != NULL)
		g_variant_builder_add(&b, "{sv}", "expect-report-data", bytes_variant(opts->expect_report_data, 64));
	return g_variant_builder_end(&b);
}

/* An ay value: at most CVM_SNP_VERIFY_INPUT_MAX bytes, or exactly @exact
 * when it is not 0. */
static gboolean
check_size(GVariant *v, const char *key, gsize exact, GError **error)
{
	gsize len = g_variant_get_size(v);

	if (exact != 0 && len != exact) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "option \"%s\" is %" G_GSIZE_FORMAT " bytes, not %" G_GSIZE_FORMAT, key, len, exact);
		return FALSE;
	}
	if (len > CVM_SNP_VERIFY_INPUT_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "option \"%s\" is %" G_GSIZE_FORMAT " bytes, more than %d", key, len,
			    CVM_SNP_VERIFY_INPUT_MAX);
		return FALSE;
	}
	return TRUE;
}

gboolean
cvm_snp_verify_options_from_variant(GVariant *dict, CvmSnpVerifyOptions *opts, GError **error)
{
	GVariantIter it;
	const char *key;
	GVariant *val;

	memset(opts, 0, sizeof(*opts));
	g_variant_iter_init(&it, dict);
	while (g_variant_iter_next(&it, "{&sv}", &key, &val)) {
		g_autoptr(GVariant) v = val;
		gboolean bytes = g_variant_is_of_type(v, G_VARIANT_TYPE_BYTESTRING);

		if (strcmp(key, "at") == 0 && g_variant_is_of_type(v, G_VARIANT_TYPE_INT64)) {
			opts->at = g_variant_get_int64(v);
			if (opts->at > 0)
				continue;
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "option \"at\" is %" G_GINT64_FORMAT ", not seconds since the epoch (> 0)", opts->at);
		} else if (strcmp(key, "chain") == 0 && bytes) {
			if (check_size(v, key, 0, error)) {
				g_clear_pointer(&opts->chain_pem, g_bytes_unref);
				opts->chain_pem = g_variant_get_data_as_bytes(v);
				continue;
			}
		} else if (strcmp(key, "expect-measurement") == 0 && bytes) {
			/* points into @dict, which holds the value */
			if (check_size(v, key, 48, error)) {
				opts->expect_measurement = g_variant_get_data(v);
				continue;
			}
		} else if (strcmp(key, "expect-report-data") == 0 && bytes) {
			if (check_size(v, key, 64, error)) {
				opts->expect_report_data = g_variant_get_data(v);
				continue;
			}
		} else {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "options: bad key \"%s\" (type %s): known are at (x), chain, expect-measurement "
				    "and expect-report-data (ay)", key, g_variant_get_type_string(v));
		}
		g_clear_pointer(&opts->chain_pem, g_bytes_unref);
		return FALSE;
	}
	return TRUE;
}

CvmSnpVerifyStep
cvm_snp_verify_step_from_string(const char *name)
{
	for (guint s = CVM_SNP_VERIFY_OK; strcmp(cvm_snp_verify_step_to_string(s), "unknown") != 0; s++)
		if (g_strcmp0(cvm_snp_verify_step_to_string(s), name) == 0)
			return s;
	return CVM_SNP_VERIFY_INPUT;
}
