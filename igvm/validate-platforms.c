/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM validation rules for SUPPORTED_PLATFORM headers (spec section 7). */
#include "igvm/reader-private.h"

static gboolean
platform_arch_ok(CvmPlatform type, guint32 arch)
{
	if (type == CVM_PLATFORM_CCA)
		return arch == CVM_IGVM_ARCH_AARCH64;
	if (type == CVM_PLATFORM_VSM)
		return TRUE;
	return arch == CVM_IGVM_ARCH_X64;
}

static void
check_platform(const CvmIgvm *igvm, guint flags, GPtrArray *pr, const CvmIgvmHeader *h, guint32 *seen_types,
	       guint32 *seen_masks)
{
	const CvmIgvmSupportedPlatform *p = cvm_igvm_header_platform(h);
	guint32 mask = cvm_le32(p->compatibility_mask), off = h->payload_offset;
	gint i = (gint)h->index;
	CvmPlatform type;

	if (mask == 0 || (mask & (mask - 1)) != 0)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_PLATFORM_MASK, i, off,
				      "platform compatibility_mask 0x%x does not have exactly one bit", mask);
	else if (*seen_masks & mask)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_PLATFORM_MASK_SHARED, i, off,
				      "platform mask 0x%x is already claimed by another platform", mask);
	*seen_masks |= mask;
	if (p->highest_vtl != 0 && p->highest_vtl != 2)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_PLATFORM_VTL, i, off + 4,
				      "highest_vtl %u is neither 0 nor 2", p->highest_vtl);
	if (cvm_le16(p->platform_version) != 1)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_PLATFORM_VERSION, i, off + 6,
				      "platform_version %u is not 1", cvm_le16(p->platform_version));
	if (!cvm_igvm_platform_from_wire(p->platform_type, &type)) {
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_PLATFORM_TYPE, i, off + 5,
				      "unknown platform_type %u", p->platform_type);
		return;
	}
	if ((type == CVM_PLATFORM_NATIVE || type == CVM_PLATFORM_VSM) &&
	    cvm_le64(p->shared_gpa_boundary) != 0)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_PLATFORM_SHARED_GPA, i, off + 8,
				      "shared_gpa_boundary must be 0 for platform type %u", p->platform_type);
	if (*seen_types & (1u << type))
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_PLATFORM_DUPLICATE, i, off + 5,
				      "second SUPPORTED_PLATFORM of type %u", p->platform_type);
	*seen_types |= 1u << type;
	if (!platform_arch_ok(type, igvm->arch))
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_PLATFORM_ARCH, i, off + 5,
				      "platform type %u is not valid for architecture %u", p->platform_type, igvm->arch);
}

void
cvmi_igvm_validate_platforms(const CvmIgvm *igvm, guint flags, GPtrArray *problems)
{
	guint32 seen_types = 0, seen_masks = 0;
	CvmIgvmHeader h;

	for (guint i = 0; cvm_igvm_get_header(igvm, i, &h) && h.section == CVM_IGVM_SECTION_PLATFORM; i++)
		if (cvm_igvm_header_platform(&h) != NULL)
			check_platform(igvm, flags, problems, &h, &seen_types, &seen_masks);
	if (igvm->platforms->len == 0)
		cvmi_igvm_problem_add(problems, flags, CVM_IGVM_RULE_NO_PLATFORM, -1, igvm->vh_offset,
				      "no SUPPORTED_PLATFORM header");
}
