/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A host's firmware descriptors resolved as libvirt resolves them
 * (src/qemu/qemu_interop_config.c, qemuInteropFetchConfigs): folders from
 * general to specific, a name in a later folder replacing the earlier one,
 * names in strcmp() order, an empty file masking its name. */
#include "launch/firmware-private.h"

#include <cvm/error.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

GStrv
cvm_firmware_default_dirs(void)
{
	const char *env = g_getenv(CVM_FIRMWARE_DIRS_ENV);
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();

	if (env != NULL)
		return g_strsplit(env, ":", -1);
	/* libvirt's QEMU_SYSTEM_LOCATION and QEMU_ETC_LOCATION on Debian. */
	g_strv_builder_add(b, "/usr/share/qemu/firmware");
	g_strv_builder_add(b, "/etc/qemu/firmware");
	if (geteuid() != 0) {
		g_autofree gchar *user = g_build_filename(g_get_user_config_dir(), "qemu", "firmware", NULL);
		g_strv_builder_add(b, user);
	}
	return g_strv_builder_end(b);
}

void
cvm_firmware_entry_free(CvmFirmwareEntry *e)
{
	if (e == NULL)
		return;
	g_free(e->name);
	g_free(e->path);
	g_strfreev(e->shadowed);
	g_free(e->error);
	g_free(e->description);
	g_free(e->device);
	g_free(e->filename);
	g_strfreev(e->features);
	g_strfreev(e->file_platforms);
	g_strfreev(e->platforms);
	g_free(e->note);
	g_free(e);
}

/* Adds @dir's files to @paths (name -> GPtrArray of paths, general first). */
static gboolean
add_dir(GHashTable *paths, const char *dir, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GDir) d = g_dir_open(dir, 0, &local);
	const char *name;

	if (d == NULL) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
		    g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
			return TRUE;
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot read firmware descriptor folder %s: %s", dir,
			    local->message);
		return FALSE;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, name, NULL);
		struct stat st;
		GPtrArray *list;

		if (name[0] == '.')
			continue;
		if (stat(path, &st) < 0) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot access %s: %s", path, g_strerror(errno));
			return FALSE;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		list = g_hash_table_lookup(paths, name);
		if (list == NULL) {
			list = g_ptr_array_new_with_free_func(g_free);
			g_hash_table_insert(paths, g_strdup(name), list);
		}
		g_ptr_array_add(list, g_steal_pointer(&path));
	}
	return TRUE;
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
cvm_firmware_list(const char *const *dirs, GError **error)
{
	g_auto(GStrv) defaults = dirs == NULL ? cvm_firmware_default_dirs() : NULL;
	g_autoptr(GHashTable) paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							     (GDestroyNotify)g_ptr_array_unref);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)cvm_firmware_entry_free);
	g_autofree gpointer names = NULL;
	guint n;

	if (dirs == NULL)
		dirs = (const char *const *)defaults;
	for (guint i = 0; dirs[i] != NULL; i++)
		if (*dirs[i] != '\0' && !add_dir(paths, dirs[i], error))
			return NULL;
	names = g_hash_table_get_keys_as_array(paths, &n);
	qsort(names, n, sizeof(gpointer), by_name);
	for (guint i = 0; i < n; i++) {
		const char *name = ((const char **)names)[i];
		GPtrArray *list = g_hash_table_lookup(paths, name);
		CvmFirmwareEntry *e = g_new0(CvmFirmwareEntry, 1);

		e->name = g_strdup(name);
		e->path = g_strdup(g_ptr_array_index(list, list->len - 1));
		e->shadowed = g_new0(gchar *, list->len);
		for (guint j = 0; j + 1 < list->len; j++)
			e->shadowed[j] = g_strdup(g_ptr_array_index(list, j));
		cvmi_firmware_entry_read(e);
		g_ptr_array_add(out, e);
	}
	return g_steal_pointer(&out);
}

static json_object *
strv_json(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v != NULL && *v != NULL; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static void
add_opt(json_object *o, const char *key, const char *value)
{
	if (value != NULL)
		json_object_object_add(o, key, json_object_new_string(value));
}

json_object *
cvm_firmware_entry_to_json(const CvmFirmwareEntry *e)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(e->name));
	json_object_object_add(o, "path", json_object_new_string(e->path));
	json_object_object_add(o, "shadowed", strv_json((const char *const *)e->shadowed));
	json_object_object_add(o, "masked", json_object_new_boolean(e->masked));
	add_opt(o, "error", e->error);
	add_opt(o, "description", e->description);
	add_opt(o, "device", e->device);
	add_opt(o, "filename", e->filename);
	json_object_object_add(o, "features", strv_json((const char *const *)e->features));
	json_object_object_add(o, "q35", json_object_new_boolean(e->q35));
	json_object_object_add(o, "file-platforms", strv_json((const char *const *)e->file_platforms));
	json_object_object_add(o, "platforms", strv_json((const char *const *)e->platforms));
	add_opt(o, "note", e->note);
	return o;
}

/* Why @e cannot serve @platform, for the refusal. */
static gchar *
why_not(const CvmFirmwareEntry *e, const char *platform)
{
	if (e->masked)
		return g_strdup_printf("%s: masked (empty %s)", e->name, e->path);
	if (e->error != NULL)
		return g_strdup_printf("%s: unreadable (%s)", e->name, e->error);
	if (e->note != NULL && e->platforms[0] == NULL)
		return g_strdup_printf("%s: %s", e->name, e->note);
	g_autofree gchar *offers = g_strjoinv(", ", e->platforms);
	return g_strdup_printf("%s: no %s (it offers %s)", e->name, platform, *offers ? offers : "none");
}

const CvmFirmwareEntry *
cvm_firmware_pick(GPtrArray *entries, CvmPlatform platform, const char *const *searched, GError **error)
{
	const char *name = cvm_platform_to_string(platform);
	g_autoptr(GString) why = g_string_new(NULL);
	g_autofree gchar *where = searched != NULL ? g_strjoinv(", ", (gchar **)searched) : g_strdup("");

	for (guint i = 0; i < entries->len; i++) {
		const CvmFirmwareEntry *e = g_ptr_array_index(entries, i);

		if (!e->masked && e->error == NULL &&
		    (platform == CVM_PLATFORM_AUTO ? e->platforms[0] != NULL
							  : g_strv_contains((const char *const *)e->platforms, name)))
			return e;
		g_autofree gchar *line = why_not(e, name);
		g_string_append_printf(why, "%s%s", why->len ? "; " : "", line);
	}
	g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND,
		    "no IGVM firmware descriptor can launch %s%s%s%s: %s (cvmctl igvm descriptor FILE -o DIR writes one)",
		    platform == CVM_PLATFORM_AUTO ? "any platform" : name, *where ? " (searched " : "", where,
		    *where ? ")" : "", why->len ? why->str : "there are no descriptors");
	return NULL;
}
