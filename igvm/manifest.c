/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Manifest top level: format version, platforms, policies, then the
 * directives in order (manifest-directives.c). */
#include "igvm/manifest-private.h"
#include "libcvm/libcvm-internal.h"

#include <cvm/error.h>
#include <string.h>

static gboolean
add_platform(CvmiManifest *m, json_object *p, const char *path, GError **error)
{
	static const char *const keys[] = { "type", "mask", "highest_vtl", "shared_gpa_boundary",
					    NULL };
	const char *type;
	guint64 mask, vtl, boundary;
	guint32 got;
	CvmPlatform pt;

	if (!cvmi_mf_check_keys(p, path, keys, error) ||
	    !cvmi_mf_get_string(p, "type", path, TRUE, &type, error) ||
	    !cvmi_mf_get_u64(p, "mask", path, FALSE, 0, G_MAXUINT32, &mask, error) ||
	    !cvmi_mf_get_u64(p, "highest_vtl", path, FALSE, 0, 255, &vtl, error) ||
	    !cvmi_mf_get_u64(p, "shared_gpa_boundary", path, FALSE, 0, G_MAXUINT64, &boundary,
			     error))
		return FALSE;
	/* A manifest is written by tools: it takes the exact names only, which
	 * are also the keys its "platforms" lists are looked up by. */
	if (!cvm_platform_from_string(type, &pt, NULL) || pt == CVM_PLATFORM_AUTO ||
	    strcmp(type, cvm_platform_to_string(pt)) != 0) {
		cvmi_mf_error(error, path, "unknown platform type \"%s\"", type);
		return FALSE;
	}
	got = cvm_igvm_builder_add_platform(m->builder, pt, (guint32)mask, (guint8)vtl, boundary, error);
	if (got == 0) {
		(*error)->code = CVM_ERROR_INVALID_DATA;
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	g_hash_table_insert(m->platforms, (gpointer)cvm_platform_to_string(pt), GUINT_TO_POINTER(got));
	m->all_masks |= got;
	return TRUE;
}

static gboolean
add_policy(CvmiManifest *m, json_object *p, const char *path, GError **error)
{
	static const char *const keys[] = { "platforms", "policy", NULL };
	guint64 policy;
	guint32 mask;

	if (!cvmi_mf_check_keys(p, path, keys, error) || !cvmi_mf_get_mask(m, p, path, &mask, error) ||
	    !cvmi_mf_get_u64(p, "policy", path, TRUE, 0, G_MAXUINT64, &policy, error))
		return FALSE;
	return cvm_igvm_builder_add_guest_policy(m->builder, mask, policy, error);
}

typedef gboolean (*ItemFunc)(CvmiManifest *m, json_object *item, const char *path,
			     GError **error);

static gboolean
each(CvmiManifest *m, json_object *root, const char *key, gboolean required, ItemFunc fn,
     GError **error)
{
	json_object *list = NULL;

	if (!json_object_object_get_ex(root, key, &list)) {
		if (required)
			cvmi_mf_error(error, "manifest", "missing \"%s\"", key);
		return !required;
	}
	if (!json_object_is_type(list, json_type_array)) {
		cvmi_mf_error(error, key, "must be an array");
		return FALSE;
	}
	for (gsize i = 0; i < json_object_array_length(list); i++) {
		g_autofree gchar *path = g_strdup_printf("%s[%zu]", key, i);

		if (!fn(m, json_object_array_get_idx(list, i), path, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
read_header(json_object *root, guint32 override, guint64 *version, const char **arch,
	    GError **error)
{
	static const char *const keys[] = { "format_version", "architecture", "platforms",
					    "policies", "relocations", "directives", "description",
					    NULL };

	if (!cvmi_mf_check_keys(root, "manifest", keys, error) ||
	    !cvmi_mf_get_u64(root, "format_version", "manifest", FALSE, 1, 2, version, error) ||
	    !cvmi_mf_get_string(root, "architecture", "manifest", FALSE, arch, error))
		return FALSE;
	if (*version == 0) {
		cvmi_mf_error(error, "manifest", "format_version must be 1 or 2");
		return FALSE;
	}
	if (override != 0)
		*version = override;
	if (*arch != NULL && strcmp(*arch, "x64") != 0 && strcmp(*arch, "aarch64") != 0) {
		cvmi_mf_error(error, "manifest", "architecture must be \"x64\" or \"aarch64\"");
		return FALSE;
	}
	return TRUE;
}

static CvmIgvmBuilder *
build(json_object *root, const char *base_dir, guint32 override, CvmIgvmManifestFlags flags,
      GError **error)
{
	g_autoptr(CvmIgvmBuilder) builder = NULL;
	g_autoptr(GHashTable) platforms = g_hash_table_new(g_str_hash, g_str_equal);
	CvmiManifest m = { 0 };
	const char *arch = NULL;
	guint64 version;

	if (!read_header(root, override, &version, &arch, error))
		return NULL;
	builder = cvm_igvm_builder_new((guint32)version);
	if (arch != NULL &&
	    !cvm_igvm_builder_set_architecture(
		    builder, strcmp(arch, "x64") == 0 ? CVM_IGVM_ARCH_X64 : CVM_IGVM_ARCH_AARCH64,
		    error))
		return NULL;
	m = (CvmiManifest){ builder, base_dir, flags, platforms, 0 };
	if (!each(&m, root, "platforms", TRUE, add_platform, error) ||
	    !each(&m, root, "policies", FALSE, add_policy, error) ||
	    !each(&m, root, "relocations", FALSE, cvmi_mf_relocation, error) ||
	    !each(&m, root, "directives", TRUE, cvmi_mf_directive, error))
		return NULL;
	return g_steal_pointer(&builder);
}

static json_object *
parse_json(const char *json, gsize length, GError **error)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *root;
	gsize end;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)length);
	end = json_tokener_get_parse_end(tok);
	if (root == NULL) {
		enum json_tokener_error jerr = json_tokener_get_error(tok);

		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "manifest is not valid JSON (at byte %zu): %s", end,
			    jerr == json_tokener_continue ? "unexpected end"
							  : json_tokener_error_desc(jerr));
	} else {
		while (end < length && g_ascii_isspace(json[end]))
			end++;
		if (end != length) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "manifest is not valid JSON (at byte %zu): trailing text", end);
			g_clear_pointer(&root, json_object_put);
		}
	}
	json_tokener_free(tok);
	return root;
}

CvmIgvmBuilder *
cvm_igvm_manifest_parse(const char *json, gsize length, const char *base_dir,
			guint32 format_version, CvmIgvmManifestFlags flags, GError **error)
{
	json_object *root;
	CvmIgvmBuilder *builder;

	if (format_version > 2) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "format version %u is neither 1 nor 2", format_version);
		return NULL;
	}
	if (length > G_MAXINT || memchr(json, '\0', length) != NULL) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "manifest is not JSON text");
		return NULL;
	}
	root = parse_json(json, length, error);
	if (root == NULL)
		return NULL;
	builder = build(root, base_dir, format_version, flags, error);
	json_object_put(root);
	return builder;
}

CvmIgvmBuilder *
cvm_igvm_manifest_load(const char *path, guint32 format_version, GError **error)
{
	g_autofree gchar *text = NULL;
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autoptr(GError) local = NULL;
	gsize len;
	CvmIgvmBuilder *builder;

	if (!g_file_get_contents(path, &text, &len, &local)) {
		cvmi_file_error(error, local);
		return NULL;
	}
	builder = cvm_igvm_manifest_parse(text, len, dir, format_version, CVM_IGVM_MANIFEST_NONE,
					  error);
	if (builder == NULL)
		g_prefix_error(error, "%s: ", path);
	return builder;
}
