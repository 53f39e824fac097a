/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parameter areas, the parameter directives that fill them, and their
 * inserts. The builder tracks each area so a user or an insert can only name
 * an area that exists and has not been inserted yet (the order a loader needs). */
#include "igvm/builder-private.h"

#include <cvm/error.h>

static CvmiBuilderArea *
open_area(CvmIgvmBuilder *b, guint32 index, GError **error)
{
	CvmiBuilderArea *area = g_hash_table_lookup(b->areas, GUINT_TO_POINTER(index));

	if (area == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "parameter area %u has not been added", index);
		return NULL;
	}
	if (area->inserted) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "parameter area %u is already inserted", index);
		return NULL;
	}
	return area;
}

gboolean
cvm_igvm_builder_add_parameter_area(CvmIgvmBuilder *builder, guint32 index,
				    guint64 number_of_bytes, GBytes *initial_data, GError **error)
{
	CvmIgvmParameterArea a = { 0 };
	g_autoptr(GBytes) blob = NULL;
	CvmiBuilderArea *area;

	if (number_of_bytes == 0 || number_of_bytes > G_MAXUINT32 ||
	    !cvmi_builder_check_aligned("parameter area size", number_of_bytes, error)) {
		if (error != NULL && *error == NULL)
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "parameter area size %" G_GUINT64_FORMAT " is out of range",
				    number_of_bytes);
		return FALSE;
	}
	if (g_hash_table_contains(builder->areas, GUINT_TO_POINTER(index))) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "parameter area %u is already defined", index);
		return FALSE;
	}
	if (initial_data != NULL) {
		if (g_bytes_get_size(initial_data) > number_of_bytes) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "initial data of %" G_GSIZE_FORMAT
				    " bytes does not fit parameter area %u",
				    g_bytes_get_size(initial_data), index);
			return FALSE;
		}
		blob = cvmi_bytes_padded(initial_data, number_of_bytes);
	}
	a.number_of_bytes = GUINT64_TO_LE(number_of_bytes);
	a.parameter_area_index = GUINT32_TO_LE(index);
	cvmi_builder_append(builder, CVM_IGVM_VHT_PARAMETER_AREA, &a, sizeof(a),
			    cvmi_builder_file_offset_field(CVM_IGVM_VHT_PARAMETER_AREA), blob);
	area = g_new0(CvmiBuilderArea, 1);
	area->size = number_of_bytes;
	g_hash_table_insert(builder->areas, GUINT_TO_POINTER(index), area);
	return TRUE;
}

static gboolean
is_parameter_type(CvmIgvmHeaderType type)
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
cvm_igvm_builder_add_parameter(CvmIgvmBuilder *builder, CvmIgvmHeaderType type, guint32 index,
			       guint32 byte_offset, GError **error)
{
	CvmIgvmParameter p = { 0 };
	CvmiBuilderArea *area;

	if (!is_parameter_type(type)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "header type 0x%x is not a parameter directive", (guint)type);
		return FALSE;
	}
	area = open_area(builder, index, error);
	if (area == NULL)
		return FALSE;
	if (byte_offset >= area->size) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "byte offset %u is outside parameter area %u (%" G_GUINT64_FORMAT
			    " bytes)",
			    byte_offset, index, area->size);
		return FALSE;
	}
	p.parameter_area_index = GUINT32_TO_LE(index);
	p.byte_offset = GUINT32_TO_LE(byte_offset);
	cvmi_builder_append(builder, type, &p, sizeof(p), -1, NULL);
	return TRUE;
}

gboolean
cvm_igvm_builder_add_parameter_insert(CvmIgvmBuilder *builder, guint32 mask, guint64 gpa,
				      guint32 index, GError **error)
{
	CvmIgvmParameterInsert p = { 0 };
	CvmiBuilderArea *area;

	if (!cvmi_builder_check_mask(mask, error) ||
	    !cvmi_builder_check_aligned("parameter insert GPA", gpa, error))
		return FALSE;
	area = open_area(builder, index, error);
	if (area == NULL)
		return FALSE;
	p.gpa = GUINT64_TO_LE(gpa);
	p.compatibility_mask = GUINT32_TO_LE(mask);
	p.parameter_area_index = GUINT32_TO_LE(index);
	cvmi_builder_append(builder, CVM_IGVM_VHT_PARAMETER_INSERT, &p, sizeof(p), -1, NULL);
	area->inserted = TRUE;
	return TRUE;
}
