/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One crafted file per validation rule; each must be refused with that
 * rule's code (docs/igvm.md, rule table). */
#include "lib/igvm-craft.h"
#include "lib/testlib.h"

#include <cvm/error.h>
#include <cvm/igvm.h>
#include <string.h>

static guint8 page[4096];

/* Opening must fail naming @rule, and the full validation must list it as
 * an error. */
static void
expect_rule(GBytes *bytes, CvmIgvmRule rule, guint flags)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) bad = cvm_igvm_new_from_bytes(bytes, flags, &error);
	g_autofree gchar *needle = g_strdup_printf("rule %s ", cvm_igvm_rule_name(rule));

	assert_null(bad);
	assert_non_null(error);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(bytes, CVM_IGVM_NO_VALIDATE, NULL);
	if (igvm == NULL) {
		/* Structural: only the open error can name it. */
		if (strstr(error->message, needle) == NULL)
			fail_msg("expected %s, got: %s", needle, error->message);
		return;
	}
	g_autoptr(GPtrArray) problems = cvm_igvm_validate(igvm, flags);
	for (guint i = 0; i < problems->len; i++) {
		const CvmIgvmProblem *p = problems->pdata[i];
		if (p->rule == rule && p->severity == CVM_IGVM_SEVERITY_ERROR)
			return;
	}
	fail_msg("rule %s not reported; open said: %s", cvm_igvm_rule_name(rule), error->message);
}

static CvmtIgvmCraft *
snp_file(void)
{
	CvmtIgvmCraft *c = cvmt_craft_new(1, 0, 4096);
	cvmt_craft_platform(c, 1, CVM_PLATFORM_SEV_SNP);
	return c;
}

static void
finish_expect(CvmtIgvmCraft *c, CvmIgvmRule rule, guint flags)
{
	g_autoptr(GBytes) b = cvmt_craft_finish_bytes(c);
	expect_rule(b, rule, flags);
}

/* Crafts a valid SNP file with one page, lets @edit change bytes, refixes CRC. */
static void
edit_expect(void (*edit)(guint8 *buf, gsize len), CvmIgvmRule rule)
{
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	gsize len;
	cvmt_craft_page(c, 0x1000, 1, cvmt_craft_data(c, page, sizeof(page)));
	guint8 *buf = cvmt_craft_finish(c, &len);
	edit(buf, len);
	g_autoptr(GBytes) b = g_bytes_new_take(buf, len);
	expect_rule(b, rule, 0);
}

static void put32(guint8 *b, gsize off, guint32 v) { v = GUINT32_TO_LE(v); memcpy(b + off, &v, 4); }

static void e_magic(guint8 *b, gsize l) { (void)l; put32(b, 0, 0x12345678); cvmt_igvm_fix_crc(b, l); }
static void e_version(guint8 *b, gsize l) { put32(b, 4, 3); cvmt_igvm_fix_crc(b, l); }
static void e_total(guint8 *b, gsize l) { put32(b, 16, (guint32)l + 1); cvmt_igvm_fix_crc(b, l); }
static void e_vh_offset(guint8 *b, gsize l) { put32(b, 8, 16); cvmt_igvm_fix_crc(b, l); }
static void e_vh_range(guint8 *b, gsize l) { put32(b, 12, (guint32)l); cvmt_igvm_fix_crc(b, l); }
static void e_checksum(guint8 *b, gsize l) { (void)l; b[20] ^= 1; }
static void e_tlv_truncated(guint8 *b, gsize l) { put32(b, 24 + 4, 0x1000); cvmt_igvm_fix_crc(b, l); }

static void test_bad_magic_is_rejected(void **s) { (void)s; edit_expect(e_magic, CVM_IGVM_RULE_MAGIC); }
static void test_unknown_format_version_is_rejected(void **s) { (void)s; edit_expect(e_version, CVM_IGVM_RULE_FORMAT_VERSION); }
static void test_total_file_size_mismatch_is_rejected(void **s) { (void)s; edit_expect(e_total, CVM_IGVM_RULE_TOTAL_FILE_SIZE); }
static void test_vh_overlapping_fixed_header_is_rejected(void **s) { (void)s; edit_expect(e_vh_offset, CVM_IGVM_RULE_VH_OFFSET); }
static void test_vh_past_end_is_rejected(void **s) { (void)s; edit_expect(e_vh_range, CVM_IGVM_RULE_VH_RANGE); }
static void test_checksum_mismatch_is_rejected(void **s) { (void)s; edit_expect(e_checksum, CVM_IGVM_RULE_CHECKSUM); }
static void test_tlv_past_section_is_rejected(void **s) { (void)s; edit_expect(e_tlv_truncated, CVM_IGVM_RULE_TLV_TRUNCATED); }

static void
test_short_file_is_rejected(void **s)
{
	(void)s;
	g_autoptr(GBytes) b = g_bytes_new_static("IGVM", 4);
	expect_rule(b, CVM_IGVM_RULE_FIXED_HEADER_SHORT, 0);
}

static void
test_checksum_mismatch_has_checksum_error_code(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	gsize len;
	cvmt_craft_page(c, 0, 1, 0);
	guint8 *buf = cvmt_craft_finish(c, &len);
	buf[20] ^= 0x80;
	g_autoptr(GBytes) b = g_bytes_new_take(buf, len);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, 0, &error);
	assert_null(igvm);
	cvmt_assert_error(error, CVM_ERROR_CHECKSUM);
	assert_non_null(strstr(error->message, "offset 0x14"));
}

static void
test_v2_bad_architecture_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(2, 7, 4096);
	cvmt_craft_platform(c, 1, CVM_PLATFORM_NATIVE);
	finish_expect(c, CVM_IGVM_RULE_ARCHITECTURE, 0);
}

static void e_page_size(guint8 *b, gsize l) { put32(b, 28, 8192); cvmt_igvm_fix_crc(b, l); }
static void
test_v2_page_size_not_4096_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(2, 0, 4096);
	gsize len;
	cvmt_craft_platform(c, 1, CVM_PLATFORM_NATIVE);
	cvmt_craft_page(c, 0, 1, 0);
	guint8 *buf = cvmt_craft_finish(c, &len);
	e_page_size(buf, len);
	g_autoptr(GBytes) b = g_bytes_new_take(buf, len);
	expect_rule(b, CVM_IGVM_RULE_PAGE_SIZE, 0);
}

static void
test_file_without_file_data_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(1, 0, 0);
	cvmt_craft_platform(c, 1, CVM_PLATFORM_SEV_SNP);
	finish_expect(c, CVM_IGVM_RULE_NO_FILE_DATA, 0);
}

static void
test_unknown_required_type_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	guint64 x = 0;
	cvmt_craft_tlv(c, 0x3FF, &x, 8);
	finish_expect(c, CVM_IGVM_RULE_UNKNOWN_TYPE, 0);
}

static void
test_platform_after_directive_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	cvmt_craft_page(c, 0, 1, 0);
	cvmt_craft_platform(c, 2, CVM_PLATFORM_TDX);
	finish_expect(c, CVM_IGVM_RULE_SECTION_ORDER, 0);
}

static void
test_vp_context_of_24_bytes_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	guint8 vp[24] = { 0 };
	vp[8] = 1;
	cvmt_craft_tlv(c, CVM_IGVM_VHT_VP_CONTEXT, vp, sizeof(vp));
	finish_expect(c, CVM_IGVM_RULE_PAYLOAD_LENGTH, 0);
}

static void
test_file_without_platform_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(1, 0, 4096);
	cvmt_craft_page(c, 0, 1, 0);
	finish_expect(c, CVM_IGVM_RULE_NO_PLATFORM, 0);
}

static void
craft_platform(CvmtIgvmCraft *c, guint32 mask, guint8 vtl, guint8 type, guint16 version, guint64 shared)
{
	CvmIgvmSupportedPlatform p = { GUINT32_TO_LE(mask), vtl, type, GUINT16_TO_LE(version), GUINT64_TO_LE(shared) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_SUPPORTED_PLATFORM, &p, sizeof(p));
}

static void
platform_expect(guint32 mask, guint8 vtl, guint8 type, guint16 version, guint64 shared, CvmIgvmRule rule)
{
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(1, 0, 4096);
	craft_platform(c, mask, vtl, type, version, shared);
	finish_expect(c, rule, 0);
}

static void test_platform_mask_with_two_bits_is_rejected(void **s) { (void)s; platform_expect(3, 0, 2, 1, 0, CVM_IGVM_RULE_PLATFORM_MASK); }
static void test_platform_vtl_1_is_rejected(void **s) { (void)s; platform_expect(1, 1, 2, 1, 0, CVM_IGVM_RULE_PLATFORM_VTL); }
static void test_platform_version_2_is_rejected(void **s) { (void)s; platform_expect(1, 0, 2, 2, 0, CVM_IGVM_RULE_PLATFORM_VERSION); }
static void test_unknown_platform_type_is_rejected(void **s) { (void)s; platform_expect(1, 0, 9, 1, 0, CVM_IGVM_RULE_PLATFORM_TYPE); }
static void test_native_shared_gpa_boundary_is_rejected(void **s) { (void)s; platform_expect(1, 0, 0, 1, 0x1000, CVM_IGVM_RULE_PLATFORM_SHARED_GPA); }
static void test_cca_platform_on_x64_is_rejected(void **s) { (void)s; platform_expect(1, 0, 6, 1, 0, CVM_IGVM_RULE_PLATFORM_ARCH); }

static void
test_duplicate_platform_type_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	cvmt_craft_platform(c, 2, CVM_PLATFORM_SEV_SNP);
	finish_expect(c, CVM_IGVM_RULE_PLATFORM_DUPLICATE, 0);
}

static void
test_two_platforms_sharing_a_mask_bit_are_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	cvmt_craft_platform(c, 1, CVM_PLATFORM_TDX);
	finish_expect(c, CVM_IGVM_RULE_PLATFORM_MASK_SHARED, 0);
}

static void
test_guest_policy_reserved_nonzero_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	CvmIgvmGuestPolicy p = { GUINT64_TO_LE(0x30000), GUINT32_TO_LE(1), GUINT32_TO_LE(5) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_GUEST_POLICY, &p, sizeof(p));
	finish_expect(c, CVM_IGVM_RULE_RESERVED_NONZERO, 0);
}

static void
add_vp(CvmtIgvmCraft *c, guint64 gpa, guint32 mask, guint16 vp_index)
{
	guint32 off = cvmt_craft_data(c, page, sizeof(page));
	CvmIgvmVpContext v = { GUINT64_TO_LE(gpa), GUINT32_TO_LE(mask), GUINT32_TO_LE(off), GUINT16_TO_LE(vp_index), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_VP_CONTEXT, &v, sizeof(v));
}

static void
reloc(CvmtIgvmCraft *c, guint8 vtl, guint64 align, guint64 gpa, guint64 size)
{
	CvmIgvmRelocatableRegion r = { GUINT32_TO_LE(1), 0, vtl, 0, GUINT64_TO_LE(align), GUINT64_TO_LE(gpa),
				       GUINT64_TO_LE(size), GUINT64_TO_LE(gpa), GUINT64_TO_LE(gpa + 0x100000) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_RELOCATABLE_REGION, &r, sizeof(r));
}

static void
reloc_expect(guint8 vtl, guint64 align, guint64 gpa, guint64 size, gboolean twice, gboolean vp, CvmIgvmRule rule)
{
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	reloc(c, vtl, align, gpa, size);
	if (twice)
		reloc(c, vtl, align, gpa + 0x1000, size);
	if (vp)
		add_vp(c, 0x1000, 1, 0);
	finish_expect(c, rule, 0);
}

static void test_reloc_vtl_3_is_rejected(void **s) { (void)s; reloc_expect(3, 0x1000, 0x1000, 0x1000, FALSE, TRUE, CVM_IGVM_RULE_VTL_INVALID); }
static void test_reloc_size_not_page_multiple_is_rejected(void **s) { (void)s; reloc_expect(0, 0x1000, 0x1000, 0x800, FALSE, TRUE, CVM_IGVM_RULE_RELOC_ALIGNMENT); }
static void test_reloc_gpa_not_aligned_is_rejected(void **s) { (void)s; reloc_expect(0, 0x200000, 0x1000, 0x1000, FALSE, TRUE, CVM_IGVM_RULE_RELOC_ALIGNMENT); }
static void test_overlapping_reloc_regions_are_rejected(void **s) { (void)s; reloc_expect(0, 0x1000, 0x1000, 0x4000, TRUE, TRUE, CVM_IGVM_RULE_RELOC_OVERLAP); }
static void test_reloc_without_vp_context_is_rejected(void **s) { (void)s; reloc_expect(0, 0x1000, 0x1000, 0x1000, FALSE, FALSE, CVM_IGVM_RULE_RELOC_NO_VP_CONTEXT); }

static void
pt_expect(guint64 gpa, guint64 size, guint64 used, gboolean twice, CvmIgvmRule rule)
{
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	CvmIgvmPageTableRelocation r = { GUINT32_TO_LE(1), 0, 0, 0, GUINT64_TO_LE(gpa), GUINT64_TO_LE(size),
					 GUINT64_TO_LE(used) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, &r, sizeof(r));
	if (twice) {
		r.gpa = GUINT64_TO_LE(gpa + 0x100000);
		cvmt_craft_tlv(c, CVM_IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, &r, sizeof(r));
	}
	add_vp(c, 0x1000, 1, 0);
	finish_expect(c, rule, 0);
}

static void test_pt_region_not_aligned_is_rejected(void **s) { (void)s; pt_expect(0x1800, 0x1000, 0, FALSE, CVM_IGVM_RULE_PT_RELOC_ALIGNMENT); }
static void test_pt_region_used_above_size_is_rejected(void **s) { (void)s; pt_expect(0x10000, 0x1000, 0x2000, FALSE, CVM_IGVM_RULE_PT_RELOC_USED_SIZE); }
static void test_second_pt_region_for_mask_is_rejected(void **s) { (void)s; pt_expect(0x10000, 0x1000, 0, TRUE, CVM_IGVM_RULE_PT_RELOC_DUPLICATE); }

static void
cca_expect(guint64 zeroes, guint64 ones, CvmPlatform platform, CvmIgvmRule rule)
{
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(2, CVM_IGVM_ARCH_AARCH64, 4096);
	cvmt_craft_platform(c, 1, platform);
	CvmIgvmCcaPolicy p = { GUINT32_TO_LE(1), 0, GUINT64_TO_LE(zeroes), GUINT64_TO_LE(ones), 0, 0, { 0 } };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_CCA_POLICY, &p, sizeof(p));
	finish_expect(c, rule, 0);
}

static void test_cca_attribute_both_zero_and_one_is_rejected(void **s) { (void)s; cca_expect(1, 1, CVM_PLATFORM_CCA, CVM_IGVM_RULE_CCA_POLICY_CONFLICT); }
static void test_cca_policy_for_non_cca_platform_is_rejected(void **s) { (void)s; cca_expect(1, 2, CVM_PLATFORM_VSM, CVM_IGVM_RULE_CCA_POLICY_MASK); }

static void
corim(CvmtIgvmCraft *c, guint32 type)
{
	guint32 off = cvmt_craft_data(c, "corim", 5);
	CvmIgvmCorimData d = { GUINT32_TO_LE(1), GUINT32_TO_LE(off), GUINT32_TO_LE(5), 0 };
	cvmt_craft_tlv(c, type, &d, sizeof(d));
}

static void
test_two_corim_documents_for_a_mask_are_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	corim(c, CVM_IGVM_VHT_CORIM_DOCUMENT);
	corim(c, CVM_IGVM_VHT_CORIM_DOCUMENT);
	finish_expect(c, CVM_IGVM_RULE_CORIM_DUPLICATE, 0);
}

static void
test_corim_signature_before_document_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	corim(c, CVM_IGVM_VHT_CORIM_SIGNATURE);
	corim(c, CVM_IGVM_VHT_CORIM_DOCUMENT);
	finish_expect(c, CVM_IGVM_RULE_CORIM_SIGNATURE_ORDER, 0);
}

static void
page_expect(guint64 gpa, guint32 file_offset, guint32 flags, guint16 type, guint16 reserved, CvmIgvmRule rule)
{
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	CvmIgvmPageData p = { GUINT64_TO_LE(gpa), GUINT32_TO_LE(1), GUINT32_TO_LE(file_offset), GUINT32_TO_LE(flags),
			      GUINT16_TO_LE(type), GUINT16_TO_LE(reserved) };
	cvmt_craft_data(c, page, sizeof(page));
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PAGE_DATA, &p, sizeof(p));
	finish_expect(c, rule, 0);
}

static void test_page_data_gpa_not_aligned_is_rejected(void **s) { (void)s; page_expect(0x1001, 4096, 0, 0, 0, CVM_IGVM_RULE_PAGE_GPA_ALIGN); }
static void test_page_data_type_4_is_rejected(void **s) { (void)s; page_expect(0x1000, 4096, 0, 4, 0, CVM_IGVM_RULE_PAGE_DATA_TYPE); }
static void test_page_data_reserved_nonzero_is_rejected(void **s) { (void)s; page_expect(0x1000, 4096, 0, 0, 1, CVM_IGVM_RULE_RESERVED_NONZERO); }
static void test_page_data_2mb_is_rejected(void **s) { (void)s; page_expect(0x200000, 4096, 1, 0, 0, CVM_IGVM_RULE_PAGE_2MB); }
static void test_page_data_offset_in_headers_is_rejected(void **s) { (void)s; page_expect(0x1000, 24, 0, 0, 0, CVM_IGVM_RULE_FILE_OFFSET); }
static void test_page_data_past_end_of_file_is_rejected(void **s) { (void)s; page_expect(0x1000, 4097, 0, 0, 0, CVM_IGVM_RULE_FILE_OFFSET); }

static void
area(CvmtIgvmCraft *c, guint64 size, guint32 index)
{
	CvmIgvmParameterArea a = { GUINT64_TO_LE(size), GUINT32_TO_LE(index), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PARAMETER_AREA, &a, sizeof(a));
}

static void
insert(CvmtIgvmCraft *c, guint64 gpa, guint32 index)
{
	CvmIgvmParameterInsert i = { GUINT64_TO_LE(gpa), GUINT32_TO_LE(1), GUINT32_TO_LE(index) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PARAMETER_INSERT, &i, sizeof(i));
}

static void
test_parameter_area_size_not_page_multiple_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	area(c, 100, 0);
	finish_expect(c, CVM_IGVM_RULE_PARAM_AREA_SIZE, 0);
}

static void
test_duplicate_parameter_area_index_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	area(c, 4096, 0);
	area(c, 4096, 0);
	finish_expect(c, CVM_IGVM_RULE_PARAM_AREA_DUPLICATE, 0);
}

static void
test_parameter_for_unallocated_area_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	cvmt_craft_param(c, CVM_IGVM_VHT_VP_COUNT_PARAMETER, 3, 0);
	finish_expect(c, CVM_IGVM_RULE_PARAM_AREA_UNKNOWN, 0);
}

static void
test_parameter_after_insert_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	area(c, 4096, 0);
	insert(c, 0x10000, 0);
	cvmt_craft_param(c, CVM_IGVM_VHT_MEMORY_MAP, 0, 0);
	finish_expect(c, CVM_IGVM_RULE_PARAM_AREA_UNKNOWN, 0);
}

static void
test_second_insert_of_an_area_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	area(c, 4096, 0);
	insert(c, 0x10000, 0);
	insert(c, 0x20000, 0);
	finish_expect(c, CVM_IGVM_RULE_PARAM_AREA_UNKNOWN, 0);
}

static void
test_parameter_byte_offset_outside_area_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	area(c, 4096, 0);
	cvmt_craft_param(c, CVM_IGVM_VHT_VP_COUNT_PARAMETER, 0, 4094);
	finish_expect(c, CVM_IGVM_RULE_PARAM_BYTE_OFFSET, 0);
}

static void
test_parameter_insert_gpa_not_aligned_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	area(c, 4096, 0);
	insert(c, 0x10010, 0);
	finish_expect(c, CVM_IGVM_RULE_PARAM_INSERT_GPA_ALIGN, 0);
}

static void
test_parameter_insert_in_page_table_region_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	CvmIgvmPageTableRelocation r = { GUINT32_TO_LE(1), 0, 0, 0, GUINT64_TO_LE(0x10000), GUINT64_TO_LE(0x4000), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, &r, sizeof(r));
	area(c, 4096, 0);
	insert(c, 0x11000, 0);
	add_vp(c, 0x1000, 1, 0);
	finish_expect(c, CVM_IGVM_RULE_PARAM_INSERT_IN_PT_REGION, 0);
}

static void
test_parameter_area_data_past_end_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	guint32 off = cvmt_craft_data(c, page, 4096);
	CvmIgvmParameterArea a = { GUINT64_TO_LE(8192), 0, GUINT32_TO_LE(off) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PARAMETER_AREA, &a, sizeof(a));
	finish_expect(c, CVM_IGVM_RULE_FILE_OFFSET, 0);
}

static void
test_required_memory_not_aligned_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	CvmIgvmRequiredMemory r = { GUINT64_TO_LE(0x1000), GUINT32_TO_LE(1), GUINT32_TO_LE(0x1800), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_REQUIRED_MEMORY, &r, sizeof(r));
	finish_expect(c, CVM_IGVM_RULE_REQUIRED_MEMORY_ALIGN, 0);
}

static void
test_error_range_not_aligned_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	CvmIgvmErrorRange r = { GUINT64_TO_LE(0x1004), GUINT32_TO_LE(1), GUINT32_TO_LE(0x1000) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_ERROR_RANGE, &r, sizeof(r));
	finish_expect(c, CVM_IGVM_RULE_ERROR_RANGE_ALIGN, 0);
}

static void
vp_expect(CvmPlatform platform, guint64 gpa, guint32 mask, guint16 vp_index, CvmIgvmRule rule)
{
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(2, 0, 4096);
	cvmt_craft_platform(c, 1, platform);
	cvmt_craft_platform(c, 2, platform == CVM_PLATFORM_TDX ? CVM_PLATFORM_SEV_SNP : CVM_PLATFORM_TDX);
	add_vp(c, gpa, mask, vp_index);
	finish_expect(c, rule, 0);
}

static void test_vp_context_for_two_platforms_is_rejected(void **s) { (void)s; vp_expect(CVM_PLATFORM_SEV_SNP, 0x1000, 3, 0, CVM_IGVM_RULE_VP_CONTEXT_MASK); }
static void test_snp_vmsa_gpa_not_aligned_is_rejected(void **s) { (void)s; vp_expect(CVM_PLATFORM_SEV_SNP, 0x1008, 1, 0, CVM_IGVM_RULE_VP_CONTEXT_GPA); }
static void test_native_vp_context_gpa_nonzero_is_rejected(void **s) { (void)s; vp_expect(CVM_PLATFORM_NATIVE, 0x1000, 1, 0, CVM_IGVM_RULE_VP_CONTEXT_GPA); }
static void test_vsm_vp_context_vp_index_1_is_rejected(void **s) { (void)s; vp_expect(CVM_PLATFORM_VSM, 0, 1, 1, CVM_IGVM_RULE_VP_CONTEXT_VSM); }
static void test_tdx_vp_context_is_rejected(void **s) { (void)s; vp_expect(CVM_PLATFORM_TDX, 0, 1, 0, CVM_IGVM_RULE_VP_CONTEXT_PLATFORM); }

static void
test_native_vp_context_nonzero_tail_is_rejected(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(2, 0, 4096);
	guint8 ctx[4096] = { 0 };
	ctx[4000] = 1;
	cvmt_craft_platform(c, 1, CVM_PLATFORM_NATIVE);
	guint32 off = cvmt_craft_data(c, ctx, sizeof(ctx));
	CvmIgvmVpContext v = { 0, GUINT32_TO_LE(1), GUINT32_TO_LE(off), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_VP_CONTEXT, &v, sizeof(v));
	finish_expect(c, CVM_IGVM_RULE_VP_CONTEXT_NATIVE_TAIL, 0);
}

/* Hygiene: accepted by default, refused with CVM_IGVM_STRICT. */
static void
strict_expect(CvmtIgvmCraft *c, CvmIgvmRule rule)
{
	g_autoptr(GBytes) b = cvmt_craft_finish_bytes(c);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) ok = cvm_igvm_new_from_bytes(b, 0, &error);
	cvmt_assert_no_error(error);
	g_autoptr(GPtrArray) problems = cvm_igvm_validate(ok, 0);
	gboolean warned = FALSE;
	for (guint i = 0; i < problems->len; i++) {
		const CvmIgvmProblem *p = problems->pdata[i];
		warned |= p->rule == rule && p->severity == CVM_IGVM_SEVERITY_WARNING;
	}
	assert_true(warned);
	expect_rule(b, rule, CVM_IGVM_STRICT);
}

static void
test_nonzero_padding_is_refused_when_strict(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	guint32 vp[2] = { GUINT32_TO_LE(CVM_IGVM_VHT_VP_CONTEXT), GUINT32_TO_LE(20) };
	guint8 payload[24] = { 0 };
	guint32 off = cvmt_craft_data(c, page, sizeof(page));
	payload[8] = 1;
	memcpy(payload + 12, &off, 4);
	payload[22] = 0xAA;
	cvmt_craft_raw(c, vp, 8);
	cvmt_craft_raw(c, payload, 24);
	strict_expect(c, CVM_IGVM_RULE_PADDING_NONZERO);
}

static void
test_mask_naming_undeclared_platform_is_refused_when_strict(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	cvmt_craft_page(c, 0x1000, 3, 0);
	strict_expect(c, CVM_IGVM_RULE_MASK_UNDECLARED);
}

static void
test_overlapping_pages_are_refused_when_strict(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	cvmt_craft_page(c, 0x1000, 1, 0);
	cvmt_craft_page(c, 0x3000, 1, 0);
	cvmt_craft_page(c, 0x1000, 1, 0);
	strict_expect(c, CVM_IGVM_RULE_PAGE_OVERLAP);
}

static void
test_srat_is_refused_for_qemu(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	area(c, 4096, 0);
	cvmt_craft_param(c, CVM_IGVM_VHT_SRAT, 0, 0);
	insert(c, 0x10000, 0);
	g_autoptr(GBytes) b = cvmt_craft_finish_bytes(c);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) ok = cvm_igvm_new_from_bytes(b, 0, &error);
	cvmt_assert_no_error(error);
	expect_rule(b, CVM_IGVM_RULE_QEMU_UNSUPPORTED, CVM_IGVM_FOR_QEMU);
}

static void
test_validate_lists_every_problem_in_file_order(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = snp_file();
	cvmt_craft_page(c, 0x1001, 1, 0);
	cvmt_craft_page(c, 0x2002, 1, 0);
	g_autoptr(GBytes) b = cvmt_craft_finish_bytes(c);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, CVM_IGVM_NO_VALIDATE, NULL);
	assert_non_null(igvm);
	g_autoptr(GPtrArray) problems = cvm_igvm_validate(igvm, 0);
	assert_int_equal(cvm_igvm_problems_count_errors(problems), 2);
	const CvmIgvmProblem *p0 = problems->pdata[0], *p1 = problems->pdata[1];
	assert_int_equal(p0->header_index, 1);
	assert_int_equal(p1->header_index, 2);
	assert_true(p0->offset < p1->offset);
	g_autofree gchar *str = cvm_igvm_problem_to_string(p0);
	assert_string_equal(str, "error page-gpa-align at offset 0x38 (header 1): PAGE_DATA gpa 0x1001 is not 4 KiB aligned");
}

/* Every header can have a problem: the list keeps the first 256 and counts
 * the rest in one more entry, an error when one of them is (a firmware
 * update a guest wrote, 64 MiB of unaligned PAGE_DATA, made the list 1 GiB
 * and the check 20 s). The first 256 are the first in file order. */
static void
test_validate_lists_at_most_256_problems_and_counts_the_rest(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(1, 0, 0x10000); /* file data after 1000 headers */
	cvmt_craft_platform(c, 1, CVM_PLATFORM_SEV_SNP);
	for (guint i = 0; i < 1000; i++)
		cvmt_craft_page(c, 0x1001 + 0x1000 * i, 1, 0);
	g_autoptr(GBytes) b = cvmt_craft_finish_bytes(c);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, CVM_IGVM_NO_VALIDATE, NULL);
	assert_non_null(igvm);
	g_autoptr(GPtrArray) problems = cvm_igvm_validate(igvm, 0);
	assert_int_equal(problems->len, 257);
	const CvmIgvmProblem *first = problems->pdata[0], *rest = problems->pdata[256];
	assert_int_equal(first->header_index, 1);
	assert_int_equal(((const CvmIgvmProblem *)problems->pdata[255])->header_index, 256);
	g_autofree gchar *str = cvm_igvm_problem_to_string(rest);
	assert_string_equal(str, "error page-gpa-align at offset 0x2038: 744 more problems not listed (the first 256 are)");
	/* Opening still fails on the first error. */
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) refused = cvm_igvm_new_from_bytes(b, CVM_IGVM_NONE, &error);
	assert_null(refused);
	assert_non_null(strstr(error->message, "(header 1): PAGE_DATA gpa 0x1001"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_file_is_rejected),
		cmocka_unit_test(test_bad_magic_is_rejected),
		cmocka_unit_test(test_unknown_format_version_is_rejected),
		cmocka_unit_test(test_total_file_size_mismatch_is_rejected),
		cmocka_unit_test(test_vh_overlapping_fixed_header_is_rejected),
		cmocka_unit_test(test_vh_past_end_is_rejected),
		cmocka_unit_test(test_checksum_mismatch_is_rejected),
		cmocka_unit_test(test_checksum_mismatch_has_checksum_error_code),
		cmocka_unit_test(test_tlv_past_section_is_rejected),
		cmocka_unit_test(test_v2_bad_architecture_is_rejected),
		cmocka_unit_test(test_v2_page_size_not_4096_is_rejected),
		cmocka_unit_test(test_file_without_file_data_is_rejected),
		cmocka_unit_test(test_unknown_required_type_is_rejected),
		cmocka_unit_test(test_platform_after_directive_is_rejected),
		cmocka_unit_test(test_vp_context_of_24_bytes_is_rejected),
		cmocka_unit_test(test_file_without_platform_is_rejected),
		cmocka_unit_test(test_platform_mask_with_two_bits_is_rejected),
		cmocka_unit_test(test_platform_vtl_1_is_rejected),
		cmocka_unit_test(test_platform_version_2_is_rejected),
		cmocka_unit_test(test_unknown_platform_type_is_rejected),
		cmocka_unit_test(test_native_shared_gpa_boundary_is_rejected),
		cmocka_unit_test(test_cca_platform_on_x64_is_rejected),
		cmocka_unit_test(test_duplicate_platform_type_is_rejected),
		cmocka_unit_test(test_two_platforms_sharing_a_mask_bit_are_rejected),
		cmocka_unit_test(test_guest_policy_reserved_nonzero_is_rejected),
		cmocka_unit_test(test_reloc_vtl_3_is_rejected),
		cmocka_unit_test(test_reloc_size_not_page_multiple_is_rejected),
		cmocka_unit_test(test_reloc_gpa_not_aligned_is_rejected),
		cmocka_unit_test(test_overlapping_reloc_regions_are_rejected),
		cmocka_unit_test(test_reloc_without_vp_context_is_rejected),
		cmocka_unit_test(test_pt_region_not_aligned_is_rejected),
		cmocka_unit_test(test_pt_region_used_above_size_is_rejected),
		cmocka_unit_test(test_second_pt_region_for_mask_is_rejected),
		cmocka_unit_test(test_cca_attribute_both_zero_and_one_is_rejected),
		cmocka_unit_test(test_cca_policy_for_non_cca_platform_is_rejected),
		cmocka_unit_test(test_two_corim_documents_for_a_mask_are_rejected),
		cmocka_unit_test(test_corim_signature_before_document_is_rejected),
		cmocka_unit_test(test_page_data_gpa_not_aligned_is_rejected),
		cmocka_unit_test(test_page_data_type_4_is_rejected),
		cmocka_unit_test(test_page_data_reserved_nonzero_is_rejected),
		cmocka_unit_test(test_page_data_2mb_is_rejected),
		cmocka_unit_test(test_page_data_offset_in_headers_is_rejected),
		cmocka_unit_test(test_page_data_past_end_of_file_is_rejected),
		cmocka_unit_test(test_parameter_area_size_not_page_multiple_is_rejected),
		cmocka_unit_test(test_duplicate_parameter_area_index_is_rejected),
		cmocka_unit_test(test_parameter_for_unallocated_area_is_rejected),
		cmocka_unit_test(test_parameter_after_insert_is_rejected),
		cmocka_unit_test(test_second_insert_of_an_area_is_rejected),
		cmocka_unit_test(test_parameter_byte_offset_outside_area_is_rejected),
		cmocka_unit_test(test_parameter_insert_gpa_not_aligned_is_rejected),
		cmocka_unit_test(test_parameter_insert_in_page_table_region_is_rejected),
		cmocka_unit_test(test_parameter_area_data_past_end_is_rejected),
		cmocka_unit_test(test_required_memory_not_aligned_is_rejected),
		cmocka_unit_test(test_error_range_not_aligned_is_rejected),
		cmocka_unit_test(test_vp_context_for_two_platforms_is_rejected),
		cmocka_unit_test(test_snp_vmsa_gpa_not_aligned_is_rejected),
		cmocka_unit_test(test_native_vp_context_gpa_nonzero_is_rejected),
		cmocka_unit_test(test_vsm_vp_context_vp_index_1_is_rejected),
		cmocka_unit_test(test_tdx_vp_context_is_rejected),
		cmocka_unit_test(test_native_vp_context_nonzero_tail_is_rejected),
		cmocka_unit_test(test_nonzero_padding_is_refused_when_strict),
		cmocka_unit_test(test_mask_naming_undeclared_platform_is_refused_when_strict),
		cmocka_unit_test(test_overlapping_pages_are_refused_when_strict),
		cmocka_unit_test(test_srat_is_refused_for_qemu),
		cmocka_unit_test(test_validate_lists_every_problem_in_file_order),
		cmocka_unit_test(test_validate_lists_at_most_256_problems_and_counts_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
