/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM report (cvm/igvm-report.h): the JSON document and the text made from
 * it, the platform filter, refusal of short payloads and stray file data,
 * and header lines that ignore where file data sits. */
#include "lib/igvm-craft.h"
#include "lib/testlib.h"

#include <cvm/error.h>
#include <cvm/igvm-report.h>
#include <string.h>

static guint8 vmsa[4096];

/* SNP (mask 1) + native (mask 2): a policy, three pages (two of them
 * contiguous and alike, so they coalesce), an SNP VMSA, a parameter area
 * with one parameter inserted for both, an ID block, and a page whose mask
 * has a bit (8) no platform declares. */
static GBytes *
snp_native_file(guint32 data_base)
{
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(1, 0, data_base);
	guint64 rip = GUINT64_TO_LE(0xfff0);

	memcpy(vmsa + CVM_VMSA_RIP, &rip, sizeof(rip));
	cvmt_craft_platform(c, 1, CVM_PLATFORM_SEV_SNP);
	cvmt_craft_platform(c, 2, CVM_PLATFORM_NATIVE);
	CvmIgvmGuestPolicy gp = { GUINT64_TO_LE(0x30000), GUINT32_TO_LE(1), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_GUEST_POLICY, &gp, sizeof(gp));
	CvmIgvmParameterArea pa = { GUINT64_TO_LE(4096), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PARAMETER_AREA, &pa, sizeof(pa));
	cvmt_craft_param(c, CVM_IGVM_VHT_VP_COUNT_PARAMETER, 0, 8);
	CvmIgvmParameterInsert pi = { GUINT64_TO_LE(0x10000), GUINT32_TO_LE(3), 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_PARAMETER_INSERT, &pi, sizeof(pi));
	cvmt_craft_page(c, 0x2000, 3, 0);
	cvmt_craft_page(c, 0x1000, 3, 0);
	cvmt_craft_page(c, 0x8000, 8, 0);
	guint32 v = cvmt_craft_data(c, vmsa, sizeof(vmsa));
	CvmIgvmVpContext vp = { GUINT64_TO_LE(CVM_SNP_KVM_VMSA_GPA), GUINT32_TO_LE(1), GUINT32_TO_LE(v), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_VP_CONTEXT, &vp, sizeof(vp));
	CvmIgvmSnpIdBlock id = { .compatibility_mask = GUINT32_TO_LE(1), .version = GUINT32_TO_LE(1) };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_SNP_ID_BLOCK, &id, sizeof(id));
	return cvmt_craft_finish_bytes(c);
}

static const char *
str_at(json_object *o, const char *k1, const char *k2)
{
	json_object *v = json_object_object_get(o, k1);

	if (k2 != NULL)
		v = json_object_object_get(v, k2);
	assert_non_null(v);
	return json_object_get_string(v);
}

static json_object *
nth(json_object *o, const char *key, gsize i)
{
	json_object *arr = json_object_object_get(o, key);

	assert_non_null(arr);
	assert_true(i < json_object_array_length(arr));
	return json_object_array_get_idx(arr, i);
}

/* The report of snp_native_file(), as "snp.igvm". */
typedef struct {
	GBytes *bytes;
	CvmIgvm *igvm;
	CvmIgvmReport *report;
} Fixture;

static int
setup(void **state)
{
	g_autoptr(GError) error = NULL;
	Fixture *f = g_new0(Fixture, 1);

	f->bytes = snp_native_file(4096);
	f->igvm = cvm_igvm_new_from_bytes(f->bytes, 0, &error);
	cvmt_assert_no_error(error);
	f->report = cvm_igvm_report_new(f->igvm, "snp.igvm", &error);
	cvmt_assert_no_error(error);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	cvm_igvm_report_free(f->report);
	cvm_igvm_free(f->igvm);
	g_bytes_unref(f->bytes);
	g_free(f);
	return 0;
}

static void
test_json_document(void **state)
{
	const CvmIgvmReport *r = ((Fixture *)*state)->report;
	json_object *doc, *m;

	assert_int_equal(cvm_igvm_report_get_n_headers(r), 11);
	assert_int_equal(cvm_igvm_report_get_file(r)->page_size, 4096);
	assert_non_null(cvm_igvm_report_get_header(r, 9)->data); /* the VMSA */
	doc = cvm_igvm_report_to_json(r, 0);
	assert_string_equal(str_at(doc, "architecture", NULL), "x64");
	assert_string_equal(str_at(doc, "headers", NULL), "11");
	assert_string_equal(str_at(doc, "file", "headers"), "11");
	assert_string_equal(str_at(doc, "header-types", "PAGE_DATA"), "3");
	assert_string_equal(str_at(doc, "directive-counts", "PAGE_DATA"), "3");
	/* directives only: SUPPORTED_PLATFORM is an initialization header */
	assert_null(json_object_object_get(json_object_object_get(doc, "directive-counts"), "SUPPORTED_PLATFORM"));
	assert_string_equal(str_at(nth(doc, "platforms", 0), "type", NULL), "sev-snp");
	assert_string_equal(str_at(nth(doc, "platforms", 1), "type", NULL), "native");
	assert_string_equal(json_object_to_json_string(json_object_object_get(nth(doc, "policies", 0), "bits")),
			    "[ \"abi_minor=0\", \"abi_major=0\", \"smt\", \"reserved_must_be_one\" ]");
	m = nth(doc, "memory", 0); /* 0x1000 and 0x2000 coalesced, in GPA order */
	assert_string_equal(str_at(m, "start", NULL), "0x1000");
	assert_string_equal(str_at(m, "end", NULL), "0x2fff");
	assert_string_equal(str_at(m, "platforms", NULL), "native,sev-snp");
	assert_string_equal(str_at(nth(doc, "memory", 1), "platforms", NULL), "undeclared:0x8");
	assert_string_equal(str_at(nth(doc, "vp-contexts", 0), "format", NULL), "vmsa");
	assert_string_equal(str_at(nth(doc, "vp-contexts", 0), "rip", NULL), "0xfff0");
	assert_string_equal(str_at(nth(nth(doc, "parameter-areas", 0), "parameters", 0), "type", NULL),
			    "VP_COUNT_PARAMETER");
	assert_string_equal(str_at(nth(nth(doc, "parameter-areas", 0), "inserted", 0), "gpa", NULL), "0x10000");
	assert_string_equal(str_at(nth(doc, "snp-id-blocks", 0), "version", NULL), "1");
	json_object_put(doc);
}

/* The text is rendered from the JSON object: the same values, named file. */
static void
test_text_from_the_same_document(void **state)
{
	g_autofree gchar *text = cvm_igvm_report_to_text(((Fixture *)*state)->report, 0);

	assert_true(g_str_has_prefix(text, "snp.igvm: IGVM format version 1 (x64), "));
	assert_non_null(strstr(text, "\nPlatforms:\n  sev-snp  mask 0x1, highest VTL 0"));
	assert_non_null(strstr(text, "\n  [sev-snp] 0x30000: abi_minor=0 abi_major=0 smt reserved_must_be_one\n"));
	assert_non_null(strstr(text, "\n  0x1000-0x2fff "));
	assert_non_null(strstr(text, "vmsa rip 0xfff0"));
	assert_non_null(strstr(text, "  area 0: 4096 bytes; VP_COUNT_PARAMETER@8; inserted at 0x10000 [native,sev-snp]\n"));
	assert_true(g_str_has_suffix(text, "\n"));
}

static void
test_platform_filter(void **state)
{
	const CvmIgvmReport *r = ((Fixture *)*state)->report;
	g_autoptr(GError) error = NULL;
	guint32 filter = 0;
	json_object *doc;

	assert_true(cvm_igvm_report_platform_filter(r, "NATIVE", &filter, &error));
	assert_int_equal(filter, 2);
	doc = cvm_igvm_report_to_json(r, filter);
	assert_int_equal(json_object_array_length(json_object_object_get(doc, "platforms")), 1);
	assert_int_equal(json_object_array_length(json_object_object_get(doc, "policies")), 0);
	assert_int_equal(json_object_array_length(json_object_object_get(doc, "vp-contexts")), 0);
	assert_int_equal(json_object_array_length(json_object_object_get(doc, "memory")), 1);
	json_object_put(doc);

	assert_false(cvm_igvm_report_platform_filter(r, "tdx", &filter, &error));
	cvmt_assert_error(error, CVM_ERROR_NOT_FOUND);
	assert_string_equal(error->message, "snp.igvm declares no tdx platform");
	g_clear_error(&error);
	assert_false(cvm_igvm_report_platform_filter(r, "pdp11", &filter, &error));
	cvmt_assert_error(error, CVM_ERROR_INVALID_ARGUMENT);
}

/* An unvalidated file can be reported, but never read past: a payload
 * shorter than its type and file data outside the file are refused with
 * the header and its byte offset. */
static void
test_unreadable_headers_are_refused(void **state)
{
	g_autoptr(GError) error = NULL;
	guint32 short_platform = GUINT32_TO_LE(1);
	CvmIgvmPageData pd = { .gpa = GUINT64_TO_LE(0x1000), .compatibility_mask = GUINT32_TO_LE(1),
			       .file_offset = GUINT32_TO_LE(0x100000) };

	(void)state;
	{
		g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(1, 0, 0);
		cvmt_craft_tlv(c, CVM_IGVM_VHT_SUPPORTED_PLATFORM, &short_platform, 4);
		g_autoptr(GBytes) b = cvmt_craft_finish_bytes(c);
		g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, CVM_IGVM_NO_VALIDATE, &error);

		cvmt_assert_no_error(error);
		assert_null(cvm_igvm_report_new(igvm, "short.igvm", &error));
		cvmt_assert_error(error, CVM_ERROR_INVALID_DATA);
		assert_string_equal(error->message,
				    "short.igvm: header 0 at byte 24: type 0x1 payload is 4 bytes, expected 16");
		g_clear_error(&error);
	}
	{
		g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(1, 0, 0);
		cvmt_craft_platform(c, 1, CVM_PLATFORM_SEV_SNP);
		cvmt_craft_tlv(c, CVM_IGVM_VHT_PAGE_DATA, &pd, sizeof(pd));
		g_autoptr(GBytes) b = cvmt_craft_finish_bytes(c);
		g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, CVM_IGVM_NO_VALIDATE, &error);

		cvmt_assert_no_error(error);
		assert_null(cvm_igvm_report_new(igvm, NULL, &error));
		assert_non_null(error);
		assert_true(g_str_has_prefix(error->message, "IGVM file: header 1 at byte "));
	}
}

/* Header lines carry file data as a digest: moving the data (a different
 * data base) leaves every line as it was. */
static void
test_header_lines_ignore_offsets(void **state)
{
	g_autoptr(GBytes) a = snp_native_file(4096), b = snp_native_file(8192);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) ia = cvm_igvm_new_from_bytes(a, 0, &error);
	g_autoptr(CvmIgvm) ib = cvm_igvm_new_from_bytes(b, 0, &error);
	g_autoptr(CvmIgvmReport) ra = cvm_igvm_report_new(ia, "a", &error);
	g_autoptr(CvmIgvmReport) rb = cvm_igvm_report_new(ib, "b", &error);

	(void)state;
	cvmt_assert_no_error(error);
	assert_int_not_equal(cvm_igvm_report_get_file(ra)->total_file_size,
			     cvm_igvm_report_get_file(rb)->total_file_size);
	for (guint i = 0; i < cvm_igvm_report_get_n_headers(ra); i++) {
		g_autofree gchar *la = cvm_igvm_report_header_line(ra, cvm_igvm_report_get_header(ra, i));
		g_autofree gchar *lb = cvm_igvm_report_header_line(rb, cvm_igvm_report_get_header(rb, i));

		assert_string_equal(la, lb);
	}
	{
		g_autofree gchar *vp = cvm_igvm_report_header_line(ra, cvm_igvm_report_get_header(ra, 9));

		assert_true(g_str_has_prefix(vp, "VP_CONTEXT [sev-snp] vp=0 gpa=0xfffffffff000 data=sha256:"));
	}
}

/* A VSM VP context holds a register count and that many 32-byte records,
 * not a page: a file that ends right after its one record is read whole by
 * the validator and by the report alike (the report used to ask a page). */
static void
test_vsm_vp_context_is_not_a_page(void **state)
{
	g_autoptr(CvmtIgvmCraft) c = cvmt_craft_new(1, 0, 4096);
	guint8 regs[4 + 32] = { 1 };
	g_autoptr(GError) error = NULL;

	(void)state;
	cvmt_craft_platform(c, 1, CVM_PLATFORM_VSM);
	guint32 v = cvmt_craft_data(c, regs, sizeof(regs));
	CvmIgvmVpContext vp = { 0, GUINT32_TO_LE(1), GUINT32_TO_LE(v), 0, 0 };
	cvmt_craft_tlv(c, CVM_IGVM_VHT_VP_CONTEXT, &vp, sizeof(vp));
	g_autoptr(GBytes) b = cvmt_craft_finish_bytes(c);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(b, 0, &error);
	cvmt_assert_no_error(error);
	g_autoptr(CvmIgvmReport) report = cvm_igvm_report_new(igvm, "vsm.igvm", &error);
	cvmt_assert_no_error(error);
	assert_non_null(report);
	gboolean found = FALSE;
	for (guint i = 0; i < cvm_igvm_report_get_n_headers(report); i++) {
		const CvmIgvmReportHeader *h = cvm_igvm_report_get_header(report, i);
		if (h->header.type == CVM_IGVM_VHT_VP_CONTEXT) {
			assert_int_equal(h->data_length, sizeof(regs));
			found = TRUE;
		}
	}
	assert_true(found);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json_document, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_from_the_same_document, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_filter, setup, teardown),
		cmocka_unit_test(test_unreadable_headers_are_refused),
		cmocka_unit_test(test_header_lines_ignore_offsets),
		cmocka_unit_test(test_vsm_vp_context_is_not_a_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
