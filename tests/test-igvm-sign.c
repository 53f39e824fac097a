/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SNP ID block: sign/verify round trip with keys generated here, tampered
 * files and wrong keys rejected. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/igvm-builder.h>
#include <cvm/measure.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>

typedef struct {
	gchar *dir;
	gchar *id_key;
	gchar *author_key;
	gchar *rsa_key;
	GBytes *file;
	gsize data_offset; /* where the page's bytes sit in the file */
} Fixture;

static gchar *
write_key(const char *dir, const char *name, EVP_PKEY *key)
{
	gchar *path = g_build_filename(dir, name, NULL);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	EVP_PKEY_free(key);
	return path;
}

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	guint8 page[4096];

	f->dir = cvmt_mkdtemp();
	f->id_key = write_key(f->dir, "id.pem", EVP_EC_gen("P-384"));
	f->author_key = write_key(f->dir, "author.pem", EVP_EC_gen("P-384"));
	f->rsa_key = write_key(f->dir, "rsa.pem", EVP_RSA_gen(2048));
	for (int i = 0; i < 4096; i++)
		page[i] = 0xA0 ^ i;
	guint32 mask = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_SNP, 0, 0, 0, NULL);
	g_autoptr(GBytes) data = g_bytes_new(page, sizeof(page));
	assert_true(cvm_igvm_builder_add_guest_policy(b, mask, 0x30000, NULL));
	assert_true(cvm_igvm_builder_add_page_data(b, mask, 0x1000, 0, CVM_IGVM_PAGE_DATA_NORMAL, data, NULL));
	f->file = cvm_igvm_builder_write_bytes(b, NULL);
	assert_non_null(f->file);
	const guint8 *p = memmem(g_bytes_get_data(f->file, NULL), g_bytes_get_size(f->file), page, 64);
	assert_non_null(p);
	f->data_offset = p - (const guint8 *)g_bytes_get_data(f->file, NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	cvmt_rm_rf(f->dir);
	g_free(f->dir);
	g_free(f->id_key);
	g_free(f->author_key);
	g_free(f->rsa_key);
	g_bytes_unref(f->file);
	g_free(f);
	return 0;
}

static GBytes *
sign(Fixture *f, gboolean author)
{
	CvmMeasureOptions o;
	CvmIdBlockParams p = { .id_key = f->id_key, .author_key = author ? f->author_key : NULL, .guest_svn = 3 };
	g_autoptr(GError) error = NULL;

	cvm_measure_options_init(&o);
	memset(p.family_id, 0x11, 16);
	GBytes *out = cvm_igvm_sign(f->file, &o, &p, &error);
	cvmt_assert_no_error(error);
	return out;
}

static void
test_signed_file_verifies(void **state)
{
	Fixture *f = *state;
	CvmMeasureOptions o;
	CvmDigest signed_digest, plain;
	g_autoptr(GError) error = NULL;

	cvm_measure_options_init(&o);
	for (int author = 0; author <= 1; author++) {
		g_autoptr(GBytes) out = sign(f, author);
		assert_true(cvm_igvm_verify(out, &o, &signed_digest, &error));
		cvmt_assert_no_error(error);
	}
	/* The ID block does not change the digest. */
	assert_true(cvm_measure_igvm(g_bytes_get_data(f->file, NULL), g_bytes_get_size(f->file), &o, &plain, NULL,
				     NULL));
	assert_memory_equal(plain.bytes, signed_digest.bytes, 48);
}

static void
test_tampered_page_is_rejected(void **state)
{
	Fixture *f = *state;
	CvmMeasureOptions o;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) out = sign(f, TRUE);
	gsize len = g_bytes_get_size(out);
	guint8 *copy = g_memdup2(g_bytes_get_data(out, NULL), len);
	const guint8 *p = memmem(copy, len, (const guint8 *)g_bytes_get_data(f->file, NULL) + f->data_offset, 64);

	assert_non_null(p);
	copy[p - copy + 100] ^= 0x01;
	g_autoptr(GBytes) tampered = g_bytes_new_take(copy, len);
	cvm_measure_options_init(&o);
	assert_false(cvm_igvm_verify(tampered, &o, NULL, &error));
	cvmt_assert_error(error, CVM_ERROR_MEASUREMENT_MISMATCH);
}

static void
test_unsigned_file_and_signing_twice_are_rejected(void **state)
{
	Fixture *f = *state;
	CvmMeasureOptions o;
	CvmIdBlockParams p = { .id_key = f->id_key };
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) out = sign(f, FALSE);

	cvm_measure_options_init(&o);
	assert_false(cvm_igvm_verify(f->file, &o, NULL, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
	g_clear_error(&error);
	assert_null(cvm_igvm_sign(out, &o, &p, &error));
	cvmt_assert_error(error, CVM_ERROR_EXISTS);
}

static void
test_non_p384_key_is_rejected(void **state)
{
	Fixture *f = *state;
	CvmMeasureOptions o;
	CvmIdBlockParams p = { .id_key = f->rsa_key };
	g_autoptr(GError) error = NULL;

	cvm_measure_options_init(&o);
	assert_null(cvm_igvm_sign(f->file, &o, &p, &error));
	cvmt_assert_error(error, CVM_ERROR_CRYPTO);
}

static void
test_forged_id_block_signature_is_rejected(void **state)
{
	Fixture *f = *state;
	CvmMeasureOptions o;
	CvmDigest d;
	CvmIgvmSnpIdBlock block = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new_from_bytes(f->file, NULL);

	/* A block with the right digest and a real public key, but a signature
	 * that was never made with it. */
	g_autoptr(GBytes) good = sign(f, FALSE);
	cvm_measure_options_init(&o);
	assert_true(cvm_measure_igvm(g_bytes_get_data(f->file, NULL), g_bytes_get_size(f->file), &o, &d, NULL, NULL));
	const guint8 *p = memmem(g_bytes_get_data(good, NULL), g_bytes_get_size(good), d.bytes, 48);
	assert_non_null(p);
	memcpy(&block, p - G_STRUCT_OFFSET(CvmIgvmSnpIdBlock, ld), sizeof(block));
	block.id_key_signature.r_comp[0] ^= 1;
	assert_true(cvm_igvm_builder_add_snp_id_block(b, 1, &block, NULL));
	g_autoptr(GBytes) forged = cvm_igvm_builder_write_bytes(b, NULL);
	assert_non_null(forged);
	assert_false(cvm_igvm_verify(forged, &o, NULL, &error));
	cvmt_assert_error(error, CVM_ERROR_CRYPTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signed_file_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_page_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsigned_file_and_signing_twice_are_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_p384_key_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_id_block_signature_is_rejected, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
