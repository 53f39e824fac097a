/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Manifest directives: one handler per "type", picked from a table. Each
 * handler checks its keys, reads its values and calls the builder. */
#include "igvm/manifest-private.h"
#include "igvm/report-private.h"

#include <cvm/error.h>
#include <string.h>

#define DATA_KEYS "hex", "file", "file_offset", "file_length", "chunks"

typedef struct {
	const char *name;
	gboolean (*run)(CvmiManifest *m, json_object *d, const char *path, guint32 param_type,
			GError **error);
	guint32 param_type; /* parameter directives only */
} DirectiveKind;

static gboolean
page_flags(json_object *d, const char *path, guint32 *flags, CvmIgvmPageDataType *type,
	   GError **error)
{
	gboolean unmeasured, shared;
	const char *name;

	if (!cvmi_mf_get_bool(d, "unmeasured", path, FALSE, &unmeasured, error) ||
	    !cvmi_mf_get_bool(d, "shared", path, FALSE, &shared, error) ||
	    !cvmi_mf_get_string(d, "data_type", path, FALSE, &name, error))
		return FALSE;
	*flags = (unmeasured ? CVM_IGVM_PAGE_FLAG_UNMEASURED : 0) |
		 (shared ? CVM_IGVM_PAGE_FLAG_SHARED : 0);
	*type = CVM_IGVM_PAGE_DATA_NORMAL;
	if (name == NULL)
		return TRUE;
	/* The names inspect prints (one table, igvm/report-names.c). */
	for (guint i = 0; cvmi_igvm_report_page_type_name(i) != NULL; i++)
		if (strcmp(name, cvmi_igvm_report_page_type_name(i)) == 0) {
			*type = (CvmIgvmPageDataType)i;
			return TRUE;
		}
	cvmi_mf_error(error, path, "unknown data_type \"%s\"", name);
	return FALSE;
}

static gboolean
do_page_data(CvmiManifest *m, json_object *d, const char *path, guint32 unused, GError **error)
{
	static const char *const keys[] = { "type", "platforms", "gpa", "unmeasured", "shared",
					    "data_type", DATA_KEYS, NULL };
	g_autoptr(GBytes) data = NULL;
	CvmIgvmPageDataType type;
	guint32 mask, flags;
	guint64 gpa;

	if (!cvmi_mf_check_keys(d, path, keys, error) || !cvmi_mf_get_mask(m, d, path, &mask, error) ||
	    !cvmi_mf_get_u64(d, "gpa", path, TRUE, 0, G_MAXUINT64, &gpa, error) ||
	    !page_flags(d, path, &flags, &type, error))
		return FALSE;
	data = cvmi_mf_get_data(m, d, path, TRUE, error);
	return data != NULL &&
	       cvm_igvm_builder_add_page_data(m->builder, mask, gpa, flags, type, data, error);
}

static gboolean
do_zero_pages(CvmiManifest *m, json_object *d, const char *path, guint32 unused, GError **error)
{
	static const char *const keys[] = { "type", "platforms", "gpa", "count", "unmeasured",
					    "shared", "data_type", NULL };
	CvmIgvmPageDataType type;
	guint32 mask, flags;
	guint64 gpa, count;

	if (!cvmi_mf_check_keys(d, path, keys, error) || !cvmi_mf_get_mask(m, d, path, &mask, error) ||
	    !cvmi_mf_get_u64(d, "gpa", path, TRUE, 0, G_MAXUINT64, &gpa, error) ||
	    !cvmi_mf_get_u64(d, "count", path, FALSE, 1, 1u << 20, &count, error) ||
	    !page_flags(d, path, &flags, &type, error))
		return FALSE;
	return cvm_igvm_builder_add_zero_pages(m->builder, mask, gpa, count, flags, type, error);
}

static gboolean
do_parameter_area(CvmiManifest *m, json_object *d, const char *path, guint32 unused,
		  GError **error)
{
	static const char *const keys[] = { "type", "index", "size", DATA_KEYS, NULL };
	g_autoptr(GBytes) data = NULL;
	guint64 index, size;

	if (!cvmi_mf_check_keys(d, path, keys, error) ||
	    !cvmi_mf_get_u64(d, "index", path, TRUE, 0, G_MAXUINT32, &index, error) ||
	    !cvmi_mf_get_u64(d, "size", path, FALSE, CVM_IGVM_PAGE_SIZE, G_MAXUINT32, &size, error))
		return FALSE;
	data = cvmi_mf_get_data(m, d, path, FALSE, error);
	if (data == NULL && error != NULL && *error != NULL)
		return FALSE;
	return cvm_igvm_builder_add_parameter_area(m->builder, (guint32)index, size, data, error);
}

static gboolean
do_parameter(CvmiManifest *m, json_object *d, const char *path, guint32 type, GError **error)
{
	static const char *const keys[] = { "type", "index", "offset", NULL };
	guint64 index, offset;

	if (!cvmi_mf_check_keys(d, path, keys, error) ||
	    !cvmi_mf_get_u64(d, "index", path, TRUE, 0, G_MAXUINT32, &index, error) ||
	    !cvmi_mf_get_u64(d, "offset", path, FALSE, 0, G_MAXUINT32, &offset, error))
		return FALSE;
	return cvm_igvm_builder_add_parameter(m->builder, type, (guint32)index, (guint32)offset,
					      error);
}

static gboolean
do_parameter_insert(CvmiManifest *m, json_object *d, const char *path, guint32 unused,
		    GError **error)
{
	static const char *const keys[] = { "type", "platforms", "index", "gpa", NULL };
	guint64 index, gpa;
	guint32 mask;

	if (!cvmi_mf_check_keys(d, path, keys, error) || !cvmi_mf_get_mask(m, d, path, &mask, error) ||
	    !cvmi_mf_get_u64(d, "index", path, TRUE, 0, G_MAXUINT32, &index, error) ||
	    !cvmi_mf_get_u64(d, "gpa", path, TRUE, 0, G_MAXUINT64, &gpa, error))
		return FALSE;
	return cvm_igvm_builder_add_parameter_insert(m->builder, mask, gpa, (guint32)index, error);
}

static gboolean
do_memory_range(CvmiManifest *m, json_object *d, const char *path, guint32 type, GError **error)
{
	static const char *const keys[] = { "type", "platforms", "gpa", "size", "vtl2_protectable",
					    NULL };
	gboolean vtl2 = FALSE;
	guint64 gpa, size;
	guint32 mask;

	if (!cvmi_mf_check_keys(d, path, keys, error) || !cvmi_mf_get_mask(m, d, path, &mask, error) ||
	    !cvmi_mf_get_u64(d, "gpa", path, TRUE, 0, G_MAXUINT64, &gpa, error) ||
	    !cvmi_mf_get_u64(d, "size", path, TRUE, 0, G_MAXUINT32, &size, error))
		return FALSE;
	if (type == CVM_IGVM_VHT_ERROR_RANGE) {
		if (json_object_object_get_ex(d, "vtl2_protectable", NULL)) {
			cvmi_mf_error(error, path, "an error range has no \"vtl2_protectable\"");
			return FALSE;
		}
		return cvm_igvm_builder_add_error_range(m->builder, mask, gpa, (guint32)size, error);
	}
	if (!cvmi_mf_get_bool(d, "vtl2_protectable", path, FALSE, &vtl2, error))
		return FALSE;
	return cvm_igvm_builder_add_required_memory(
		m->builder, mask, gpa, (guint32)size,
		vtl2 ? CVM_IGVM_REQUIRED_MEMORY_VTL2_PROTECTABLE : 0, error);
}

static gboolean
do_vmsa(CvmiManifest *m, json_object *d, const char *path, guint32 unused, GError **error)
{
	static const char *const keys[] = { "type", "platforms", "gpa", "vp_index", DATA_KEYS,
					    NULL };
	g_autoptr(GBytes) data = NULL;
	guint64 gpa, vp;
	guint32 mask;

	if (!cvmi_mf_check_keys(d, path, keys, error) || !cvmi_mf_get_mask(m, d, path, &mask, error) ||
	    !cvmi_mf_get_u64(d, "gpa", path, FALSE, CVM_SNP_KVM_VMSA_GPA, G_MAXUINT64, &gpa, error) ||
	    !cvmi_mf_get_u64(d, "vp_index", path, FALSE, 0, G_MAXUINT16, &vp, error))
		return FALSE;
	data = cvmi_mf_get_data(m, d, path, TRUE, error);
	return data != NULL && cvm_igvm_builder_add_vp_context_vmsa(m->builder, mask, gpa,
								    (guint16)vp, data, error);
}

static gboolean
do_id_block(CvmiManifest *m, json_object *d, const char *path, guint32 unused, GError **error)
{
	static const char *const keys[] = { "type", "platforms", DATA_KEYS, NULL };
	g_autoptr(GBytes) data = NULL;
	CvmIgvmSnpIdBlock block;
	guint32 mask;

	if (!cvmi_mf_check_keys(d, path, keys, error) || !cvmi_mf_get_mask(m, d, path, &mask, error))
		return FALSE;
	data = cvmi_mf_get_data(m, d, path, TRUE, error);
	if (data == NULL)
		return FALSE;
	if (g_bytes_get_size(data) != sizeof(block)) {
		cvmi_mf_error(error, path, "an SNP ID block is %zu bytes, not %zu", sizeof(block),
			      g_bytes_get_size(data));
		return FALSE;
	}
	memcpy(&block, g_bytes_get_data(data, NULL), sizeof(block));
	return cvm_igvm_builder_add_snp_id_block(m->builder, mask, &block, error);
}

static const DirectiveKind kinds[] = {
	{ "page_data", do_page_data, 0 },
	{ "zero_pages", do_zero_pages, 0 },
	{ "parameter_area", do_parameter_area, 0 },
	{ "parameter_insert", do_parameter_insert, 0 },
	{ "vp_count", do_parameter, CVM_IGVM_VHT_VP_COUNT_PARAMETER },
	{ "srat", do_parameter, CVM_IGVM_VHT_SRAT },
	{ "madt", do_parameter, CVM_IGVM_VHT_MADT },
	{ "mmio_ranges", do_parameter, CVM_IGVM_VHT_MMIO_RANGES },
	{ "memory_map", do_parameter, CVM_IGVM_VHT_MEMORY_MAP },
	{ "command_line", do_parameter, CVM_IGVM_VHT_COMMAND_LINE },
	{ "slit", do_parameter, CVM_IGVM_VHT_SLIT },
	{ "pptt", do_parameter, CVM_IGVM_VHT_PPTT },
	{ "device_tree", do_parameter, CVM_IGVM_VHT_DEVICE_TREE },
	{ "environment_info", do_parameter, CVM_IGVM_VHT_ENVIRONMENT_INFO_PARAMETER },
	{ "required_memory", do_memory_range, CVM_IGVM_VHT_REQUIRED_MEMORY },
	{ "error_range", do_memory_range, CVM_IGVM_VHT_ERROR_RANGE },
	{ "vp_context_native", cvmi_mf_native_context, 0 },
	{ "vp_context_vmsa", do_vmsa, 0 },
	{ "snp_id_block", do_id_block, 0 },
};

gboolean
cvmi_mf_directive(CvmiManifest *m, json_object *d, const char *path, GError **error)
{
	const char *type;

	if (!json_object_is_type(d, json_type_object)) {
		cvmi_mf_error(error, path, "expected an object");
		return FALSE;
	}
	if (!cvmi_mf_get_string(d, "type", path, TRUE, &type, error))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
		if (strcmp(type, kinds[i].name) != 0)
			continue;
		if (!kinds[i].run(m, d, path, kinds[i].param_type, error)) {
			if (error != NULL && *error != NULL && (*error)->domain == CVM_ERROR &&
			    (*error)->code == CVM_ERROR_INVALID_ARGUMENT) {
				(*error)->code = CVM_ERROR_INVALID_DATA;
				g_prefix_error(error, "%s: ", path);
			}
			return FALSE;
		}
		return TRUE;
	}
	cvmi_mf_error(error, path, "unknown directive type \"%s\"", type);
	return FALSE;
}
