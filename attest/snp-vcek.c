/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* VCEK/VLEK certificate checks: the ARK -> ASK/ASVK -> VCEK chain through an
 * OpenSSL X509_STORE, and the AMD TCB extensions (OIDs 1.3.6.1.4.1.3704.1.3.x
 * hold the SPLs as DER INTEGERs, .1.4 the hwID as an OCTET STRING). */
#include "attest/snp-verify-private.h"

#include <cvm/data.h>
#include "libcvm/libcvm-internal.h"
#include <cvm/error.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <string.h>

static const char *const products[] = { "milan", "genoa", "turin" };

X509 *
cvmi_snp_cert_load(GBytes *bytes, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	const unsigned char *p = data;
	X509 *cert;
	BIO *bio;

	if (len > G_MAXINT) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "certificate too large");
		return NULL;
	}
	cert = d2i_X509(NULL, &p, (long)len);
	if (cert != NULL)
		return cert;
	bio = BIO_new_mem_buf(data, (int)len);
	cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (cert == NULL)
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "certificate is neither DER nor PEM X.509");
	ERR_clear_error();
	return cert;
}

/* Adds each certificate to the trusted @store or, as a new reference, to
 * @untrusted; Returns: how many there were. */
static guint
add_certs(STACK_OF(X509) *certs, STACK_OF(X509) *untrusted, X509_STORE *store)
{
	for (int i = 0; i < sk_X509_num(certs); i++) {
		X509 *c = sk_X509_value(certs, i);

		if (store != NULL)
			X509_STORE_add_cert(store, c);
		if (untrusted != NULL) {
			X509_up_ref(c);
			sk_X509_push(untrusted, c);
		}
	}
	return (guint)sk_X509_num(certs);
}

static gboolean
load_builtin(const char *dir, const char *kind, STACK_OF(X509) *untrusted, X509_STORE *store,
	     GError **error)
{
	guint found = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(products); i++) {
		g_autofree gchar *path = g_strdup_printf("%s/%s-%s.pem", dir, kind, products[i]);
		STACK_OF(X509) *certs = cvmi_snp_bundle_certs(path);

		if (add_certs(certs, untrusted, store) > 0)
			found++;
		sk_X509_pop_free(certs, X509_free);
	}
	if (found == 0 && store != NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND,
			    "no AMD root certificates (%s-*.pem) in %s", kind, dir);
		return FALSE;
	}
	return TRUE;
}

static gchar *
root_product(X509_STORE_CTX *ctx)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	X509 *root = sk_X509_value(chain, sk_X509_num(chain) - 1);
	char cn[64] = "";

	X509_NAME_get_text_by_NID(X509_get_subject_name(root), NID_commonName, cn, sizeof(cn));
	/* AMD names its roots "ARK-Milan", "ARK-Genoa", "ARK-Turin". */
	return g_ascii_strdown(g_str_has_prefix(cn, "ARK-") ? cn + 4 : cn, -1);
}

/* The certificate's own kind, from its CN ("SEV-VCEK" or "SEV-VLEK"). */
static gboolean
check_kind(X509 *cert, gboolean vlek, GError **error)
{
	char cn[64] = "";
	const char *want = vlek ? "SEV-VLEK" : "SEV-VCEK", *other = vlek ? "SEV-VCEK" : "SEV-VLEK";

	X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
	ERR_clear_error();
	if (g_strcmp0(cn, other) == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_CRYPTO,
			    "the report's signing key (key_info bits 4:2) is a %s, but the certificate is a %s",
			    want + 4, other + 4);
		return FALSE;
	}
	return TRUE;
}

static gchar *
rfc3339_of_asn1(const ASN1_TIME *t)
{
	struct tm tm;
	char text[32];

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 || strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return g_strdup("(unreadable)");
	return g_strdup(text);
}

/* An expired or not yet valid certificate is its own result, not a broken
 * chain: the report may be genuine and only checked at the wrong time (a
 * stored report verified after its VLEK expired), so the message gives the
 * window and the way to check inside it. */
static void
validity_error(X509_STORE_CTX *ctx, gboolean expired, gint64 at, GError **error)
{
	X509 *cert = X509_STORE_CTX_get_current_cert(ctx);
	char cn[64] = "(no CN)";
	g_autofree gchar *from = rfc3339_of_asn1(cert != NULL ? X509_get0_notBefore(cert) : NULL);
	g_autofree gchar *to = rfc3339_of_asn1(cert != NULL ? X509_get0_notAfter(cert) : NULL);
	/* OpenSSL checks at "now" when no time was set: the same second. */
	g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(at != 0 ? at : g_get_real_time() / G_USEC_PER_SEC);
	g_autofree gchar *checked = when != NULL ? g_date_time_format(when, "%Y-%m-%dT%H:%M:%SZ") : NULL;

	if (cert != NULL)
		X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
	g_set_error(error, CVM_ERROR, CVM_ERROR_CRYPTO,
		    "certificate %s (depth %d) %s: valid from %s to %s, checked at %s; "
		    "--at TIME verifies a report made inside that window",
		    cn, X509_STORE_CTX_get_error_depth(ctx), expired ? "has expired" : "is not yet valid", from, to,
		    checked != NULL ? checked : "(out of range)");
}

gboolean
cvmi_snp_verify_chain(X509 *vcek, gboolean vlek, const CvmSnpVerifyOptions *opts, gchar **product,
		      CvmSnpVerifyStep *step, GError **error)
{
	const char *kind = vlek ? "asvk" : "ask";
	g_autofree gchar *data = opts->roots_dir != NULL ? NULL : cvm_data_dir();
	g_autofree gchar *builtin = data != NULL ? g_build_filename(data, "amd", NULL) : NULL;
	const char *dir = opts->roots_dir != NULL ? opts->roots_dir : builtin;
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	gboolean ok = FALSE;

	if (!check_kind(vcek, vlek, error) || !load_builtin(dir, "ark", NULL, store, error))
		goto out;
	if (opts->chain_pem != NULL) {
		gsize len = 0;
		const guint8 *d = g_bytes_get_data(opts->chain_pem, &len);

		sk_X509_pop_free(untrusted, X509_free);
		untrusted = cvmi_snp_pem_certs(d, len);
		if (sk_X509_num(untrusted) == 0) {
			g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
					    "--chain holds no PEM certificate");
			goto out;
		}
	} else if (!load_builtin(dir, kind, untrusted, NULL, error)) {
		goto out;
	} else if (sk_X509_num(untrusted) == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND,
			    "no AMD %s certificates (%s-*.pem) in %s: pass the %s chain with --chain", vlek ? "ASVK" : "ASK",
			    kind, dir, vlek ? "ASVK" : "ASK");
		goto out;
	}
	X509_STORE_CTX_init(ctx, store, vcek, untrusted);
	/* Check validity at the time asked for (e.g. when the report was made). */
	if (opts->at != 0)
		X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)opts->at);
	if (X509_verify_cert(ctx) != 1) {
		int err = X509_STORE_CTX_get_error(ctx);

		if (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID) {
			validity_error(ctx, err == X509_V_ERR_CERT_HAS_EXPIRED, opts->at, error);
			if (step != NULL)
				*step = err == X509_V_ERR_CERT_HAS_EXPIRED ? CVM_SNP_VERIFY_EXPIRED
									    : CVM_SNP_VERIFY_NOT_YET_VALID;
			goto out;
		}
		g_set_error(error, CVM_ERROR, CVM_ERROR_CRYPTO,
			    "certificate chain: %s (depth %d)", X509_verify_cert_error_string(err),
			    X509_STORE_CTX_get_error_depth(ctx));
		goto out;
	}
	*product = root_product(ctx);
	ok = TRUE;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	X509_STORE_free(store);
	return ok;
}

static const ASN1_OCTET_STRING *
ext_data(X509 *cert, const char *oid_text)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(oid_text, 1);
	int idx = X509_get_ext_by_OBJ(cert, oid, -1);

	ASN1_OBJECT_free(oid);
	if (idx < 0)
		return NULL;
	return X509_EXTENSION_get_data(X509_get_ext(cert, idx));
}

static gboolean
ext_spl(X509 *cert, const char *oid, gint64 *value)
{
	const ASN1_OCTET_STRING *d = ext_data(cert, oid);
	const unsigned char *p;
	ASN1_INTEGER *i;
	gboolean ok;

	if (d == NULL)
		return FALSE;
	p = ASN1_STRING_get0_data(d);
	i = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(d));
	ok = i != NULL && ASN1_INTEGER_get_int64(value, i) == 1;
	ASN1_INTEGER_free(i);
	ERR_clear_error();
	return ok;
}

gboolean
cvmi_snp_check_tcb(X509 *vcek, const CvmSnpReport *r, const char *product, GError **error)
{
	/* reported_tcb bytes: Milan/Genoa {bl, tee, 0,0,0,0, snp, ucode};
	 * Turin {fmc, bl, tee, snp, 0,0,0, ucode}. */
	gboolean turin = g_strcmp0(product, "turin") == 0;
	const guint8 *tcb = (const guint8 *)&r->reported_tcb;
	const struct { const char *name, *oid; guint8 at; } spl[] = {
		{ "bootloader", "1.3.6.1.4.1.3704.1.3.1", turin ? 1 : 0 },
		{ "tee", "1.3.6.1.4.1.3704.1.3.2", turin ? 2 : 1 },
		{ "snp", "1.3.6.1.4.1.3704.1.3.3", turin ? 3 : 6 },
		{ "microcode", "1.3.6.1.4.1.3704.1.3.8", 7 },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(spl); i++) {
		gint64 v = -1;

		if (!ext_spl(vcek, spl[i].oid, &v)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_CRYPTO,
				    "the certificate lacks the %s SPL extension %s", spl[i].name, spl[i].oid);
			return FALSE;
		}
		if (v != tcb[spl[i].at]) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_MEASUREMENT_MISMATCH,
				    "reported_tcb %s SPL %u (report offset 0x%x) differs from the VCEK's %" G_GINT64_FORMAT,
				    spl[i].name, tcb[spl[i].at], 0x180 + spl[i].at, v);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
cvmi_snp_check_chip_id(X509 *vcek, const CvmSnpReport *r, GError **error)
{
	/* The hwID extension's value is the raw chip ID (64 bytes; Turin KDS
	 * uses the first 8), not a nested OCTET STRING. */
	const ASN1_OCTET_STRING *d = ext_data(vcek, "1.3.6.1.4.1.3704.1.4");
	int len;

	/* VLEKs carry a CSP ID instead of a hwID; masked chip IDs read as zero. */
	if (d == NULL || (cvm_le32(r->key_info) & 0x2) != 0)
		return TRUE;
	len = ASN1_STRING_length(d);
	if (len <= 0 || len > 64 || memcmp(ASN1_STRING_get0_data(d), r->chip_id, len) != 0) {
		g_autofree gchar *got = cvmi_hex(r->chip_id, sizeof(r->chip_id));
		g_autofree gchar *want = len > 0 ? cvmi_hex(ASN1_STRING_get0_data(d), MIN(len, 64)) : g_strdup("");
		g_set_error(error, CVM_ERROR, CVM_ERROR_MEASUREMENT_MISMATCH,
			    "chip_id (report offset 0x1a0) %s differs from the VCEK's hwID %s", got, want);
		return FALSE;
	}
	return TRUE;
}
