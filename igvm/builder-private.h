/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal state of CvmIgvmBuilder, shared by igvm/builder*.c. */
#pragma once

#include <cvm/igvm-builder.h>

enum { CVMI_SECTION_PLATFORM, CVMI_SECTION_INIT, CVMI_SECTION_DIRECTIVE, CVMI_N_SECTIONS };

/* One variable header as it will be written: the payload is kept in wire
 * (little-endian) order; file_offset_at says where the u32 file offset of
 * @blob goes (patched when the file data is laid out), -1 for none. */
typedef struct {
	guint32 type;
	guint32 length;
	gint file_offset_at;
	GBytes *blob;
	guint8 payload[];
} CvmiBuilderHeader;

typedef struct {
	guint64 size;
	gboolean inserted;
} CvmiBuilderArea;

struct _CvmIgvmBuilder {
	guint32 version;
	guint32 architecture;
	gboolean validate;
	GPtrArray *sections[CVMI_N_SECTIONS]; /* CvmiBuilderHeader */
	guint32 platform_mask[8];             /* by wire platform_type; 0 = not declared */
	guint32 used_masks;
	GHashTable *areas; /* parameter_area_index -> CvmiBuilderArea */
};

/* builder-headers.c: append a header (payload copied) to its section. */
CvmiBuilderHeader *cvmi_builder_append(CvmIgvmBuilder *builder, guint32 type, const void *payload,
				       guint32 length, gint file_offset_at, GBytes *blob);
/* Section of a header type (optional bit ignored), or -1. */
int cvmi_builder_section_of(guint32 type);
/* Offset of the file_offset field in @type's payload, or -1. */
gint cvmi_builder_file_offset_field(guint32 type);
gboolean cvmi_builder_check_mask(guint32 mask, GError **error);
gboolean cvmi_builder_check_aligned(const char *what, guint64 value, GError **error);

/* builder-filedata.c: lay out the de-duplicated file data starting at
 * @data_start, patch every header's file_offset, and return the blobs in
 * file order (a reference each) with their total size. */
GPtrArray *cvmi_builder_layout_file_data(CvmIgvmBuilder *builder, guint64 data_start,
					 guint64 *data_size, GError **error);
/* A copy of @data zero-padded to @size bytes (a new reference when it is
 * already that long). */
GBytes *cvmi_bytes_padded(GBytes *data, gsize size);

/* builder-write.c: the serialized fixed + variable header section. */
GByteArray *cvmi_builder_serialize_headers(CvmIgvmBuilder *builder, guint64 data_size,
					   GError **error);

/* builder-validate.c: run the cvm/igvm.h validator over what was written;
 * FALSE (CVM_ERROR_INVALID_ARGUMENT, the first error rule) if it fails. */
gboolean cvmi_builder_validate_output(GBytes *file, GError **error);
gboolean cvmi_builder_validate_path(const char *path, GError **error);
