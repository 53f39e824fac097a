/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Manifest "relocations": RELOCATABLE_REGION and
 * PAGE_TABLE_RELOCATION_REGION initialization headers. */
#include "igvm/manifest-private.h"

#include <cvm/error.h>
#include <string.h>

static gboolean
common(CvmiManifest *m, json_object *r, const char *path, guint32 *mask, guint64 *vp,
       guint64 *vtl, guint64 *gpa, guint64 *size, GError **error)
{
	return cvmi_mf_get_mask(m, r, path, mask, error) &&
	       cvmi_mf_get_u64(r, "vp_index", path, FALSE, 0, G_MAXUINT16, vp, error) &&
	       cvmi_mf_get_u64(r, "vtl", path, FALSE, 0, 255, vtl, error) &&
	       cvmi_mf_get_u64(r, "gpa", path, TRUE, 0, G_MAXUINT64, gpa, error) &&
	       cvmi_mf_get_u64(r, "size", path, TRUE, 0, G_MAXUINT64, size, error);
}

static gboolean
relocatable_region(CvmiManifest *m, json_object *r, const char *path, GError **error)
{
	static const char *const keys[] = { "type", "platforms", "vp_index", "vtl", "gpa", "size",
					    "alignment", "minimum_gpa", "maximum_gpa", "is_vtl2",
					    "apply_rip", "apply_gdtr", NULL };
	CvmIgvmRelocatableRegion w = { 0 };
	guint64 vp, vtl, gpa, size, align, min, max;
	gboolean vtl2, rip, gdtr;
	guint32 mask;

	if (!cvmi_mf_check_keys(r, path, keys, error) ||
	    !common(m, r, path, &mask, &vp, &vtl, &gpa, &size, error) ||
	    !cvmi_mf_get_u64(r, "alignment", path, TRUE, 0, G_MAXUINT64, &align, error) ||
	    !cvmi_mf_get_u64(r, "minimum_gpa", path, TRUE, 0, G_MAXUINT64, &min, error) ||
	    !cvmi_mf_get_u64(r, "maximum_gpa", path, TRUE, 0, G_MAXUINT64, &max, error) ||
	    !cvmi_mf_get_bool(r, "is_vtl2", path, FALSE, &vtl2, error) ||
	    !cvmi_mf_get_bool(r, "apply_rip", path, FALSE, &rip, error) ||
	    !cvmi_mf_get_bool(r, "apply_gdtr", path, FALSE, &gdtr, error))
		return FALSE;
	w.compatibility_mask = GUINT32_TO_LE(mask);
	w.vp_index = GUINT16_TO_LE((guint16)vp);
	w.vtl = (guint8)vtl;
	w.flags = (vtl2 ? CVM_IGVM_RELOC_FLAG_IS_VTL2 : 0) | (rip ? CVM_IGVM_RELOC_FLAG_APPLY_RIP : 0) |
		  (gdtr ? CVM_IGVM_RELOC_FLAG_APPLY_GDTR : 0);
	w.relocation_alignment = GUINT64_TO_LE(align);
	w.relocation_region_gpa = GUINT64_TO_LE(gpa);
	w.relocation_region_size = GUINT64_TO_LE(size);
	w.minimum_relocation_gpa = GUINT64_TO_LE(min);
	w.maximum_relocation_gpa = GUINT64_TO_LE(max);
	return cvm_igvm_builder_add_relocatable_region(m->builder, &w, error);
}

static gboolean
page_table_relocation(CvmiManifest *m, json_object *r, const char *path, GError **error)
{
	static const char *const keys[] = { "type", "platforms", "vp_index", "vtl", "gpa", "size",
					    "used_size", NULL };
	CvmIgvmPageTableRelocation w = { 0 };
	guint64 vp, vtl, gpa, size, used;
	guint32 mask;

	if (!cvmi_mf_check_keys(r, path, keys, error) ||
	    !common(m, r, path, &mask, &vp, &vtl, &gpa, &size, error) ||
	    !cvmi_mf_get_u64(r, "used_size", path, TRUE, 0, G_MAXUINT64, &used, error))
		return FALSE;
	w.compatibility_mask = GUINT32_TO_LE(mask);
	w.vp_index = GUINT16_TO_LE((guint16)vp);
	w.vtl = (guint8)vtl;
	w.gpa = GUINT64_TO_LE(gpa);
	w.size = GUINT64_TO_LE(size);
	w.used_size = GUINT64_TO_LE(used);
	return cvm_igvm_builder_add_page_table_relocation(m->builder, &w, error);
}

gboolean
cvmi_mf_relocation(CvmiManifest *m, json_object *r, const char *path, GError **error)
{
	const char *type;

	if (!json_object_is_type(r, json_type_object)) {
		cvmi_mf_error(error, path, "expected an object");
		return FALSE;
	}
	if (!cvmi_mf_get_string(r, "type", path, TRUE, &type, error))
		return FALSE;
	if (strcmp(type, "relocatable_region") == 0)
		return relocatable_region(m, r, path, error);
	if (strcmp(type, "page_table_relocation") == 0)
		return page_table_relocation(m, r, path, error);
	cvmi_mf_error(error, path, "unknown relocation type \"%s\" (relocatable_region, "
		      "page_table_relocation)", type);
	return FALSE;
}
