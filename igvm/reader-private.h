/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internals shared by the IGVM reader, validator and platform view. */
#pragma once

#include <cvm/igvm.h>
#include <string.h>

/* One indexed header: 8 bytes, so a 262,144-header file needs 2 MiB. */
typedef struct {
	guint32 type;   /* raw type including the optional bit */
	guint32 offset; /* file offset of the TLV prefix */
} CvmiIgvmEntry;

struct _CvmIgvm {
	GBytes *bytes;
	GMappedFile *map;
	const guint8 *data;
	gsize size;
	guint32 version;
	guint32 arch;
	guint32 page_size;
	guint32 fixed_size;
	guint32 vh_offset;
	guint32 vh_size;
	CvmiIgvmEntry *entries;
	guint n_entries;
	guint n_skipped;
	GPtrArray *platforms;       /* const CvmIgvmSupportedPlatform * */
	GPtrArray *parse_problems;  /* CvmIgvmProblem *, found while indexing */
	GHashTable *area_insert_mask; /* area index -> OR of PARAMETER_INSERT masks */
};

static inline guint32
cvmi_rd32(const void *p, gsize off)
{
	guint32 v;
	memcpy(&v, (const guint8 *)p + off, sizeof(v));
	return GUINT32_FROM_LE(v);
}

static inline guint64
cvmi_rd64(const void *p, gsize off)
{
	guint64 v;
	memcpy(&v, (const guint8 *)p + off, sizeof(v));
	return GUINT64_FROM_LE(v);
}

/* Section of a type without the optional bit; -1 if outside every range. */
static inline int
cvmi_igvm_type_section(guint32 type)
{
	if (type >= CVM_IGVM_VHT_DIRECTIVE_FIRST && type <= CVM_IGVM_VHT_DIRECTIVE_LAST)
		return CVM_IGVM_SECTION_DIRECTIVE;
	if (type >= CVM_IGVM_VHT_PLATFORM_FIRST && type <= CVM_IGVM_VHT_PLATFORM_LAST)
		return CVM_IGVM_SECTION_PLATFORM;
	if (type >= CVM_IGVM_VHT_INIT_FIRST && type <= CVM_IGVM_VHT_INIT_LAST)
		return CVM_IGVM_SECTION_INITIALIZATION;
	return -1;
}

/* cvm_igvm_get_header() for the validator's loops, inlined. */
static inline gboolean
cvmi_igvm_header_at(const CvmIgvm *igvm, guint index, CvmIgvmHeader *out)
{
	if (index >= igvm->n_entries)
		return FALSE;
	const CvmiIgvmEntry *e = &igvm->entries[index];
	int sec = cvmi_igvm_type_section(e->type & CVM_IGVM_VHT_TYPE_MASK);
	out->type = e->type & CVM_IGVM_VHT_TYPE_MASK;
	out->optional = (e->type & CVM_IGVM_VHT_OPTIONAL_BIT) != 0;
	/* Unknown required types outside every range are reported by the
	 * validator; call them directives so callers need no extra case. */
	out->section = sec < 0 ? CVM_IGVM_SECTION_DIRECTIVE : (CvmIgvmSection)sec;
	out->length = cvmi_rd32(igvm->data, e->offset + 4);
	out->payload_offset = e->offset + 8;
	out->payload = igvm->data + out->payload_offset;
	out->index = index;
	return TRUE;
}
/* Offset of the compatibility mask in a payload of @type, -1 if none. */
int cvmi_igvm_mask_offset(guint32 type);

CvmIgvmSeverity cvmi_igvm_rule_severity(CvmIgvmRule rule, guint flags);
/* A problem list keeps the first CVMI_IGVM_MAX_PROBLEMS problems; the rest
 * are counted in one more entry ("N more problems not listed"), an error if
 * any of them is one, with the rule and offset of the first such. Every
 * header can have a problem, so an untrusted file (a guest's firmware
 * update) could otherwise make the list grow 30 times its size. */
#define CVMI_IGVM_MAX_PROBLEMS 256
void cvmi_igvm_problem_add(GPtrArray *problems, guint flags, CvmIgvmRule rule, gint header_index,
			   guint64 offset, const char *fmt, ...) G_GNUC_PRINTF(6, 7);

/* Rule families (validate-*.c). Each appends to @problems. */
void cvmi_igvm_validate_platforms(const CvmIgvm *igvm, guint flags, GPtrArray *problems);
void cvmi_igvm_validate_init(const CvmIgvm *igvm, guint flags, GPtrArray *problems);
/* One pass over every header: directive rules, hygiene and --for-qemu. */
void cvmi_igvm_validate_directives(const CvmIgvm *igvm, guint flags, GPtrArray *problems);
void cvmi_igvm_check_hygiene(const CvmIgvm *igvm, guint flags, GPtrArray *problems, const CvmIgvmHeader *h,
			     guint32 declared);
/* --for-qemu rules about the whole file (platforms QEMU can load, at least
 * one directive, the SNP VMSA address KVM requires). */
void cvmi_igvm_check_qemu_file(const CvmIgvm *igvm, guint flags, GPtrArray *problems);
void cvmi_igvm_check_page_overlap(const CvmIgvm *igvm, guint flags, GPtrArray *problems, guint32 bit);

/* Union of all SUPPORTED_PLATFORM masks. */
guint32 cvmi_igvm_declared_masks(const CvmIgvm *igvm);

/* FILE_OFFSET rule: @file_offset (0 = no data) must start in the file-data
 * area and @len bytes must fit in the file. @field is the field's offset. */
void cvmi_igvm_check_file_range(const CvmIgvm *igvm, guint flags, GPtrArray *problems, const CvmIgvmHeader *h,
				guint32 field, guint64 file_offset, guint64 len);
/* VP_CONTEXT rules (validate-vp-context.c). */
/* The SUPPORTED_PLATFORM whose mask is exactly @mask, or NULL. */
const CvmIgvmSupportedPlatform *cvmi_igvm_mask_owner(const CvmIgvm *igvm, guint32 mask);
/* How many bytes of file data a VP_CONTEXT holds: its format is that of the
 * one platform whose mask it carries (a page for a VMSA or the native
 * context, VSM's register count and records, CCA's ten registers). The
 * validator and the report both read it from here. */
guint64 cvmi_igvm_vp_context_data_len(const CvmIgvm *igvm, const CvmIgvmVpContext *vp);
void cvmi_igvm_check_vp_context(const CvmIgvm *igvm, guint flags, GPtrArray *problems, const CvmIgvmHeader *h);
