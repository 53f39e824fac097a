/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM validation rules for directives (spec section 7): page data,
 * parameter areas and their users, VP contexts, memory ranges. One pass over
 * the index; PAGE_DATA, the bulk of any file, takes the shortest path. */
#include "igvm/reader-private.h"

#define PAGE 4096ull

typedef struct {
	guint64 size;
	gboolean inserted;
} Area;

typedef struct {
	const CvmIgvm *igvm;
	guint flags;
	GPtrArray *pr;
	GHashTable *areas; /* index -> Area */
	GArray *pt_regions; /* guint64 triples: mask, start, end */
	guint64 data_start;
	guint32 declared;
	guint32 unsorted; /* platform bits whose PAGE_DATA GPAs are not ascending */
	guint32 qemu_isolated; /* --for-qemu: SEV, SEV-ES and SEV-SNP masks */
	guint64 next_gpa[32];
} Ctx;

#define PROBLEM(c, rule, h, field, ...) \
	cvmi_igvm_problem_add((c)->pr, (c)->flags, rule, (gint)(h)->index, (h)->payload_offset + (field), __VA_ARGS__)

/* The hot path: one PAGE_DATA with the right length. Every rule is folded
 * into one test; only a file that breaks one pays for the reports. */
static void
check_page(Ctx *c, const CvmIgvmHeader *h)
{
	const guint8 *p = h->payload;
	guint64 gpa = cvmi_rd64(p, 0);
	guint32 mask = cvmi_rd32(p, 8), file_offset = cvmi_rd32(p, 12), flags = cvmi_rd32(p, 16);
	guint32 type_reserved = cvmi_rd32(p, 20);
	gboolean bad_file = file_offset != 0 && (file_offset < c->data_start || (guint64)file_offset + PAGE > c->igvm->size);

	if (G_UNLIKELY((gpa % PAGE) | ((type_reserved & 0xFFFF) > CVM_IGVM_PAGE_DATA_CPUID_XF) | (type_reserved >> 16) |
		       (flags & (CVM_IGVM_PAGE_FLAG_2MB | ~CVM_IGVM_PAGE_FLAGS_KNOWN)) | bad_file | (mask & ~c->declared) |
		       ((flags & CVM_IGVM_PAGE_FLAG_SHARED) && (mask & c->qemu_isolated)))) {
		if (gpa % PAGE)
			PROBLEM(c, CVM_IGVM_RULE_PAGE_GPA_ALIGN, h, 0, "PAGE_DATA gpa 0x%" G_GINT64_MODIFIER "x is not 4 KiB aligned", gpa);
		if ((type_reserved & 0xFFFF) > CVM_IGVM_PAGE_DATA_CPUID_XF)
			PROBLEM(c, CVM_IGVM_RULE_PAGE_DATA_TYPE, h, 20, "PAGE_DATA data_type %u is unknown", type_reserved & 0xFFFF);
		if (type_reserved >> 16)
			PROBLEM(c, CVM_IGVM_RULE_RESERVED_NONZERO, h, 22, "PAGE_DATA reserved field is not zero");
		if (flags & CVM_IGVM_PAGE_FLAG_2MB)
			PROBLEM(c, CVM_IGVM_RULE_PAGE_2MB, h, 16, "2 MiB pages are not supported");
		/* Reserved: no loader or measurement reads them (igvm_defs IgvmPageDataFlags). */
		if (flags & ~CVM_IGVM_PAGE_FLAGS_KNOWN)
			PROBLEM(c, CVM_IGVM_RULE_PAGE_FLAGS_RESERVED, h, 16,
				"PAGE_DATA flags 0x%x set reserved bits (3-31), which loaders ignore", flags);
		/* QEMU's loader (backends/igvm.c) never reads the shared bit: it
		 * imports and measures the page like a private one. */
		if ((flags & CVM_IGVM_PAGE_FLAG_SHARED) && (mask & c->qemu_isolated))
			PROBLEM(c, CVM_IGVM_RULE_QEMU_UNSUPPORTED, h, 16,
				"QEMU ignores the shared flag: it would import this page private and measure it, "
				"so the guest's launch digest would not be the file's");
		if (bad_file)
			cvmi_igvm_check_file_range(c->igvm, c->flags, c->pr, h, 12, file_offset, PAGE);
		cvmi_igvm_check_hygiene(c->igvm, c->flags, c->pr, h, c->declared);
	}
	/* Overlap tracking: pages in ascending order per platform need nothing more. */
	gpa &= ~(PAGE - 1);
	for (guint32 m = mask & c->declared; m != 0; m &= m - 1) {
		guint b = (guint)__builtin_ctz(m);
		if (gpa < c->next_gpa[b])
			c->unsorted |= 1u << b;
		else
			c->next_gpa[b] = gpa + PAGE;
	}
}

static Area *
area_for_user(Ctx *c, const CvmIgvmHeader *h, guint32 index, guint32 field)
{
	Area *a = g_hash_table_lookup(c->areas, GUINT_TO_POINTER(index));

	if (a == NULL || a->inserted) {
		PROBLEM(c, CVM_IGVM_RULE_PARAM_AREA_UNKNOWN, h, field, "%s names parameter area %u, which is %s",
			cvm_igvm_header_type_name(h->type), index, a == NULL ? "not allocated" : "already inserted");
		return NULL;
	}
	return a;
}

static void
check_area(Ctx *c, const CvmIgvmHeader *h)
{
	const CvmIgvmParameterArea *p = h->payload;
	guint64 size = cvm_le64(p->number_of_bytes);
	guint32 index = cvm_le32(p->parameter_area_index);

	if (size % PAGE)
		PROBLEM(c, CVM_IGVM_RULE_PARAM_AREA_SIZE, h, 0,
			"parameter area size 0x%" G_GINT64_MODIFIER "x is not a multiple of 4 KiB", size);
	cvmi_igvm_check_file_range(c->igvm, c->flags, c->pr, h, 12, cvm_le32(p->file_offset), size);
	if (g_hash_table_contains(c->areas, GUINT_TO_POINTER(index))) {
		PROBLEM(c, CVM_IGVM_RULE_PARAM_AREA_DUPLICATE, h, 8, "parameter area index %u is declared twice", index);
		return;
	}
	Area *a = g_new0(Area, 1);
	a->size = size;
	g_hash_table_insert(c->areas, GUINT_TO_POINTER(index), a);
}

static void
check_parameter(Ctx *c, const CvmIgvmHeader *h)
{
	const CvmIgvmParameter *p = h->payload;
	guint32 off = cvm_le32(p->byte_offset);
	Area *a = area_for_user(c, h, cvm_le32(p->parameter_area_index), 0);
	/* These two make the loader write a u32; the others a table of its size. */
	guint64 need = h->type == CVM_IGVM_VHT_VP_COUNT_PARAMETER || h->type == CVM_IGVM_VHT_ENVIRONMENT_INFO_PARAMETER
			       ? 4 : 1;

	if (a != NULL && (off > a->size || need > a->size - off))
		PROBLEM(c, CVM_IGVM_RULE_PARAM_BYTE_OFFSET, h, 4,
			"byte_offset 0x%x is outside parameter area of 0x%" G_GINT64_MODIFIER "x bytes", off, a->size);
}

static void
check_insert(Ctx *c, const CvmIgvmHeader *h)
{
	const CvmIgvmParameterInsert *p = h->payload;
	guint64 gpa = cvm_le64(p->gpa);
	guint32 mask = cvm_le32(p->compatibility_mask);
	Area *a = area_for_user(c, h, cvm_le32(p->parameter_area_index), 12);

	if (gpa % PAGE)
		PROBLEM(c, CVM_IGVM_RULE_PARAM_INSERT_GPA_ALIGN, h, 0,
			"PARAMETER_INSERT gpa 0x%" G_GINT64_MODIFIER "x is not 4 KiB aligned", gpa);
	for (guint i = 0; i + 2 < c->pt_regions->len; i += 3) {
		guint64 *r = &g_array_index(c->pt_regions, guint64, i);
		if ((r[0] & mask) && gpa >= r[1] && gpa < r[2])
			PROBLEM(c, CVM_IGVM_RULE_PARAM_INSERT_IN_PT_REGION, h, 0,
				"PARAMETER_INSERT gpa 0x%" G_GINT64_MODIFIER "x lies in a page table region", gpa);
	}
	if (a != NULL)
		a->inserted = TRUE;
}

static void
check_memory(Ctx *c, const CvmIgvmHeader *h)
{
	const CvmIgvmRequiredMemory *r = cvm_igvm_header_required_memory(h);
	const CvmIgvmErrorRange *e = cvm_igvm_header_error_range(h);

	if (r != NULL) {
		if (cvm_le64(r->gpa) % PAGE || cvm_le32(r->number_of_bytes) % PAGE)
			PROBLEM(c, CVM_IGVM_RULE_REQUIRED_MEMORY_ALIGN, h, 0,
				"REQUIRED_MEMORY gpa or size is not 4 KiB aligned");
		if (r->reserved != 0)
			PROBLEM(c, CVM_IGVM_RULE_RESERVED_NONZERO, h, 20, "REQUIRED_MEMORY reserved field is not zero");
	} else if (e != NULL && cvm_le64(e->gpa) % PAGE) {
		PROBLEM(c, CVM_IGVM_RULE_ERROR_RANGE_ALIGN, h, 0, "ERROR_RANGE gpa is not 4 KiB aligned");
	}
}

static void
collect_pt_regions(Ctx *c)
{
	CvmIgvmHeader h;

	for (guint i = 0; cvm_igvm_get_header(c->igvm, i, &h) && h.section != CVM_IGVM_SECTION_DIRECTIVE; i++) {
		const CvmIgvmPageTableRelocation *r = cvm_igvm_header_page_table_relocation(&h);
		if (r == NULL)
			continue;
		guint64 gpa = cvm_le64(r->gpa), size = cvm_le64(r->size);
		guint64 t[3] = { cvm_le32(r->compatibility_mask), gpa, gpa + size < gpa ? G_MAXUINT64 : gpa + size };
		g_array_append_vals(c->pt_regions, t, 3);
	}
}

static void
check_directive(Ctx *c, const CvmIgvmHeader *h)
{
	switch (h->type) {
	case CVM_IGVM_VHT_PARAMETER_AREA: check_area(c, h); break;
	case CVM_IGVM_VHT_PARAMETER_INSERT: check_insert(c, h); break;
	case CVM_IGVM_VHT_VP_CONTEXT: cvmi_igvm_check_vp_context(c->igvm, c->flags, c->pr, h); break;
	case CVM_IGVM_VHT_REQUIRED_MEMORY:
	case CVM_IGVM_VHT_ERROR_RANGE: check_memory(c, h); break;
	default:
		if (cvm_igvm_type_is_parameter(h->type))
			check_parameter(c, h);
		break;
	}
}

void
cvmi_igvm_validate_directives(const CvmIgvm *igvm, guint flags, GPtrArray *pr)
{
	g_autoptr(GHashTable) areas = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	g_autoptr(GArray) pt = g_array_new(FALSE, FALSE, sizeof(guint64));
	Ctx c = { igvm, flags, pr, areas, pt, (guint64)igvm->vh_offset + igvm->vh_size, cvmi_igvm_declared_masks(igvm), 0, 0,
		  { 0 } };
	CvmIgvmHeader h;

	if (flags & CVM_IGVM_FOR_QEMU)
		c.qemu_isolated = cvm_igvm_platform_mask(igvm, CVM_PLATFORM_SEV) |
				  cvm_igvm_platform_mask(igvm, CVM_PLATFORM_SEV_ES) |
				  cvm_igvm_platform_mask(igvm, CVM_PLATFORM_SEV_SNP);
	collect_pt_regions(&c);
	for (guint i = 0; cvmi_igvm_header_at(igvm, i, &h); i++) {
		if (h.type == CVM_IGVM_VHT_PAGE_DATA && h.length == sizeof(CvmIgvmPageData)) {
			check_page(&c, &h);
			continue;
		}
		cvmi_igvm_check_hygiene(igvm, flags, pr, &h, c.declared);
		if (h.section == CVM_IGVM_SECTION_DIRECTIVE && h.length == cvm_igvm_header_type_size(h.type))
			check_directive(&c, &h);
	}
	for (guint32 m = c.unsorted; m != 0; m &= m - 1)
		cvmi_igvm_check_page_overlap(igvm, flags, pr, 1u << __builtin_ctz(m));
}
