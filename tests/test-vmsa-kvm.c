/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The VMSA rules of `igvm measure --check-kvm` and `igvm validate
 * --for-qemu` (igvm/vmsa-kvm.c, one function for both): cvm's own builder
 * output and examples/snp-hello pass both, and every rule, broken in a copy
 * of a good VMSA, is reported by both. The rules are what QEMU's IGVM loader
 * and KVM do with a VMSA (docs/measurement.md, "What KVM does with an IGVM
 * VMSA"); CR0 0x10 is what KVM itself measures for an OVMF launch. */
#include "tests/lib/testlib.h"

#include <cvm/igvm-builder.h>
#include <cvm/igvm-manifest.h>
#include <cvm/igvm.h>
#include <cvm/measure.h>
#include <string.h>

#define DEBIAN_OVMF "/usr/share/ovmf/OVMF.fd"

static GBytes *
wrapped_ovmf(guint platforms)
{
	g_autoptr(GBytes) fw = cvmt_read_file(DEBIAN_OVMF);
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;

	cvm_measure_options_init(&o);
	if (!cvm_igvm_add_ovmf(b, g_bytes_get_data(fw, NULL), g_bytes_get_size(fw), platforms, &o, &error))
		fail_msg("wrap: %s", error->message);
	GBytes *out = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	return out;
}

/* --check-kvm diagnostics of @file, NULL-terminated. */
static gchar **
check_kvm(GBytes *file)
{
	g_autoptr(GError) error = NULL;
	gchar **diags = NULL;
	CvmMeasureOptions o;
	CvmDigest d;

	cvm_measure_options_init(&o);
	o.check_kvm = TRUE;
	if (!cvm_measure_igvm(g_bytes_get_data(file, NULL), g_bytes_get_size(file), &o, &d, &diags, &error))
		fail_msg("measure: %s", error->message);
	return diags;
}

/* --for-qemu errors of @file. */
static GPtrArray *
for_qemu(GBytes *file)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(file, CVM_IGVM_NO_VALIDATE, &error);
	g_autoptr(GPtrArray) all = NULL;
	GPtrArray *errors = g_ptr_array_new();

	cvmt_assert_no_error(error);
	all = cvm_igvm_validate(igvm, CVM_IGVM_FOR_QEMU);
	for (guint i = 0; i < all->len; i++) {
		const CvmIgvmProblem *p = all->pdata[i];
		if (p->severity == CVM_IGVM_SEVERITY_ERROR)
			g_ptr_array_add(errors, g_strdup(p->message));
	}
	g_ptr_array_set_free_func(errors, g_free);
	return errors;
}

static void
assert_clean(GBytes *file)
{
	g_auto(GStrv) diags = check_kvm(file);
	g_autoptr(GPtrArray) errors = for_qemu(file);

	for (gsize i = 0; diags[i] != NULL; i++)
		print_error("check-kvm: %s\n", diags[i]);
	for (guint i = 0; i < errors->len; i++)
		print_error("for-qemu: %s\n", (const char *)errors->pdata[i]);
	assert_null(diags[0]);
	assert_int_equal(errors->len, 0);
}

static void
test_builder_ovmf_output_passes_check_kvm_and_for_qemu(void **state)
{
	g_autoptr(GBytes) snp = wrapped_ovmf(CVM_OVMF_WRAP_SEV_SNP);
	g_autoptr(GBytes) both = wrapped_ovmf(CVM_OVMF_WRAP_SEV_SNP | CVM_OVMF_WRAP_SEV_ES | CVM_OVMF_WRAP_NATIVE);

	assert_clean(snp);
	/* The SEV-ES VMSA (sev_features 0) passes --for-qemu too. */
	g_autoptr(GPtrArray) errors = for_qemu(both);
	assert_int_equal(errors->len, 0);
}

static void
test_snp_hello_example_passes_check_kvm_and_for_qemu(void **state)
{
	g_autofree gchar *path = cvmt_src_path("examples/snp-hello/manifest.json");
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_manifest_load(path, 0, &error);

	cvmt_assert_no_error(error);
	g_autoptr(GBytes) file = cvm_igvm_builder_write_bytes(b, &error);
	cvmt_assert_no_error(error);
	assert_clean(file);
}

/* File offset of the first VP_CONTEXT's data. */
static guint32
vmsa_offset(GBytes *file)
{
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(file, CVM_IGVM_NONE, NULL);
	CvmIgvmHeader h;

	assert_non_null(igvm);
	for (guint i = 0; cvm_igvm_get_header(igvm, i, &h); i++) {
		const CvmIgvmVpContext *vp = cvm_igvm_header_vp_context(&h);
		if (vp != NULL)
			return cvm_le32(vp->file_offset);
	}
	fail_msg("no VP_CONTEXT");
	return 0;
}

static void
test_each_rule_is_reported_by_check_kvm_and_for_qemu(void **state)
{
	static const struct {
		guint16 off;
		guint8 len;
		guint64 value;
		const char *says;
	} cases[] = {
		{ CVM_VMSA_CR0, 8, 0x60000010, "CD/NW" },
		{ CVM_VMSA_CR0, 8, 0x0, "lacks ET" },
		{ CVM_VMSA_CR0, 8, G_GUINT64_CONSTANT(0x100000010), "low 32 bits" },
		{ CVM_VMSA_CR0, 8, 0x80000010, "PG without PE" },
		{ CVM_VMSA_EFER, 8, 0, "SVME" },
		{ CVM_VMSA_CR4, 8, 0, "MCE" },
		{ CVM_VMSA_DR7, 8, 0x401, "breakpoints" },
		{ CVM_VMSA_DR6, 8, G_GUINT64_CONSTANT(0x1ffff0ff0), "DR6" },
		{ CVM_VMSA_RFLAGS, 8, 0, "bit 1" },
		{ CVM_VMSA_XCR0, 8, 0, "x87" },
		{ CVM_VMSA_G_PAT, 8, G_GUINT64_CONSTANT(0x0202020202020202), "G_PAT" },
		{ CVM_VMSA_MXCSR, 4, 0x11f80, "MXCSR" },
		{ CVM_VMSA_SEV_FEATURES, 8, 0, "SNPActive" },
		{ 0x240, 1, 1, "byte 0x240" },		  /* CR2: not copied by QEMU */
		{ 0xCB, 1, 3, "byte 0xcb" },		  /* CPL */
		{ 0xE00, 1, 1, "byte 0xe00" },		  /* past the save area */
		{ CVM_VMSA_GDTR + 2, 2, 0x82, "GDTR/IDTR" },
		{ CVM_VMSA_SS + 2, 2, 0xf3, "SS.DPL" },
		{ CVM_VMSA_CS + 2, 2, 0x109b, "bits 12-15" },
	};
	g_autoptr(GBytes) good = wrapped_ovmf(CVM_OVMF_WRAP_SEV_SNP);
	guint32 at = vmsa_offset(good);

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize len = g_bytes_get_size(good);
		guint8 *copy = g_memdup2(g_bytes_get_data(good, NULL), len);
		guint64 le = GUINT64_TO_LE(cases[i].value);

		memcpy(copy + at + cases[i].off, &le, cases[i].len);
		g_autoptr(GBytes) bad = g_bytes_new_take(copy, len);
		g_auto(GStrv) diags = check_kvm(bad);
		g_autoptr(GPtrArray) errors = for_qemu(bad);
		gboolean in_diags = FALSE, in_errors = FALSE;

		for (gsize j = 0; diags[j] != NULL; j++)
			in_diags |= strstr(diags[j], cases[i].says) != NULL;
		for (guint j = 0; j < errors->len; j++)
			in_errors |= strstr(errors->pdata[j], cases[i].says) != NULL;
		if (!in_diags || !in_errors)
			fail_msg("VMSA offset 0x%x = 0x%" G_GINT64_MODIFIER "x: \"%s\" %s", cases[i].off, cases[i].value,
				 cases[i].says, !in_diags ? "missing from --check-kvm" : "missing from --for-qemu");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builder_ovmf_output_passes_check_kvm_and_for_qemu),
		cmocka_unit_test(test_snp_hello_example_passes_check_kvm_and_for_qemu),
		cmocka_unit_test(test_each_rule_is_reported_by_check_kvm_and_for_qemu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
