/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TDX MRTD of a TDVF image built here (footer table + TDVF metadata), against
 * straight EVP SHA-384 over the PAGE.ADD/MR.EXTEND records, single and two
 * pass; Debian's OVMF.fd carries TDVF metadata and measures. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/measure.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define IMAGE_SIZE (4 * 4096)
#define BFV_GPA 0xFFFFC000ull /* the first two pages of the image */
#define TEMP_GPA 0x800000ull

static void
put32(guint8 *p, guint32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void
put64(guint8 *p, guint64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static void
put_guid(guint8 *p, const char *text)
{
	unsigned int d1, d2, d3, b[8];

	sscanf(text, "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &d1, &d2, &d3, &b[0], &b[1], &b[2], &b[3], &b[4],
	       &b[5], &b[6], &b[7]);
	put32(p, d1);
	p[4] = d2;
	p[5] = d2 >> 8;
	p[6] = d3;
	p[7] = d3 >> 8;
	for (int i = 0; i < 8; i++)
		p[8 + i] = b[i];
}

/* Two sections: a 2-page BFV at the start of the image (MR.EXTEND) and 3 pages
 * of TempMem (PAGE.ADD only). Descriptor at offset 0x3000. */
static guint8 *
tdvf_image(void)
{
	guint8 *img = g_malloc0(IMAGE_SIZE);
	guint8 *d = img + 0x3000;

	for (int i = 0; i < 0x2000; i++)
		img[i] = (i * 13) ^ 0x77;
	memcpy(d, "TDVF", 4);
	put32(d + 4, 16 + 64);
	put32(d + 8, 1);
	put32(d + 12, 2);
	put32(d + 16, 0);	   /* data_offset */
	put32(d + 20, 0x2000);     /* raw_size */
	put64(d + 24, BFV_GPA);    /* mem_addr */
	put64(d + 32, 0x2000);     /* mem_size */
	put32(d + 40, 0);	   /* BFV */
	put32(d + 44, 1);	   /* MR.EXTEND */
	put64(d + 56, TEMP_GPA);
	put64(d + 64, 0x3000);
	put32(d + 72, 3);	   /* TempMem */
	/* Footer table: one entry {u32 offset-from-end, size, GUID}, then the footer. */
	guint8 *end = img + IMAGE_SIZE - 32;
	guint8 *footer = end - 18, *entry = footer - 22;
	put32(entry, IMAGE_SIZE - 0x3000);
	entry[4] = 22;
	put_guid(entry + 6, "e47a6535-984a-4798-865e-4685a7bf8ec2");
	footer[0] = 22 + 18;
	put_guid(footer + 2, "96b582de-1fb2-45f7-baea-a366c55a082d");
	return img;
}

static void
record(EVP_MD_CTX *ctx, const char *op, guint64 gpa, const guint8 *chunk)
{
	guint8 r[128] = { 0 };

	memcpy(r, op, strlen(op));
	put64(r + 16, gpa);
	EVP_DigestUpdate(ctx, r, 128);
	if (chunk)
		EVP_DigestUpdate(ctx, chunk, 256);
}

static void
extend_page(EVP_MD_CTX *ctx, guint64 gpa, const guint8 *page)
{
	for (int c = 0; c < 16; c++)
		record(ctx, "MR.EXTEND", gpa + c * 256, page + c * 256);
}

static void
expected(const guint8 *img, gboolean two_pass, guint8 out[48])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 48;

	EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	if (two_pass) {
		record(ctx, "MEM.PAGE.ADD", BFV_GPA, NULL);
		record(ctx, "MEM.PAGE.ADD", BFV_GPA + 0x1000, NULL);
		extend_page(ctx, BFV_GPA, img);
		extend_page(ctx, BFV_GPA + 0x1000, img + 0x1000);
	} else {
		record(ctx, "MEM.PAGE.ADD", BFV_GPA, NULL);
		extend_page(ctx, BFV_GPA, img);
		record(ctx, "MEM.PAGE.ADD", BFV_GPA + 0x1000, NULL);
		extend_page(ctx, BFV_GPA + 0x1000, img + 0x1000);
	}
	for (int i = 0; i < 3; i++)
		record(ctx, "MEM.PAGE.ADD", TEMP_GPA + i * 0x1000, NULL);
	EVP_DigestFinal_ex(ctx, out, &n);
	EVP_MD_CTX_free(ctx);
}

static void
test_tdvf_mrtd_matches_independent_computation(void **state)
{
	g_autofree guint8 *img = tdvf_image();
	guint8 want[48];
	CvmMeasureOptions o;
	CvmDigest d;
	g_autoptr(GError) error = NULL;

	cvm_measure_options_init(&o);
	o.platform = CVM_PLATFORM_TDX;
	for (int two = 0; two <= 1; two++) {
		o.tdx_two_pass = two;
		expected(img, two, want);
		if (!cvm_measure_ovmf(img, IMAGE_SIZE, &o, &d, &error))
			fail_msg("%s", error->message);
		assert_int_equal(d.len, 48);
		assert_memory_equal(d.bytes, want, 48);
	}
}

static void
test_tdvf_section_past_the_image_is_rejected(void **state)
{
	g_autofree guint8 *img = tdvf_image();
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmDigest d;

	put32(img + 0x3000 + 20, IMAGE_SIZE + 1); /* raw_size */
	cvm_measure_options_init(&o);
	o.platform = CVM_PLATFORM_TDX;
	assert_false(cvm_measure_ovmf(img, IMAGE_SIZE, &o, &d, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
}

static gboolean
measure_tdx(const guint8 *img, GError **error)
{
	CvmMeasureOptions o;
	CvmDigest d;

	cvm_measure_options_init(&o);
	o.platform = CVM_PLATFORM_TDX;
	return cvm_measure_ovmf(img, IMAGE_SIZE, &o, &d, error);
}

/* QEMU's section rules (hw/i386/tdvf.c): what it would refuse to load is
 * refused before anything is measured. */
static void
assert_refused(const guint8 *img, const char *why)
{
	g_autoptr(GError) error = NULL;

	assert_false(measure_tdx(img, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
	if (strstr(error->message, why) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", error->message, why);
}

static void
test_tdvf_firmware_volume_needs_data(void **state)
{
	g_autofree guint8 *img = tdvf_image();

	put32(img + 0x3000 + 20, 0); /* BFV raw_size */
	assert_refused(img, "needs data");
}

/* The fuzzer's input: a 3.2 GiB MR.EXTEND BFV from a small image (6.6 s to
 * measure before; QEMU loads MemoryDataSize bytes of the image). */
static void
test_tdvf_firmware_volume_past_the_image_is_refused(void **state)
{
	g_autofree guint8 *img = tdvf_image();

	put64(img + 0x3000 + 32, G_GUINT64_CONSTANT(0xcc011000)); /* BFV mem_size */
	assert_refused(img, "must lie within it");
	put64(img + 0x3000 + 32, IMAGE_SIZE); /* from offset 0: the whole image, still loadable */
	assert_true(measure_tdx(img, NULL));
	put32(img + 0x3000 + 16, 0x1000); /* the same size one page in: past the end */
	assert_refused(img, "must lie within it");
}

static void
test_tdvf_temp_mem_has_no_data(void **state)
{
	g_autofree guint8 *img = tdvf_image();

	put32(img + 0x3000 + 52, 0x1000); /* TempMem raw_size */
	assert_refused(img, "have no data and are not extended");
}

static void
test_tdvf_temp_mem_is_not_extended(void **state)
{
	g_autofree guint8 *img = tdvf_image();

	put32(img + 0x3000 + 76, 1); /* TempMem attributes: MR.EXTEND */
	assert_refused(img, "have no data and are not extended");
}

static void
test_debian_ovmf_has_tdvf_metadata(void **state)
{
	g_autoptr(GBytes) fw = cvmt_read_file("/usr/share/ovmf/OVMF.fd");
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmDigest single, two;

	cvm_measure_options_init(&o);
	o.platform = CVM_PLATFORM_TDX;
	assert_true(cvm_measure_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), &o, &single, &error));
	o.tdx_two_pass = TRUE;
	assert_true(cvm_measure_ovmf(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), &o, &two, &error));
	assert_memory_not_equal(single.bytes, two.bytes, 48);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tdvf_mrtd_matches_independent_computation),
		cmocka_unit_test(test_tdvf_section_past_the_image_is_rejected),
		cmocka_unit_test(test_tdvf_firmware_volume_needs_data),
		cmocka_unit_test(test_tdvf_firmware_volume_past_the_image_is_refused),
		cmocka_unit_test(test_tdvf_temp_mem_has_no_data),
		cmocka_unit_test(test_tdvf_temp_mem_is_not_extended),
		cmocka_unit_test(test_debian_ovmf_has_tdvf_metadata),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
