/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM header descriptors: type table, typed payload views, file data and
 * platform lookup (all zero-copy into the mapping). */
#include "igvm/reader-private.h"

#include <cvm/error.h>

typedef struct {
	guint32 type;
	const char *name;
	guint16 size;
	gint8 mask_offset; /* -1: no mask */
} TypeInfo;

static const TypeInfo types[] = {
	{ CVM_IGVM_VHT_SUPPORTED_PLATFORM, "SUPPORTED_PLATFORM", 16, 0 },
	{ CVM_IGVM_VHT_GUEST_POLICY, "GUEST_POLICY", 16, 8 },
	{ CVM_IGVM_VHT_RELOCATABLE_REGION, "RELOCATABLE_REGION", 48, 0 },
	{ CVM_IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, "PAGE_TABLE_RELOCATION_REGION", 32, 0 },
	{ CVM_IGVM_VHT_CORIM_DOCUMENT, "CORIM_DOCUMENT", 16, 0 },
	{ CVM_IGVM_VHT_CORIM_SIGNATURE, "CORIM_SIGNATURE", 16, 0 },
	{ CVM_IGVM_VHT_CCA_POLICY, "CCA_POLICY", 32, 0 },
	{ CVM_IGVM_VHT_PARAMETER_AREA, "PARAMETER_AREA", 16, -1 },
	{ CVM_IGVM_VHT_PAGE_DATA, "PAGE_DATA", 24, 8 },
	{ CVM_IGVM_VHT_PARAMETER_INSERT, "PARAMETER_INSERT", 16, 8 },
	{ CVM_IGVM_VHT_VP_CONTEXT, "VP_CONTEXT", 20, 8 },
	{ CVM_IGVM_VHT_REQUIRED_MEMORY, "REQUIRED_MEMORY", 24, 8 },
	{ CVM_IGVM_VHT_VP_COUNT_PARAMETER, "VP_COUNT_PARAMETER", 8, -1 },
	{ CVM_IGVM_VHT_SRAT, "SRAT", 8, -1 },
	{ CVM_IGVM_VHT_MADT, "MADT", 8, -1 },
	{ CVM_IGVM_VHT_MMIO_RANGES, "MMIO_RANGES", 8, -1 },
	{ CVM_IGVM_VHT_SNP_ID_BLOCK, "SNP_ID_BLOCK", 696, 0 },
	{ CVM_IGVM_VHT_MEMORY_MAP, "MEMORY_MAP", 8, -1 },
	{ CVM_IGVM_VHT_ERROR_RANGE, "ERROR_RANGE", 16, 8 },
	{ CVM_IGVM_VHT_COMMAND_LINE, "COMMAND_LINE", 8, -1 },
	{ CVM_IGVM_VHT_SLIT, "SLIT", 8, -1 },
	{ CVM_IGVM_VHT_PPTT, "PPTT", 8, -1 },
	{ CVM_IGVM_VHT_VBS_MEASUREMENT, "VBS_MEASUREMENT", 864, 0 },
	{ CVM_IGVM_VHT_DEVICE_TREE, "DEVICE_TREE", 8, -1 },
	{ CVM_IGVM_VHT_ENVIRONMENT_INFO_PARAMETER, "ENVIRONMENT_INFO_PARAMETER", 8, -1 },
};

static const TypeInfo *
type_info(guint32 type)
{
	/* PAGE_DATA dominates real files: check it first. */
	if (type == CVM_IGVM_VHT_PAGE_DATA)
		return &types[8];
	for (gsize i = 0; i < G_N_ELEMENTS(types); i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

gsize
cvm_igvm_header_type_size(guint32 type)
{
	const TypeInfo *t = type_info(type & CVM_IGVM_VHT_TYPE_MASK);
	return t != NULL ? t->size : 0;
}

const char *
cvm_igvm_header_type_name(guint32 type)
{
	const TypeInfo *t = type_info(type & CVM_IGVM_VHT_TYPE_MASK);
	return t != NULL ? t->name : NULL;
}

int
cvmi_igvm_mask_offset(guint32 type)
{
	const TypeInfo *t = type_info(type);
	return t != NULL ? t->mask_offset : -1;
}

gboolean
cvm_igvm_type_is_parameter(guint32 type)
{
	switch (type) {
	case CVM_IGVM_VHT_VP_COUNT_PARAMETER:
	case CVM_IGVM_VHT_SRAT:
	case CVM_IGVM_VHT_MADT:
	case CVM_IGVM_VHT_MMIO_RANGES:
	case CVM_IGVM_VHT_MEMORY_MAP:
	case CVM_IGVM_VHT_COMMAND_LINE:
	case CVM_IGVM_VHT_SLIT:
	case CVM_IGVM_VHT_PPTT:
	case CVM_IGVM_VHT_DEVICE_TREE:
	case CVM_IGVM_VHT_ENVIRONMENT_INFO_PARAMETER:
		return TRUE;
	default:
		return FALSE;
	}
}

gboolean
cvm_igvm_get_header(const CvmIgvm *igvm, guint index, CvmIgvmHeader *out)
{
	return cvmi_igvm_header_at(igvm, index, out);
}

gboolean
cvm_igvm_header_get_mask(const CvmIgvmHeader *h, guint32 *mask)
{
	const TypeInfo *t = type_info(h->type);

	if (t == NULL || t->mask_offset < 0 || h->length != t->size)
		return FALSE;
	*mask = cvmi_rd32(h->payload, t->mask_offset);
	return TRUE;
}

static const void *
typed(const CvmIgvmHeader *h, guint32 type, gsize size)
{
	return h->type == type && h->length == size ? h->payload : NULL;
}

#define TYPED(fn, ctype, vht) \
	const ctype *fn(const CvmIgvmHeader *h) { return typed(h, vht, sizeof(ctype)); }
TYPED(cvm_igvm_header_platform, CvmIgvmSupportedPlatform, CVM_IGVM_VHT_SUPPORTED_PLATFORM)
TYPED(cvm_igvm_header_guest_policy, CvmIgvmGuestPolicy, CVM_IGVM_VHT_GUEST_POLICY)
TYPED(cvm_igvm_header_relocatable_region, CvmIgvmRelocatableRegion, CVM_IGVM_VHT_RELOCATABLE_REGION)
TYPED(cvm_igvm_header_page_table_relocation, CvmIgvmPageTableRelocation,
      CVM_IGVM_VHT_PAGE_TABLE_RELOCATION_REGION)
TYPED(cvm_igvm_header_cca_policy, CvmIgvmCcaPolicy, CVM_IGVM_VHT_CCA_POLICY)
TYPED(cvm_igvm_header_parameter_area, CvmIgvmParameterArea, CVM_IGVM_VHT_PARAMETER_AREA)
TYPED(cvm_igvm_header_page_data, CvmIgvmPageData, CVM_IGVM_VHT_PAGE_DATA)
TYPED(cvm_igvm_header_parameter_insert, CvmIgvmParameterInsert, CVM_IGVM_VHT_PARAMETER_INSERT)
TYPED(cvm_igvm_header_vp_context, CvmIgvmVpContext, CVM_IGVM_VHT_VP_CONTEXT)
TYPED(cvm_igvm_header_required_memory, CvmIgvmRequiredMemory, CVM_IGVM_VHT_REQUIRED_MEMORY)
TYPED(cvm_igvm_header_error_range, CvmIgvmErrorRange, CVM_IGVM_VHT_ERROR_RANGE)
TYPED(cvm_igvm_header_snp_id_block, CvmIgvmSnpIdBlock, CVM_IGVM_VHT_SNP_ID_BLOCK)
TYPED(cvm_igvm_header_vbs_measurement, CvmIgvmVbsMeasurement, CVM_IGVM_VHT_VBS_MEASUREMENT)

const CvmIgvmCorimData *
cvm_igvm_header_corim(const CvmIgvmHeader *h)
{
	if (h->type == CVM_IGVM_VHT_CORIM_SIGNATURE)
		return typed(h, CVM_IGVM_VHT_CORIM_SIGNATURE, sizeof(CvmIgvmCorimData));
	return typed(h, CVM_IGVM_VHT_CORIM_DOCUMENT, sizeof(CvmIgvmCorimData));
}

const CvmIgvmParameter *
cvm_igvm_header_parameter(const CvmIgvmHeader *h)
{
	if (!cvm_igvm_type_is_parameter(h->type) || h->length != sizeof(CvmIgvmParameter))
		return NULL;
	return h->payload;
}

gboolean
cvm_igvm_get_file_data(const CvmIgvm *igvm, guint64 file_offset, guint64 len, const guint8 **data,
		       GError **error)
{
	guint64 start = cvm_igvm_get_file_data_offset(igvm);

	if (file_offset < start || file_offset > igvm->size || len > igvm->size - file_offset) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "file data 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
			    "x is outside the file data area 0x%" G_GINT64_MODIFIER "x-0x%zx",
			    file_offset, len, start, igvm->size);
		return FALSE;
	}
	*data = igvm->data + file_offset;
	return TRUE;
}

GPtrArray *
cvm_igvm_get_platforms(const CvmIgvm *igvm)
{
	return igvm->platforms;
}

const CvmIgvmSupportedPlatform *
cvm_igvm_find_platform(const CvmIgvm *igvm, CvmPlatform type)
{
	guint8 wire = cvm_igvm_platform_to_wire(type);

	for (guint i = 0; i < igvm->platforms->len; i++) {
		const CvmIgvmSupportedPlatform *p = igvm->platforms->pdata[i];
		if (p->platform_type == wire)
			return p;
	}
	return NULL;
}

guint32
cvm_igvm_platform_mask(const CvmIgvm *igvm, CvmPlatform type)
{
	const CvmIgvmSupportedPlatform *p = cvm_igvm_find_platform(igvm, type);
	return p != NULL ? cvm_le32(p->compatibility_mask) : 0;
}

guint32
cvmi_igvm_declared_masks(const CvmIgvm *igvm)
{
	guint32 m = 0;
	for (guint i = 0; i < igvm->platforms->len; i++)
		m |= cvm_le32(((const CvmIgvmSupportedPlatform *)igvm->platforms->pdata[i])->compatibility_mask);
	return m;
}

const CvmIgvmSupportedPlatform *
cvmi_igvm_mask_owner(const CvmIgvm *igvm, guint32 mask)
{
	for (guint i = 0; i < igvm->platforms->len; i++) {
		const CvmIgvmSupportedPlatform *p = igvm->platforms->pdata[i];
		if (cvm_le32(p->compatibility_mask) == mask)
			return p;
	}
	return NULL;
}

guint64
cvmi_igvm_vp_context_data_len(const CvmIgvm *igvm, const CvmIgvmVpContext *vp)
{
	const CvmIgvmSupportedPlatform *p = cvmi_igvm_mask_owner(igvm, cvm_le32(vp->compatibility_mask));
	guint64 start = (guint64)igvm->vh_offset + igvm->vh_size, off = cvm_le32(vp->file_offset);

	CvmPlatform type = CVM_PLATFORM_AUTO;

	if (p == NULL || !cvm_igvm_platform_from_wire(p->platform_type, &type))
		return CVM_IGVM_PAGE_SIZE;
	switch (type) {
	case CVM_PLATFORM_VSM:
		/* A register count, then that many 32-byte records. */
		if (off >= start && off <= igvm->size && igvm->size - off >= 4)
			return 4 + (guint64)cvmi_rd32(igvm->data, off) * 32;
		return 4;
	case CVM_PLATFORM_CCA:
		return 10 * 8;
	default:
		return CVM_IGVM_PAGE_SIZE; /* a VMSA, or the native context in a page */
	}
}
