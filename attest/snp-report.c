/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SNP attestation report codec: the struct is the wire form, so decoding is
 * a length and version check plus a copy, and encoding is byte-exact. */
#include <cvm/attest-snp.h>
#include <cvm/error.h>
#include <string.h>

gboolean
cvm_snp_report_decode(const guint8 *data, gsize len, CvmSnpReport *out, GError **error)
{
	guint32 version;

	if (data == NULL || len < CVM_SNP_REPORT_SIZE) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "SNP report: %" G_GSIZE_FORMAT " bytes, the report needs %u (ends at offset 0x%x)",
			    data == NULL ? 0 : len, CVM_SNP_REPORT_SIZE, CVM_SNP_REPORT_SIZE);
		return FALSE;
	}
	if (len > CVM_SNP_REPORT_SIZE) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "SNP report: %" G_GSIZE_FORMAT " bytes, trailing data after offset 0x%x",
			    len, CVM_SNP_REPORT_SIZE);
		return FALSE;
	}
	memcpy(out, data, sizeof(*out));
	version = cvm_le32(out->version);
	if (version < 2 || version > 5) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
			    "SNP report: version %u at offset 0x0 is not 2 to 5", version);
		return FALSE;
	}
	if (version == 2 && (out->cpuid_fam_id | out->cpuid_mod_id | out->cpuid_step) != 0) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "SNP report: version 2 with non-zero CPUID bytes at offset 0x188");
		return FALSE;
	}
	return TRUE;
}

GBytes *
cvm_snp_report_encode(const CvmSnpReport *report)
{
	return g_bytes_new(report, sizeof(*report));
}
