/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM hygiene rules the reference parser leaves out (warnings unless
 * CVM_IGVM_STRICT) and the --for-qemu check (spec section 11). */
#include "igvm/igvm-internal.h"
#include "igvm/reader-private.h"

#include <stdlib.h>

static gboolean
qemu_handles(guint32 type)
{
	switch (type) {
	case CVM_IGVM_VHT_SUPPORTED_PLATFORM:
	case CVM_IGVM_VHT_GUEST_POLICY:
	case CVM_IGVM_VHT_PAGE_DATA:
	case CVM_IGVM_VHT_VP_CONTEXT:
	case CVM_IGVM_VHT_PARAMETER_AREA:
	case CVM_IGVM_VHT_PARAMETER_INSERT:
	case CVM_IGVM_VHT_MEMORY_MAP:
	case CVM_IGVM_VHT_VP_COUNT_PARAMETER:
	case CVM_IGVM_VHT_ENVIRONMENT_INFO_PARAMETER:
	case CVM_IGVM_VHT_REQUIRED_MEMORY:
	case CVM_IGVM_VHT_SNP_ID_BLOCK:
	case CVM_IGVM_VHT_MADT:
		return TRUE;
	default:
		return FALSE;
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
	return x < y ? -1 : x > y;
}

/* Sorts every PAGE_DATA GPA of platform @bit and reports a duplicate. Only
 * called for platforms whose pages are not in ascending GPA order (the
 * directive pass tracks that with a running maximum). */
void
cvmi_igvm_check_page_overlap(const CvmIgvm *igvm, guint flags, GPtrArray *pr, guint32 bit)
{
	g_autoptr(GArray) gpas = g_array_new(FALSE, FALSE, sizeof(guint64));
	CvmIgvmHeader h;

	for (guint i = 0; cvm_igvm_get_header(igvm, i, &h); i++) {
		const CvmIgvmPageData *p = cvm_igvm_header_page_data(&h);
		if (p != NULL && (cvm_le32(p->compatibility_mask) & bit)) {
			guint64 gpa = cvm_le64(p->gpa) & ~4095ull;
			g_array_append_val(gpas, gpa);
		}
	}
	qsort(gpas->data, gpas->len, sizeof(guint64), cmp_u64);
	for (guint i = 1; i < gpas->len; i++) {
		guint64 gpa = g_array_index(gpas, guint64, i);
		if (gpa == g_array_index(gpas, guint64, i - 1)) {
			cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_PAGE_OVERLAP, -1, igvm->vh_offset,
					      "platform mask 0x%x has more than one PAGE_DATA at gpa 0x%" G_GINT64_MODIFIER "x",
					      bit, gpa);
			return;
		}
	}
}

/* Hygiene and --for-qemu rules of one header (not used for well-formed
 * PAGE_DATA, which the directive pass checks inline). */
void
cvmi_igvm_check_hygiene(const CvmIgvm *igvm, guint flags, GPtrArray *pr, const CvmIgvmHeader *h, guint32 declared)
{
	guint32 mask;

	if (h->type != CVM_IGVM_VHT_SUPPORTED_PLATFORM && cvm_igvm_header_get_mask(h, &mask) && (mask & ~declared) != 0)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_MASK_UNDECLARED, (gint)h->index, h->payload_offset,
				      "%s mask 0x%x names platforms the file does not declare",
				      cvm_igvm_header_type_name(h->type), mask);
	if ((flags & CVM_IGVM_FOR_QEMU) && !qemu_handles(h->type))
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_QEMU_UNSUPPORTED, (gint)h->index, h->payload_offset - 8,
				      "QEMU refuses header type 0x%x (%s) even for other platforms", h->type,
				      cvm_igvm_header_type_name(h->type) ? cvm_igvm_header_type_name(h->type) : "unknown");
}

/* The VMSA QEMU hands to KVM: the same rules as `igvm measure --check-kvm`. */
static void
check_qemu_vmsa(const CvmIgvm *igvm, guint flags, GPtrArray *pr, const CvmIgvmHeader *h, const CvmIgvmVpContext *vp,
		gboolean snp)
{
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	guint32 file_offset = cvm_le32(vp->file_offset);
	const guint8 *page = NULL;

	/* A missing or truncated page is the file-offset rule's to report. */
	if (file_offset == 0 || !cvm_igvm_get_file_data(igvm, file_offset, CVM_VMSA_SIZE, &page, NULL))
		return;
	cvmi_vmsa_kvm_check(page, cvm_le64(vp->gpa), snp, problems);
	for (guint i = 0; i < problems->len; i++)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_QEMU_UNSUPPORTED, (gint)h->index, h->payload_offset,
				      "%s", (const char *)problems->pdata[i]);
}

void
cvmi_igvm_check_qemu_file(const CvmIgvm *igvm, guint flags, GPtrArray *pr)
{
	guint32 snp = cvm_igvm_platform_mask(igvm, CVM_PLATFORM_SEV_SNP);
	guint32 es = cvm_igvm_platform_mask(igvm, CVM_PLATFORM_SEV_ES);
	guint32 usable = snp | es | cvm_igvm_platform_mask(igvm, CVM_PLATFORM_NATIVE) |
			 cvm_igvm_platform_mask(igvm, CVM_PLATFORM_SEV);
	guint directives = 0;
	CvmIgvmHeader h;

	if (!(flags & CVM_IGVM_FOR_QEMU))
		return;
	if (usable == 0)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_QEMU_UNSUPPORTED, -1, igvm->vh_offset,
				      "no NATIVE, SEV, SEV-ES or SEV-SNP platform: QEMU can load none of this file's platforms");
	for (guint i = 0; cvm_igvm_get_header(igvm, i, &h); i++) {
		const CvmIgvmVpContext *vp = cvm_igvm_header_vp_context(&h);
		if (h.section == CVM_IGVM_SECTION_DIRECTIVE)
			directives++;
		if (vp != NULL && (cvm_le32(vp->compatibility_mask) & (snp | es)) != 0)
			check_qemu_vmsa(igvm, flags, pr, &h, vp, (cvm_le32(vp->compatibility_mask) & snp) != 0);
	}
	if (directives == 0)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_QEMU_UNSUPPORTED, -1, igvm->vh_offset,
				      "no directive: QEMU refuses a file without one");
}
