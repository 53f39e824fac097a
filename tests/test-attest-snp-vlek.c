/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* VLEK-signed SNP reports: the report's signing-key field (key_info bits
 * 4:2) picks the ARK -> ASVK -> VLEK chain (asvk-*.pem) instead of the
 * VCEK's ASK chain. Two kinds of input:
 * - a real one: the version 3 report of an AWS Milan instance and its VLEK
 *   (tests/data/third-party/constellation, PROVENANCE.md there), checked
 *   against the bundled AMD roots and ASVKs in data/amd/. Its VLEK expired on
 *   2025-12-10, so it verifies only at a time inside the VLEK's validity;
 * - a test-made chain for what no real input shows: an "ARK-Milan" root, an
 *   ASVK and a "SEV-VLEK" certificate with the AMD SPL extensions (P-384
 *   keys throughout), and version 3 reports signed with the VLEK key as the
 *   firmware signs (ECDSA P-384/SHA-384 over bytes 0x000-0x29F, r and s
 *   little-endian). */
#include "tests/lib/testlib.h"

#include <cvm/attest-snp.h>
#include <cvm/error.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <string.h>

/* key_info SIGNING_KEY (bits 4:2) values. */
#define KEY_VCEK (0u << 2)
#define KEY_VLEK (1u << 2)
#define KEY_NONE (7u << 2)

/* reported_tcb, Milan layout {bl, tee, 0, 0, 0, 0, snp, ucode}. */
static const guint8 tcb[8] = { 3, 0, 0, 0, 0, 0, 8, 115 };

typedef struct {
	gchar *dir;
	EVP_PKEY *ark_key, *asvk_key, *vlek_key;
	X509 *ark, *asvk, *vlek;
} Chain;

static EVP_PKEY *
p384(void)
{
	return EVP_EC_gen("P-384");
}

static void
add_spl(X509 *cert, const char *oid, long value)
{
	ASN1_INTEGER *i = ASN1_INTEGER_new();
	unsigned char *der = NULL;
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);

	ASN1_INTEGER_set(i, value);
	int len = i2d_ASN1_INTEGER(i, &der);
	ASN1_OCTET_STRING_set(os, der, len);
	X509_EXTENSION *ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(os);
	OPENSSL_free(der);
	ASN1_INTEGER_free(i);
}

static X509 *
make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, gboolean ca)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX v3;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	X509_EXTENSION *bc = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, bc, -1);
	X509_EXTENSION_free(bc);
	if (!ca) {
		add_spl(x, "1.3.6.1.4.1.3704.1.3.1", tcb[0]);
		add_spl(x, "1.3.6.1.4.1.3704.1.3.2", tcb[1]);
		add_spl(x, "1.3.6.1.4.1.3704.1.3.3", tcb[6]);
		add_spl(x, "1.3.6.1.4.1.3704.1.3.8", tcb[7]);
	}
	assert_true(X509_sign(x, issuer_key, EVP_sha384()) > 0);
	X509_NAME_free(name);
	return x;
}

static void
write_pem(const char *dir, const char *file, X509 *cert)
{
	g_autofree gchar *path = g_build_filename(dir, file, NULL);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(PEM_write_X509(f, cert) == 1);
	fclose(f);
}

static int
setup(void **state)
{
	Chain *c = g_new0(Chain, 1);

	c->dir = cvmt_mkdtemp();
	c->ark_key = p384();
	c->asvk_key = p384();
	c->vlek_key = p384();
	c->ark = make_cert("ARK-Milan", c->ark_key, NULL, c->ark_key, TRUE);
	c->asvk = make_cert("SEV-VLEK-Milan", c->asvk_key, c->ark, c->ark_key, TRUE);
	c->vlek = make_cert("SEV-VLEK", c->vlek_key, c->asvk, c->asvk_key, FALSE);
	write_pem(c->dir, "ark-milan.pem", c->ark);
	write_pem(c->dir, "asvk-milan.pem", c->asvk);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	Chain *c = *state;

	cvmt_rm_rf(c->dir);
	g_free(c->dir);
	X509_free(c->ark);
	X509_free(c->asvk);
	X509_free(c->vlek);
	EVP_PKEY_free(c->ark_key);
	EVP_PKEY_free(c->asvk_key);
	EVP_PKEY_free(c->vlek_key);
	g_free(c);
	return 0;
}

static void sign_report(guint8 rep[CVM_SNP_REPORT_SIZE], EVP_PKEY *key);

/* A version 3 report with @key_info, signed by @key. */
static void
make_report(guint8 rep[CVM_SNP_REPORT_SIZE], guint32 key_info, EVP_PKEY *key)
{
	CvmSnpReport *r = (CvmSnpReport *)rep;

	memset(rep, 0, CVM_SNP_REPORT_SIZE);
	r->version = GUINT32_TO_LE(3);
	r->policy = GUINT64_TO_LE(0x30000);
	r->signature_algo = GUINT32_TO_LE(CVM_SNP_SIG_ALGO_ECDSA_P384_SHA384);
	r->key_info = GUINT32_TO_LE(key_info);
	memcpy(&r->reported_tcb, tcb, 8);
	memset(r->measurement, 0xab, sizeof(r->measurement));
	sign_report(rep, key);
}

static void
sign_report(guint8 rep[CVM_SNP_REPORT_SIZE], EVP_PKEY *key)
{
	CvmSnpReport *r = (CvmSnpReport *)rep;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[160];
	size_t der_len = sizeof(der);

	assert_true(EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, key) == 1);
	assert_true(EVP_DigestSign(md, der, &der_len, rep, CVM_SNP_REPORT_SIGNED_SIZE) == 1);
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	assert_non_null(sig);
	BN_bn2lebinpad(ECDSA_SIG_get0_r(sig), r->sig_r, sizeof(r->sig_r));
	BN_bn2lebinpad(ECDSA_SIG_get0_s(sig), r->sig_s, sizeof(r->sig_s));
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
}

static GBytes *
der_of(X509 *cert)
{
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);
	GBytes *b = g_bytes_new(der, len);

	OPENSSL_free(der);
	return b;
}

static gboolean
verify(Chain *c, const guint8 *rep, const char *roots, CvmSnpVerifyStep *step, GError **error)
{
	g_autoptr(GBytes) vlek = der_of(c->vlek);
	CvmSnpVerifyOptions o = { .roots_dir = roots };

	return cvm_snp_verify_report(rep, CVM_SNP_REPORT_SIZE, vlek, &o, step, error);
}

static void
test_vlek_signed_report_verifies_through_the_asvk(void **state)
{
	Chain *c = *state;
	guint8 rep[CVM_SNP_REPORT_SIZE];
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyStep step = CVM_SNP_VERIFY_INPUT;

	make_report(rep, KEY_VLEK, c->vlek_key);
	assert_true(verify(c, rep, c->dir, &step, &error));
	cvmt_assert_no_error(error);
	assert_int_equal(step, CVM_SNP_VERIFY_OK);
}

static void
test_vlek_report_without_an_asvk_names_it(void **state)
{
	Chain *c = *state;
	guint8 rep[CVM_SNP_REPORT_SIZE];
	g_autoptr(GError) error = NULL;
	g_autofree gchar *only_ark = cvmt_mkdtemp();
	CvmSnpVerifyStep step;

	/* An ASK is no substitute: the VLEK's issuer is the ASVK. */
	write_pem(only_ark, "ark-milan.pem", c->ark);
	write_pem(only_ark, "ask-milan.pem", c->asvk);
	make_report(rep, KEY_VLEK, c->vlek_key);
	assert_false(verify(c, rep, only_ark, &step, &error));
	cvmt_rm_rf(only_ark);
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
	assert_int_equal(step, CVM_SNP_VERIFY_CHAIN);
	assert_non_null(strstr(error->message, "asvk-*.pem"));
}

static void
test_signing_key_field_must_match_the_certificate(void **state)
{
	Chain *c = *state;
	guint8 rep[CVM_SNP_REPORT_SIZE];
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyStep step;

	/* Signed by the VLEK key but claiming a VCEK. */
	make_report(rep, KEY_VCEK, c->vlek_key);
	assert_false(verify(c, rep, c->dir, &step, &error));
	cvmt_assert_error(error, CVM_ERROR_CRYPTO);
	assert_int_equal(step, CVM_SNP_VERIFY_CHAIN);
	assert_non_null(strstr(error->message, "is a VCEK, but the certificate is a VLEK"));
	g_clear_error(&error);

	make_report(rep, KEY_NONE, c->vlek_key);
	assert_false(verify(c, rep, c->dir, &step, &error));
	assert_int_equal(step, CVM_SNP_VERIFY_SIGNATURE);
	assert_non_null(strstr(error->message, "not signed"));
}

/* The bundled ASVKs (data/amd/asvk-*.pem) are AMD's: each is signed by the
 * bundled ARK of its product, which a single altered byte would break. */
static void
test_bundled_asvks_are_signed_by_the_bundled_arks(void **state)
{
	static const char *const products[] = { "Milan", "Genoa", "Turin" };

	(void)state;
	for (gsize i = 0; i < G_N_ELEMENTS(products); i++) {
		g_autofree gchar *lower = g_ascii_strdown(products[i], -1);
		g_autofree gchar *ark_name = g_strdup_printf("data/amd/ark-%s.pem", lower);
		g_autofree gchar *asvk_name = g_strdup_printf("data/amd/asvk-%s.pem", lower);
		g_autofree gchar *ark_path = cvmt_src_path(ark_name);
		g_autofree gchar *asvk_path = cvmt_src_path(asvk_name);
		g_autofree gchar *want_cn = g_strdup_printf("SEV-VLEK-%s", products[i]);
		FILE *f;
		X509 *ark, *asvk;
		char cn[64] = "";

		f = fopen(ark_path, "r");
		assert_non_null(f);
		ark = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
		f = fopen(asvk_path, "r");
		assert_non_null(f);
		asvk = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
		assert_non_null(ark);
		assert_non_null(asvk);
		X509_NAME_get_text_by_NID(X509_get_subject_name(asvk), NID_commonName, cn, sizeof(cn));
		assert_string_equal(cn, want_cn);
		assert_int_equal(X509_verify(asvk, X509_get0_pubkey(ark)), 1);
		X509_free(ark);
		X509_free(asvk);
	}
}

/* With the built-in roots, a VLEK report finds the bundled ASVK: the chain
 * step now fails on the (test-made) VLEK's issuer, not on a missing ASVK. */
static void
test_builtin_roots_hold_an_asvk(void **state)
{
	Chain *c = *state;
	guint8 rep[CVM_SNP_REPORT_SIZE];
	g_autoptr(GError) error = NULL;
	g_autofree gchar *builtin = cvmt_src_path("data/amd");
	CvmSnpVerifyStep step;

	make_report(rep, KEY_VLEK, c->vlek_key);
	assert_false(verify(c, rep, builtin, &step, &error));
	cvmt_assert_error(error, CVM_ERROR_CRYPTO);
	assert_int_equal(step, CVM_SNP_VERIFY_CHAIN);
	assert_non_null(strstr(error->message, "unable to get local issuer certificate"));
}

/* The real report (tests/data/third-party/constellation): its REPORT_DATA
 * as upstream's testdata.go gives it, and a time inside its VLEK's validity
 * (2024-12-10T22:30:16Z to 2025-12-10T22:30:16Z). */
static const char real_report_data[] =
	"87ab7caf510e1b3520dc3cceb64ee44128e10976fb0d3fc5e274699d8aaf5061"
	"54af4c1de0a026b49fdf861e9ac75551551b3534d1c61369a3b08f5baed0db2f";
#define REAL_VLEK_VALID_AT "2025-06-01T00:00:00Z"

static gboolean
verify_real(const guint8 *rep, const char *at, const guint8 *report_data, CvmSnpVerifyStep *step,
	    GError **error)
{
	g_autofree gchar *vlek_path = cvmt_third_party_path("constellation/vlek.pem");
	g_autofree gchar *roots = cvmt_src_path("data/amd");
	g_autoptr(GBytes) vlek = cvmt_read_file(vlek_path);
	g_autoptr(GDateTime) when = at != NULL ? g_date_time_new_from_iso8601(at, NULL) : NULL;
	CvmSnpVerifyOptions o = { .roots_dir = roots, .expect_report_data = report_data };

	if (when != NULL)
		o.at = g_date_time_to_unix(when);
	return cvm_snp_verify_report(rep, CVM_SNP_REPORT_SIZE, vlek, &o, step, error);
}

static void
read_real_report(guint8 rep[CVM_SNP_REPORT_SIZE])
{
	g_autofree gchar *path = cvmt_third_party_path("constellation/report.bin");
	g_autoptr(GBytes) b = cvmt_read_file(path);

	assert_int_equal(g_bytes_get_size(b), CVM_SNP_REPORT_SIZE);
	memcpy(rep, g_bytes_get_data(b, NULL), CVM_SNP_REPORT_SIZE);
}

static void
test_real_vlek_report_says_vlek(void **state)
{
	guint8 rep[CVM_SNP_REPORT_SIZE];
	CvmSnpReport r;
	g_autoptr(GError) error = NULL;

	(void)state;
	read_real_report(rep);
	assert_true(cvm_snp_report_decode(rep, sizeof(rep), &r, &error));
	cvmt_assert_no_error(error);
	assert_int_equal(cvm_le32(r.version), 3);
	assert_int_equal(CVM_SNP_REPORT_SIGNING_KEY(&r), CVM_SNP_SIGNING_KEY_VLEK);
}

static void
test_real_vlek_report_verifies_inside_the_vlek_validity(void **state)
{
	guint8 rep[CVM_SNP_REPORT_SIZE], want[64];
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyStep step = CVM_SNP_VERIFY_INPUT;

	(void)state;
	read_real_report(rep);
	for (gsize i = 0; i < sizeof(want); i++)
		want[i] = (guint8)(g_ascii_xdigit_value(real_report_data[2 * i]) << 4 |
				   g_ascii_xdigit_value(real_report_data[2 * i + 1]));
	assert_true(verify_real(rep, REAL_VLEK_VALID_AT, want, &step, &error));
	cvmt_assert_no_error(error);
	assert_int_equal(step, CVM_SNP_VERIFY_OK);
	/* and a REPORT_DATA it does not hold is named */
	want[63] ^= 1;
	assert_false(verify_real(rep, REAL_VLEK_VALID_AT, want, &step, &error));
	cvmt_assert_error(error, CVM_ERROR_MEASUREMENT_MISMATCH);
	assert_int_equal(step, CVM_SNP_VERIFY_REPORT_DATA);
}

/* Now (after 2025-12-10) the VLEK has expired: its own result, not a
 * broken chain, with the window and the way to check inside it. */
static void
test_real_vlek_report_now_fails_as_expired(void **state)
{
	guint8 rep[CVM_SNP_REPORT_SIZE];
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyStep step;

	(void)state;
	read_real_report(rep);
	assert_false(verify_real(rep, NULL, NULL, &step, &error));
	cvmt_assert_error(error, CVM_ERROR_CRYPTO);
	assert_int_equal(step, CVM_SNP_VERIFY_EXPIRED);
	assert_non_null(strstr(error->message, "certificate SEV-VLEK (depth 0) has expired: valid from "
					       "2024-12-10T22:30:16Z to 2025-12-10T22:30:16Z, checked at "));
	assert_non_null(strstr(error->message, "--at TIME verifies a report made inside that window"));
}

static void
test_real_vlek_report_with_a_flipped_byte_fails_the_signature(void **state)
{
	guint8 rep[CVM_SNP_REPORT_SIZE];
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyStep step;

	(void)state;
	read_real_report(rep);
	rep[0x90] ^= 0x01; /* the measurement's first byte */
	assert_false(verify_real(rep, REAL_VLEK_VALID_AT, NULL, &step, &error));
	cvmt_assert_error(error, CVM_ERROR_CRYPTO);
	assert_int_equal(step, CVM_SNP_VERIFY_SIGNATURE);
}

/* key_info changed to say VCEK: the VLEK is the wrong kind of certificate
 * for it (and the signature would not cover the change anyway). */
static void
test_real_vlek_report_claiming_a_vcek_is_refused(void **state)
{
	guint8 rep[CVM_SNP_REPORT_SIZE];
	CvmSnpReport *r = (CvmSnpReport *)rep;
	g_autoptr(GError) error = NULL;
	CvmSnpVerifyStep step;

	(void)state;
	read_real_report(rep);
	r->key_info = GUINT32_TO_LE(cvm_le32(r->key_info) & ~KEY_NONE);
	assert_false(verify_real(rep, REAL_VLEK_VALID_AT, NULL, &step, &error));
	cvmt_assert_error(error, CVM_ERROR_CRYPTO);
	assert_int_equal(step, CVM_SNP_VERIFY_CHAIN);
	assert_non_null(strstr(error->message, "is a VCEK, but the certificate is a VLEK"));
}

/* A root that does not name its product ("Test Root", not "ARK-Turin"):
 * the report's CPUID family and model decide it, and with it the
 * reported_tcb layout. Turin's is {fmc, bl, tee, snp, 0, 0, 0, ucode}. */
static void
test_report_cpuid_decides_the_product_when_the_root_does_not(void **state)
{
	Chain *c = *state;
	g_autofree gchar *dir = cvmt_mkdtemp();
	X509 *root = make_cert("Test Root", c->ark_key, NULL, c->ark_key, TRUE);
	X509 *asvk = make_cert("Test ASVK", c->asvk_key, root, c->ark_key, TRUE);
	X509 *vlek = make_cert("SEV-VLEK", c->vlek_key, asvk, c->asvk_key, FALSE);
	g_autoptr(GBytes) der = der_of(vlek);
	const guint8 turin_tcb[8] = { 0, tcb[0], tcb[1], tcb[6], 0, 0, 0, tcb[7] };
	CvmSnpVerifyOptions o = { .roots_dir = dir };
	guint8 rep[CVM_SNP_REPORT_SIZE];
	CvmSnpReport *r = (CvmSnpReport *)rep;
	CvmSnpVerifyStep step;

	write_pem(dir, "ark-turin.pem", root);
	write_pem(dir, "asvk-turin.pem", asvk);
	make_report(rep, KEY_VLEK, c->vlek_key);
	memcpy(&r->reported_tcb, turin_tcb, 8);
	r->cpuid_fam_id = 0x1A;
	r->cpuid_mod_id = 0x02;
	sign_report(rep, c->vlek_key);
	{
		g_autoptr(GError) error = NULL;

		assert_true(cvm_snp_verify_report(rep, sizeof(rep), der, &o, &step, &error));
		cvmt_assert_no_error(error);
	}
	/* The same bytes from a Milan part are read in Milan's layout. */
	r->cpuid_fam_id = 0x19;
	r->cpuid_mod_id = 0x01;
	sign_report(rep, c->vlek_key);
	{
		g_autoptr(GError) error = NULL;

		assert_false(cvm_snp_verify_report(rep, sizeof(rep), der, &o, &step, &error));
		assert_int_equal(step, CVM_SNP_VERIFY_TCB);
		cvmt_assert_error(error, CVM_ERROR_MEASUREMENT_MISMATCH);
	}
	X509_free(vlek);
	X509_free(asvk);
	X509_free(root);
	cvmt_rm_rf(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_vlek_report_says_vlek),
		cmocka_unit_test(test_real_vlek_report_verifies_inside_the_vlek_validity),
		cmocka_unit_test(test_real_vlek_report_now_fails_as_expired),
		cmocka_unit_test(test_real_vlek_report_with_a_flipped_byte_fails_the_signature),
		cmocka_unit_test(test_real_vlek_report_claiming_a_vcek_is_refused),
		cmocka_unit_test(test_vlek_signed_report_verifies_through_the_asvk),
		cmocka_unit_test(test_vlek_report_without_an_asvk_names_it),
		cmocka_unit_test(test_signing_key_field_must_match_the_certificate),
		cmocka_unit_test(test_bundled_asvks_are_signed_by_the_bundled_arks),
		cmocka_unit_test(test_builtin_roots_hold_an_asvk),
		cmocka_unit_test(test_report_cpuid_decides_the_product_when_the_root_does_not),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
