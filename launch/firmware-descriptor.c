/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One QEMU firmware descriptor (qemu/docs/interop/firmware.json): written for an
 * IGVM file from what the file declares, and read back from a host's
 * folder. The schema's rules are in docs/firmware.md; the test checks the
 * written ones against a copy of the schema. */
#include "launch/firmware-private.h"

#include <cvm/error.h>
#include <cvm/igvm.h>
#include <string.h>

/* The platforms a descriptor can name, in the schema's FirmwareFeature
 * order (amd-sev, amd-sev-es, amd-sev-snp, intel-tdx). */
static const struct {
	CvmPlatform platform;
	const char *feature;
} platforms[] = {
	{ CVM_PLATFORM_SEV, "amd-sev" },
	{ CVM_PLATFORM_SEV_ES, "amd-sev-es" },
	{ CVM_PLATFORM_SEV_SNP, "amd-sev-snp" },
	{ CVM_PLATFORM_TDX, "intel-tdx" },
	{ CVM_PLATFORM_NATIVE, NULL },
};

const char *
cvm_firmware_platform_feature(CvmPlatform platform)
{
	for (guint i = 0; i < G_N_ELEMENTS(platforms); i++)
		if (platforms[i].platform == platform)
			return platforms[i].feature;
	return NULL;
}

GStrv
cvmi_firmware_igvm_platforms(const CvmIgvm *igvm)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();

	for (guint i = 0; i < G_N_ELEMENTS(platforms); i++)
		if (cvm_igvm_find_platform(igvm, platforms[i].platform) != NULL)
			g_strv_builder_add(b, cvm_platform_to_string(platforms[i].platform));
	return g_strv_builder_end(b);
}

static json_object *
strings(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v != NULL && *v != NULL; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

json_object *
cvm_firmware_descriptor_for_igvm(const char *igvm_path, GError **error)
{
	g_autofree gchar *abs = g_canonicalize_filename(igvm_path, NULL);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_open(abs, CVM_IGVM_NONE, error);
	g_autoptr(GStrvBuilder) features = g_strv_builder_new();
	g_auto(GStrv) names = NULL;
	g_auto(GStrv) feature_names = NULL;
	gboolean x64;
	gsize len;

	if (igvm == NULL) {
		g_prefix_error(error, "%s: ", abs);
		return NULL;
	}
	names = cvmi_firmware_igvm_platforms(igvm);
	if (names[0] == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
			    "%s declares no platform a firmware descriptor can name (native, sev, sev-es, sev-snp, tdx)",
			    abs);
		return NULL;
	}
	for (guint i = 0; i < G_N_ELEMENTS(platforms); i++)
		if (platforms[i].feature != NULL && cvm_igvm_find_platform(igvm, platforms[i].platform) != NULL)
			g_strv_builder_add(features, platforms[i].feature);
	feature_names = g_strv_builder_end(g_steal_pointer(&features));
	x64 = cvm_igvm_get_architecture(igvm) == CVM_IGVM_ARCH_X64;

	const guint8 *data = cvm_igvm_get_data(igvm, &len);
	g_autofree gchar *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
	g_autofree gchar *sha_tag = g_strconcat("igvm-sha256=", sha, NULL);
	g_autofree gchar *platform_list = g_strjoinv(", ", names);
	g_autofree gchar *base = g_path_get_basename(abs);
	g_autofree gchar *description = g_strdup_printf("cvm IGVM file %s (%s)", base, platform_list);
	const char *interfaces[] = { "uefi", NULL };
	const char *machines[] = { x64 ? "pc-q35-*" : "virt-*", NULL };
	const char *tags[] = { "cvm", sha_tag, NULL };
	json_object *fw = json_object_new_object();
	json_object *mapping = json_object_new_object();
	json_object *target = json_object_new_object();
	json_object *targets = json_object_new_array();

	json_object_object_add(mapping, "device", json_object_new_string("igvm"));
	json_object_object_add(mapping, "filename", json_object_new_string(abs));
	json_object_object_add(target, "architecture", json_object_new_string(x64 ? "x86_64" : "aarch64"));
	json_object_object_add(target, "machines", strings(machines));
	json_object_array_add(targets, target);
	json_object_object_add(fw, "description", json_object_new_string(description));
	json_object_object_add(fw, "interface-types", strings(interfaces));
	json_object_object_add(fw, "mapping", mapping);
	json_object_object_add(fw, "targets", targets);
	json_object_object_add(fw, "features", strings((const char *const *)feature_names));
	json_object_object_add(fw, "tags", strings(tags));
	return fw;
}

/* The string member @key of @obj, or NULL (with @missing named in @why). */
static const char *
get_string(json_object *obj, const char *key, GString *why)
{
	json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string)) {
		g_string_append_printf(why, "%s\"%s\" is missing or not a string", why->len ? "; " : "", key);
		return NULL;
	}
	return json_object_get_string(v);
}

static json_object *
get_array(json_object *obj, const char *key, GString *why)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_array)) {
		g_string_append_printf(why, "%s\"%s\" is missing or not an array", why->len ? "; " : "", key);
		return NULL;
	}
	return v;
}

/* Whether a target runs x86_64 q35 machines (its patterns are globs). */
static gboolean
targets_q35(json_object *targets)
{
	for (gsize i = 0; targets != NULL && i < json_object_array_length(targets); i++) {
		json_object *t = json_object_array_get_idx(targets, i), *arch, *machines;

		if (!json_object_object_get_ex(t, "architecture", &arch) ||
		    g_strcmp0(json_object_get_string(arch), "x86_64") != 0 ||
		    !json_object_object_get_ex(t, "machines", &machines) || !json_object_is_type(machines, json_type_array))
			continue;
		for (gsize j = 0; j < json_object_array_length(machines); j++) {
			const char *glob = json_object_get_string(json_object_array_get_idx(machines, j));
			if (glob != NULL && g_pattern_match_simple(glob, "pc-q35-10.1"))
				return TRUE;
		}
	}
	return FALSE;
}

/* What cvm can launch from an igvm descriptor: the file's platforms the
 * descriptor claims, and native (which needs no feature). */
static void
fill_platforms(CvmFirmwareEntry *e)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_autoptr(GString) unclaimed = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) igvm = NULL;

	e->file_platforms = g_new0(gchar *, 1);
	if (g_strcmp0(e->device, "igvm") != 0) {
		e->note = g_strdup_printf("%s firmware: libvirt loads it, cvm launches IGVM files only", e->device);
		e->platforms = g_strv_builder_end(g_steal_pointer(&b));
		return;
	}
	if (!e->q35)
		e->note = g_strdup("no x86_64 target with pc-q35-* machines (cvm launches q35)");
	else if ((igvm = cvm_igvm_open(e->filename, CVM_IGVM_NONE, &error)) == NULL)
		e->note = g_strdup_printf("IGVM file %s: %s", e->filename, error->message);
	if (igvm != NULL) {
		g_strfreev(e->file_platforms);
		e->file_platforms = cvmi_firmware_igvm_platforms(igvm);
		for (guint i = 0; e->file_platforms[i] != NULL; i++) {
			CvmPlatform p = CVM_PLATFORM_AUTO;
			cvm_platform_from_string(e->file_platforms[i], &p, NULL);
			const char *feature = cvm_firmware_platform_feature(p);
			if (feature == NULL || g_strv_contains((const char *const *)e->features, feature))
				g_strv_builder_add(b, e->file_platforms[i]);
			else
				g_string_append_printf(unclaimed, "%s%s", unclaimed->len ? ", " : "", feature);
		}
		for (guint i = 0; e->features[i] != NULL; i++)
			for (guint j = 0; j < G_N_ELEMENTS(platforms); j++)
				if (g_strcmp0(platforms[j].feature, e->features[i]) == 0 &&
				    !g_strv_contains((const char *const *)e->file_platforms,
						     cvm_platform_to_string(platforms[j].platform)))
					e->note = g_strdup_printf("lists %s but the IGVM file has no %s platform",
								  e->features[i],
								  cvm_platform_to_string(platforms[j].platform));
		if (e->note == NULL && unclaimed->len > 0)
			e->note = g_strdup_printf("the IGVM file also has platforms the descriptor does not list (%s)",
						  unclaimed->str);
	}
	e->platforms = g_strv_builder_end(g_steal_pointer(&b));
}

void
cvmi_firmware_entry_read(CvmFirmwareEntry *e)
{
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) why = g_string_new(NULL);
	g_autoptr(GStrvBuilder) features = g_strv_builder_new();
	json_object *fw, *mapping = NULL, *list;
	json_tokener *tok;
	gsize len;

	e->features = g_new0(gchar *, 1);
	e->file_platforms = g_new0(gchar *, 1);
	e->platforms = g_new0(gchar *, 1);
	if (!g_file_get_contents(e->path, &text, &len, &error)) {
		e->error = g_strdup(error->message);
		return;
	}
	if (len == 0) {
		e->masked = TRUE;
		return;
	}
	tok = json_tokener_new();
	fw = json_tokener_parse_ex(tok, text, (int)MIN(len, (gsize)G_MAXINT));
	if (fw == NULL || json_tokener_get_error(tok) != json_tokener_success || !json_object_is_type(fw, json_type_object)) {
		e->error = g_strdup_printf("not a JSON object (%s)", json_tokener_error_desc(json_tokener_get_error(tok)));
		json_tokener_free(tok);
		json_object_put(fw);
		return;
	}
	json_tokener_free(tok);
	e->description = g_strdup(get_string(fw, "description", why));
	if (!json_object_object_get_ex(fw, "mapping", &mapping) || !json_object_is_type(mapping, json_type_object)) {
		g_string_append_printf(why, "%s\"mapping\" is missing or not an object", why->len ? "; " : "");
		mapping = NULL;
	}
	e->device = g_strdup(get_string(mapping, "device", why));
	if (g_strcmp0(e->device, "flash") == 0) {
		json_object *exe = NULL;
		if (!json_object_object_get_ex(mapping, "executable", &exe))
			exe = NULL;
		e->filename = g_strdup(get_string(exe, "filename", why));
	} else if (e->device != NULL) {
		e->filename = g_strdup(get_string(mapping, "filename", why));
	}
	if ((list = get_array(fw, "features", why)) != NULL)
		for (gsize i = 0; i < json_object_array_length(list); i++)
			if (json_object_is_type(json_object_array_get_idx(list, i), json_type_string))
				g_strv_builder_add(features, json_object_get_string(json_object_array_get_idx(list, i)));
	g_strfreev(e->features);
	e->features = g_strv_builder_end(g_steal_pointer(&features));
	e->q35 = targets_q35(get_array(fw, "targets", why));
	get_array(fw, "interface-types", why);
	json_object_put(fw);
	if (why->len > 0) {
		e->error = g_string_free(g_steal_pointer(&why), FALSE);
		return;
	}
	g_strfreev(e->file_platforms);
	g_strfreev(e->platforms);
	fill_platforms(e);
}
