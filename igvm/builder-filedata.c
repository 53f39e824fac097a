/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* File data of the builder: blobs are laid out after the variable headers in
 * order of first use, identical blobs (same size, same bytes) stored once. */
#include "igvm/builder-private.h"

#include <cvm/error.h>
#include <string.h>

GBytes *
cvmi_bytes_padded(GBytes *data, gsize size)
{
	gsize len = g_bytes_get_size(data);
	guint8 *buf;

	if (len == size)
		return g_bytes_ref(data);
	buf = g_malloc0(size);
	memcpy(buf, g_bytes_get_data(data, NULL), MIN(len, size));
	return g_bytes_new_take(buf, size);
}

static void
put_le32(guint8 *p, guint32 v)
{
	v = GUINT32_TO_LE(v);
	memcpy(p, &v, 4);
}

/* The Rust reference parser wants at least one byte of file data (it checks
 * offset + size < file length), so a file without blobs gets this one. */
static const guint8 empty_file_data[8];

GPtrArray *
cvmi_builder_layout_file_data(CvmIgvmBuilder *builder, guint64 data_start, guint64 *data_size,
			      GError **error)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_bytes_hash, g_bytes_equal);
	g_autoptr(GPtrArray) blobs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	guint64 cursor = data_start;

	for (int s = 0; s < CVMI_N_SECTIONS; s++) {
		GPtrArray *headers = builder->sections[s];

		for (guint i = 0; i < headers->len; i++) {
			CvmiBuilderHeader *h = headers->pdata[i];
			gpointer found;
			guint64 offset;

			if (h->blob == NULL)
				continue;
			if (g_hash_table_lookup_extended(seen, h->blob, NULL, &found)) {
				offset = GPOINTER_TO_SIZE(found);
			} else {
				offset = cursor;
				cursor += g_bytes_get_size(h->blob);
				if (cursor > G_MAXUINT32) {
					g_set_error_literal(error, CVM_ERROR,
							    CVM_ERROR_INVALID_ARGUMENT,
							    "file data exceeds the 4 GiB an IGVM "
							    "file can address");
					return NULL;
				}
				g_hash_table_insert(seen, h->blob, GSIZE_TO_POINTER(offset));
				g_ptr_array_add(blobs, g_bytes_ref(h->blob));
			}
			put_le32(h->payload + h->file_offset_at, (guint32)offset);
		}
	}
	if (blobs->len == 0) {
		g_ptr_array_add(blobs,
				g_bytes_new_static(empty_file_data, sizeof(empty_file_data)));
		cursor += sizeof(empty_file_data);
	}
	*data_size = cursor - data_start;
	return g_steal_pointer(&blobs);
}
