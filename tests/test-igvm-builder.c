/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The IGVM writer, checked on the bytes it produces (decoded here with the
 * wire structs, independently of the reader). */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/igvm-builder.h>
#include <string.h>
#include <zlib.h>

typedef struct {
	guint32 type;
	guint32 length;
	const guint8 *payload;
} Tlv;

/* Walk the variable headers of @file into an array of Tlv. */
static GArray *
tlvs_of(GBytes *file)
{
	gsize size;
	const guint8 *p = g_bytes_get_data(file, &size);
	const CvmIgvmFixedHeaderV1 *h = (const void *)p;
	guint32 off = cvm_le32(h->variable_header_offset);
	guint32 end = off + cvm_le32(h->variable_header_size);
	GArray *out = g_array_new(FALSE, FALSE, sizeof(Tlv));

	assert_true(end <= size);
	while (off < end) {
		const CvmIgvmVhsHeader *v = (const void *)(p + off);
		Tlv t = { cvm_le32(v->type), cvm_le32(v->length), p + off + 8 };

		assert_int_equal(off % 8, 0);
		g_array_append_val(out, t);
		off += 8 + ((t.length + 7) & ~7u);
	}
	assert_int_equal(off, end);
	return out;
}

static CvmIgvmBuilder *
snp_builder(guint32 version, guint32 *mask)
{
	CvmIgvmBuilder *b = cvm_igvm_builder_new(version);
	g_autoptr(GError) error = NULL;

	*mask = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_SNP, 0, 0, 0, &error);
	cvmt_assert_no_error(error);
	assert_int_equal(*mask, 1);
	return b;
}

static GBytes *
page_of(guint8 fill)
{
	guint8 *p = g_malloc(CVM_IGVM_PAGE_SIZE);

	memset(p, fill, CVM_IGVM_PAGE_SIZE);
	return g_bytes_new_take(p, CVM_IGVM_PAGE_SIZE);
}

static void
test_fixed_header_v1_has_size_offsets_and_zlib_crc(void **state)
{
	guint32 mask;
	g_autoptr(CvmIgvmBuilder) b = snp_builder(1, &mask);
	g_autoptr(GBytes) page = page_of(0xAB);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) file = NULL;
	CvmIgvmFixedHeaderV1 h;
	gsize size;
	const guint8 *p;
	uLong crc;

	assert_true(cvm_igvm_builder_add_page_data(b, mask, 0x1000, 0, CVM_IGVM_PAGE_DATA_NORMAL,
						   page, &error));
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	p = g_bytes_get_data(file, &size);
	memcpy(&h, p, sizeof(h));
	assert_int_equal(cvm_le32(h.magic), CVM_IGVM_MAGIC);
	assert_int_equal(cvm_le32(h.format_version), 1);
	assert_int_equal(cvm_le32(h.variable_header_offset), 24);
	/* platform 8+16, page data 8+24 */
	assert_int_equal(cvm_le32(h.variable_header_size), 24 + 32);
	assert_int_equal(cvm_le32(h.total_file_size), size);
	assert_int_equal(size, 24 + 56 + 4096);
	h.checksum = 0;
	crc = crc32(0L, (const Bytef *)&h, sizeof(h));
	crc = crc32(crc, p + 24, 56);
	assert_int_equal(cvm_le32(((const CvmIgvmFixedHeaderV1 *)p)->checksum), (guint32)crc);
	assert_memory_equal(p + 24 + 56, g_bytes_get_data(page, NULL), 4096);
}

static void
test_fixed_header_v2_carries_architecture_and_page_size(void **state)
{
	guint32 mask;
	g_autoptr(CvmIgvmBuilder) b = snp_builder(2, &mask);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) file = NULL;
	const CvmIgvmFixedHeaderV2 *h;

	assert_true(cvm_igvm_builder_add_zero_pages(b, mask, 0, 1, 0, 0, &error));
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	h = g_bytes_get_data(file, NULL);
	assert_int_equal(cvm_le32(h->v1.format_version), 2);
	assert_int_equal(cvm_le32(h->v1.variable_header_offset), 32);
	assert_int_equal(cvm_le32(h->architecture), CVM_IGVM_ARCH_X64);
	assert_int_equal(cvm_le32(h->page_size), 4096);
}

static void
test_identical_pages_are_stored_once(void **state)
{
	guint32 mask;
	g_autoptr(CvmIgvmBuilder) b = snp_builder(1, &mask);
	g_autoptr(GBytes) a = page_of(1);
	g_autoptr(GBytes) c = page_of(2);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) file = NULL;
	g_autoptr(GArray) tlvs = NULL;
	guint32 offs[3];

	assert_true(cvm_igvm_builder_add_page_data(b, mask, 0x0000, 0, 0, a, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, mask, 0x1000, 0, 0, c, &error));
	assert_true(cvm_igvm_builder_add_page_data(b, mask, 0x2000, 0, 0, a, &error));
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	tlvs = tlvs_of(file);
	assert_int_equal(tlvs->len, 4);
	for (guint i = 0; i < 3; i++) {
		const CvmIgvmPageData *pd = (const void *)g_array_index(tlvs, Tlv, i + 1).payload;
		offs[i] = cvm_le32(pd->file_offset);
	}
	assert_int_equal(offs[0], offs[2]);
	assert_int_equal(offs[1], offs[0] + 4096);
	assert_int_equal(g_bytes_get_size(file), offs[0] + 2 * 4096);
}

static void
test_zero_pages_have_no_file_data_but_file_is_not_empty(void **state)
{
	guint32 mask;
	g_autoptr(CvmIgvmBuilder) b = snp_builder(1, &mask);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) file = NULL;
	g_autoptr(GArray) tlvs = NULL;
	const CvmIgvmFixedHeaderV1 *h;

	assert_true(cvm_igvm_builder_add_zero_pages(b, mask, 0x10000, 3,
						    CVM_IGVM_PAGE_FLAG_UNMEASURED, 0, &error));
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	tlvs = tlvs_of(file);
	assert_int_equal(tlvs->len, 4);
	for (guint i = 1; i < 4; i++) {
		const CvmIgvmPageData *pd = (const void *)g_array_index(tlvs, Tlv, i).payload;
		assert_int_equal(cvm_le32(pd->file_offset), 0);
		assert_int_equal(cvm_le64(pd->gpa), 0x10000 + (i - 1) * 4096);
		assert_int_equal(cvm_le32(pd->flags), CVM_IGVM_PAGE_FLAG_UNMEASURED);
	}
	h = g_bytes_get_data(file, NULL);
	assert_true(cvm_le32(h->variable_header_offset) + cvm_le32(h->variable_header_size) <
		    g_bytes_get_size(file));
}

static void
test_vp_context_tlv_is_20_bytes_padded_to_24(void **state)
{
	guint32 mask;
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(2);
	CvmIgvmNativeVpContextX64 ctx = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) file = NULL;
	g_autoptr(GArray) tlvs = NULL;
	const CvmIgvmVpContext *vp;
	const guint8 *data;

	mask = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_NATIVE, 0, 0, 0, &error);
	assert_int_not_equal(mask, 0);
	ctx.rip = 0xFFF0;
	ctx.cr0 = 0x10;
	ctx.code_selector = 0xF000;
	assert_true(cvm_igvm_builder_add_vp_context_native(b, mask, 0, &ctx, &error));
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	tlvs = tlvs_of(file);
	assert_int_equal(g_array_index(tlvs, Tlv, 1).type, CVM_IGVM_VHT_VP_CONTEXT);
	assert_int_equal(g_array_index(tlvs, Tlv, 1).length, 20);
	vp = (const void *)g_array_index(tlvs, Tlv, 1).payload;
	assert_int_equal(cvm_le64(vp->gpa), 0);
	data = (const guint8 *)g_bytes_get_data(file, NULL) + cvm_le32(vp->file_offset);
	assert_int_equal(data[128], 0xF0); /* rip low byte, little-endian */
	assert_int_equal(data[129], 0xFF);
	assert_int_equal(data[168], 0x00);
	assert_int_equal(data[169], 0xF0);
	assert_int_equal(g_bytes_get_size(file), cvm_le32(vp->file_offset) + 4096);
}

static void
test_platform_masks_are_handed_out_and_checked(void **state)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;

	assert_int_equal(cvm_igvm_builder_add_platform(b, CVM_PLATFORM_TDX, 4, 0, 0, &error), 4);
	assert_int_equal(cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_SNP, 0, 0, 0, &error),
			 1);
	assert_int_equal(cvm_igvm_builder_get_platform_mask(b, CVM_PLATFORM_TDX), 4);
	assert_int_equal(cvm_igvm_builder_get_platform_mask(b, CVM_PLATFORM_NATIVE), 0);
	assert_int_equal(cvm_igvm_builder_add_platform(b, CVM_PLATFORM_NATIVE, 4, 0, 0, &error),
			 0);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	assert_int_equal(cvm_igvm_builder_add_platform(b, CVM_PLATFORM_NATIVE, 6, 0, 0, &error),
			 0);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	assert_int_equal(cvm_igvm_builder_add_platform(b, CVM_PLATFORM_TDX, 0, 0, 0, &error), 0);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

static void
test_page_data_gpa_not_aligned_is_rejected(void **state)
{
	guint32 mask;
	g_autoptr(CvmIgvmBuilder) b = snp_builder(1, &mask);
	g_autoptr(GBytes) page = page_of(0);
	g_autoptr(GError) error = NULL;

	assert_false(cvm_igvm_builder_add_page_data(b, mask, 0x1001, 0, 0, page, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(error->message, "0x1001"));
	assert_int_equal(cvm_igvm_builder_get_n_headers(b), 1);
}

static void
test_parameter_needs_an_open_area(void **state)
{
	guint32 mask;
	g_autoptr(CvmIgvmBuilder) b = snp_builder(1, &mask);
	g_autoptr(GError) error = NULL;

	assert_false(cvm_igvm_builder_add_parameter(b, CVM_IGVM_VHT_VP_COUNT_PARAMETER, 0, 0, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	assert_true(cvm_igvm_builder_add_parameter_area(b, 0, 4096, NULL, &error));
	assert_false(cvm_igvm_builder_add_parameter_area(b, 0, 4096, NULL, &error));
	g_clear_error(&error);
	assert_false(cvm_igvm_builder_add_parameter(b, CVM_IGVM_VHT_PAGE_DATA, 0, 0, &error));
	g_clear_error(&error);
	assert_false(cvm_igvm_builder_add_parameter(b, CVM_IGVM_VHT_MEMORY_MAP, 0, 4096, &error));
	g_clear_error(&error);
	assert_true(cvm_igvm_builder_add_parameter(b, CVM_IGVM_VHT_MEMORY_MAP, 0, 8, &error));
	assert_true(cvm_igvm_builder_add_parameter_insert(b, mask, 0x14000, 0, &error));
	assert_false(cvm_igvm_builder_add_parameter(b, CVM_IGVM_VHT_VP_COUNT_PARAMETER, 0, 0, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(error->message, "already inserted"));
}

static void
test_sections_are_written_in_order_whatever_the_add_order(void **state)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) file = NULL;
	g_autoptr(GArray) tlvs = NULL;

	assert_true(cvm_igvm_builder_add_zero_pages(b, 1, 0, 1, 0, 0, &error));
	assert_true(cvm_igvm_builder_add_guest_policy(b, 1, 0x30000, &error));
	assert_int_equal(cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_SNP, 1, 0, 0, &error),
			 1);
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	tlvs = tlvs_of(file);
	assert_int_equal(g_array_index(tlvs, Tlv, 0).type, CVM_IGVM_VHT_SUPPORTED_PLATFORM);
	assert_int_equal(g_array_index(tlvs, Tlv, 1).type, CVM_IGVM_VHT_GUEST_POLICY);
	assert_int_equal(g_array_index(tlvs, Tlv, 2).type, CVM_IGVM_VHT_PAGE_DATA);
}

static void
test_file_without_platform_is_refused(void **state)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) file = NULL;

	assert_true(cvm_igvm_builder_add_zero_pages(b, 1, 0, 1, 0, 0, &error));
	file = cvm_igvm_builder_write_bytes(b, &error);
	assert_null(file);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

static void
test_vp_context_for_undeclared_platform_is_refused(void **state)
{
	guint32 mask;
	g_autoptr(CvmIgvmBuilder) b = snp_builder(1, &mask);
	g_autoptr(GBytes) vmsa = page_of(0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) file = NULL;

	assert_true(cvm_igvm_builder_add_vp_context_vmsa(b, 2, CVM_SNP_KVM_VMSA_GPA, 0, vmsa,
							 &error));
	file = cvm_igvm_builder_write_bytes(b, &error);
	assert_null(file);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(error->message, "mask 0x2"));
	/* a test may still craft it on purpose */
	g_clear_error(&error);
	cvm_igvm_builder_set_validate(b, FALSE);
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	assert_non_null(file);
}

static void
test_cca_platform_needs_aarch64(void **state)
{
	g_autoptr(CvmIgvmBuilder) v1 = cvm_igvm_builder_new(1);
	g_autoptr(CvmIgvmBuilder) v2 = cvm_igvm_builder_new(2);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) file = NULL;

	assert_false(cvm_igvm_builder_set_architecture(v1, CVM_IGVM_ARCH_AARCH64, &error));
	g_clear_error(&error);
	assert_int_equal(cvm_igvm_builder_add_platform(v2, CVM_PLATFORM_CCA, 0, 0, 0, &error), 1);
	assert_true(cvm_igvm_builder_add_zero_pages(v2, 1, 0, 1, 0, 0, &error));
	file = cvm_igvm_builder_write_bytes(v2, &error);
	assert_null(file);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	assert_true(cvm_igvm_builder_set_architecture(v2, CVM_IGVM_ARCH_AARCH64, &error));
	file = cvm_igvm_builder_write_bytes(v2, &error);
	cvmt_assert_no_error(error);
	assert_int_equal(cvm_le32(((const CvmIgvmFixedHeaderV2 *)g_bytes_get_data(file, NULL))
					  ->architecture),
			 CVM_IGVM_ARCH_AARCH64);
}

static void
test_page_data_from_file_region_splits_and_pads(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *path = g_build_filename(dir, "blob", NULL);
	g_autofree gchar *out = g_build_filename(dir, "out.igvm", NULL);
	guint8 content[6000];
	guint32 mask;
	g_autoptr(CvmIgvmBuilder) b = snp_builder(1, &mask);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) file = NULL;
	g_autoptr(GBytes) on_disk = NULL;
	g_autoptr(GArray) tlvs = NULL;
	const guint8 *p;
	const CvmIgvmPageData *second;

	for (guint i = 0; i < sizeof(content); i++)
		content[i] = (guint8)(i * 7);
	assert_true(g_file_set_contents(path, (const gchar *)content, sizeof(content), NULL));
	/* bytes 100..5099: one full page and 904 bytes */
	assert_true(cvm_igvm_builder_add_page_data_from_file(b, mask, 0x8000, 0, 0, path, 100, 5000,
							     &error));
	cvmt_assert_no_error(error);
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	tlvs = tlvs_of(file);
	assert_int_equal(tlvs->len, 3);
	second = (const void *)g_array_index(tlvs, Tlv, 2).payload;
	assert_int_equal(cvm_le64(second->gpa), 0x9000);
	p = (const guint8 *)g_bytes_get_data(file, NULL) + cvm_le32(second->file_offset);
	assert_memory_equal(p, content + 100 + 4096, 904);
	assert_int_equal(p[904], 0);
	assert_int_equal(p[4095], 0);
	assert_false(cvm_igvm_builder_add_page_data_from_file(b, mask, 0, 0, 0, path, 5000, 2000,
							      &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	assert_true(cvm_igvm_builder_write_file(b, out, &error));
	on_disk = cvmt_read_file(out);
	assert_true(g_bytes_equal(on_disk, file));
	cvmt_rm_rf(dir);
}

/* The field values igvm_c/tests/igvm_test.c asserts, header by header. */
static void
check_c_api_fields(GBytes *file, GArray *tlvs)
{
	const guint8 *base = g_bytes_get_data(file, NULL);
	const CvmIgvmSupportedPlatform *sp = (const void *)g_array_index(tlvs, Tlv, 0).payload;
	const CvmIgvmParameterArea *area = (const void *)g_array_index(tlvs, Tlv, 11).payload;
	const CvmIgvmParameter *vp = (const void *)g_array_index(tlvs, Tlv, 12).payload;
	const CvmIgvmParameterInsert *ins = (const void *)g_array_index(tlvs, Tlv, 13).payload;

	assert_int_equal(cvm_le32(sp->compatibility_mask), 1);
	assert_int_equal(sp->highest_vtl, 2);
	assert_int_equal(sp->platform_type, 1); /* IGVM VSM_ISOLATION */
	assert_int_equal(cvm_le16(sp->platform_version), 1);
	assert_int_equal(cvm_le64(sp->shared_gpa_boundary), 0);
	for (guint i = 1; i <= 2; i++) {
		const CvmIgvmGuestPolicy *gp = (const void *)g_array_index(tlvs, Tlv, i).payload;

		assert_int_equal(g_array_index(tlvs, Tlv, i).type, CVM_IGVM_VHT_GUEST_POLICY);
		assert_int_equal(cvm_le64(gp->policy), 0x30000);
		assert_int_equal(cvm_le32(gp->compatibility_mask), i);
		assert_int_equal(cvm_le32(gp->reserved), 0);
	}
	for (guint i = 0; i < 8; i++) {
		const CvmIgvmPageData *pd = (const void *)g_array_index(tlvs, Tlv, 3 + i).payload;
		const guint8 *data = base + cvm_le32(pd->file_offset);

		assert_int_equal(g_array_index(tlvs, Tlv, 3 + i).type, CVM_IGVM_VHT_PAGE_DATA);
		assert_int_equal(cvm_le64(pd->gpa), i * 4096ull);
		assert_int_equal(cvm_le32(pd->compatibility_mask), 1);
		assert_int_equal(cvm_le32(pd->flags), 0);
		assert_int_equal(cvm_le16(pd->data_type), CVM_IGVM_PAGE_DATA_NORMAL);
		assert_int_equal(data[0], i);
		assert_int_equal(data[4095], i);
	}
	assert_int_equal(g_array_index(tlvs, Tlv, 11).type, CVM_IGVM_VHT_PARAMETER_AREA);
	assert_int_equal(cvm_le64(area->number_of_bytes), 4096);
	assert_int_equal(cvm_le32(area->parameter_area_index), 0);
	assert_int_equal(cvm_le32(area->file_offset), 0);
	assert_int_equal(g_array_index(tlvs, Tlv, 12).type, CVM_IGVM_VHT_VP_COUNT_PARAMETER);
	assert_int_equal(cvm_le32(vp->parameter_area_index), 0);
	assert_int_equal(cvm_le32(vp->byte_offset), 0);
	assert_int_equal(g_array_index(tlvs, Tlv, 13).type, CVM_IGVM_VHT_PARAMETER_INSERT);
	assert_int_equal(cvm_le64(ins->gpa), 0x14000);
	assert_int_equal(cvm_le32(ins->compatibility_mask), 1);
	assert_int_equal(cvm_le32(ins->parameter_area_index), 0);
}

/* spec section 10: the microsoft/igvm C API test file, rebuilt. */
static void
test_c_api_test_file_shape_has_counts_1_2_11(void **state)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) file = NULL;
	g_autoptr(GArray) tlvs = NULL;
	guint counts[3] = { 0 };

	assert_int_equal(cvm_igvm_builder_add_platform(b, CVM_PLATFORM_VSM, 1, 2, 0,
						       &error), 1);
	assert_true(cvm_igvm_builder_add_guest_policy(b, 1, 0x30000, &error));
	assert_true(cvm_igvm_builder_add_guest_policy(b, 2, 0x30000, &error));
	for (guint i = 0; i < 8; i++) {
		g_autoptr(GBytes) page = page_of((guint8)i);
		assert_true(cvm_igvm_builder_add_page_data(b, 1, i * 4096ull, 0, 0, page, &error));
	}
	assert_true(cvm_igvm_builder_add_parameter_area(b, 0, 4096, NULL, &error));
	assert_true(cvm_igvm_builder_add_parameter(b, CVM_IGVM_VHT_VP_COUNT_PARAMETER, 0, 0, &error));
	assert_true(cvm_igvm_builder_add_parameter_insert(b, 1, 0x14000, 0, &error));
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	tlvs = tlvs_of(file);
	for (guint i = 0; i < tlvs->len; i++) {
		guint32 t = g_array_index(tlvs, Tlv, i).type;
		counts[t < 0x101 ? 0 : t < 0x301 ? 1 : 2]++;
	}
	assert_int_equal(counts[0], 1);
	assert_int_equal(counts[1], 2);
	assert_int_equal(counts[2], 11);
	check_c_api_fields(file, tlvs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_header_v1_has_size_offsets_and_zlib_crc),
		cmocka_unit_test(test_fixed_header_v2_carries_architecture_and_page_size),
		cmocka_unit_test(test_identical_pages_are_stored_once),
		cmocka_unit_test(test_zero_pages_have_no_file_data_but_file_is_not_empty),
		cmocka_unit_test(test_vp_context_tlv_is_20_bytes_padded_to_24),
		cmocka_unit_test(test_platform_masks_are_handed_out_and_checked),
		cmocka_unit_test(test_page_data_gpa_not_aligned_is_rejected),
		cmocka_unit_test(test_parameter_needs_an_open_area),
		cmocka_unit_test(test_sections_are_written_in_order_whatever_the_add_order),
		cmocka_unit_test(test_file_without_platform_is_refused),
		cmocka_unit_test(test_vp_context_for_undeclared_platform_is_refused),
		cmocka_unit_test(test_cca_platform_needs_aarch64),
		cmocka_unit_test(test_page_data_from_file_region_splits_and_pads),
		cmocka_unit_test(test_c_api_test_file_shape_has_counts_1_2_11),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
