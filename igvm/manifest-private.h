/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by igvm/manifest*.c: parser state and strict JSON value readers. */
#pragma once

#include <cvm/igvm-manifest.h>
#include <json-c/json.h>

typedef struct {
	CvmIgvmBuilder *builder;
	const char *base_dir;
	CvmIgvmManifestFlags flags;
	GHashTable *platforms; /* name -> mask */
	guint32 all_masks;
} CvmiManifest;

/* Every error of the manifest parser: CVM_ERROR_INVALID_DATA, "@path: ...". */
void cvmi_mf_error(GError **error, const char *path, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Fail on any key of @obj not in the NULL-terminated @allowed list. */
gboolean cvmi_mf_check_keys(json_object *obj, const char *path, const char *const *allowed,
			    GError **error);

/* An unsigned number: a JSON integer, or a string "0x..." / decimal.
 * Missing: @def when not @required. Values above @max are errors. */
gboolean cvmi_mf_get_u64(json_object *obj, const char *key, const char *path, gboolean required,
			 guint64 def, guint64 max, guint64 *out, GError **error);
gboolean cvmi_mf_get_string(json_object *obj, const char *key, const char *path,
			    gboolean required, const char **out, GError **error);
gboolean cvmi_mf_get_bool(json_object *obj, const char *key, const char *path, gboolean def,
			  gboolean *out, GError **error);
/* "platforms": ["native", ...] -> OR of their masks; missing = every platform. */
gboolean cvmi_mf_get_mask(CvmiManifest *m, json_object *obj, const char *path, guint32 *out,
			  GError **error);
/* Decode "hex" text (pairs of hex digits; spaces allowed between bytes). */
GBytes *cvmi_mf_hex(const char *text, const char *path, GError **error);
/* Data from exactly one of "hex", "chunks" or "file" (+ "file_offset",
 * "file_length"); NULL with no error when none is present and !@required. */
GBytes *cvmi_mf_get_data(CvmiManifest *m, json_object *obj, const char *path, gboolean required,
			 GError **error);
/* Resolve a manifest file reference. */
gchar *cvmi_mf_path(CvmiManifest *m, const char *file, const char *path, GError **error);

/* manifest-directives.c */
gboolean cvmi_mf_directive(CvmiManifest *m, json_object *d, const char *path, GError **error);

/* manifest-registers.c: a "vp_context_native" directive. */
gboolean cvmi_mf_native_context(CvmiManifest *m, json_object *d, const char *path,
				guint32 unused, GError **error);

/* manifest-relocations.c: one entry of "relocations". */
gboolean cvmi_mf_relocation(CvmiManifest *m, json_object *r, const char *path, GError **error);
