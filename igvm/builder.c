/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CvmIgvmBuilder: lifetime, platform and initialization headers, parameter
 * directives and the small fixed-size directives. Page data and VP contexts
 * are in builder-pages.c, serialization in builder-write.c. */
#include "igvm/builder-private.h"

#include <cvm/error.h>
#include <string.h>

static void
header_free(gpointer p)
{
	CvmiBuilderHeader *h = p;

	if (h->blob != NULL)
		g_bytes_unref(h->blob);
	g_free(h);
}

CvmIgvmBuilder *
cvm_igvm_builder_new(guint32 format_version)
{
	CvmIgvmBuilder *b;

	if (format_version != 1 && format_version != 2)
		return NULL;
	b = g_new0(CvmIgvmBuilder, 1);
	b->version = format_version;
	b->architecture = CVM_IGVM_ARCH_X64;
	b->validate = TRUE;
	for (int i = 0; i < CVMI_N_SECTIONS; i++)
		b->sections[i] = g_ptr_array_new_with_free_func(header_free);
	b->areas = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	return b;
}

void
cvm_igvm_builder_free(CvmIgvmBuilder *builder)
{
	if (builder == NULL)
		return;
	for (int i = 0; i < CVMI_N_SECTIONS; i++)
		g_ptr_array_unref(builder->sections[i]);
	g_hash_table_unref(builder->areas);
	g_free(builder);
}

guint32
cvm_igvm_builder_get_format_version(const CvmIgvmBuilder *builder)
{
	return builder->version;
}

gboolean
cvm_igvm_builder_set_architecture(CvmIgvmBuilder *builder, CvmIgvmArchitecture arch,
				  GError **error)
{
	if (arch != CVM_IGVM_ARCH_X64 && arch != CVM_IGVM_ARCH_AARCH64) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "unknown architecture %u",
			    (guint)arch);
		return FALSE;
	}
	if (builder->version < 2 && arch != CVM_IGVM_ARCH_X64) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "format version 1 files are always x64; use version 2");
		return FALSE;
	}
	builder->architecture = arch;
	return TRUE;
}

void
cvm_igvm_builder_set_validate(CvmIgvmBuilder *builder, gboolean validate)
{
	builder->validate = validate;
}

guint
cvm_igvm_builder_get_n_headers(const CvmIgvmBuilder *builder)
{
	guint n = 0;

	for (int i = 0; i < CVMI_N_SECTIONS; i++)
		n += builder->sections[i]->len;
	return n;
}

static guint32
lowest_free_bit(guint32 used)
{
	for (guint i = 0; i < 32; i++)
		if ((used & (1u << i)) == 0)
			return 1u << i;
	return 0;
}

static gboolean
check_platform(CvmIgvmBuilder *b, CvmPlatform type, guint32 mask, guint8 highest_vtl,
	       guint64 boundary, GError **error)
{
	guint8 wire = cvm_igvm_platform_to_wire(type);

	if (wire >= G_N_ELEMENTS(b->platform_mask)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "unknown platform type %u (%s)",
			    (guint)type, cvm_platform_to_string(type));
		return FALSE;
	}
	if (b->platform_mask[wire] != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "platform %s is already declared", cvm_platform_to_string(type));
		return FALSE;
	}
	if (mask == 0 || (mask & (mask - 1)) != 0 || (b->used_masks & mask) != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "compatibility mask 0x%x is not one free bit", mask);
		return FALSE;
	}
	if (highest_vtl != 0 && highest_vtl != 2) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "highest VTL %u is neither 0 nor 2", highest_vtl);
		return FALSE;
	}
	if (boundary != 0 &&
	    (type == CVM_PLATFORM_NATIVE || type == CVM_PLATFORM_VSM)) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "NATIVE and VSM platforms have no shared GPA boundary");
		return FALSE;
	}
	return TRUE;
}

guint32
cvm_igvm_builder_add_platform(CvmIgvmBuilder *builder, CvmPlatform type, guint32 mask,
			      guint8 highest_vtl, guint64 shared_gpa_boundary, GError **error)
{
	CvmIgvmSupportedPlatform p = { 0 };

	if (mask == 0)
		mask = lowest_free_bit(builder->used_masks);
	if (!check_platform(builder, type, mask, highest_vtl, shared_gpa_boundary, error))
		return 0;
	p.compatibility_mask = GUINT32_TO_LE(mask);
	p.highest_vtl = highest_vtl;
	p.platform_type = cvm_igvm_platform_to_wire(type);
	p.platform_version = GUINT16_TO_LE(1);
	p.shared_gpa_boundary = GUINT64_TO_LE(shared_gpa_boundary);
	cvmi_builder_append(builder, CVM_IGVM_VHT_SUPPORTED_PLATFORM, &p, sizeof(p), -1, NULL);
	builder->platform_mask[p.platform_type] = mask;
	builder->used_masks |= mask;
	return mask;
}

guint32
cvm_igvm_builder_get_platform_mask(const CvmIgvmBuilder *builder, CvmPlatform type)
{
	guint8 wire = cvm_igvm_platform_to_wire(type);

	return wire < G_N_ELEMENTS(builder->platform_mask) ? builder->platform_mask[wire] : 0;
}

gboolean
cvm_igvm_builder_add_guest_policy(CvmIgvmBuilder *builder, guint32 mask, guint64 policy,
				  GError **error)
{
	CvmIgvmGuestPolicy p = { 0 };

	if (!cvmi_builder_check_mask(mask, error))
		return FALSE;
	p.policy = GUINT64_TO_LE(policy);
	p.compatibility_mask = GUINT32_TO_LE(mask);
	cvmi_builder_append(builder, CVM_IGVM_VHT_GUEST_POLICY, &p, sizeof(p), -1, NULL);
	return TRUE;
}

gboolean
cvm_igvm_builder_add_relocatable_region(CvmIgvmBuilder *builder,
					const CvmIgvmRelocatableRegion *region, GError **error)
{
	if (!cvmi_builder_check_mask(cvm_le32(region->compatibility_mask), error))
		return FALSE;
	cvmi_builder_append(builder, CVM_IGVM_VHT_RELOCATABLE_REGION, region, sizeof(*region), -1,
			    NULL);
	return TRUE;
}

gboolean
cvm_igvm_builder_add_page_table_relocation(CvmIgvmBuilder *builder,
					   const CvmIgvmPageTableRelocation *region,
					   GError **error)
{
	if (!cvmi_builder_check_mask(cvm_le32(region->compatibility_mask), error))
		return FALSE;
	cvmi_builder_append(builder, CVM_IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, region,
			    sizeof(*region), -1, NULL);
	return TRUE;
}

gboolean
cvm_igvm_builder_add_required_memory(CvmIgvmBuilder *builder, guint32 mask, guint64 gpa,
				     guint32 number_of_bytes, guint32 flags, GError **error)
{
	CvmIgvmRequiredMemory r = { 0 };

	if (!cvmi_builder_check_mask(mask, error) ||
	    !cvmi_builder_check_aligned("required memory GPA", gpa, error) ||
	    !cvmi_builder_check_aligned("required memory size", number_of_bytes, error))
		return FALSE;
	if ((flags & ~CVM_IGVM_REQUIRED_MEMORY_VTL2_PROTECTABLE) != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "unknown required memory flags 0x%x", flags);
		return FALSE;
	}
	r.gpa = GUINT64_TO_LE(gpa);
	r.compatibility_mask = GUINT32_TO_LE(mask);
	r.number_of_bytes = GUINT32_TO_LE(number_of_bytes);
	r.flags = GUINT32_TO_LE(flags);
	cvmi_builder_append(builder, CVM_IGVM_VHT_REQUIRED_MEMORY, &r, sizeof(r), -1, NULL);
	return TRUE;
}

gboolean
cvm_igvm_builder_add_error_range(CvmIgvmBuilder *builder, guint32 mask, guint64 gpa,
				 guint32 size_bytes, GError **error)
{
	CvmIgvmErrorRange r = { 0 };

	if (!cvmi_builder_check_mask(mask, error) ||
	    !cvmi_builder_check_aligned("error range GPA", gpa, error))
		return FALSE;
	r.gpa = GUINT64_TO_LE(gpa);
	r.compatibility_mask = GUINT32_TO_LE(mask);
	r.size_bytes = GUINT32_TO_LE(size_bytes);
	cvmi_builder_append(builder, CVM_IGVM_VHT_ERROR_RANGE, &r, sizeof(r), -1, NULL);
	return TRUE;
}

gboolean
cvm_igvm_builder_add_snp_id_block(CvmIgvmBuilder *builder, guint32 mask,
				  const CvmIgvmSnpIdBlock *id_block, GError **error)
{
	CvmIgvmSnpIdBlock copy = *id_block;

	if (!cvmi_builder_check_mask(mask, error))
		return FALSE;
	copy.compatibility_mask = GUINT32_TO_LE(mask);
	cvmi_builder_append(builder, CVM_IGVM_VHT_SNP_ID_BLOCK, &copy, sizeof(copy), -1, NULL);
	return TRUE;
}

gboolean
cvm_igvm_builder_add_vbs_measurement(CvmIgvmBuilder *builder,
				     const CvmIgvmVbsMeasurement *measurement, GError **error)
{
	if (!cvmi_builder_check_mask(cvm_le32(measurement->compatibility_mask), error))
		return FALSE;
	cvmi_builder_append(builder, CVM_IGVM_VHT_VBS_MEASUREMENT, measurement,
			    sizeof(*measurement), -1, NULL);
	return TRUE;
}

gboolean
cvm_igvm_builder_add_raw_header(CvmIgvmBuilder *builder, guint32 type, const void *payload,
				gsize length, GBytes *file_data, GError **error)
{
	gint at = cvmi_builder_file_offset_field(type);

	if (cvmi_builder_section_of(type) < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "header type 0x%x is in no section", type);
		return FALSE;
	}
	if (length > G_MAXUINT32 - 8) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "header payload of %" G_GSIZE_FORMAT " bytes is too long", length);
		return FALSE;
	}
	if (file_data != NULL && (at < 0 || (gsize)at + 4 > length)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "header type 0x%x carries no file data", type);
		return FALSE;
	}
	if ((type & CVM_IGVM_VHT_TYPE_MASK) == CVM_IGVM_VHT_PARAMETER_AREA &&
	    length >= sizeof(CvmIgvmParameterArea)) {
		const CvmIgvmParameterArea *a = payload;
		guint32 index = cvm_le32(a->parameter_area_index);
		CvmiBuilderArea *area = g_new0(CvmiBuilderArea, 1);

		area->size = cvm_le64(a->number_of_bytes);
		g_hash_table_insert(builder->areas, GUINT_TO_POINTER(index), area);
	}
	if ((type & CVM_IGVM_VHT_TYPE_MASK) == CVM_IGVM_VHT_SUPPORTED_PLATFORM &&
	    length >= sizeof(CvmIgvmSupportedPlatform)) {
		const CvmIgvmSupportedPlatform *p = payload;

		if (p->platform_type < G_N_ELEMENTS(builder->platform_mask))
			builder->platform_mask[p->platform_type] = cvm_le32(p->compatibility_mask);
		builder->used_masks |= cvm_le32(p->compatibility_mask);
	}
	cvmi_builder_append(builder, type, payload, (guint32)length, at, file_data);
	return TRUE;
}
