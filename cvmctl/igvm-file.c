/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Header access for the cvmctl igvm commands.
 *
 * The libcvm reader (cvm/igvm.h, owned by igvm-core) had not landed when
 * these commands were written; until it does, this walks the variable
 * headers itself with every offset bounds-checked, and leaves checksums and
 * semantic rules to the validator. Replace the body of
 * cvmctl_igvm_file_open() with the reader once it exists. */
#include "cvmctl/igvm-file.h"

#include <cvm/error.h>
#include <string.h>

void
cvmctl_igvm_file_free(CvmctlIgvmFile *file)
{
	if (file == NULL)
		return;
	g_bytes_unref(file->bytes);
	g_array_unref(file->headers);
	g_free(file);
}

/* Payload size of each known type (the reference parser wants exactly
 * this); the commands read fixed structs from payloads, so nothing shorter
 * may get through. 0 for unknown types. */
static gsize
expected_length(guint32 type)
{
	switch (type) {
	case CVM_IGVM_VHT_SUPPORTED_PLATFORM: return sizeof(CvmIgvmSupportedPlatform);
	case CVM_IGVM_VHT_GUEST_POLICY: return sizeof(CvmIgvmGuestPolicy);
	case CVM_IGVM_VHT_RELOCATABLE_REGION: return sizeof(CvmIgvmRelocatableRegion);
	case CVM_IGVM_VHT_PAGE_TABLE_RELOCATION_REGION: return sizeof(CvmIgvmPageTableRelocation);
	case CVM_IGVM_VHT_CORIM_DOCUMENT:
	case CVM_IGVM_VHT_CORIM_SIGNATURE: return sizeof(CvmIgvmCorimData);
	case CVM_IGVM_VHT_CCA_POLICY: return sizeof(CvmIgvmCcaPolicy);
	case CVM_IGVM_VHT_PARAMETER_AREA: return sizeof(CvmIgvmParameterArea);
	case CVM_IGVM_VHT_PAGE_DATA: return sizeof(CvmIgvmPageData);
	case CVM_IGVM_VHT_PARAMETER_INSERT: return sizeof(CvmIgvmParameterInsert);
	case CVM_IGVM_VHT_VP_CONTEXT: return sizeof(CvmIgvmVpContext);
	case CVM_IGVM_VHT_REQUIRED_MEMORY: return sizeof(CvmIgvmRequiredMemory);
	case CVM_IGVM_VHT_SNP_ID_BLOCK: return sizeof(CvmIgvmSnpIdBlock);
	case CVM_IGVM_VHT_ERROR_RANGE: return sizeof(CvmIgvmErrorRange);
	case CVM_IGVM_VHT_VBS_MEASUREMENT: return sizeof(CvmIgvmVbsMeasurement);
	case CVM_IGVM_VHT_VP_COUNT_PARAMETER:
	case CVM_IGVM_VHT_SRAT:
	case CVM_IGVM_VHT_MADT:
	case CVM_IGVM_VHT_MMIO_RANGES:
	case CVM_IGVM_VHT_MEMORY_MAP:
	case CVM_IGVM_VHT_COMMAND_LINE:
	case CVM_IGVM_VHT_SLIT:
	case CVM_IGVM_VHT_PPTT:
	case CVM_IGVM_VHT_DEVICE_TREE:
	case CVM_IGVM_VHT_ENVIRONMENT_INFO_PARAMETER: return sizeof(CvmIgvmParameter);
	default: return 0;
	}
}

static gsize
data_size(guint32 type, const guint8 *payload, gsize length)
{
	guint64 v64;
	guint32 v32;

	switch (type) {
	case CVM_IGVM_VHT_PAGE_DATA:
	case CVM_IGVM_VHT_VP_CONTEXT:
		return CVM_IGVM_PAGE_SIZE;
	case CVM_IGVM_VHT_PARAMETER_AREA:
		memcpy(&v64, payload, 8);
		return cvm_le64(v64);
	case CVM_IGVM_VHT_CORIM_DOCUMENT:
	case CVM_IGVM_VHT_CORIM_SIGNATURE:
		memcpy(&v32, payload + 8, 4);
		return cvm_le32(v32);
	default:
		return 0;
	}
}

static gboolean
attach_data(CvmctlIgvmHeader *h, const guint8 *base, gsize size, guint32 data_start, guint off,
	    GError **error)
{
	gint field;
	guint32 fo;
	gsize len;

	switch (h->type) {
	case CVM_IGVM_VHT_PAGE_DATA: field = 12; break;
	case CVM_IGVM_VHT_VP_CONTEXT: field = 12; break;
	case CVM_IGVM_VHT_PARAMETER_AREA: field = 12; break;
	case CVM_IGVM_VHT_CORIM_DOCUMENT:
	case CVM_IGVM_VHT_CORIM_SIGNATURE: field = 4; break;
	default: return TRUE;
	}
	if ((gsize)field + 4 > h->length)
		return TRUE;
	memcpy(&fo, h->payload + field, 4);
	fo = cvm_le32(fo);
	if (fo == 0)
		return TRUE;
	len = data_size(h->type, h->payload, h->length);
	if (fo < data_start || fo > size || len > size - fo) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "header %u at byte %u: file data %u+%zu is outside the file data area",
			    h->index, off, fo, len);
		return FALSE;
	}
	h->data = base + fo;
	h->data_length = len;
	return TRUE;
}

static gboolean
parse(CvmctlIgvmFile *f, GError **error)
{
	gsize size;
	const guint8 *p = g_bytes_get_data(f->bytes, &size);
	CvmIgvmFixedHeaderV2 fh = { 0 };
	guint64 off, end;

	if (size < sizeof(CvmIgvmFixedHeaderV1)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED, "file is %zu bytes, shorter "
			    "than the 24-byte fixed header", size);
		return FALSE;
	}
	memcpy(&fh, p, MIN(size, sizeof(fh)));
	f->format_version = cvm_le32(fh.v1.format_version);
	if (cvm_le32(fh.v1.magic) != CVM_IGVM_MAGIC || f->format_version < 1 ||
	    f->format_version > 2 || (f->format_version == 2 && size < sizeof(fh))) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "byte 0: not an IGVM file (magic or format version)");
		return FALSE;
	}
	f->architecture = f->format_version == 2 ? cvm_le32(fh.architecture) : CVM_IGVM_ARCH_X64;
	f->variable_header_offset = cvm_le32(fh.v1.variable_header_offset);
	f->variable_header_size = cvm_le32(fh.v1.variable_header_size);
	f->total_file_size = cvm_le32(fh.v1.total_file_size);
	f->checksum = cvm_le32(fh.v1.checksum);
	off = f->variable_header_offset;
	end = off + f->variable_header_size;
	if (end > size) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "byte 8: variable headers end at %" G_GUINT64_FORMAT
			    ", beyond the file (%zu bytes)", end, size);
		return FALSE;
	}
	while (off < end) {
		CvmctlIgvmHeader h = { .index = f->headers->len };
		CvmIgvmVhsHeader tlv;

		if (end - off < sizeof(tlv)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
				    "header %u at byte %" G_GUINT64_FORMAT ": truncated", h.index, off);
			return FALSE;
		}
		memcpy(&tlv, p + off, sizeof(tlv));
		h.type = cvm_le32(tlv.type) & CVM_IGVM_VHT_TYPE_MASK;
		h.optional = (cvm_le32(tlv.type) & CVM_IGVM_VHT_OPTIONAL_BIT) != 0;
		h.length = cvm_le32(tlv.length);
		if (h.length > end - off - sizeof(tlv)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
				    "header %u at byte %" G_GUINT64_FORMAT ": length %zu runs past "
				    "the variable headers", h.index, off, h.length);
			return FALSE;
		}
		h.payload = p + off + sizeof(tlv);
		if (expected_length(h.type) != 0 && h.length != expected_length(h.type)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "header %u at byte %" G_GUINT64_FORMAT ": type 0x%x payload is %zu "
				    "bytes, expected %zu", h.index, off, h.type, h.length,
				    expected_length(h.type));
			return FALSE;
		}
		if (!attach_data(&h, p, size, (guint32)end, (guint)off, error))
			return FALSE;
		g_array_append_val(f->headers, h);
		off += sizeof(tlv) + ((h.length + 7) & ~(gsize)7);
	}
	return TRUE;
}

CvmctlIgvmFile *
cvmctl_igvm_file_open(const char *path, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GMappedFile) map = g_mapped_file_new(path, FALSE, &local);
	g_autoptr(CvmctlIgvmFile) f = NULL;

	if (map == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s", local->message);
		return NULL;
	}
	f = g_new0(CvmctlIgvmFile, 1);
	f->bytes = g_mapped_file_get_bytes(map);
	f->headers = g_array_new(FALSE, FALSE, sizeof(CvmctlIgvmHeader));
	if (!parse(f, error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	return g_steal_pointer(&f);
}
