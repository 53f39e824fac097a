/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM launch digests: OVMF wrapped into IGVM measures like the OVMF flow,
 * --jobs does not change results, SEV-ES and TDX digests agree with straight
 * EVP computations over the bytes the spec says are hashed, bad input fails.
 * Every PAGE_DATA flag combination (unmeasured, shared, reserved bits) and
 * data type gives the SEV-SNP, SEV-ES and TDX digests computed here from the
 * rule (docs/measurement.md "Page data flags"): a shared page is measured
 * nowhere. An SNP_ID_BLOCK whose digest disagrees with the computed one gets
 * the id-block-digest validation warning naming both values. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/igvm-builder.h>
#include <cvm/igvm.h>
#include <cvm/measure.h>
#include <openssl/evp.h>
#include <string.h>

#define DEBIAN_OVMF "/usr/share/ovmf/OVMF.fd"

static GBytes *
wrap(GBytes *fw, guint platforms, const CvmMeasureOptions *opts)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;

	if (!cvm_igvm_add_ovmf(b, g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), platforms, opts, &error))
		fail_msg("wrap: %s", error->message);
	GBytes *out = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	return out;
}

static void
igvm_digest(GBytes *file, const CvmMeasureOptions *opts, CvmDigest *d)
{
	g_autoptr(GError) error = NULL;

	if (!cvm_measure_igvm(g_bytes_get_data(file, NULL), g_bytes_get_size(file), opts, d, NULL, &error))
		fail_msg("measure: %s", error->message);
}

static void
test_wrapped_ovmf_snp_digest_equals_ovmf_digest_with_native_zero(void **state)
{
	g_autoptr(GBytes) fw = cvmt_read_file(DEBIAN_OVMF);
	static const struct {
		guint vcpus;
		guint64 features;
	} cases[] = { { 1, 0x1 }, { 4, 0x1 }, { 1, 0x21 }, { 4, 0x21 } };

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		CvmMeasureOptions o;
		CvmDigest want, got, qemu;
		g_autoptr(GError) error = NULL;
		cvm_measure_options_init(&o);
		o.vcpus = cases[i].vcpus;
		o.guest_features = cases[i].features;
		assert_true(cvm_measure_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), &o, &want, &error));
		g_autoptr(GBytes) file = wrap(fw, CVM_OVMF_WRAP_SEV_SNP | CVM_OVMF_WRAP_SEV_ES | CVM_OVMF_WRAP_NATIVE,
					      &o);
		CvmMeasureOptions m = o;
		m.vcpus = 1; /* the file carries one VMSA per vCPU */
		m.native_zero = TRUE;
		igvm_digest(file, &m, &got);
		assert_int_equal(got.len, 48);
		assert_memory_equal(got.bytes, want.bytes, 48);
		/* QEMU measures data-less pages as NORMAL zero pages: a different digest. */
		m.native_zero = FALSE;
		igvm_digest(file, &m, &qemu);
		assert_memory_not_equal(qemu.bytes, want.bytes, 48);
	}
}

static void
test_wrapped_ovmf_sev_es_digest_equals_ovmf_digest(void **state)
{
	g_autoptr(GBytes) fw = cvmt_read_file(DEBIAN_OVMF);
	CvmMeasureOptions o;
	CvmDigest want, got;

	cvm_measure_options_init(&o);
	o.platform = CVM_PLATFORM_SEV_ES;
	o.vcpus = 2;
	assert_true(cvm_measure_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), &o, &want, NULL));
	g_autoptr(GBytes) file = wrap(fw, CVM_OVMF_WRAP_SEV_ES, &o);
	o.vcpus = 1;
	igvm_digest(file, &o, &got);
	assert_int_equal(got.len, 32);
	assert_memory_equal(got.bytes, want.bytes, 32);
}

static void
test_jobs_1_and_8_give_the_same_digest(void **state)
{
	g_autoptr(GBytes) fw = cvmt_read_file(DEBIAN_OVMF);
	CvmMeasureOptions o;
	CvmDigest one, eight;

	cvm_measure_options_init(&o);
	g_autoptr(GBytes) file = wrap(fw, CVM_OVMF_WRAP_SEV_SNP, &o);
	o.jobs = 1;
	igvm_digest(file, &o, &one);
	o.jobs = 8;
	igvm_digest(file, &o, &eight);
	assert_memory_equal(one.bytes, eight.bytes, 48);
	o.jobs = 1;
	assert_true(cvm_measure_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), &o, &one, NULL));
	o.jobs = 8;
	assert_true(cvm_measure_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), &o, &eight, NULL));
	assert_memory_equal(one.bytes, eight.bytes, 48);
}

/* A small file for every platform: two data pages, a data-less page, an
 * unmeasured page and a 2-page parameter area. */
static GBytes *
small_file(guint8 page_a[4096], guint8 page_b[4096])
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	guint32 mask = 0;

	mask |= cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_SNP, 0, 0, 0, &error);
	mask |= cvm_igvm_builder_add_platform(b, CVM_PLATFORM_TDX, 0, 0, 0, &error);
	mask |= cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_ES, 0, 0, 0, &error);
	cvmt_assert_no_error(error);
	for (int i = 0; i < 4096; i++) {
		page_a[i] = i * 7 + 1;
		page_b[i] = i ^ 0x5a;
	}
	g_autoptr(GBytes) a = g_bytes_new(page_a, 4096);
	g_autoptr(GBytes) bb = g_bytes_new(page_b, 4096);
	assert_true(cvm_igvm_builder_add_guest_policy(b, mask, 0x30000, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, mask, 0x1000, 0, CVM_IGVM_PAGE_DATA_NORMAL, a, &error));
	assert_true(cvm_igvm_builder_add_zero_pages(b, mask, 0x2000, 1, 0, CVM_IGVM_PAGE_DATA_NORMAL, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, mask, 0x3000, CVM_IGVM_PAGE_FLAG_UNMEASURED,
						   CVM_IGVM_PAGE_DATA_NORMAL, bb, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, mask, 0x4000, 0, CVM_IGVM_PAGE_DATA_NORMAL, bb, &error));
	assert_true(cvm_igvm_builder_add_parameter_area(b, 0, 8192, NULL, &error));
	assert_true(cvm_igvm_builder_add_parameter(b, CVM_IGVM_VHT_VP_COUNT_PARAMETER, 0, 0, &error));
	assert_true(cvm_igvm_builder_add_parameter_insert(b, mask, 0x10000, 0, &error));
	cvmt_assert_no_error(error);
	GBytes *out = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	return out;
}

static void
tdx_record(EVP_MD_CTX *ctx, const char *op, guint64 gpa)
{
	guint8 rec[128] = { 0 };

	memcpy(rec, op, strlen(op));
	for (int i = 0; i < 8; i++)
		rec[16 + i] = gpa >> (8 * i);
	EVP_DigestUpdate(ctx, rec, 128);
}

static void
tdx_measured_page(EVP_MD_CTX *ctx, guint64 gpa, const guint8 *page)
{
	tdx_record(ctx, "MEM.PAGE.ADD", gpa);
	for (int c = 0; c < 16; c++) {
		tdx_record(ctx, "MR.EXTEND", gpa + c * 256);
		EVP_DigestUpdate(ctx, page + c * 256, 256);
	}
}

static void
test_tdx_mrtd_matches_independent_computation(void **state)
{
	guint8 a[4096], b[4096], zero[4096] = { 0 }, want[48];
	g_autoptr(GBytes) file = small_file(a, b);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 48;
	CvmMeasureOptions o;
	CvmDigest got;

	EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	tdx_measured_page(ctx, 0x1000, a);
	tdx_measured_page(ctx, 0x2000, zero);
	tdx_record(ctx, "MEM.PAGE.ADD", 0x3000);
	tdx_measured_page(ctx, 0x4000, b);
	tdx_record(ctx, "MEM.PAGE.ADD", 0x10000);
	tdx_record(ctx, "MEM.PAGE.ADD", 0x11000);
	EVP_DigestFinal_ex(ctx, want, &n);
	EVP_MD_CTX_free(ctx);
	cvm_measure_options_init(&o);
	o.platform = CVM_PLATFORM_TDX;
	igvm_digest(file, &o, &got);
	assert_int_equal(got.len, 48);
	assert_memory_equal(got.bytes, want, 48);
}

static void
test_sev_es_digest_matches_independent_computation(void **state)
{
	guint8 a[4096], b[4096], zero[4096] = { 0 }, want[32];
	g_autoptr(GBytes) file = small_file(a, b);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 32;
	CvmMeasureOptions o;
	CvmDigest got;

	/* QEMU launch-updates data and zero pages; unmeasured pages and
	 * parameter areas add nothing. */
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, a, 4096);
	EVP_DigestUpdate(ctx, zero, 4096);
	EVP_DigestUpdate(ctx, b, 4096);
	EVP_DigestFinal_ex(ctx, want, &n);
	EVP_MD_CTX_free(ctx);
	cvm_measure_options_init(&o);
	o.platform = CVM_PLATFORM_SEV_ES;
	igvm_digest(file, &o, &got);
	assert_memory_equal(got.bytes, want, 32);
}

static void
snp_step(guint8 ld[48], guint8 type, guint64 gpa, const guint8 *page)
{
	guint8 info[0x70] = { 0 };
	unsigned int n = 48;

	memcpy(info, ld, 48);
	if (page != NULL)
		EVP_Digest(page, 4096, info + 0x30, &n, EVP_sha384(), NULL);
	info[0x60] = 0x70;
	info[0x62] = type;
	for (int i = 0; i < 8; i++)
		info[0x68 + i] = gpa >> (8 * i);
	EVP_Digest(info, sizeof(info), ld, &n, EVP_sha384(), NULL);
}

static void
test_snp_parameter_area_is_unmeasured_over_the_whole_area(void **state)
{
	guint8 a[4096], b[4096], zero[4096] = { 0 }, ld[48] = { 0 };
	g_autoptr(GBytes) file = small_file(a, b);
	CvmMeasureOptions o;
	CvmDigest got;

	snp_step(ld, 1, 0x1000, a);
	snp_step(ld, 1, 0x2000, zero);
	snp_step(ld, 4, 0x3000, NULL);
	snp_step(ld, 1, 0x4000, b);
	snp_step(ld, 4, 0x10000, NULL);
	guint8 one_page[48];
	memcpy(one_page, ld, 48);
	snp_step(ld, 4, 0x11000, NULL);
	cvm_measure_options_init(&o);
	igvm_digest(file, &o, &got);
	assert_memory_equal(got.bytes, ld, 48);
	o.param_insert_one_page = TRUE;
	igvm_digest(file, &o, &got);
	assert_memory_equal(got.bytes, one_page, 48);
}

static void
test_check_kvm_reports_vmsa_count(void **state)
{
	g_autoptr(GBytes) fw = cvmt_read_file(DEBIAN_OVMF);
	g_auto(GStrv) diags = NULL;
	CvmMeasureOptions o;
	CvmDigest d;

	cvm_measure_options_init(&o);
	o.vcpus = 2;
	g_autoptr(GBytes) file = wrap(fw, CVM_OVMF_WRAP_SEV_SNP, &o);
	o.vcpus = 1;
	o.check_kvm = TRUE;
	assert_true(cvm_measure_igvm(g_bytes_get_data(file, NULL), g_bytes_get_size(file), &o, &d, &diags, NULL));
	gboolean found = FALSE;
	for (gsize i = 0; diags[i] != NULL; i++)
		found |= strstr(diags[i], "2 VMSAs") != NULL;
	assert_true(found);
}

static void
test_missing_platform_and_corrupt_file_are_rejected(void **state)
{
	guint8 a[4096], b[4096];
	g_autoptr(GBytes) file = small_file(a, b);
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmDigest d;
	gsize len = g_bytes_get_size(file);
	g_autofree guint8 *copy = g_memdup2(g_bytes_get_data(file, NULL), len);

	cvm_measure_options_init(&o);
	o.platform = CVM_PLATFORM_SEV;
	assert_false(cvm_measure_igvm(copy, len, &o, &d, NULL, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
	g_clear_error(&error);
	o.platform = CVM_PLATFORM_SEV_SNP;
	/* Structural problems come from the reader, named by rule. */
	assert_false(cvm_measure_igvm(copy, 20, &o, &d, NULL, &error));
	cvmt_assert_error(error, CVM_ERROR_VALIDATION);
	assert_non_null(strstr(error->message, "fixed-header-short"));
	g_clear_error(&error);
	copy[40] ^= 1;
	assert_false(cvm_measure_igvm(copy, len, &o, &d, NULL, &error));
	cvmt_assert_error(error, CVM_ERROR_CHECKSUM);
}

#define UNMEASURED CVM_IGVM_PAGE_FLAG_UNMEASURED
#define SHARED CVM_IGVM_PAGE_FLAG_SHARED
#define RESERVED3 0x8u
#define RESERVED31 0x80000000u

static guint8 page_a[4096], page_b[4096], page_c[4096];

static int
fill_pages(void **state)
{
	for (int i = 0; i < 4096; i++) {
		page_a[i] = i * 7 + 1;
		page_b[i] = i ^ 0x5a;
		page_c[i] = 255 - (i & 0xff);
	}
	return 0;
}

/* Page A (normal) at 0x1000, the page under test (B, @flags, @dtype) at
 * 0x2000, page C (normal) at 0x3000, for SNP, SEV-ES and TDX. The page under
 * test goes in raw, since the builder refuses reserved flag bits. */
static GBytes *
three_page_file(guint32 flags, guint16 dtype, const CvmIgvmSnpIdBlock *id_block)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) a = g_bytes_new_static(page_a, 4096);
	g_autoptr(GBytes) pb = g_bytes_new_static(page_b, 4096);
	g_autoptr(GBytes) c = g_bytes_new_static(page_c, 4096);
	guint32 snp = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_SNP, 0, 0, 0, &error);
	guint32 mask = snp | cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_ES, 0, 0, 0, &error) |
		       cvm_igvm_builder_add_platform(b, CVM_PLATFORM_TDX, 0, 0, 0, &error);
	CvmIgvmPageData pd = { 0 };

	cvmt_assert_no_error(error);
	assert_true(cvm_igvm_builder_add_guest_policy(b, snp, 0x30000, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, mask, 0x1000, 0, CVM_IGVM_PAGE_DATA_NORMAL, a, &error));
	pd.gpa = GUINT64_TO_LE(0x2000);
	pd.compatibility_mask = GUINT32_TO_LE(mask);
	pd.flags = GUINT32_TO_LE(flags);
	pd.data_type = GUINT16_TO_LE(dtype);
	assert_true(cvm_igvm_builder_add_raw_header(b, CVM_IGVM_VHT_PAGE_DATA, &pd, sizeof(pd), pb, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, mask, 0x3000, 0, CVM_IGVM_PAGE_DATA_NORMAL, c, &error));
	if (id_block != NULL)
		assert_true(cvm_igvm_builder_add_snp_id_block(b, snp, id_block, &error));
	cvmt_assert_no_error(error);
	GBytes *out = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	return out;
}

/* The rule (docs/measurement.md "Page data flags"). */
static void
expected_snp(guint32 flags, guint16 dtype, guint8 ld[48])
{
	memset(ld, 0, 48);
	snp_step(ld, 1, 0x1000, page_a);
	if (!(flags & SHARED)) {
		if (dtype == CVM_IGVM_PAGE_DATA_SECRETS)
			snp_step(ld, 5, 0x2000, NULL);
		else if (dtype != CVM_IGVM_PAGE_DATA_NORMAL)
			snp_step(ld, 6, 0x2000, NULL);
		else if (flags & UNMEASURED)
			snp_step(ld, 4, 0x2000, NULL);
		else
			snp_step(ld, 1, 0x2000, page_b);
	}
	snp_step(ld, 1, 0x3000, page_c);
}

static void
expected_tdx(guint32 flags, guint8 mrtd[48])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 48;

	EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	tdx_measured_page(ctx, 0x1000, page_a);
	if ((flags & (SHARED | UNMEASURED)) == UNMEASURED)
		tdx_record(ctx, "MEM.PAGE.ADD", 0x2000);
	else if (!(flags & SHARED))
		tdx_measured_page(ctx, 0x2000, page_b);
	tdx_measured_page(ctx, 0x3000, page_c);
	EVP_DigestFinal_ex(ctx, mrtd, &n);
	EVP_MD_CTX_free(ctx);
}

static void
expected_sev_es(guint32 flags, guint8 digest[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 32;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, page_a, 4096);
	if (!(flags & (SHARED | UNMEASURED)))
		EVP_DigestUpdate(ctx, page_b, 4096);
	EVP_DigestUpdate(ctx, page_c, 4096);
	EVP_DigestFinal_ex(ctx, digest, &n);
	EVP_MD_CTX_free(ctx);
}

static gboolean
measure(GBytes *file, CvmPlatform platform, CvmDigest *d, GError **error)
{
	CvmMeasureOptions o;

	cvm_measure_options_init(&o);
	o.platform = platform;
	return cvm_measure_igvm(g_bytes_get_data(file, NULL), g_bytes_get_size(file), &o, d, NULL, error);
}

static void
test_every_flag_combination_measures_by_the_rule(void **state)
{
	static const guint32 flag_sets[] = {
		0, UNMEASURED, SHARED, SHARED | UNMEASURED, RESERVED3, RESERVED3 | UNMEASURED, RESERVED31 | SHARED,
	};
	static const guint16 types[] = { CVM_IGVM_PAGE_DATA_NORMAL, CVM_IGVM_PAGE_DATA_SECRETS,
					 CVM_IGVM_PAGE_DATA_CPUID_DATA, CVM_IGVM_PAGE_DATA_CPUID_XF };

	for (gsize f = 0; f < G_N_ELEMENTS(flag_sets); f++) {
		for (gsize t = 0; t < G_N_ELEMENTS(types); t++) {
			guint32 flags = flag_sets[f];
			g_autoptr(GBytes) file = three_page_file(flags, types[t], NULL);
			g_autoptr(GError) error = NULL;
			guint8 want[48];
			CvmDigest d;

			assert_true(measure(file, CVM_PLATFORM_SEV_SNP, &d, &error));
			expected_snp(flags, types[t], want);
			if (memcmp(d.bytes, want, 48) != 0)
				fail_msg("SEV-SNP: flags 0x%x data type %u", flags, types[t]);

			assert_true(measure(file, CVM_PLATFORM_TDX, &d, &error));
			expected_tdx(flags, want);
			if (memcmp(d.bytes, want, 48) != 0)
				fail_msg("TDX: flags 0x%x data type %u", flags, types[t]);

			/* SEV-ES has no SECRETS or CPUID pages, unless they are shared
			 * (then there is nothing to launch-update). */
			gboolean ok = measure(file, CVM_PLATFORM_SEV_ES, &d, &error);
			if (types[t] != CVM_IGVM_PAGE_DATA_NORMAL && !(flags & SHARED)) {
				assert_false(ok);
				cvmt_assert_error(error, CVM_ERROR_NOT_SUPPORTED);
				continue;
			}
			cvmt_assert_no_error(error);
			expected_sev_es(flags, want);
			if (memcmp(d.bytes, want, 32) != 0)
				fail_msg("SEV-ES: flags 0x%x data type %u", flags, types[t]);
		}
	}
}

static void
test_shared_page_digest_equals_file_without_it(void **state)
{
	g_autoptr(GBytes) shared = three_page_file(SHARED, CVM_IGVM_PAGE_DATA_NORMAL, NULL);
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) a = g_bytes_new_static(page_a, 4096);
	g_autoptr(GBytes) c = g_bytes_new_static(page_c, 4096);
	guint32 snp = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_SNP, 0, 0, 0, &error);
	CvmDigest with, without;

	assert_true(cvm_igvm_builder_add_guest_policy(b, snp, 0x30000, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, snp, 0x1000, 0, CVM_IGVM_PAGE_DATA_NORMAL, a, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, snp, 0x3000, 0, CVM_IGVM_PAGE_DATA_NORMAL, c, &error));
	g_autoptr(GBytes) plain = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	assert_true(measure(shared, CVM_PLATFORM_SEV_SNP, &with, &error));
	assert_true(measure(plain, CVM_PLATFORM_SEV_SNP, &without, &error));
	assert_memory_equal(with.bytes, without.bytes, 48);
}

static GPtrArray *
validate(GBytes *file, guint flags)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(file, CVM_IGVM_NO_VALIDATE, &error);

	cvmt_assert_no_error(error);
	return cvm_igvm_validate(igvm, flags);
}

static const CvmIgvmProblem *
find_rule(GPtrArray *problems, CvmIgvmRule rule)
{
	for (guint i = 0; i < problems->len; i++)
		if (((const CvmIgvmProblem *)problems->pdata[i])->rule == rule)
			return problems->pdata[i];
	return NULL;
}

static void
test_id_block_digest_mismatch_is_a_warning_naming_both_values(void **state)
{
	CvmIgvmSnpIdBlock id = { 0 };
	guint8 right[48];
	CvmDigest d = {.platform = CVM_PLATFORM_SEV_SNP, .len = 48};

	/* The file: a shared page, and an ID block holding the digest
	 * the rule gives. Before the fix cvm measured the shared page. */
	expected_snp(SHARED, CVM_IGVM_PAGE_DATA_NORMAL, right);
	memcpy(id.ld, right, 48);
	g_autoptr(GBytes) good = three_page_file(SHARED, CVM_IGVM_PAGE_DATA_NORMAL, &id);
	g_autoptr(GPtrArray) none = validate(good, CVM_IGVM_CHECK_ID_BLOCK);
	assert_null(find_rule(none, CVM_IGVM_RULE_ID_BLOCK_DIGEST));

	id.ld[0] ^= 0xff;
	g_autoptr(GBytes) bad = three_page_file(SHARED, CVM_IGVM_PAGE_DATA_NORMAL, &id);
	g_autoptr(GPtrArray) problems = validate(bad, CVM_IGVM_CHECK_ID_BLOCK);
	const CvmIgvmProblem *p = find_rule(problems, CVM_IGVM_RULE_ID_BLOCK_DIGEST);
	assert_non_null(p);
	assert_int_equal(p->severity, CVM_IGVM_SEVERITY_WARNING);
	memcpy(d.bytes, id.ld, 48);
	g_autofree gchar *file_hex = cvm_digest_to_hex(&d);
	memcpy(d.bytes, right, 48);
	g_autofree gchar *computed_hex = cvm_digest_to_hex(&d);
	assert_non_null(strstr(p->message, file_hex));
	assert_non_null(strstr(p->message, computed_hex));
	assert_string_equal(cvm_igvm_rule_name(p->rule), "id-block-digest");

	/* Opening a file never measures it: the check is asked for. */
	g_autoptr(GPtrArray) plain = validate(bad, 0);
	assert_null(find_rule(plain, CVM_IGVM_RULE_ID_BLOCK_DIGEST));
	g_autoptr(GPtrArray) strict = validate(bad, CVM_IGVM_CHECK_ID_BLOCK | CVM_IGVM_STRICT);
	assert_int_equal(find_rule(strict, CVM_IGVM_RULE_ID_BLOCK_DIGEST)->severity, CVM_IGVM_SEVERITY_ERROR);
}

static void
test_reserved_flag_bits_warn_and_shared_pages_fail_for_qemu(void **state)
{
	g_autoptr(GBytes) reserved = three_page_file(RESERVED3, CVM_IGVM_PAGE_DATA_NORMAL, NULL);
	g_autoptr(GPtrArray) problems = validate(reserved, 0);
	const CvmIgvmProblem *p = find_rule(problems, CVM_IGVM_RULE_PAGE_FLAGS_RESERVED);

	assert_non_null(p);
	assert_int_equal(p->severity, CVM_IGVM_SEVERITY_WARNING);
	assert_int_equal(cvm_igvm_problems_count_errors(problems), 0);

	/* QEMU's loader ignores the shared bit: --for-qemu says so. */
	g_autoptr(GBytes) shared = three_page_file(SHARED, CVM_IGVM_PAGE_DATA_NORMAL, NULL);
	g_autoptr(GPtrArray) plain = validate(shared, 0);
	assert_int_equal(plain->len, 0);
	g_autoptr(GPtrArray) qemu = validate(shared, CVM_IGVM_FOR_QEMU);
	p = find_rule(qemu, CVM_IGVM_RULE_QEMU_UNSUPPORTED);
	assert_non_null(p);
	assert_non_null(strstr(p->message, "shared"));
}

/* The digest of a parsed file is the digest of its bytes, on every platform
 * the file declares. */
static void
test_parsed_file_measures_like_its_bytes(void **state)
{
	guint8 a[4096], b[4096];
	g_autoptr(GBytes) file = small_file(a, b);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(file, CVM_IGVM_NONE, &error);
	cvmt_assert_no_error(error);
	const CvmPlatform platforms[] = {CVM_PLATFORM_SEV_SNP, CVM_PLATFORM_TDX, CVM_PLATFORM_SEV_ES};

	for (gsize i = 0; i < G_N_ELEMENTS(platforms); i++) {
		CvmMeasureOptions o;
		CvmDigest from_bytes, from_parse;
		cvm_measure_options_init(&o);
		o.platform = platforms[i];
		assert_true(cvm_measure_igvm(g_bytes_get_data(file, NULL), g_bytes_get_size(file), &o, &from_bytes,
					     NULL, &error));
		cvmt_assert_no_error(error);
		assert_true(cvm_measure_igvm_parsed(igvm, &o, &from_parse, NULL, &error));
		cvmt_assert_no_error(error);
		assert_int_equal(from_parse.len, from_bytes.len);
		assert_memory_equal(from_parse.bytes, from_bytes.bytes, from_bytes.len);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrapped_ovmf_snp_digest_equals_ovmf_digest_with_native_zero),
		cmocka_unit_test(test_wrapped_ovmf_sev_es_digest_equals_ovmf_digest),
		cmocka_unit_test(test_jobs_1_and_8_give_the_same_digest),
		cmocka_unit_test(test_tdx_mrtd_matches_independent_computation),
		cmocka_unit_test(test_sev_es_digest_matches_independent_computation),
		cmocka_unit_test(test_snp_parameter_area_is_unmeasured_over_the_whole_area),
		cmocka_unit_test(test_check_kvm_reports_vmsa_count),
		cmocka_unit_test(test_missing_platform_and_corrupt_file_are_rejected),
		cmocka_unit_test(test_parsed_file_measures_like_its_bytes),
		cmocka_unit_test_setup(test_every_flag_combination_measures_by_the_rule, fill_pages),
		cmocka_unit_test_setup(test_shared_page_digest_equals_file_without_it, fill_pages),
		cmocka_unit_test_setup(test_id_block_digest_mismatch_is_a_warning_naming_both_values, fill_pages),
		cmocka_unit_test_setup(test_reserved_flag_bits_warn_and_shared_pages_fail_for_qemu, fill_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
