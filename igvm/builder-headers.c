/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Header records of the builder: which section a type goes to, where its
 * file offset sits, and the argument checks every typed add shares. */
#include "igvm/builder-private.h"

#include <cvm/error.h>
#include <string.h>

int
cvmi_builder_section_of(guint32 type)
{
	guint32 t = type & CVM_IGVM_VHT_TYPE_MASK;

	if (t >= CVM_IGVM_VHT_PLATFORM_FIRST && t <= CVM_IGVM_VHT_PLATFORM_LAST)
		return CVMI_SECTION_PLATFORM;
	if (t >= CVM_IGVM_VHT_INIT_FIRST && t <= CVM_IGVM_VHT_INIT_LAST)
		return CVMI_SECTION_INIT;
	if (t >= CVM_IGVM_VHT_DIRECTIVE_FIRST && t <= CVM_IGVM_VHT_DIRECTIVE_LAST)
		return CVMI_SECTION_DIRECTIVE;
	return -1;
}

gint
cvmi_builder_file_offset_field(guint32 type)
{
	switch (type & CVM_IGVM_VHT_TYPE_MASK) {
	case CVM_IGVM_VHT_PAGE_DATA:
		return offsetof(CvmIgvmPageData, file_offset);
	case CVM_IGVM_VHT_VP_CONTEXT:
		return offsetof(CvmIgvmVpContext, file_offset);
	case CVM_IGVM_VHT_PARAMETER_AREA:
		return offsetof(CvmIgvmParameterArea, file_offset);
	case CVM_IGVM_VHT_CORIM_DOCUMENT:
	case CVM_IGVM_VHT_CORIM_SIGNATURE:
		return offsetof(CvmIgvmCorimData, file_offset);
	default:
		return -1;
	}
}

CvmiBuilderHeader *
cvmi_builder_append(CvmIgvmBuilder *builder, guint32 type, const void *payload, guint32 length,
		    gint file_offset_at, GBytes *blob)
{
	CvmiBuilderHeader *h = g_malloc(sizeof(*h) + length);
	int section = cvmi_builder_section_of(type);

	g_return_val_if_fail(section >= 0, NULL);
	h->type = type;
	h->length = length;
	h->file_offset_at = blob != NULL ? file_offset_at : -1;
	h->blob = blob != NULL ? g_bytes_ref(blob) : NULL;
	memcpy(h->payload, payload, length);
	if (file_offset_at >= 0 && file_offset_at + 4 <= (gint)length)
		memset(h->payload + file_offset_at, 0, 4);
	g_ptr_array_add(builder->sections[section], h);
	return h;
}

gboolean
cvmi_builder_check_mask(guint32 mask, GError **error)
{
	if (mask == 0) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "compatibility mask is 0 (names no platform)");
		return FALSE;
	}
	return TRUE;
}

gboolean
cvmi_builder_check_aligned(const char *what, guint64 value, GError **error)
{
	if (value % CVM_IGVM_PAGE_SIZE != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s 0x%" G_GINT64_MODIFIER "x is not 4 KiB-aligned", what, value);
		return FALSE;
	}
	return TRUE;
}
