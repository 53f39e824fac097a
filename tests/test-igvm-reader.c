/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM reader: every header type parses, v1 and v2, file data access and
 * the per-platform view. */
#include "lib/igvm-craft.h"
#include "lib/testlib.h"

#include <cvm/error.h>
#include <cvm/igvm.h>
#include <string.h>

static guint8 page[4096];

/* SNP (mask 1) + NATIVE (mask 2) + VSM (mask 4), every x64 header type. */
static GBytes *
every_type_file(guint32 version)
{
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(version, 0, 8192);
	cvmt_craft_platform(c, 1, CVM_PLATFORM_SEV_SNP);
	cvmt_craft_platform(c, 2, CVM_PLATFORM_NATIVE);
	cvmt_craft_platform(c, 4, CVM_PLATFORM_VSM);
	CvmIgvmGuestPolicy gp = { GUINT64_TO_LE(0x30000), GUINT32_TO_LE(1), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_GUEST_POLICY, &gp, sizeof(gp));
	CvmIgvmRelocatableRegion rr = { GUINT32_TO_LE(2), 0, 0, 0, GUINT64_TO_LE(0x200000), GUINT64_TO_LE(0x200000),
					GUINT64_TO_LE(0x200000), GUINT64_TO_LE(0x200000), GUINT64_TO_LE(0x4000000) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_RELOCATABLE_REGION, &rr, sizeof(rr));
	CvmIgvmPageTableRelocation pt = { GUINT32_TO_LE(2), 0, 0, 0, GUINT64_TO_LE(0x800000), GUINT64_TO_LE(0x4000),
					  GUINT64_TO_LE(0x1000) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, &pt, sizeof(pt));
	guint32 doc = cvmt_craft_data(c, "corim-doc", 9);
	CvmIgvmCorimData cd = { GUINT32_TO_LE(1), GUINT32_TO_LE(doc), GUINT32_TO_LE(9), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_CORIM_DOCUMENT, &cd, sizeof(cd));
	cvmt_craft_tlv(c, CVM_IGVM_VHT_CORIM_SIGNATURE, &cd, sizeof(cd));
	guint32 pg = cvmt_craft_data(c, page, sizeof(page));
	CvmIgvmParameterArea pa = { GUINT64_TO_LE(4096), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PARAMETER_AREA, &pa, sizeof(pa));
	static const guint32 params[] = { CVM_IGVM_VHT_VP_COUNT_PARAMETER, CVM_IGVM_VHT_SRAT, CVM_IGVM_VHT_MADT,
					  CVM_IGVM_VHT_MMIO_RANGES, CVM_IGVM_VHT_MEMORY_MAP, CVM_IGVM_VHT_COMMAND_LINE,
					  CVM_IGVM_VHT_SLIT, CVM_IGVM_VHT_PPTT, CVM_IGVM_VHT_DEVICE_TREE,
					  CVM_IGVM_VHT_ENVIRONMENT_INFO_PARAMETER };
	for (guint i = 0; i < G_N_ELEMENTS(params); i++)
		cvmt_craft_param(c, params[i], 0, i * 8);
	CvmIgvmParameterInsert pi = { GUINT64_TO_LE(0x10000), GUINT32_TO_LE(1), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PARAMETER_INSERT, &pi, sizeof(pi));
	cvmt_craft_page(c, 0x1000, 3, pg);
	cvmt_craft_page(c, 0x2000, 1, 0);
	CvmIgvmVpContext vp = { GUINT64_TO_LE(CVM_SNP_KVM_VMSA_GPA), GUINT32_TO_LE(1), GUINT32_TO_LE(pg), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_VP_CONTEXT, &vp, sizeof(vp));
	CvmIgvmVpContext nvp = { 0, GUINT32_TO_LE(2), GUINT32_TO_LE(pg), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_VP_CONTEXT, &nvp, sizeof(nvp));
	CvmIgvmRequiredMemory rm = { GUINT64_TO_LE(0x100000), GUINT32_TO_LE(1), GUINT32_TO_LE(0x2000), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_REQUIRED_MEMORY, &rm, sizeof(rm));
	CvmIgvmErrorRange er = { GUINT64_TO_LE(0x300000), GUINT32_TO_LE(1), GUINT32_TO_LE(0x1000) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_ERROR_RANGE, &er, sizeof(er));
	CvmIgvmSnpIdBlock id = { .compatibility_mask = GUINT32_TO_LE(1), .version = GUINT32_TO_LE(1) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_SNP_ID_BLOCK, &id, sizeof(id));
	CvmIgvmVbsMeasurement vbs = { .compatibility_mask = GUINT32_TO_LE(4), .boot_digest_algo = GUINT32_TO_LE(1) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_VBS_MEASUREMENT, &vbs, sizeof(vbs));
	return cvmt_craft_finish_bytes(c);
}

static void
check_every_type(guint32 version)
{
	g_autoptr(GBytes) b = every_type_file(version);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, 0, &error);
	CvmIgvmHeader h;

	cvmt_assert_no_error(error);
	assert_int_equal(cvm_igvm_get_format_version(igvm), version);
	assert_int_equal(cvm_igvm_get_architecture(igvm), CVM_IGVM_ARCH_X64);
	assert_int_equal(cvm_igvm_get_page_size(igvm), 4096);
	assert_int_equal(cvm_igvm_get_n_headers(igvm), 28);
	assert_int_equal(cvm_igvm_get_platforms(igvm)->len, 3);
	assert_int_equal(cvm_igvm_platform_mask(igvm, CVM_PLATFORM_NATIVE), 2);
	assert_null(cvm_igvm_find_platform(igvm, CVM_PLATFORM_TDX));

	assert_true(cvm_igvm_get_header(igvm, 3, &h));
	assert_int_equal(h.section, CVM_IGVM_SECTION_INITIALIZATION);
	assert_int_equal(cvm_le64(cvm_igvm_header_guest_policy(&h)->policy), 0x30000);
	assert_null(cvm_igvm_header_page_data(&h));
	assert_true(cvm_igvm_get_header(igvm, 6, &h));
	const CvmIgvmCorimData *cd = cvm_igvm_header_corim(&h);
	const guint8 *data;
	assert_non_null(cd);
	assert_true(cvm_igvm_get_file_data(igvm, cvm_le32(cd->file_offset), cvm_le32(cd->size_bytes), &data, &error));
	assert_memory_equal(data, "corim-doc", 9);
	assert_true(cvm_igvm_get_header(igvm, 8, &h));
	assert_int_equal(cvm_le64(cvm_igvm_header_parameter_area(&h)->number_of_bytes), 4096);
	assert_true(cvm_igvm_get_header(igvm, 9, &h));
	assert_non_null(cvm_igvm_header_parameter(&h));
	assert_true(cvm_igvm_get_header(igvm, 20, &h));
	const CvmIgvmPageData *pd = cvm_igvm_header_page_data(&h);
	assert_int_equal(cvm_le64(pd->gpa), 0x1000);
	assert_int_equal(h.payload_offset % 8, 0);
	assert_true(cvm_igvm_get_header(igvm, 22, &h));
	assert_int_equal(h.length, 20);
	assert_int_equal(cvm_le64(cvm_igvm_header_vp_context(&h)->gpa), CVM_SNP_KVM_VMSA_GPA);
	assert_true(cvm_igvm_get_header(igvm, 24, &h));
	assert_non_null(cvm_igvm_header_required_memory(&h));
	assert_true(cvm_igvm_get_header(igvm, 25, &h));
	assert_non_null(cvm_igvm_header_error_range(&h));
	assert_true(cvm_igvm_get_header(igvm, 26, &h));
	assert_int_equal(cvm_le32(cvm_igvm_header_snp_id_block(&h)->version), 1);
	assert_true(cvm_igvm_get_header(igvm, 27, &h));
	assert_int_equal(cvm_le32(cvm_igvm_header_vbs_measurement(&h)->boot_digest_algo), 1);
	assert_false(cvm_igvm_get_header(igvm, 28, &h));
}

static void test_every_header_type_parses_in_v1(void **s) { (void)s; check_every_type(1); }
static void test_every_header_type_parses_in_v2(void **s) { (void)s; check_every_type(2); }

static void
test_cca_file_on_aarch64_parses(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(2, CVM_IGVM_ARCH_AARCH64, 4096);
	cvmt_craft_platform(c, 1, CVM_PLATFORM_CCA);
	CvmIgvmCcaPolicy p = { GUINT32_TO_LE(1), 0, GUINT64_TO_LE(1), GUINT64_TO_LE(2), 2, 1, { 0 } };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_CCA_POLICY, &p, sizeof(p));
	guint32 off = cvmt_craft_data(c, page, 80);
	CvmIgvmVpContext vp = { 0, GUINT32_TO_LE(1), GUINT32_TO_LE(off), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_VP_CONTEXT, &vp, sizeof(vp));
	g_autoptr(GBytes) b = cvmt_craft_finish_bytes(c);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, 0, &error);
	CvmIgvmHeader h;
	cvmt_assert_no_error(error);
	assert_int_equal(cvm_igvm_get_architecture(igvm), CVM_IGVM_ARCH_AARCH64);
	assert_true(cvm_igvm_get_header(igvm, 1, &h));
	assert_int_equal(cvm_igvm_header_cca_policy(&h)->hash_algorithm, 2);
}

static void
test_unknown_optional_header_is_skipped(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(1, 0, 4096);
	guint8 blob[12] = { 1, 2, 3 };
	cvmt_craft_platform(c, 1, CVM_PLATFORM_SEV_SNP);
	cvmt_craft_tlv(c, 0x3F0 | CVM_IGVM_VHT_OPTIONAL_BIT, blob, sizeof(blob));
	cvmt_craft_page(c, 0, 1, 0);
	g_autoptr(GBytes) b = cvmt_craft_finish_bytes(c);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, 0, &error);
	CvmIgvmHeader h;
	cvmt_assert_no_error(error);
	assert_int_equal(cvm_igvm_get_n_headers(igvm), 2);
	assert_int_equal(cvm_igvm_get_n_skipped_headers(igvm), 1);
	assert_true(cvm_igvm_get_header(igvm, 1, &h));
	assert_int_equal(h.type, CVM_IGVM_VHT_PAGE_DATA);
}

static void
test_known_type_with_optional_bit_is_indexed(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(1, 0, 4096);
	CvmIgvmPageData p = { GUINT64_TO_LE(0x5000), GUINT32_TO_LE(1), 0, 0, 0, 0 };
	cvmt_craft_platform(c, 1, CVM_PLATFORM_SEV_SNP);
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PAGE_DATA | CVM_IGVM_VHT_OPTIONAL_BIT, &p, sizeof(p));
	g_autoptr(GBytes) b = cvmt_craft_finish_bytes(c);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, 0, NULL);
	CvmIgvmHeader h;
	assert_non_null(igvm);
	assert_true(cvm_igvm_get_header(igvm, 1, &h));
	assert_true(h.optional);
	assert_int_equal(cvm_le64(cvm_igvm_header_page_data(&h)->gpa), 0x5000);
}

static void
test_file_data_outside_data_area_is_refused(void **s)
{
	(void)s;
	g_autoptr(GBytes) b = every_type_file(1);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, 0, NULL);
	const guint8 *data = NULL;
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(GError) e3 = NULL;
	gsize size;

	cvm_igvm_get_data(igvm, &size);
	assert_false(cvm_igvm_get_file_data(igvm, 24, 8, &data, &e1));
	cvmt_assert_error(e1, CVM_ERROR_TRUNCATED);
	assert_false(cvm_igvm_get_file_data(igvm, size - 4, 8, &data, &e2));
	cvmt_assert_error(e2, CVM_ERROR_TRUNCATED);
	assert_false(cvm_igvm_get_file_data(igvm, G_MAXUINT64 - 2, 8, &data, &e3));
	assert_true(cvm_igvm_get_file_data(igvm, cvm_igvm_get_file_data_offset(igvm), 0, &data, NULL));
}

static guint
count_view(const CvmIgvm *igvm, CvmPlatform type, guint32 *types_seen, guint n)
{
	CvmIgvmPlatformIter it;
	CvmIgvmHeader h;
	guint count = 0;

	assert_true(cvm_igvm_platform_iter_init_type(&it, igvm, type, NULL));
	while (cvm_igvm_platform_iter_next(&it, &h)) {
		if (count < n)
			types_seen[count] = h.type;
		count++;
	}
	return count;
}

static void
test_platform_view_keeps_only_matching_headers(void **s)
{
	(void)s;
	g_autoptr(GBytes) b = every_type_file(2);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, 0, NULL);
	guint32 seen[32];

	/* SNP: platform, policy, 2 CoRIM, area + 10 params, insert, 2 pages,
	 * VMSA, required memory, error range, ID block. */
	assert_int_equal(count_view(igvm, CVM_PLATFORM_SEV_SNP, seen, 32), 22);
	assert_int_equal(seen[0], CVM_IGVM_VHT_SUPPORTED_PLATFORM);
	assert_int_equal(seen[4], CVM_IGVM_VHT_PARAMETER_AREA);
	assert_int_equal(seen[21], CVM_IGVM_VHT_SNP_ID_BLOCK);
	/* NATIVE: platform, relocation, page table region, shared page, VP context. */
	assert_int_equal(count_view(igvm, CVM_PLATFORM_NATIVE, seen, 32), 5);
	assert_int_equal(seen[3], CVM_IGVM_VHT_PAGE_DATA);
	assert_int_equal(seen[4], CVM_IGVM_VHT_VP_CONTEXT);
	/* VSM: platform and VBS measurement; the parameter area is SNP's. */
	assert_int_equal(count_view(igvm, CVM_PLATFORM_VSM, seen, 32), 2);
	assert_int_equal(seen[1], CVM_IGVM_VHT_VBS_MEASUREMENT);
}

static void
test_platform_view_of_missing_platform_fails(void **s)
{
	(void)s;
	g_autoptr(GBytes) b = every_type_file(1);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, 0, NULL);
	g_autoptr(GError) error = NULL;
	CvmIgvmPlatformIter it;

	assert_false(cvm_igvm_platform_iter_init_type(&it, igvm, CVM_PLATFORM_TDX, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
}

static void
test_open_maps_a_file_and_names_it_in_errors(void **s)
{
	(void)s;
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *good = g_build_filename(dir, "good.igvm", NULL);
	g_autofree gchar *bad = g_build_filename(dir, "bad.igvm", NULL);
	g_autoptr(GBytes) b = every_type_file(1);
	g_autoptr(GError) error = NULL;
	gsize len;
	const guint8 *d = g_bytes_get_data(b, &len);

	assert_true(g_file_set_contents(good, (const char *)d, len, NULL));
	assert_true(g_file_set_contents(bad, (const char *)d, len - 1, NULL));
	g_autoptr(CvmIgvm) igvm = cvm_igvm_open(good, 0, &error);
	cvmt_assert_no_error(error);
	assert_int_equal(cvm_igvm_get_n_headers(igvm), 28);
	g_autoptr(CvmIgvm) igvm2 = cvm_igvm_open(bad, 0, &error);
	assert_null(igvm2);
	cvmt_assert_error(error, CVM_ERROR_VALIDATION);
	assert_non_null(strstr(error->message, "bad.igvm: IGVM rule total-file-size at offset 0x10"));
	cvmt_rm_rf(dir);
}

static void
test_no_validate_opens_broken_file_for_inspection(void **s)
{
	(void)s;
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(1, 0, 4096);
	cvmt_craft_page(c, 0x1001, 1, 0);
	g_autoptr(GBytes) b = cvmt_craft_finish_bytes(c);
	g_autoptr(CvmIgvm) bad = cvm_igvm_new_from_bytes(b, 0, NULL);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, CVM_IGVM_NO_VALIDATE, NULL);
	assert_null(bad);
	assert_non_null(igvm);
	assert_int_equal(cvm_igvm_get_n_headers(igvm), 1);
	g_autoptr(GPtrArray) problems = cvm_igvm_validate(igvm, 0);
	assert_int_equal(cvm_igvm_problems_count_errors(problems), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_header_type_parses_in_v1),
		cmocka_unit_test(test_every_header_type_parses_in_v2),
		cmocka_unit_test(test_cca_file_on_aarch64_parses),
		cmocka_unit_test(test_unknown_optional_header_is_skipped),
		cmocka_unit_test(test_known_type_with_optional_bit_is_indexed),
		cmocka_unit_test(test_file_data_outside_data_area_is_refused),
		cmocka_unit_test(test_platform_view_keeps_only_matching_headers),
		cmocka_unit_test(test_platform_view_of_missing_platform_fails),
		cmocka_unit_test(test_open_maps_a_file_and_names_it_in_errors),
		cmocka_unit_test(test_no_validate_opens_broken_file_for_inspection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
