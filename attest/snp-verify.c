/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SNP report verification: chain, signature, TCB, chip ID, expected values. */
#include "attest/snp-verify-private.h"
#include "libcvm/libcvm-internal.h"
#include <cvm/error.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <string.h>

const char *
cvm_snp_verify_step_to_string(CvmSnpVerifyStep step)
{
	static const char *const names[] = { "ok", "input", "chain", "signature", "tcb",
					     "chip-id", "measurement", "report-data", "expired", "not-yet-valid" };

	return (guint)step < G_N_ELEMENTS(names) ? names[step] : "unknown";
}

static gboolean
verify_signature(X509 *vcek, const char *key_name, const CvmSnpReport *r, GError **error)
{
	/* r and s are 72-byte little-endian fields; ECDSA wants DER of big ints. */
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = BN_lebin2bn(r->sig_r, sizeof(r->sig_r), NULL);
	BIGNUM *bs = BN_lebin2bn(r->sig_s, sizeof(r->sig_s), NULL);
	EVP_PKEY *key = X509_get0_pubkey(vcek);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	int der_len, rc = 0;

	if (sig == NULL || br == NULL || bs == NULL || ECDSA_SIG_set0(sig, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		der_len = -1;
	} else {
		der_len = i2d_ECDSA_SIG(sig, &der);
	}
	if (der_len > 0 && key != NULL &&
	    EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, key) == 1)
		rc = EVP_DigestVerify(md, der, der_len, (const unsigned char *)r,
				      CVM_SNP_REPORT_SIGNED_SIZE);
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	ECDSA_SIG_free(sig);
	ERR_clear_error();
	if (rc != 1) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_CRYPTO,
			    "report signature (offset 0x2a0) does not verify with the %s's key over bytes 0x000-0x29f",
			    key_name);
		return FALSE;
	}
	return TRUE;
}

static gboolean
check_expected(const CvmSnpReport *r, const CvmSnpVerifyOptions *o, CvmSnpVerifyStep *step,
	       GError **error)
{
	if (o->expect_measurement != NULL &&
	    memcmp(o->expect_measurement, r->measurement, sizeof(r->measurement)) != 0) {
		g_autofree gchar *want = cvmi_hex(o->expect_measurement, sizeof(r->measurement));
		g_autofree gchar *got = cvmi_hex(r->measurement, sizeof(r->measurement));
		*step = CVM_SNP_VERIFY_MEASUREMENT;
		g_set_error(error, CVM_ERROR, CVM_ERROR_MEASUREMENT_MISMATCH,
			    "measurement (offset 0x90) is %s, not the expected %s", got, want);
		return FALSE;
	}
	if (o->expect_report_data != NULL &&
	    memcmp(o->expect_report_data, r->report_data, sizeof(r->report_data)) != 0) {
		g_autofree gchar *want = cvmi_hex(o->expect_report_data, sizeof(r->report_data));
		g_autofree gchar *got = cvmi_hex(r->report_data, sizeof(r->report_data));
		*step = CVM_SNP_VERIFY_REPORT_DATA;
		g_set_error(error, CVM_ERROR, CVM_ERROR_MEASUREMENT_MISMATCH,
			    "report_data (offset 0x50) is %s, not the expected %s", got, want);
		return FALSE;
	}
	return TRUE;
}

/* The product from the report's CPUID family and model (version 3 on; a
 * version 2 report has zeros there). AMD's processor programming
 * references: Milan is family 19h models 00h-0Fh, Genoa 19h 10h-1Fh and
 * A0h-AFh (Bergamo, Siena), Turin 1Ah 00h-1Fh. NULL when it does not say. */
static const char *
cpuid_product(const CvmSnpReport *r)
{
	guint8 model = r->cpuid_mod_id;

	if (r->cpuid_fam_id == 0x19 && model <= 0x0F)
		return "milan";
	if (r->cpuid_fam_id == 0x19 && ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF)))
		return "genoa";
	if (r->cpuid_fam_id == 0x1A && model <= 0x1F)
		return "turin";
	return NULL;
}

static gboolean
is_product(const char *name)
{
	return g_strcmp0(name, "milan") == 0 || g_strcmp0(name, "genoa") == 0 || g_strcmp0(name, "turin") == 0;
}

static gboolean
verify_steps(const CvmSnpReport *r, X509 *vcek, const CvmSnpVerifyOptions *o,
	     CvmSnpVerifyStep *step, GError **error)
{
	g_autofree gchar *product = NULL;
	guint key = CVM_SNP_REPORT_SIGNING_KEY(r);

	/* The signing-key field picks the certificate kind and its chain. */
	*step = CVM_SNP_VERIFY_SIGNATURE;
	if (key != CVM_SNP_SIGNING_KEY_VCEK && key != CVM_SNP_SIGNING_KEY_VLEK) {
		g_set_error(error, CVM_ERROR, key == CVM_SNP_SIGNING_KEY_NONE ? CVM_ERROR_CRYPTO : CVM_ERROR_NOT_SUPPORTED,
			    "key_info 0x%x (offset 0x48): signing key %u is %s", cvm_le32(r->key_info), key,
			    key == CVM_SNP_SIGNING_KEY_NONE ? "none: the report is not signed" : "neither VCEK nor VLEK");
		return FALSE;
	}
	*step = CVM_SNP_VERIFY_CHAIN;
	if (!cvmi_snp_verify_chain(vcek, key == CVM_SNP_SIGNING_KEY_VLEK, o, &product, step, error))
		return FALSE;
	/* AMD's roots name the product ("ARK-Milan"); one that does not (a
	 * private root, a --chain ending elsewhere) leaves it to the report's
	 * CPUID, since the product decides the reported_tcb layout. */
	if (!is_product(product) && cpuid_product(r) != NULL) {
		g_free(product);
		product = g_strdup(cpuid_product(r));
	}
	*step = CVM_SNP_VERIFY_SIGNATURE;
	if (cvm_le32(r->signature_algo) != CVM_SNP_SIG_ALGO_ECDSA_P384_SHA384) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
			    "signature_algo %u at offset 0x34 is not ECDSA P-384/SHA-384",
			    cvm_le32(r->signature_algo));
		return FALSE;
	}
	if (!verify_signature(vcek, key == CVM_SNP_SIGNING_KEY_VLEK ? "VLEK" : "VCEK", r, error))
		return FALSE;
	*step = CVM_SNP_VERIFY_TCB;
	if (!cvmi_snp_check_tcb(vcek, r, product, error))
		return FALSE;
	*step = CVM_SNP_VERIFY_CHIP_ID;
	if (!cvmi_snp_check_chip_id(vcek, r, error))
		return FALSE;
	if (!check_expected(r, o, step, error))
		return FALSE;
	*step = CVM_SNP_VERIFY_OK;
	return TRUE;
}

gboolean
cvm_snp_verify_report(const guint8 *report, gsize report_len, GBytes *vcek_bytes,
		      const CvmSnpVerifyOptions *opts, CvmSnpVerifyStep *failed, GError **error)
{
	const CvmSnpVerifyOptions none = { 0 };
	CvmSnpVerifyStep step = CVM_SNP_VERIFY_INPUT;
	CvmSnpReport r;
	X509 *vcek = NULL;
	gboolean ok = FALSE;

	if (!cvm_snp_report_decode(report, report_len, &r, error))
		goto out;
	vcek = cvmi_snp_cert_load(vcek_bytes, error);
	if (vcek == NULL) {
		g_prefix_error(error, "VCEK: ");
		goto out;
	}
	ok = verify_steps(&r, vcek, opts != NULL ? opts : &none, &step, error);
out:
	X509_free(vcek);
	if (failed != NULL)
		*failed = ok ? CVM_SNP_VERIFY_OK : step;
	return ok;
}
