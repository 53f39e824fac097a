/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Strict readers for manifest values: every wrong type, sign, overflow or
 * unknown key is an error that names its JSON path. */
#include "igvm/manifest-private.h"

#include <cvm/error.h>
#include <errno.h>
#include <string.h>

void
cvmi_mf_error(GError **error, const char *path, const char *fmt, ...)
{
	g_autofree gchar *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "%s: %s", path, msg);
}

gboolean
cvmi_mf_check_keys(json_object *obj, const char *path, const char *const *allowed,
		   GError **error)
{
	if (!json_object_is_type(obj, json_type_object)) {
		cvmi_mf_error(error, path, "expected an object");
		return FALSE;
	}
	json_object_object_foreach(obj, key, val) {
		gboolean known = FALSE;

		(void)val;
		for (guint i = 0; allowed[i] != NULL && !known; i++)
			known = strcmp(key, allowed[i]) == 0;
		if (!known) {
			cvmi_mf_error(error, path, "unknown key \"%s\"", key);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
parse_u64_string(const char *s, guint64 *out)
{
	const char *digits = s;
	guint base = 10;
	gchar *end = NULL;

	if (g_str_has_prefix(s, "0x") || g_str_has_prefix(s, "0X")) {
		digits = s + 2;
		base = 16;
	}
	if (!g_ascii_isxdigit(digits[0]))
		return FALSE;
	errno = 0;
	*out = g_ascii_strtoull(digits, &end, base);
	return errno == 0 && end != digits && *end == '\0';
}

gboolean
cvmi_mf_get_u64(json_object *obj, const char *key, const char *path, gboolean required,
		guint64 def, guint64 max, guint64 *out, GError **error)
{
	json_object *v = NULL;
	guint64 value;

	if (!json_object_object_get_ex(obj, key, &v)) {
		if (required) {
			cvmi_mf_error(error, path, "missing \"%s\"", key);
			return FALSE;
		}
		*out = def;
		return TRUE;
	}
	if (json_object_is_type(v, json_type_int)) {
		errno = 0;
		if (json_object_get_int64(v) < 0) {
			cvmi_mf_error(error, path, "\"%s\" is negative", key);
			return FALSE;
		}
		value = json_object_get_uint64(v);
		if (errno != 0) {
			cvmi_mf_error(error, path, "\"%s\" is out of range", key);
			return FALSE;
		}
	} else if (json_object_is_type(v, json_type_string)) {
		if (!parse_u64_string(json_object_get_string(v), &value)) {
			cvmi_mf_error(error, path, "\"%s\": \"%s\" is not a number (decimal or 0x hex)",
				      key, json_object_get_string(v));
			return FALSE;
		}
	} else {
		cvmi_mf_error(error, path, "\"%s\" must be an integer or a numeric string", key);
		return FALSE;
	}
	if (value > max) {
		cvmi_mf_error(error, path, "\"%s\" 0x%" G_GINT64_MODIFIER "x is above 0x%"
			      G_GINT64_MODIFIER "x", key, value, max);
		return FALSE;
	}
	*out = value;
	return TRUE;
}

gboolean
cvmi_mf_get_string(json_object *obj, const char *key, const char *path, gboolean required,
		   const char **out, GError **error)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v)) {
		if (required)
			cvmi_mf_error(error, path, "missing \"%s\"", key);
		return !required;
	}
	if (!json_object_is_type(v, json_type_string)) {
		cvmi_mf_error(error, path, "\"%s\" must be a string", key);
		return FALSE;
	}
	*out = json_object_get_string(v);
	return TRUE;
}

gboolean
cvmi_mf_get_bool(json_object *obj, const char *key, const char *path, gboolean def,
		 gboolean *out, GError **error)
{
	json_object *v = NULL;

	*out = def;
	if (!json_object_object_get_ex(obj, key, &v))
		return TRUE;
	if (!json_object_is_type(v, json_type_boolean)) {
		cvmi_mf_error(error, path, "\"%s\" must be true or false", key);
		return FALSE;
	}
	*out = json_object_get_boolean(v);
	return TRUE;
}

gboolean
cvmi_mf_get_mask(CvmiManifest *m, json_object *obj, const char *path, guint32 *out,
		 GError **error)
{
	json_object *list = NULL;
	guint32 mask = 0;

	if (!json_object_object_get_ex(obj, "platforms", &list)) {
		*out = m->all_masks;
		return TRUE;
	}
	if (!json_object_is_type(list, json_type_array) || json_object_array_length(list) == 0) {
		cvmi_mf_error(error, path, "\"platforms\" must be a non-empty array of names");
		return FALSE;
	}
	for (gsize i = 0; i < json_object_array_length(list); i++) {
		json_object *name = json_object_array_get_idx(list, i);
		gpointer bit;

		if (!json_object_is_type(name, json_type_string) ||
		    !g_hash_table_lookup_extended(m->platforms, json_object_get_string(name), NULL,
						  &bit)) {
			cvmi_mf_error(error, path, "platforms[%zu]: %s is not a declared platform", i,
				      json_object_to_json_string(name));
			return FALSE;
		}
		mask |= GPOINTER_TO_UINT(bit);
	}
	*out = mask;
	return TRUE;
}

GBytes *
cvmi_mf_hex(const char *text, const char *path, GError **error)
{
	g_autoptr(GByteArray) out = g_byte_array_new();

	for (const char *p = text; *p != '\0';) {
		guint8 byte;

		if (g_ascii_isspace(*p)) {
			p++;
			continue;
		}
		if (!g_ascii_isxdigit(p[0]) || !g_ascii_isxdigit(p[1])) {
			cvmi_mf_error(error, path, "\"hex\" has a bad digit at character %zu",
				      (gsize)(p - text));
			return NULL;
		}
		byte = (guint8)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
		g_byte_array_append(out, &byte, 1);
		p += 2;
	}
	if (out->len == 0) {
		cvmi_mf_error(error, path, "\"hex\" is empty");
		return NULL;
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

gchar *
cvmi_mf_path(CvmiManifest *m, const char *file, const char *path, GError **error)
{
	if ((m->flags & CVM_IGVM_MANIFEST_NO_FILES) != 0) {
		cvmi_mf_error(error, path, "file references are not allowed here");
		return NULL;
	}
	if (file[0] == '\0') {
		cvmi_mf_error(error, path, "\"file\" is empty");
		return NULL;
	}
	if (g_path_is_absolute(file))
		return g_strdup(file);
	return g_build_filename(m->base_dir, file, NULL);
}
