/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM validation rules for initialization headers: guest policy,
 * relocation regions, CCA policy and CoRIM (spec section 7). */
#include "igvm/reader-private.h"

#define PAGE 4096ull

void
cvmi_igvm_check_file_range(const CvmIgvm *igvm, guint flags, GPtrArray *pr, const CvmIgvmHeader *h, guint32 field,
			   guint64 file_offset, guint64 len)
{
	guint64 start = (guint64)igvm->vh_offset + igvm->vh_size;

	if (file_offset == 0)
		return;
	if (file_offset < start || file_offset > igvm->size || len > igvm->size - file_offset)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_FILE_OFFSET, (gint)h->index, h->payload_offset + field,
				      "%s file data 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
				      "x is outside the file data area 0x%" G_GINT64_MODIFIER "x-0x%zx",
				      cvm_igvm_header_type_name(h->type), file_offset, len, start, igvm->size);
}

static void
reserved(GPtrArray *pr, guint flags, const CvmIgvmHeader *h, guint32 field, gboolean nonzero)
{
	if (nonzero)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_RESERVED_NONZERO, (gint)h->index, h->payload_offset + field,
				      "%s reserved field is not zero", cvm_igvm_header_type_name(h->type));
}

static void
vtl(GPtrArray *pr, guint flags, const CvmIgvmHeader *h, guint32 field, guint8 v)
{
	if (v > 2)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_VTL_INVALID, (gint)h->index, h->payload_offset + field,
				      "vtl %u is not a valid VTL (0-2)", v);
}

typedef struct {
	guint32 mask;
	guint64 start, end;
	gint index;
	guint16 vp_index;
} Region;

static void
add_region(GArray *regions, GPtrArray *pr, guint flags, const CvmIgvmHeader *h, guint32 mask, guint64 gpa,
	   guint64 size, guint16 vp)
{
	guint64 end = gpa + size < gpa ? G_MAXUINT64 : gpa + size;

	for (guint i = 0; i < regions->len; i++) {
		const Region *r = &g_array_index(regions, Region, i);
		if ((r->mask & mask) && gpa < r->end && r->start < end)
			cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_RELOC_OVERLAP, (gint)h->index, h->payload_offset,
					      "relocation region overlaps the one of header %d", r->index);
	}
	Region r = { mask, gpa, end, (gint)h->index, vp };
	g_array_append_val(regions, r);
}

static void
check_reloc(GPtrArray *pr, guint flags, const CvmIgvmHeader *h, GArray *regions)
{
	const CvmIgvmRelocatableRegion *r = cvm_igvm_header_relocatable_region(h);
	guint64 align = cvm_le64(r->relocation_alignment), size = cvm_le64(r->relocation_region_size);
	guint64 gpa = cvm_le64(r->relocation_region_gpa);

	vtl(pr, flags, h, 6, r->vtl);
	if (align == 0 || align % PAGE || size % PAGE)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_RELOC_ALIGNMENT, (gint)h->index, h->payload_offset + 8,
				      "relocation alignment 0x%" G_GINT64_MODIFIER "x or size 0x%" G_GINT64_MODIFIER
				      "x is not a non-zero multiple of 4 KiB", align, size);
	else if (gpa % align || cvm_le64(r->minimum_relocation_gpa) % align || cvm_le64(r->maximum_relocation_gpa) % align)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_RELOC_ALIGNMENT, (gint)h->index, h->payload_offset + 16,
				      "relocation gpa, minimum or maximum is not a multiple of the alignment 0x%"
				      G_GINT64_MODIFIER "x", align);
	add_region(regions, pr, flags, h, cvm_le32(r->compatibility_mask), gpa, size, cvm_le16(r->vp_index));
}

static void
check_pt_reloc(GPtrArray *pr, guint flags, const CvmIgvmHeader *h, GArray *regions, guint32 *pt_masks)
{
	const CvmIgvmPageTableRelocation *r = cvm_igvm_header_page_table_relocation(h);
	guint64 gpa = cvm_le64(r->gpa), size = cvm_le64(r->size), used = cvm_le64(r->used_size);
	guint32 mask = cvm_le32(r->compatibility_mask);

	vtl(pr, flags, h, 6, r->vtl);
	reserved(pr, flags, h, 7, r->reserved != 0);
	if (gpa % PAGE || size % PAGE || used % PAGE)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_PT_RELOC_ALIGNMENT, (gint)h->index, h->payload_offset + 8,
				      "page table region gpa, size or used_size is not 4 KiB aligned");
	if (used > size)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_PT_RELOC_USED_SIZE, (gint)h->index, h->payload_offset + 24,
				      "used_size 0x%" G_GINT64_MODIFIER "x exceeds size 0x%" G_GINT64_MODIFIER "x",
				      used, size);
	if (*pt_masks & mask)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_PT_RELOC_DUPLICATE, (gint)h->index, h->payload_offset,
				      "second page table relocation region for mask 0x%x", *pt_masks & mask);
	*pt_masks |= mask;
	add_region(regions, pr, flags, h, mask, gpa, size, cvm_le16(r->vp_index));
}

static void
check_cca(const CvmIgvm *igvm, GPtrArray *pr, guint flags, const CvmIgvmHeader *h)
{
	const CvmIgvmCcaPolicy *c = cvm_igvm_header_cca_policy(h);
	guint32 mask = cvm_le32(c->compatibility_mask), cca = 0;
	static const guint8 zero6[6];

	reserved(pr, flags, h, 4, c->reserved != 0 || memcmp(c->reserved2, zero6, 6) != 0);
	if (cvm_le64(c->attributes_required_zeroes) & cvm_le64(c->attributes_required_ones))
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_CCA_POLICY_CONFLICT, (gint)h->index, h->payload_offset + 8,
				      "an attribute is required to be both zero and one");
	for (guint i = 0; i < igvm->platforms->len; i++) {
		const CvmIgvmSupportedPlatform *p = igvm->platforms->pdata[i];
		if (p->platform_type == cvm_igvm_platform_to_wire(CVM_PLATFORM_CCA))
			cca |= cvm_le32(p->compatibility_mask);
	}
	if (mask == 0 || (mask & ~cca) != 0)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_CCA_POLICY_MASK, (gint)h->index, h->payload_offset,
				      "CCA_POLICY mask 0x%x names platforms that are not CCA", mask);
}

static void
check_corim(const CvmIgvm *igvm, GPtrArray *pr, guint flags, const CvmIgvmHeader *h, guint32 *docs, guint32 *sigs)
{
	const CvmIgvmCorimData *c = cvm_igvm_header_corim(h);
	guint32 mask = cvm_le32(c->compatibility_mask);
	gboolean is_sig = h->type == CVM_IGVM_VHT_CORIM_SIGNATURE;
	guint32 *seen = is_sig ? sigs : docs;

	reserved(pr, flags, h, 12, c->reserved != 0);
	cvmi_igvm_check_file_range(igvm, flags, pr, h, 4, cvm_le32(c->file_offset), cvm_le32(c->size_bytes));
	if (*seen & mask)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_CORIM_DUPLICATE, (gint)h->index, h->payload_offset,
				      "second %s for mask 0x%x", cvm_igvm_header_type_name(h->type), *seen & mask);
	if (is_sig && (mask & ~*docs) != 0)
		cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_CORIM_SIGNATURE_ORDER, (gint)h->index, h->payload_offset,
				      "CORIM_SIGNATURE for mask 0x%x comes before its CORIM_DOCUMENT", mask & ~*docs);
	*seen |= mask;
}

/* Every relocation region names a VP (vp_index) that needs a VP_CONTEXT
 * with an intersecting mask. */
static void
check_reloc_vps(const CvmIgvm *igvm, GPtrArray *pr, guint flags, GArray *regions)
{
	for (guint r = 0; r < regions->len; r++) {
		const Region *reg = &g_array_index(regions, Region, r);
		gboolean found = FALSE;
		CvmIgvmHeader h;
		for (guint i = 0; !found && cvm_igvm_get_header(igvm, i, &h); i++) {
			const CvmIgvmVpContext *vp = cvm_igvm_header_vp_context(&h);
			found = vp != NULL && cvm_le16(vp->vp_index) == reg->vp_index &&
				(cvm_le32(vp->compatibility_mask) & reg->mask) != 0;
		}
		if (!found) {
			cvm_igvm_get_header(igvm, (guint)reg->index, &h);
			cvmi_igvm_problem_add(pr, flags, CVM_IGVM_RULE_RELOC_NO_VP_CONTEXT, reg->index, h.payload_offset + 4,
					      "no VP_CONTEXT for vp_index %u of this relocation region", reg->vp_index);
		}
	}
}

void
cvmi_igvm_validate_init(const CvmIgvm *igvm, guint flags, GPtrArray *pr)
{
	g_autoptr(GArray) regions = g_array_new(FALSE, FALSE, sizeof(Region));
	guint32 pt_masks = 0, docs = 0, sigs = 0;
	CvmIgvmHeader h;

	for (guint i = 0; cvm_igvm_get_header(igvm, i, &h); i++) {
		if (h.section == CVM_IGVM_SECTION_DIRECTIVE)
			break;
		if (cvm_igvm_header_guest_policy(&h) != NULL)
			reserved(pr, flags, &h, 12, cvm_igvm_header_guest_policy(&h)->reserved != 0);
		else if (cvm_igvm_header_relocatable_region(&h) != NULL)
			check_reloc(pr, flags, &h, regions);
		else if (cvm_igvm_header_page_table_relocation(&h) != NULL)
			check_pt_reloc(pr, flags, &h, regions, &pt_masks);
		else if (cvm_igvm_header_cca_policy(&h) != NULL)
			check_cca(igvm, pr, flags, &h);
		else if (cvm_igvm_header_corim(&h) != NULL)
			check_corim(igvm, pr, flags, &h, &docs, &sigs);
	}
	if (regions->len > 0)
		check_reloc_vps(igvm, pr, flags, regions);
}
