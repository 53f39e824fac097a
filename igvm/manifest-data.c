/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Data sources of a manifest entry: "hex", "file" (a region of a file,
 * mapped, not copied) or "chunks" (pieces placed at offsets in a zeroed
 * buffer, e.g. code at the start of a page and a jump at its end). */
#include "igvm/manifest-private.h"

#include <cvm/error.h>
#include <string.h>

/* Chunks build a buffer in memory; keep a malformed manifest from asking
 * for gigabytes. */
#define CHUNKS_MAX_SIZE (64u << 20)

static GBytes *
file_region(CvmiManifest *m, json_object *obj, const char *file, const char *path, GError **error)
{
	g_autofree gchar *full = cvmi_mf_path(m, file, path, error);
	g_autoptr(GMappedFile) map = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(GBytes) all = NULL;
	guint64 offset, length;
	gsize size;

	if (full == NULL ||
	    !cvmi_mf_get_u64(obj, "file_offset", path, FALSE, 0, G_MAXUINT64, &offset, error) ||
	    !cvmi_mf_get_u64(obj, "file_length", path, FALSE, 0, G_MAXUINT64, &length, error))
		return NULL;
	map = g_mapped_file_new(full, FALSE, &local);
	if (map == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s: %s", path, local->message);
		return NULL;
	}
	size = g_mapped_file_get_length(map);
	if (offset > size || (length != 0 && length > size - offset) ||
	    (length == 0 && offset == size)) {
		cvmi_mf_error(error, path, "region %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT
			      " is outside %s (%" G_GSIZE_FORMAT " bytes)", offset, length, full,
			      size);
		return NULL;
	}
	if (length == 0)
		length = size - offset;
	all = g_mapped_file_get_bytes(map);
	return g_bytes_new_from_bytes(all, offset, length);
}

static GBytes *
chunks(CvmiManifest *m, json_object *list, const char *path, GError **error)
{
	static const char *const keys[] = { "offset", "hex", "file", "file_offset", "file_length",
					    NULL };
	g_autoptr(GByteArray) buf = g_byte_array_new();
	g_autoptr(GByteArray) used = g_byte_array_new();

	if (!json_object_is_type(list, json_type_array) || json_object_array_length(list) == 0) {
		cvmi_mf_error(error, path, "\"chunks\" must be a non-empty array");
		return NULL;
	}
	for (gsize i = 0; i < json_object_array_length(list); i++) {
		json_object *c = json_object_array_get_idx(list, i);
		g_autofree gchar *cpath = g_strdup_printf("%s.chunks[%zu]", path, i);
		g_autoptr(GBytes) data = NULL;
		guint64 offset;
		gsize len, old;

		if (!cvmi_mf_check_keys(c, cpath, keys, error) ||
		    !cvmi_mf_get_u64(c, "offset", cpath, TRUE, 0, CHUNKS_MAX_SIZE, &offset, error))
			return NULL;
		data = cvmi_mf_get_data(m, c, cpath, TRUE, error);
		if (data == NULL)
			return NULL;
		len = g_bytes_get_size(data);
		if (len > CHUNKS_MAX_SIZE - offset) {
			cvmi_mf_error(error, cpath, "ends beyond %u bytes", CHUNKS_MAX_SIZE);
			return NULL;
		}
		old = buf->len;
		if (offset + len > old) {
			g_byte_array_set_size(buf, offset + len);
			g_byte_array_set_size(used, offset + len);
			memset(buf->data + old, 0, buf->len - old);
			memset(used->data + old, 0, used->len - old);
		}
		for (gsize b = 0; b < len; b++) {
			if (used->data[offset + b]) {
				cvmi_mf_error(error, cpath, "overlaps an earlier chunk at byte %"
					      G_GUINT64_FORMAT, offset + b);
				return NULL;
			}
			used->data[offset + b] = 1;
		}
		memcpy(buf->data + offset, g_bytes_get_data(data, NULL), len);
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&buf));
}

GBytes *
cvmi_mf_get_data(CvmiManifest *m, json_object *obj, const char *path, gboolean required,
		 GError **error)
{
	json_object *hex = NULL, *file = NULL, *list = NULL;
	gboolean has_hex = json_object_object_get_ex(obj, "hex", &hex);
	gboolean has_file = json_object_object_get_ex(obj, "file", &file);
	gboolean has_chunks = json_object_object_get_ex(obj, "chunks", &list);

	if (has_hex + has_file + has_chunks > 1) {
		cvmi_mf_error(error, path, "give only one of \"hex\", \"file\" and \"chunks\"");
		return NULL;
	}
	if (!has_file && (json_object_object_get_ex(obj, "file_offset", NULL) ||
			  json_object_object_get_ex(obj, "file_length", NULL))) {
		cvmi_mf_error(error, path, "\"file_offset\"/\"file_length\" need \"file\"");
		return NULL;
	}
	if (has_hex) {
		if (!json_object_is_type(hex, json_type_string)) {
			cvmi_mf_error(error, path, "\"hex\" must be a string");
			return NULL;
		}
		return cvmi_mf_hex(json_object_get_string(hex), path, error);
	}
	if (has_file) {
		if (!json_object_is_type(file, json_type_string)) {
			cvmi_mf_error(error, path, "\"file\" must be a string");
			return NULL;
		}
		return file_region(m, obj, json_object_get_string(file), path, error);
	}
	if (has_chunks)
		return chunks(m, list, path, error);
	if (required)
		cvmi_mf_error(error, path, "needs data: \"hex\", \"file\" or \"chunks\"");
	return NULL;
}
