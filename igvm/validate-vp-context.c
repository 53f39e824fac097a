/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM VP_CONTEXT rules: the file data format depends on the one platform
 * whose mask the header carries (spec sections 5 and 7). */
#include "igvm/reader-private.h"

#define PAGE 4096u

static gboolean
tail_is_zero(const CvmIgvm *igvm, guint32 file_offset)
{
	const guint8 *d = igvm->data + file_offset;
	for (gsize i = sizeof(CvmIgvmNativeVpContextX64); i < PAGE; i++)
		if (d[i] != 0)
			return FALSE;
	return TRUE;
}

static gboolean
data_in_file(const CvmIgvm *igvm, guint32 file_offset, guint64 len)
{
	guint64 start = (guint64)igvm->vh_offset + igvm->vh_size;
	return file_offset != 0 && file_offset >= start && (guint64)file_offset + len <= igvm->size;
}

void
cvmi_igvm_check_vp_context(const CvmIgvm *igvm, guint flags, GPtrArray *pr, const CvmIgvmHeader *h)
{
	const CvmIgvmVpContext *vp = cvm_igvm_header_vp_context(h);
	guint32 mask = cvm_le32(vp->compatibility_mask), file_offset = cvm_le32(vp->file_offset);
	guint64 gpa = cvm_le64(vp->gpa);
	const CvmIgvmSupportedPlatform *p = cvmi_igvm_mask_owner(igvm, mask);
	gint i = (gint)h->index;
	guint64 len = cvmi_igvm_vp_context_data_len(igvm, vp);

	if (p == NULL) {
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_VP_CONTEXT_MASK, i, h->payload_offset + 8,
				      "VP_CONTEXT mask 0x%x is not exactly one platform's mask", mask);
		cvmi_igvm_check_file_range(igvm, flags, pr, h, 12, file_offset, len);
		return;
	}
	CvmPlatform type = CVM_PLATFORM_AUTO; /* an unknown number takes no VP_CONTEXT */

	cvm_igvm_platform_from_wire(p->platform_type, &type);
	switch (type) {
	case CVM_PLATFORM_SEV_SNP:
	case CVM_PLATFORM_SEV_ES:
		if (gpa % PAGE)
			cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_VP_CONTEXT_GPA, i, h->payload_offset,
					      "VMSA gpa 0x%" G_GINT64_MODIFIER "x is not 4 KiB aligned", gpa);
		break;
	case CVM_PLATFORM_NATIVE:
	case CVM_PLATFORM_SEV:
		if (gpa != 0)
			cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_VP_CONTEXT_GPA, i, h->payload_offset,
					      "native VP context gpa 0x%" G_GINT64_MODIFIER "x is not 0", gpa);
		if (data_in_file(igvm, file_offset, len) && !tail_is_zero(igvm, file_offset))
			cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_VP_CONTEXT_NATIVE_TAIL, i, file_offset + 232,
					      "native VP context has non-zero bytes after its 232-byte structure");
		break;
	case CVM_PLATFORM_VSM:
		if (cvm_le16(vp->vp_index) != 0)
			cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_VP_CONTEXT_VSM, i, h->payload_offset + 16,
					      "VSM VP context vp_index %u is not 0", cvm_le16(vp->vp_index));
		break;
	case CVM_PLATFORM_CCA:
		break;
	default:
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_VP_CONTEXT_PLATFORM, i, h->payload_offset + 8,
				      "platform type %u takes no VP_CONTEXT", p->platform_type);
		break;
	}
	cvmi_igvm_check_file_range(igvm, flags, pr, h, 12, file_offset, len);
}
