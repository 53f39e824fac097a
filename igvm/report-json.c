/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The IGVM report as JSON (cvm_igvm_report_to_json()): what cvmctl igvm
 * inspect --json prints and cvmd's InspectIgvm returns; the text is made
 * from it (report-text.c). */
#include "igvm/report-private.h"

#include <string.h>

static json_object *
hex64(guint64 v)
{
	g_autofree gchar *s = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", v);

	return json_object_new_string(s);
}

static json_object *
hexbytes(const guint8 *p, gsize n)
{
	g_autofree gchar *s = g_malloc(n * 2 + 1);

	for (gsize i = 0; i < n; i++)
		g_snprintf(s + i * 2, 3, "%02x", p[i]);
	s[n * 2] = '\0';
	return json_object_new_string(s);
}

static json_object *
platforms_of(const CvmIgvmReport *f, guint32 mask)
{
	g_autofree gchar *names = cvmi_igvm_report_mask_names(f, mask);

	return json_object_new_string(names);
}

/* Enums are names in every JSON cvm prints (docs/dbus/README.md). */
static json_object *
architecture(const CvmIgvmReport *f)
{
	return json_object_new_string(f->file.architecture == CVM_IGVM_ARCH_AARCH64 ? "aarch64" : "x64");
}

static json_object *
file_section(const CvmIgvmReport *f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "format-version", json_object_new_int(f->file.format_version));
	json_object_object_add(o, "architecture", architecture(f));
	json_object_object_add(o, "variable-header-offset",
			       json_object_new_int64(f->file.variable_header_offset));
	json_object_object_add(o, "variable-header-size",
			       json_object_new_int64(f->file.variable_header_size));
	json_object_object_add(o, "total-file-size", json_object_new_int64(f->file.total_file_size));
	json_object_object_add(o, "checksum", hex64(f->file.checksum));
	json_object_object_add(o, "headers", json_object_new_int(f->headers->len));
	return o;
}

static void
add_platform(json_object *arr, const CvmIgvmReportHeader *h)
{
	CvmIgvmSupportedPlatform p;
	const char *name;
	json_object *o = json_object_new_object();

	memcpy(&p, h->header.payload, sizeof(p));
	name = cvmi_igvm_report_platform_name(p.platform_type);
	json_object_object_add(o, "type", json_object_new_string(name ? name : "unknown"));
	json_object_object_add(o, "mask", hex64(cvm_le32(p.compatibility_mask)));
	json_object_object_add(o, "highest-vtl", json_object_new_int(p.highest_vtl));
	json_object_object_add(o, "platform-version",
			       json_object_new_int(cvm_le16(p.platform_version)));
	json_object_object_add(o, "shared-gpa-boundary", hex64(cvm_le64(p.shared_gpa_boundary)));
	json_object_array_add(arr, o);
}

static void
add_policy(json_object *arr, const CvmIgvmReport *f, const CvmIgvmReportHeader *h)
{
	CvmIgvmGuestPolicy p;
	json_object *o = json_object_new_object();

	memcpy(&p, h->header.payload, sizeof(p));
	json_object_object_add(o, "platforms", platforms_of(f, cvm_le32(p.compatibility_mask)));
	json_object_object_add(o, "policy", hex64(cvm_le64(p.policy)));
	json_object_object_add(o, "bits", cvmi_igvm_report_policy_bits(f, cvm_le32(p.compatibility_mask),
								   cvm_le64(p.policy)));
	json_object_array_add(arr, o);
}

static json_object *
memory_section(const CvmIgvmReport *f, guint32 filter)
{
	g_autoptr(GArray) ranges = cvmi_igvm_report_page_ranges(f, filter);
	json_object *arr = json_object_new_array();

	for (guint i = 0; i < ranges->len; i++) {
		const CvmiIgvmRange *r = &g_array_index(ranges, CvmiIgvmRange, i);
		const char *type = cvmi_igvm_report_page_type_name(r->data_type);
		json_object *o = json_object_new_object();

		json_object_object_add(o, "start", hex64(r->gpa));
		json_object_object_add(o, "end", hex64(r->gpa + r->n_pages * CVM_IGVM_PAGE_SIZE - 1));
		json_object_object_add(o, "pages", json_object_new_int64(r->n_pages));
		json_object_object_add(o, "data-type", json_object_new_string(type ? type : "unknown"));
		json_object_object_add(o, "contents",
				       json_object_new_string(r->has_data ? "data" : "zero"));
		/* A shared page is host-visible and never part of a launch digest
		 * (docs/measurement.md, "Page data flags"). */
		json_object_object_add(o, "measured", json_object_new_boolean(
				       !(r->flags & (CVM_IGVM_PAGE_FLAG_UNMEASURED | CVM_IGVM_PAGE_FLAG_SHARED))));
		json_object_object_add(o, "shared", json_object_new_boolean(
				       (r->flags & CVM_IGVM_PAGE_FLAG_SHARED) != 0));
		json_object_object_add(o, "platforms", platforms_of(f, r->mask));
		json_object_array_add(arr, o);
	}
	return arr;
}

static void
add_vp_context(json_object *arr, const CvmIgvmReport *f, const CvmIgvmReportHeader *h)
{
	CvmIgvmVpContext vp;
	json_object *o = json_object_new_object();
	guint32 mask;
	guint64 rip = 0;

	memcpy(&vp, h->header.payload, sizeof(vp));
	mask = cvm_le32(vp.compatibility_mask);
	json_object_object_add(o, "vp-index", json_object_new_int(cvm_le16(vp.vp_index)));
	json_object_object_add(o, "gpa", hex64(cvm_le64(vp.gpa)));
	json_object_object_add(o, "platforms", platforms_of(f, mask));
	if (h->data != NULL && (mask & (cvm_igvm_platform_mask(f->igvm, CVM_PLATFORM_SEV_SNP) |
					cvm_igvm_platform_mask(f->igvm, CVM_PLATFORM_SEV_ES))) &&
	    h->data_length >= CVM_VMSA_SIZE) {
		guint64 features;
		CvmVmsaSegment cs;

		memcpy(&rip, h->data + CVM_VMSA_RIP, 8);
		memcpy(&features, h->data + CVM_VMSA_SEV_FEATURES, 8);
		memcpy(&cs, h->data + CVM_VMSA_CS, sizeof(cs));
		json_object_object_add(o, "format", json_object_new_string("vmsa"));
		json_object_object_add(o, "rip", hex64(cvm_le64(rip)));
		json_object_object_add(o, "cs-selector", hex64(cvm_le16(cs.selector)));
		json_object_object_add(o, "cs-base", hex64(cvm_le64(cs.base)));
		json_object_object_add(o, "sev-features", hex64(cvm_le64(features)));
	} else if (h->data != NULL && h->data_length >= sizeof(CvmIgvmNativeVpContextX64)) {
		CvmIgvmNativeVpContextX64 c;

		memcpy(&c, h->data, sizeof(c));
		json_object_object_add(o, "format", json_object_new_string("native-x64"));
		json_object_object_add(o, "rip", hex64(cvm_le64(c.rip)));
		json_object_object_add(o, "cs-selector", hex64(cvm_le16(c.code_selector)));
		json_object_object_add(o, "cs-base", hex64(cvm_le32(c.code_base)));
		json_object_object_add(o, "cr0", hex64(cvm_le64(c.cr0)));
	}
	json_object_array_add(arr, o);
}

static void
add_id_block(json_object *arr, const CvmIgvmReport *f, const CvmIgvmReportHeader *h)
{
	CvmIgvmSnpIdBlock b;
	json_object *o = json_object_new_object();

	memcpy(&b, h->header.payload, sizeof(b));
	json_object_object_add(o, "platforms", platforms_of(f, cvm_le32(b.compatibility_mask)));
	json_object_object_add(o, "ld", hexbytes(b.ld, sizeof(b.ld)));
	json_object_object_add(o, "family-id", hexbytes(b.family_id, sizeof(b.family_id)));
	json_object_object_add(o, "image-id", hexbytes(b.image_id, sizeof(b.image_id)));
	json_object_object_add(o, "version", json_object_new_int64(cvm_le32(b.version)));
	json_object_object_add(o, "guest-svn", json_object_new_int64(cvm_le32(b.guest_svn)));
	json_object_object_add(o, "id-key-algorithm",
			       json_object_new_int64(cvm_le32(b.id_key_algorithm)));
	json_object_object_add(o, "author-key-enabled",
			       json_object_new_boolean(b.author_key_enabled != 0));
	json_object_object_add(o, "author-key-algorithm",
			       json_object_new_int64(cvm_le32(b.author_key_algorithm)));
	json_object_object_add(o, "id-key-curve",
			       json_object_new_int64(cvm_le32(b.id_public_key.curve)));
	json_object_array_add(arr, o);
}

static gboolean
is_parameter_user(guint32 type)
{
	return (type >= CVM_IGVM_VHT_VP_COUNT_PARAMETER && type <= CVM_IGVM_VHT_ENVIRONMENT_INFO_PARAMETER &&
		type != CVM_IGVM_VHT_SNP_ID_BLOCK && type != CVM_IGVM_VHT_ERROR_RANGE &&
		type != CVM_IGVM_VHT_VBS_MEASUREMENT);
}

/* Areas by index, with the parameters written into them and their inserts. */
static json_object *
parameter_section(const CvmIgvmReport *f, guint32 filter)
{
	g_autoptr(GHashTable) by_index = g_hash_table_new(g_direct_hash, g_direct_equal);
	json_object *arr = json_object_new_array();

	for (guint i = 0; i < f->headers->len; i++) {
		const CvmIgvmReportHeader *h = &g_array_index(f->headers, CvmIgvmReportHeader, i);
		json_object *area, *list, *o;
		guint32 index;

		if (h->header.type == CVM_IGVM_VHT_PARAMETER_AREA) {
			CvmIgvmParameterArea a;

			memcpy(&a, h->header.payload, sizeof(a));
			area = json_object_new_object();
			json_object_object_add(area, "index",
					       json_object_new_int64(cvm_le32(a.parameter_area_index)));
			json_object_object_add(area, "size",
					       json_object_new_int64(cvm_le64(a.number_of_bytes)));
			json_object_object_add(area, "initial-data",
					       json_object_new_boolean(h->data != NULL));
			json_object_object_add(area, "parameters", json_object_new_array());
			json_object_object_add(area, "inserted", json_object_new_array());
			json_object_array_add(arr, area);
			g_hash_table_insert(by_index, GUINT_TO_POINTER(cvm_le32(a.parameter_area_index)),
					    area);
			continue;
		}
		if (h->header.type == CVM_IGVM_VHT_PARAMETER_INSERT) {
			CvmIgvmParameterInsert p;

			memcpy(&p, h->header.payload, sizeof(p));
			area = g_hash_table_lookup(by_index,
						   GUINT_TO_POINTER(cvm_le32(p.parameter_area_index)));
			if (area == NULL || !cvmi_igvm_report_applies(h, filter))
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "gpa", hex64(cvm_le64(p.gpa)));
			json_object_object_add(o, "platforms",
					       platforms_of(f, cvm_le32(p.compatibility_mask)));
			json_object_object_get_ex(area, "inserted", &list);
			json_object_array_add(list, o);
			continue;
		}
		if (!is_parameter_user(h->header.type) || h->header.length < sizeof(CvmIgvmParameter))
			continue;
		{
			CvmIgvmParameter p;

			memcpy(&p, h->header.payload, sizeof(p));
			index = cvm_le32(p.parameter_area_index);
			area = g_hash_table_lookup(by_index, GUINT_TO_POINTER(index));
			if (area == NULL)
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "type",
					       json_object_new_string(cvm_igvm_header_type_name(h->header.type)));
			json_object_object_add(o, "offset", json_object_new_int64(cvm_le32(p.byte_offset)));
			json_object_object_get_ex(area, "parameters", &list);
			json_object_array_add(list, o);
		}
	}
	return arr;
}

/* Counts by header type name in @counts. */
static void
count(json_object *counts, const char *name)
{
	json_object *n = json_object_object_get(counts, name);

	json_object_object_add(counts, name, json_object_new_int(n ? json_object_get_int(n) + 1 : 1));
}

json_object *
cvm_igvm_report_to_json(const CvmIgvmReport *f, guint32 filter)
{
	json_object *root = json_object_new_object();
	json_object *platforms = json_object_new_array(), *policies = json_object_new_array();
	json_object *types = json_object_new_object(), *counts = json_object_new_object();
	json_object *vps = json_object_new_array(), *ids = json_object_new_array();

	for (guint i = 0; i < f->headers->len; i++) {
		const CvmIgvmReportHeader *h = &g_array_index(f->headers, CvmIgvmReportHeader, i);
		const char *name = cvm_igvm_header_type_name(h->header.type);

		if (!cvmi_igvm_report_applies(h, filter))
			continue;
		if (h->header.type == CVM_IGVM_VHT_SUPPORTED_PLATFORM)
			add_platform(platforms, h);
		else if (h->header.type == CVM_IGVM_VHT_GUEST_POLICY)
			add_policy(policies, f, h);
		else if (h->header.type == CVM_IGVM_VHT_VP_CONTEXT)
			add_vp_context(vps, f, h);
		else if (h->header.type == CVM_IGVM_VHT_SNP_ID_BLOCK)
			add_id_block(ids, f, h);
		name = name != NULL ? name : "unknown";
		count(types, name);
		if (h->header.type >= CVM_IGVM_VHT_DIRECTIVE_FIRST)
			count(counts, name);
	}
	/* The summary InspectIgvm returned before it returned the report, kept
	 * at the top for its callers (docs/dbus/README.md: Cvmd1 only adds). */
	json_object_object_add(root, "format-version", json_object_new_int(f->file.format_version));
	json_object_object_add(root, "architecture", architecture(f));
	json_object_object_add(root, "page-size", json_object_new_int64(f->file.page_size));
	json_object_object_add(root, "headers", json_object_new_int(f->headers->len));
	json_object_object_add(root, "header-types", types);
	json_object_object_add(root, "file", file_section(f));
	json_object_object_add(root, "platforms", platforms);
	json_object_object_add(root, "policies", policies);
	json_object_object_add(root, "directive-counts", counts);
	json_object_object_add(root, "memory", memory_section(f, filter));
	json_object_object_add(root, "vp-contexts", vps);
	json_object_object_add(root, "parameter-areas", parameter_section(f, filter));
	json_object_object_add(root, "snp-id-blocks", ids);
	return root;
}
