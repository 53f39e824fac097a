/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Header access for the cvmctl igvm commands, through the libcvm reader
 * (cvm/igvm.h). Files are opened without validation so that inspect and diff
 * can show broken files; `cvmctl igvm validate` reports the rules. */
#include "cvmctl/igvm-file.h"

#include <cvm/error.h>
#include <cvm/igvm.h>
#include <string.h>

void
cvmctl_igvm_file_free(CvmctlIgvmFile *file)
{
	if (file == NULL)
		return;
	g_bytes_unref(file->bytes);
	g_array_unref(file->headers);
	g_clear_pointer(&file->igvm, cvm_igvm_free);
	g_free(file);
}

/* Where a header's file data is: (offset field in the payload, length). */
static gboolean
data_ref(const CvmIgvmHeader *h, guint32 *file_offset, guint64 *len)
{
	const CvmIgvmPageData *pd = cvm_igvm_header_page_data(h);
	const CvmIgvmVpContext *vp = cvm_igvm_header_vp_context(h);
	const CvmIgvmParameterArea *pa = cvm_igvm_header_parameter_area(h);
	const CvmIgvmCorimData *cd = cvm_igvm_header_corim(h);

	if (pd != NULL)
		*file_offset = cvm_le32(pd->file_offset), *len = CVM_IGVM_PAGE_SIZE;
	else if (vp != NULL)
		*file_offset = cvm_le32(vp->file_offset), *len = CVM_IGVM_PAGE_SIZE;
	else if (pa != NULL)
		*file_offset = cvm_le32(pa->file_offset), *len = cvm_le64(pa->number_of_bytes);
	else if (cd != NULL)
		*file_offset = cvm_le32(cd->file_offset), *len = cvm_le32(cd->size_bytes);
	else
		return FALSE;
	return *file_offset != 0;
}

static gboolean
add_header(CvmctlIgvmFile *f, const CvmIgvmHeader *ih, GError **error)
{
	CvmctlIgvmHeader h = {.index = ih->index, .type = ih->type, .optional = ih->optional,
			      .payload = ih->payload, .length = ih->length};
	gsize expected = cvm_igvm_header_type_size(ih->type);
	guint32 file_offset;
	guint64 len;

	/* The commands read fixed structs from payloads: nothing shorter. */
	if (expected != 0 && ih->length != expected) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "header %u at byte %u: type 0x%x payload is %u bytes, expected %zu", ih->index,
			    ih->payload_offset - 8, ih->type, ih->length, expected);
		return FALSE;
	}
	if (data_ref(ih, &file_offset, &len)) {
		if (!cvm_igvm_get_file_data(f->igvm, file_offset, len, &h.data, error)) {
			g_prefix_error(error, "header %u at byte %u: ", ih->index, ih->payload_offset - 8);
			return FALSE;
		}
		h.data_length = len;
	}
	g_array_append_val(f->headers, h);
	return TRUE;
}

static void
read_fixed(CvmctlIgvmFile *f)
{
	gsize size;
	const guint8 *p = cvm_igvm_get_data(f->igvm, &size);
	CvmIgvmFixedHeaderV1 fh;

	memcpy(&fh, p, sizeof(fh)); /* the reader accepted at least this much */
	f->format_version = cvm_igvm_get_format_version(f->igvm);
	f->architecture = cvm_igvm_get_architecture(f->igvm);
	f->variable_header_offset = cvm_le32(fh.variable_header_offset);
	f->variable_header_size = cvm_le32(fh.variable_header_size);
	f->total_file_size = cvm_le32(fh.total_file_size);
	f->checksum = cvm_le32(fh.checksum);
}

CvmctlIgvmFile *
cvmctl_igvm_file_open(const char *path, GError **error)
{
	g_autoptr(CvmctlIgvmFile) f = g_new0(CvmctlIgvmFile, 1);
	gsize size;

	f->headers = g_array_new(FALSE, FALSE, sizeof(CvmctlIgvmHeader));
	f->igvm = cvm_igvm_open(path, CVM_IGVM_NO_VALIDATE, error);
	if (f->igvm == NULL)
		return NULL;
	const guint8 *p = cvm_igvm_get_data(f->igvm, &size);
	f->bytes = g_bytes_new_static(p, size);
	read_fixed(f);
	for (guint i = 0; i < cvm_igvm_get_n_headers(f->igvm); i++) {
		CvmIgvmHeader h;
		if (!cvm_igvm_get_header(f->igvm, i, &h) || !add_header(f, &h, error)) {
			g_prefix_error(error, "%s: ", path);
			return NULL;
		}
	}
	return g_steal_pointer(&f);
}
