/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* igvm build --from-ovmf for TDX and plain SEV: the wrapped file's MRTD equals
 * the TDVF image's (a crafted image with every kind of TDVF section, and
 * Debian's OVMF.fd), each section becomes the pages it should (measured with
 * its bytes, unmeasured, or nothing for PAGE.AUG), and the SEV digest equals
 * the OVMF SEV digest. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/igvm.h>
#include <cvm/measure.h>
#include <string.h>

#define IMAGE_SIZE 0x8000u
#define IMAGE_GPA (0x100000000ull - IMAGE_SIZE)
#define DESC_OFFSET 0x6000u

typedef struct {
	guint32 data_offset, raw_size;
	guint64 mem_addr, mem_size;
	guint32 type, attr;
} Section;

/* BFV (measured, 2.5 pages of data in 4 pages), CFV (data, unmeasured),
 * TD_HOB, TempMem and PermMem (PAGE.AUG), in this metadata order. */
static const Section sections[] = {
	{ 0, 0x2800, IMAGE_GPA, 0x4000, 0, 1 },
	{ 0x4000, 0x1000, IMAGE_GPA + 0x4000, 0x1000, 1, 0 },
	{ 0, 0, 0x809000, 0x2000, 2, 0 },
	{ 0, 0, 0x800000, 0x3000, 3, 0 },
	{ 0, 0, 0x1000000, 0x4000, 4, 2 },
};

/* GUIDs in their on-disk byte order (first three fields little-endian). */
static const guint8 tdvf_guid[16] = { 0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
				      0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2 };
static const guint8 footer_guid[16] = { 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
					0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };

static void
le32(guint8 *p, guint32 v)
{
	v = GUINT32_TO_LE(v);
	memcpy(p, &v, 4);
}

static void
le64(guint8 *p, guint64 v)
{
	v = GUINT64_TO_LE(v);
	memcpy(p, &v, 8);
}

static guint8 *
tdvf_image(void)
{
	guint8 *img = g_malloc0(IMAGE_SIZE), *d = img + DESC_OFFSET;

	for (guint i = 0; i < 0x5000; i++)
		img[i] = (guint8)(i * 7 + 1);
	memcpy(d, "TDVF", 4);
	le32(d + 4, 16 + 32 * G_N_ELEMENTS(sections));
	le32(d + 8, 1);
	le32(d + 12, G_N_ELEMENTS(sections));
	for (gsize i = 0; i < G_N_ELEMENTS(sections); i++) {
		guint8 *s = d + 16 + 32 * i;
		le32(s, sections[i].data_offset);
		le32(s + 4, sections[i].raw_size);
		le64(s + 8, sections[i].mem_addr);
		le64(s + 16, sections[i].mem_size);
		le32(s + 24, sections[i].type);
		le32(s + 28, sections[i].attr);
	}
	/* Footer table: {u32 offset from end, u16 size, GUID}, then the footer. */
	guint8 *footer = img + IMAGE_SIZE - 32 - 18, *entry = footer - 22;
	le32(entry, IMAGE_SIZE - DESC_OFFSET);
	entry[4] = 22;
	memcpy(entry + 6, tdvf_guid, 16);
	footer[0] = 22 + 18;
	memcpy(footer + 2, footer_guid, 16);
	return img;
}

static GBytes *
wrap(const guint8 *fw, gsize len, guint platforms, const CvmMeasureOptions *o, GError **error)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);

	if (!cvm_igvm_add_ovmf(b, fw, len, platforms, o, error))
		return NULL;
	return cvm_igvm_builder_write_bytes(b, error);
}

static void
assert_same_digest(const guint8 *fw, gsize len, GBytes *file, CvmPlatform p)
{
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmDigest want, got;

	cvm_measure_options_init(&o);
	o.platform = p;
	assert_true(cvm_measure_ovmf(fw, len, &o, &want, &error));
	cvmt_assert_no_error(error);
	assert_true(cvm_measure_igvm(g_bytes_get_data(file, NULL), g_bytes_get_size(file), &o, &got, NULL, &error));
	cvmt_assert_no_error(error);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.bytes, want.bytes, want.len);
}

static void
test_crafted_tdvf_mrtd_equal(void **state)
{
	g_autofree guint8 *img = tdvf_image();
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;

	cvm_measure_options_init(&o);
	g_autoptr(GBytes) file = wrap(img, IMAGE_SIZE, CVM_OVMF_WRAP_TDX, &o, &error);
	cvmt_assert_no_error(error);
	assert_same_digest(img, IMAGE_SIZE, file, CVM_PLATFORM_TDX);
}

/* The file's TDX pages, in directive order, are the sections' pages in
 * metadata order: measured with the section's bytes (zero past raw_size)
 * for MR.EXTEND sections, unmeasured otherwise, none for PAGE.AUG. */
static void
test_every_tdvf_section_honoured(void **state)
{
	g_autofree guint8 *img = tdvf_image();
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmIgvmHeader h;
	guint8 want[4096];
	gsize si = 0, n = 0, data_len = 0;
	guint64 off = 0;

	cvm_measure_options_init(&o);
	g_autoptr(GBytes) file = wrap(img, IMAGE_SIZE, CVM_OVMF_WRAP_TDX, &o, &error);
	cvmt_assert_no_error(error);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(file, 0, &error);
	cvmt_assert_no_error(error);
	guint32 mask = cvm_igvm_platform_mask(igvm, CVM_PLATFORM_TDX);
	const guint8 *data = cvm_igvm_get_data(igvm, &data_len);
	assert_int_not_equal(mask, 0);
	for (guint i = 0; cvm_igvm_get_header(igvm, i, &h); i++) {
		const CvmIgvmPageData *pd = cvm_igvm_header_page_data(&h);
		if (pd == NULL || !(cvm_le32(pd->compatibility_mask) & mask))
			continue;
		/* The next page the sections call for. */
		while (si < G_N_ELEMENTS(sections) &&
		       (off >= sections[si].mem_size || (sections[si].attr & 2))) {
			si++;
			off = 0;
		}
		assert_true(si < G_N_ELEMENTS(sections));
		const Section *s = &sections[si];
		assert_int_equal(cvm_le64(pd->gpa), s->mem_addr + off);
		assert_int_equal(!!(cvm_le32(pd->flags) & CVM_IGVM_PAGE_FLAG_UNMEASURED), !(s->attr & 1));
		memset(want, 0, sizeof(want));
		if (off < s->raw_size)
			memcpy(want, img + s->data_offset + off, MIN(4096, s->raw_size - off));
		guint32 fo = cvm_le32(pd->file_offset);
		if (fo == 0) {
			static const guint8 zero[4096];
			assert_memory_equal(want, zero, 4096);
		} else {
			guint8 got[4096] = { 0 };
			memcpy(got, data + fo, MIN(4096, data_len - fo));
			assert_memory_equal(got, want, 4096);
		}
		off += 4096;
		n++;
	}
	/* BFV 4 + CFV 1 + TD_HOB 2 + TempMem 3; PermMem none. */
	assert_int_equal(n, 10);
	assert_int_equal(si, 3);
	assert_int_equal(off, sections[3].mem_size);
}

static void
test_debian_ovmf_tdx_and_sev_equal(void **state)
{
	g_autoptr(GBytes) fw = cvmt_read_file("/usr/share/ovmf/OVMF.fd");
	const guint8 *d = g_bytes_get_data(fw, NULL);
	gsize len = g_bytes_get_size(fw);
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;

	cvm_measure_options_init(&o);
	g_autoptr(GBytes) file = wrap(d, len, CVM_OVMF_WRAP_TDX | CVM_OVMF_WRAP_SEV | CVM_OVMF_WRAP_SEV_SNP, &o,
				      &error);
	cvmt_assert_no_error(error);
	assert_same_digest(d, len, file, CVM_PLATFORM_TDX);
	assert_same_digest(d, len, file, CVM_PLATFORM_SEV);
	/* The SEV-SNP part is as before (--native-zero equals the OVMF flow). */
	CvmDigest want, got;
	assert_true(cvm_measure_ovmf(d, len, &o, &want, &error));
	o.native_zero = TRUE;
	assert_true(cvm_measure_igvm(g_bytes_get_data(file, NULL), g_bytes_get_size(file), &o, &got, NULL, &error));
	assert_memory_equal(got.bytes, want.bytes, 48);
}

static void
test_sev_with_kernel_refused(void **state)
{
	g_autoptr(GBytes) fw = cvmt_read_file("/usr/share/ovmf/OVMF.fd");
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;

	cvm_measure_options_init(&o);
	o.kernel = "/dev/null";
	g_autoptr(GBytes) file = wrap(g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), CVM_OVMF_WRAP_SEV, &o, &error);
	assert_null(file);
	cvmt_assert_error(error, CVM_ERROR_NOT_SUPPORTED);
}

static void
test_tdx_without_tdvf_metadata_refused(void **state)
{
	g_autofree guint8 *img = g_malloc0(4 * 4096); /* no footer table at all */
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;

	cvm_measure_options_init(&o);
	g_autoptr(GBytes) file = wrap(img, 4 * 4096, CVM_OVMF_WRAP_TDX, &o, &error);
	assert_null(file);
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crafted_tdvf_mrtd_equal),
		cmocka_unit_test(test_every_tdvf_section_honoured),
		cmocka_unit_test(test_debian_ovmf_tdx_and_sev_equal),
		cmocka_unit_test(test_sev_with_kernel_refused),
		cmocka_unit_test(test_tdx_without_tdvf_metadata_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
