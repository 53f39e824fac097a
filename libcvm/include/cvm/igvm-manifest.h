/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IGVM build manifests: a JSON description of an IGVM file (platforms,
 * policies, directives) turned into a CvmIgvmBuilder. The format is
 * documented in docs/igvm-manifest.md. Parsing is strict: unknown keys,
 * wrong types, negative or overflowing numbers and malformed hex are errors
 * naming the JSON path ("directives[2].gpa: ..."). File paths are relative
 * to the manifest's directory.
 */
#pragma once

#include <cvm/igvm-builder.h>

G_BEGIN_DECLS

typedef enum {
	CVM_IGVM_MANIFEST_NONE = 0,
	/* Refuse "file" references (for parsing untrusted manifests, fuzzing). */
	CVM_IGVM_MANIFEST_NO_FILES = 1 << 0,
} CvmIgvmManifestFlags;

/**
 * cvm_igvm_manifest_parse:
 * @json: manifest text, @length bytes (need not be NUL-terminated)
 * @base_dir: directory relative "file" paths are resolved against
 * @format_version: 0 to use the manifest's "format_version" (default 1),
 *   1 or 2 to override it
 *
 * Returns: (transfer full): a builder holding every header of the manifest,
 * ready for cvm_igvm_builder_write_*(), or %NULL with @error set
 * (CVM_ERROR_INVALID_DATA for a bad manifest, CVM_ERROR_IO for a file).
 */
CvmIgvmBuilder *cvm_igvm_manifest_parse(const char *json, gsize length, const char *base_dir,
					guint32 format_version, CvmIgvmManifestFlags flags,
					GError **error);

/* Read the manifest at @path and parse it relative to its directory. */
CvmIgvmBuilder *cvm_igvm_manifest_load(const char *path, guint32 format_version, GError **error);

G_END_DECLS
