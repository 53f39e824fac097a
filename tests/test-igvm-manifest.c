/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JSON manifest parser: what it builds, and what it refuses. */
#include "tests/lib/testlib.h"

#include <cvm/error.h>
#include <cvm/igvm-manifest.h>
#include <glib/gstdio.h>
#include <string.h>

static CvmIgvmBuilder *
parse(const char *json, GError **error)
{
	return cvm_igvm_manifest_parse(json, strlen(json), "/nonexistent", 0,
				       CVM_IGVM_MANIFEST_NONE, error);
}

/* Parse @json and expect CVM_ERROR_INVALID_DATA mentioning @needle. */
static void
assert_refused(const char *json, const char *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) b = parse(json, &error);

	assert_null(b);
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
	if (strstr(error->message, needle) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", error->message, needle);
}

/* The payload of the first header of @type in @file. */
static const guint8 *
find_header(GBytes *file, guint32 type)
{
	const guint8 *p = g_bytes_get_data(file, NULL);
	const CvmIgvmFixedHeaderV1 *h = (const void *)p;
	guint32 off = cvm_le32(h->variable_header_offset);
	guint32 end = off + cvm_le32(h->variable_header_size);

	while (off < end) {
		const CvmIgvmVhsHeader *v = (const void *)(p + off);

		if (cvm_le32(v->type) == type)
			return p + off + 8;
		off += 8 + ((cvm_le32(v->length) + 7) & ~7u);
	}
	fail_msg("no header of type 0x%x", type);
	return NULL;
}

/* The first PAGE_DATA's file bytes in @file. */
static const guint8 *
first_page(GBytes *file, guint64 *gpa)
{
	const CvmIgvmPageData *pd = (const void *)find_header(file, CVM_IGVM_VHT_PAGE_DATA);

	*gpa = cvm_le64(pd->gpa);
	return (const guint8 *)g_bytes_get_data(file, NULL) + cvm_le32(pd->file_offset);
}

static void
test_hello_example_puts_reset_jump_at_top_of_4g(void **state)
{
	g_autofree gchar *path = cvmt_src_path("examples/hello/manifest.json");
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_manifest_load(path, 0, &error);
	g_autoptr(GBytes) file = NULL;
	const guint8 *page;
	guint64 gpa = 0;
	static const guint8 entry[] = { 0xFA, 0xFC, 0xBA, 0xF8, 0x03 }; /* cli; cld; mov dx,0x3f8 */

	cvmt_assert_no_error(error);
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	page = first_page(file, &gpa);
	assert_int_equal(gpa, 0xFFFFF000);
	assert_memory_equal(page, entry, sizeof(entry));
	/* reset vector: jmp near to IP 0xF000 (0xFFF3 + 0xF00D wraps to 0xF000) */
	assert_int_equal(page[0xFF0], 0xE9);
	assert_int_equal(page[0xFF1] | page[0xFF2] << 8, 0xF00D);
	assert_int_equal((0xFFF3 + 0xF00D) & 0xFFFF, 0xF000);
	assert_non_null(memmem(page, 4096, "Hello from a cvm IGVM guest\r\n", 29));
}

/* The VP_CONTEXT's file bytes. */
static const guint8 *
vp_context(GBytes *file, guint64 *gpa)
{
	const CvmIgvmVpContext *vp = (const void *)find_header(file, CVM_IGVM_VHT_VP_CONTEXT);

	*gpa = cvm_le64(vp->gpa);
	return (const guint8 *)g_bytes_get_data(file, NULL) + cvm_le32(vp->file_offset);
}

static void
test_snp_example_has_reset_state_vmsa_at_kvm_gpa(void **state)
{
	g_autofree gchar *path = cvmt_src_path("examples/snp-hello/manifest.json");
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_manifest_load(path, 0, &error);
	g_autoptr(GBytes) file = NULL;
	const guint8 *vmsa;
	CvmVmsaSegment cs;
	guint64 gpa = 0, rip;

	cvmt_assert_no_error(error);
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	vmsa = vp_context(file, &gpa);
	assert_int_equal(gpa, CVM_SNP_KVM_VMSA_GPA);
	memcpy(&rip, vmsa + CVM_VMSA_RIP, 8);
	assert_int_equal(cvm_le64(rip), 0xFFF0);
	memcpy(&cs, vmsa + CVM_VMSA_CS, sizeof(cs));
	assert_int_equal(cvm_le16(cs.selector), 0xF000);
	assert_int_equal(cvm_le64(cs.base), 0xFFFF0000);
}

static void
test_unknown_key_is_rejected_with_its_path(void **state)
{
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"zero_pages\",\"gpa\":0,\"colour\":1}]}",
		       "directives[0]: unknown key \"colour\"");
	assert_refused("{\"platforms\":[],\"directives\":[],\"extra\":true}", "unknown key \"extra\"");
}

static void
test_bad_numbers_are_rejected(void **state)
{
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"zero_pages\",\"gpa\":-4096}]}", "negative");
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"zero_pages\",\"gpa\":\"0x10000000000000000\"}]}",
		       "not a number");
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"zero_pages\",\"gpa\":\"12abc\"}]}", "not a number");
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"zero_pages\",\"gpa\":1.5}]}", "must be an integer");
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"parameter_area\",\"index\":\"0x100000000\"}]}", "above");
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"zero_pages\",\"gpa\":\"0x1001\"}]}",
		       "directives[0]: page data GPA 0x1001 is not 4 KiB-aligned");
}

static void
test_undeclared_platform_name_is_rejected(void **state)
{
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"zero_pages\",\"gpa\":0,\"platforms\":[\"sev-snp\"]}]}",
		       "\"sev-snp\" is not a declared platform");
	assert_refused("{\"platforms\":[{\"type\":\"native\"},{\"type\":\"native\"}],"
		       "\"directives\":[]}", "platforms[1]");
	assert_refused("{\"platforms\":[{\"type\":\"pdp11\"}],\"directives\":[]}",
		       "unknown platform type");
}

static void
test_malformed_json_and_data_are_rejected(void **state)
{
	assert_refused("{\"platforms\":[]", "not valid JSON");
	assert_refused("{\"platforms\":[],\"directives\":[]} x", "not valid JSON (at byte 33)");
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"page_data\",\"gpa\":0,\"hex\":\"abc\"}]}", "bad digit");
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"page_data\",\"gpa\":0,\"hex\":\"00\",\"file\":\"x\"}]}",
		       "only one of");
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"page_data\",\"gpa\":0,\"chunks\":[{\"offset\":0,\"hex\":\"0000\"},"
		       "{\"offset\":1,\"hex\":\"00\"}]}]}", "overlaps");
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"warp_drive\"}]}", "unknown directive type \"warp_drive\"");
}

static void
test_file_paths_are_relative_to_the_manifest(void **state)
{
	g_autofree gchar *dir = cvmt_mkdtemp();
	g_autofree gchar *sub = g_build_filename(dir, "sub", NULL);
	g_autofree gchar *blob = g_build_filename(sub, "blob.bin", NULL);
	g_autofree gchar *manifest = g_build_filename(dir, "m.json", NULL);
	static const char json[] =
		"{\"platforms\":[{\"type\":\"sev-snp\"}],\"directives\":["
		"{\"type\":\"page_data\",\"gpa\":\"0x2000\",\"file\":\"sub/blob.bin\","
		"\"file_offset\":2,\"file_length\":3}]}";
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) b = NULL;
	g_autoptr(GBytes) file = NULL;
	guint64 gpa = 0;
	const guint8 *page;

	g_mkdir(sub, 0700);
	assert_true(g_file_set_contents(blob, "ABCDEFG", 7, NULL));
	assert_true(g_file_set_contents(manifest, json, -1, NULL));
	b = cvm_igvm_manifest_load(manifest, 0, &error);
	cvmt_assert_no_error(error);
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	page = first_page(file, &gpa);
	assert_int_equal(gpa, 0x2000);
	assert_memory_equal(page, "CDE", 3);
	assert_int_equal(page[3], 0);
	g_clear_pointer(&b, cvm_igvm_builder_free);
	b = cvm_igvm_manifest_parse(json, strlen(json), dir, 0, CVM_IGVM_MANIFEST_NO_FILES, &error);
	assert_null(b);
	cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
	cvmt_rm_rf(dir);
}

static void
test_every_directive_kind_builds(void **state)
{
	static const char json[] =
		"{\"format_version\":1,\"platforms\":[{\"type\":\"sev-snp\",\"mask\":\"0x4\"},"
		"{\"type\":\"native\"}],"
		"\"policies\":[{\"platforms\":[\"sev-snp\"],\"policy\":\"0x30000\"}],"
		"\"directives\":["
		"{\"type\":\"parameter_area\",\"index\":0,\"size\":8192},"
		"{\"type\":\"vp_count\",\"index\":0},{\"type\":\"memory_map\",\"index\":0,\"offset\":8},"
		"{\"type\":\"environment_info\",\"index\":0,\"offset\":4},"
		"{\"type\":\"parameter_insert\",\"index\":0,\"gpa\":\"0x10000\"},"
		"{\"type\":\"zero_pages\",\"gpa\":\"0x20000\",\"count\":2,\"unmeasured\":true},"
		"{\"type\":\"page_data\",\"gpa\":\"0x30000\",\"hex\":\"01\",\"data_type\":\"cpuid_data\","
		"\"platforms\":[\"sev-snp\"]},"
		"{\"type\":\"required_memory\",\"gpa\":0,\"size\":\"0x100000\"},"
		"{\"type\":\"error_range\",\"gpa\":\"0x40000\",\"size\":4096},"
		"{\"type\":\"vp_context_native\",\"platforms\":[\"native\"],"
		"\"registers\":{\"rip\":\"0xfff0\",\"code_selector\":\"0xf000\",\"cr0\":16}},"
		"{\"type\":\"vp_context_vmsa\",\"platforms\":[\"sev-snp\"],\"hex\":\"00 01\"}]}";
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) b = parse(json, &error);
	g_autoptr(GBytes) file = NULL;

	cvmt_assert_no_error(error);
	assert_int_equal(cvm_igvm_builder_get_platform_mask(b, CVM_PLATFORM_SEV_SNP), 4);
	assert_int_equal(cvm_igvm_builder_get_platform_mask(b, CVM_PLATFORM_NATIVE), 1);
	/* 2 platforms, 1 policy, area + 3 params + insert, 2 zero, 1 page, 2 ranges, 2 VP */
	assert_int_equal(cvm_igvm_builder_get_n_headers(b), 2 + 1 + 5 + 2 + 1 + 2 + 2);
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	assert_non_null(file);
}

static void
test_relocations_become_initialization_headers(void **state)
{
	static const char json[] =
		"{\"platforms\":[{\"type\":\"vsm\",\"highest_vtl\":2}],"
		"\"relocations\":[{\"type\":\"relocatable_region\",\"gpa\":\"0x200000\","
		"\"size\":\"0x200000\",\"alignment\":\"0x200000\",\"minimum_gpa\":0,"
		"\"maximum_gpa\":\"0x40000000\",\"vtl\":2,\"is_vtl2\":true,\"apply_rip\":true},"
		"{\"type\":\"page_table_relocation\",\"gpa\":\"0x100000\",\"size\":\"0x10000\","
		"\"used_size\":\"0x3000\",\"vtl\":2}],"
		"\"directives\":[{\"type\":\"zero_pages\",\"gpa\":0}]}";
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) b = parse(json, &error);
	g_autoptr(GBytes) file = NULL;
	const CvmIgvmRelocatableRegion *r;
	const CvmIgvmPageTableRelocation *pt;

	cvmt_assert_no_error(error);
	/* The validator wants a VP context for each relocated (vp, vtl): refused. */
	file = cvm_igvm_builder_write_bytes(b, &error);
	assert_null(file);
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	cvm_igvm_builder_set_validate(b, FALSE);
	file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	r = (const void *)find_header(file, CVM_IGVM_VHT_RELOCATABLE_REGION);
	assert_int_equal(cvm_le32(r->compatibility_mask), 1);
	assert_int_equal(r->vtl, 2);
	assert_int_equal(r->flags, CVM_IGVM_RELOC_FLAG_IS_VTL2 | CVM_IGVM_RELOC_FLAG_APPLY_RIP);
	assert_int_equal(cvm_le64(r->relocation_region_gpa), 0x200000);
	assert_int_equal(cvm_le64(r->maximum_relocation_gpa), 0x40000000);
	pt = (const void *)find_header(file, CVM_IGVM_VHT_PAGE_TABLE_RELOCATION_REGION);
	assert_int_equal(cvm_le64(pt->used_size), 0x3000);
	assert_refused("{\"platforms\":[{\"type\":\"vsm\"}],\"relocations\":[{\"type\":"
		       "\"page_table_relocation\",\"gpa\":0,\"size\":0,\"used_size\":0,"
		       "\"apply_rip\":true}],\"directives\":[]}", "unknown key \"apply_rip\"");
}

static void
test_register_out_of_range_is_rejected(void **state)
{
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"vp_context_native\",\"registers\":{\"code_selector\":70000}}]}",
		       "above");
	assert_refused("{\"platforms\":[{\"type\":\"native\"}],\"directives\":["
		       "{\"type\":\"vp_context_native\",\"registers\":{\"rzz\":1}}]}",
		       "unknown register \"rzz\"");
}

static void
test_format_version_override_wins(void **state)
{
	static const char json[] = "{\"format_version\":1,\"platforms\":[{\"type\":\"native\"}],"
				   "\"directives\":[{\"type\":\"zero_pages\",\"gpa\":0}]}";
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) b =
		cvm_igvm_manifest_parse(json, strlen(json), ".", 2, CVM_IGVM_MANIFEST_NONE, &error);

	cvmt_assert_no_error(error);
	assert_int_equal(cvm_igvm_builder_get_format_version(b), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_example_puts_reset_jump_at_top_of_4g),
		cmocka_unit_test(test_snp_example_has_reset_state_vmsa_at_kvm_gpa),
		cmocka_unit_test(test_unknown_key_is_rejected_with_its_path),
		cmocka_unit_test(test_bad_numbers_are_rejected),
		cmocka_unit_test(test_undeclared_platform_name_is_rejected),
		cmocka_unit_test(test_malformed_json_and_data_are_rejected),
		cmocka_unit_test(test_file_paths_are_relative_to_the_manifest),
		cmocka_unit_test(test_every_directive_kind_builds),
		cmocka_unit_test(test_relocations_become_initialization_headers),
		cmocka_unit_test(test_register_out_of_range_is_rejected),
		cmocka_unit_test(test_format_version_override_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
