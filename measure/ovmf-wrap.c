/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Wrapping OVMF into IGVM the way QEMU lays it out for an OVMF launch: the
 * image ending at 4 GiB, the SEV metadata sections as SNP page types, and one
 * VMSA per vCPU with the register values sev-snp-measure assumes; plain SEV
 * gets the image alone, TDX its TDVF sections (measure/ovmf-wrap-tdx.c). Data-less
 * pages stay data-less, so with --native-zero the SNP digest of the result is
 * the OVMF flow's digest. */
#include "measure/measure-private.h"

#include <cvm/error.h>
#include <cvm/igvm-builder.h>
#include <string.h>

static gboolean
add_sections(CvmIgvmBuilder *b, const CvmiOvmf *ovmf, guint32 mask, const CvmMeasureOptions *opts,
	     GError **error)
{
	for (guint i = 0; i < ovmf->sections->len; i++) {
		const CvmiSevSection *s = &g_array_index(ovmf->sections, CvmiSevSection, i);
		guint64 pages = (s->size + CVMI_PAGE_SIZE - 1) / CVMI_PAGE_SIZE;
		CvmIgvmPageDataType type = CVM_IGVM_PAGE_DATA_NORMAL;
		gboolean ok;

		if (s->type == CVMI_SEV_SECTION_SNP_SECRETS) {
			type = CVM_IGVM_PAGE_DATA_SECRETS;
			pages = 1;
		} else if (s->type == CVMI_SEV_SECTION_CPUID) {
			type = CVM_IGVM_PAGE_DATA_CPUID_DATA;
			pages = 1;
		}
		if (s->type == CVMI_SEV_SECTION_SNP_KERNEL_HASHES && opts->kernel != NULL) {
			guint8 *page = g_malloc0(CVMI_PAGE_SIZE);
			guint32 table_gpa;
			if (!cvmi_ovmf_entry_u32(ovmf, CVMI_GUID_SEV_HASH_TABLE_RV, &table_gpa, error) ||
			    (table_gpa & 0xfff) + CVMI_SEV_HASH_TABLE_SIZE > CVMI_PAGE_SIZE ||
			    !cvmi_sev_hash_table(opts, page + (table_gpa & 0xfff), error)) {
				g_free(page);
				if (error && *error == NULL)
					g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
						    "SEV hash table crosses a page boundary");
				return FALSE;
			}
			g_autoptr(GBytes) bytes = g_bytes_new_take(page, CVMI_PAGE_SIZE);
			ok = cvm_igvm_builder_add_page_data(b, mask, s->gpa, 0, type, bytes, error);
		} else {
			ok = cvm_igvm_builder_add_zero_pages(b, mask, s->gpa, pages, 0, type, error);
		}
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

static gboolean
add_vmsas(CvmIgvmBuilder *b, guint32 mask, guint32 ap_eip, guint64 features, const CvmMeasureOptions *opts,
	  GError **error)
{
	for (guint i = 0; i < MAX(opts->vcpus, 1); i++) {
		guint8 *page = g_malloc(CVMI_PAGE_SIZE);
		cvmi_vmsa_ovmf(page, i == 0 ? 0xfffffff0u : ap_eip, features, opts->vcpu_sig, opts->vmm);
		g_autoptr(GBytes) bytes = g_bytes_new_take(page, CVMI_PAGE_SIZE);
		if (!cvm_igvm_builder_add_vp_context_vmsa(b, mask, CVMI_SNP_VMSA_GPA, i, bytes, error))
			return FALSE;
	}
	return TRUE;
}

static guint32
declare(CvmIgvmBuilder *b, guint wanted, CvmPlatform type, GError **error)
{
	if (!(wanted & CVM_OVMF_WRAP_FLAG(type)))
		return 0;
	guint32 m = cvm_igvm_builder_get_platform_mask(b, type);
	return m ? m : cvm_igvm_builder_add_platform(b, type, 0, 0, 0, error);
}

gboolean
cvm_igvm_add_ovmf(CvmIgvmBuilder *builder, const guint8 *firmware, gsize len, guint platforms,
		  const CvmMeasureOptions *opts, GError **error)
{
	CvmiOvmf ovmf;
	guint32 ap_eip = 0;
	g_autoptr(GError) local = NULL;
	g_autoptr(GBytes) fw = NULL;
	gboolean ok = FALSE;

	if (!cvmi_ovmf_parse(firmware, len, G_GUINT64_CONSTANT(0x100000000), &ovmf, error))
		goto out;
	if ((platforms & (CVM_OVMF_WRAP_SEV_SNP | CVM_OVMF_WRAP_SEV_ES)) &&
	    !cvmi_ovmf_entry_u32(&ovmf, CVMI_GUID_SEV_ES_RESET_BLOCK, &ap_eip, error))
		goto out;
	guint32 snp = declare(builder, platforms, CVM_PLATFORM_SEV_SNP, &local);
	guint32 es = local ? 0 : declare(builder, platforms, CVM_PLATFORM_SEV_ES, &local);
	guint32 native = local ? 0 : declare(builder, platforms, CVM_PLATFORM_NATIVE, &local);
	guint32 tdx = local ? 0 : declare(builder, platforms, CVM_PLATFORM_TDX, &local);
	guint32 sev = local ? 0 : declare(builder, platforms, CVM_PLATFORM_SEV, &local);
	if (local == NULL && sev && opts->kernel != NULL)
		g_set_error(&local, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED, "sev: the SEV digest takes the kernel hash "
			    "table as 176 bytes, which IGVM's 4 KiB pages cannot express");
	if (local != NULL || (snp | es | native | tdx | sev) == 0) {
		if (local == NULL)
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "no platform to wrap the firmware for");
		else
			g_propagate_error(error, g_steal_pointer(&local));
		goto out;
	}
	fw = g_bytes_new_static(firmware, len);
	if ((snp && !cvm_igvm_builder_add_guest_policy(builder, snp, 0x30000, error)) ||
	    ((snp | es | native | sev) &&
	     !cvm_igvm_builder_add_page_data(builder, snp | es | native | sev, ovmf.gpa, 0, CVM_IGVM_PAGE_DATA_NORMAL,
					     fw, error)) ||
	    (tdx && !cvmi_ovmf_wrap_tdx(builder, tdx, firmware, len, error)) ||
	    (snp && !add_sections(builder, &ovmf, snp, opts, error)) ||
	    (snp && !add_vmsas(builder, snp, ap_eip, opts->guest_features, opts, error)) ||
	    (es && !add_vmsas(builder, es, ap_eip, 0, opts, error)))
		goto out;
	ok = TRUE;
out:
	cvmi_ovmf_clear(&ovmf);
	return ok;
}
