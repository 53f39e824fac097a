/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SNP ID block and ID auth (SNP_LAUNCH_FINISH): ECDSA P-384/SHA-384 over the
 * 96-byte SNP ID block with the ID key, and over the 1028-byte SNP-layout ID
 * public key with the author key. Signature R/S and key QX/QY are 72-byte
 * little-endian fields (layouts: docs/measurement.md). */
#include "measure/measure-private.h"
#include "libcvm/libcvm-internal.h"

#include <cvm/error.h>
#include <cvm/igvm-defs.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <string.h>

#define SNP_ID_BLOCK_SIZE 96
#define SNP_PUBKEY_SIZE 1028
#define ALGO_ECDSA_P384_SHA384 1
#define CURVE_P384 2

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ECDSA_SIG, ECDSA_SIG_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)

static gboolean
crypto_error(GError **error, const char *what)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_CRYPTO, "%s failed", what);
	return FALSE;
}

/* The 96-byte ID block SNP_LAUNCH_FINISH takes. */
static void
snp_id_block(const CvmIgvmSnpIdBlock *b, guint64 policy, guint8 out[SNP_ID_BLOCK_SIZE])
{
	guint32 version = GUINT32_TO_LE(1);
	guint64 pol = GUINT64_TO_LE(policy);

	memcpy(out, b->ld, 48);
	memcpy(out + 0x30, b->family_id, 16);
	memcpy(out + 0x40, b->image_id, 16);
	memcpy(out + 0x50, &version, 4);
	memcpy(out + 0x54, &b->guest_svn, 4);
	memcpy(out + 0x58, &pol, 8);
}

/* The SNP-layout public key (curve at 0, QX at 4, QY at 0x4C). */
static void
snp_pubkey(const CvmIgvmSnpPublicKey *k, guint8 out[SNP_PUBKEY_SIZE])
{
	memset(out, 0, SNP_PUBKEY_SIZE);
	memcpy(out, &k->curve, 4);
	memcpy(out + 4, k->qx, 72);
	memcpy(out + 0x4C, k->qy, 72);
}

static EVP_PKEY *
load_key(const char *path, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree gchar *pem = NULL;
	gsize len = 0;
	g_autofree gchar *group = g_malloc0(64);
	size_t glen = 0;

	if (!g_file_get_contents(path, &pem, &len, &local)) {
		cvmi_file_error(error, local);
		return NULL;
	}
	BIO *bio = BIO_new_mem_buf(pem, (int)MIN(len, (gsize)G_MAXINT));
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	if (key == NULL || !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, 64, &glen) ||
	    (strcmp(group, "secp384r1") != 0 && strcmp(group, "P-384") != 0)) {
		EVP_PKEY_free(key);
		g_set_error(error, CVM_ERROR, CVM_ERROR_CRYPTO, "%s: not a PEM ECDSA P-384 private key", path);
		return NULL;
	}
	return key;
}

static gboolean
export_pubkey(EVP_PKEY *key, CvmIgvmSnpPublicKey *out, GError **error)
{
	g_autoptr(BIGNUM) x = NULL;
	g_autoptr(BIGNUM) y = NULL;

	memset(out, 0, sizeof(*out));
	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) || BN_bn2lebinpad(x, out->qx, 72) != 72 ||
	    BN_bn2lebinpad(y, out->qy, 72) != 72)
		return crypto_error(error, "exporting the public key");
	out->curve = GUINT32_TO_LE(CURVE_P384);
	return TRUE;
}

static gboolean
sign(EVP_PKEY *key, const guint8 *msg, gsize len, CvmIgvmSnpSignature *out, GError **error)
{
	g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
	guint8 der[256];
	size_t der_len = sizeof(der);
	const BIGNUM *r, *s;

	if (EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, der, &der_len, msg, len) != 1)
		return crypto_error(error, "ECDSA signing");
	const guint8 *p = der;
	g_autoptr(ECDSA_SIG) sig = d2i_ECDSA_SIG(NULL, &p, der_len);
	if (sig == NULL)
		return crypto_error(error, "decoding the signature");
	ECDSA_SIG_get0(sig, &r, &s);
	memset(out, 0, sizeof(*out));
	if (BN_bn2lebinpad(r, out->r_comp, 72) != 72 || BN_bn2lebinpad(s, out->s_comp, 72) != 72)
		return crypto_error(error, "encoding the signature");
	return TRUE;
}

static EVP_PKEY *
import_pubkey(const CvmIgvmSnpPublicKey *k)
{
	guint8 point[1 + 48 + 48];
	EVP_PKEY *key = NULL;

	if (cvm_le32(k->curve) != CURVE_P384)
		return NULL;
	point[0] = 0x04; /* uncompressed, big-endian coordinates */
	for (int i = 0; i < 48; i++) {
		point[1 + i] = k->qx[47 - i];
		point[49 + i] = k->qy[47 - i];
	}
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point));
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

static gboolean
verify(const CvmIgvmSnpPublicKey *k, const CvmIgvmSnpSignature *sigf, const guint8 *msg, gsize len,
       const char *what, GError **error)
{
	g_autoptr(EVP_PKEY) key = import_pubkey(k);
	g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
	g_autoptr(ECDSA_SIG) sig = ECDSA_SIG_new();
	BIGNUM *r = BN_lebin2bn(sigf->r_comp, 72, NULL), *s = BN_lebin2bn(sigf->s_comp, 72, NULL);
	guint8 *der = NULL;
	int der_len;

	if (key == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(sig, r, s)) {
		BN_free(r);
		BN_free(s);
		g_set_error(error, CVM_ERROR, CVM_ERROR_CRYPTO, "%s: unusable P-384 public key or signature", what);
		return FALSE;
	}
	der_len = i2d_ECDSA_SIG(sig, &der);
	gboolean ok = der_len > 0 && EVP_DigestVerifyInit(ctx, NULL, EVP_sha384(), NULL, key) == 1 &&
		      EVP_DigestVerify(ctx, der, der_len, msg, len) == 1;
	OPENSSL_free(der);
	if (!ok)
		g_set_error(error, CVM_ERROR, CVM_ERROR_CRYPTO, "%s does not verify", what);
	return ok;
}

gboolean
cvmi_id_block_fill(CvmIgvmSnpIdBlock *b, guint64 policy, const char *id_key_path, const char *author_key_path,
		   GError **error)
{
	g_autoptr(EVP_PKEY) id = load_key(id_key_path, error);
	guint8 msg[SNP_PUBKEY_SIZE];

	if (id == NULL || !export_pubkey(id, &b->id_public_key, error))
		return FALSE;
	b->version = GUINT32_TO_LE(1);
	b->id_key_algorithm = GUINT32_TO_LE(ALGO_ECDSA_P384_SHA384);
	snp_id_block(b, policy, msg);
	if (!sign(id, msg, SNP_ID_BLOCK_SIZE, &b->id_key_signature, error))
		return FALSE;
	if (author_key_path == NULL)
		return TRUE;
	g_autoptr(EVP_PKEY) author = load_key(author_key_path, error);
	if (author == NULL || !export_pubkey(author, &b->author_public_key, error))
		return FALSE;
	b->author_key_enabled = 1;
	b->author_key_algorithm = GUINT32_TO_LE(ALGO_ECDSA_P384_SHA384);
	snp_pubkey(&b->id_public_key, msg);
	return sign(author, msg, SNP_PUBKEY_SIZE, &b->author_key_signature, error);
}

gboolean
cvmi_id_block_verify(const CvmIgvmSnpIdBlock *b, guint64 policy, GError **error)
{
	guint8 msg[SNP_PUBKEY_SIZE];

	if (cvm_le32(b->id_key_algorithm) != ALGO_ECDSA_P384_SHA384) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED, "ID key algorithm %u is not ECDSA P-384",
			    cvm_le32(b->id_key_algorithm));
		return FALSE;
	}
	snp_id_block(b, policy, msg);
	if (!verify(&b->id_public_key, &b->id_key_signature, msg, SNP_ID_BLOCK_SIZE, "ID block signature", error))
		return FALSE;
	if (!b->author_key_enabled)
		return TRUE;
	snp_pubkey(&b->id_public_key, msg);
	return verify(&b->author_public_key, &b->author_key_signature, msg, SNP_PUBKEY_SIZE,
		      "author signature of the ID key", error);
}

/* The signature as SNP lays it out: R at 0, S at 0x48, 512 bytes in all. */
static void
snp_signature(const CvmIgvmSnpSignature *s, guint8 out[512])
{
	memcpy(out, s->r_comp, 72);
	memcpy(out + 0x48, s->s_comp, 72);
}

void
cvm_snp_id_block_for_launch(const CvmIgvmSnpIdBlock *b, guint64 policy, guint8 id_block[96], guint8 id_auth[4096])
{
	snp_id_block(b, policy, id_block);
	memset(id_auth, 0, 4096);
	memcpy(id_auth, &b->id_key_algorithm, 4);
	snp_signature(&b->id_key_signature, id_auth + 0x40);
	snp_pubkey(&b->id_public_key, id_auth + 0x240);
	if (b->author_key_enabled) {
		memcpy(id_auth + 4, &b->author_key_algorithm, 4);
		snp_signature(&b->author_key_signature, id_auth + 0x680);
		snp_pubkey(&b->author_public_key, id_auth + 0x880);
	}
}

gboolean
cvm_snp_id_key_digest(const CvmIgvmSnpIdBlock *b, guint8 out[48])
{
	guint8 key[SNP_PUBKEY_SIZE];
	unsigned int n = 0;

	snp_pubkey(&b->id_public_key, key);
	return EVP_Digest(key, sizeof(key), out, &n, EVP_sha384(), NULL) == 1 && n == 48;
}
