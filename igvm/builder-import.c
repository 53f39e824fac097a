/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A builder from an existing file: every header copied raw with the file
 * data it references, so that writing it again reproduces files this writer
 * made. Checks only what copying needs (bounds, CRC). */
#include "igvm/builder-private.h"

#include <cvm/error.h>
#include <string.h>
#include <zlib.h>

/* Bytes of file data a header references: 4 KiB pages and contexts, the
 * parameter area's size, the CoRIM blob's size. */
static guint64
referenced_size(guint32 type, const guint8 *payload)
{
	guint64 v64;
	guint32 v32;

	switch (type & CVM_IGVM_VHT_TYPE_MASK) {
	case CVM_IGVM_VHT_PARAMETER_AREA:
		memcpy(&v64, payload, 8);
		return cvm_le64(v64);
	case CVM_IGVM_VHT_CORIM_DOCUMENT:
	case CVM_IGVM_VHT_CORIM_SIGNATURE:
		memcpy(&v32, payload + offsetof(CvmIgvmCorimData, size_bytes), 4);
		return cvm_le32(v32);
	default:
		return CVM_IGVM_PAGE_SIZE;
	}
}

static gboolean
import_header(CvmIgvmBuilder *b, GBytes *file, guint index, gsize off, guint32 type,
	      const guint8 *payload, guint32 length, gsize data_start, GError **error)
{
	gint at = cvmi_builder_file_offset_field(type);
	gsize size = g_bytes_get_size(file);
	g_autoptr(GBytes) data = NULL;
	guint32 fo = 0;

	if (cvmi_builder_section_of(type) < 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "header %u at byte %zu: type 0x%x is in no section", index, off, type);
		return FALSE;
	}
	if (at >= 0 && (gsize)at + 4 <= length) {
		memcpy(&fo, payload + at, 4);
		fo = cvm_le32(fo);
	}
	if (fo != 0 && length < (at == offsetof(CvmIgvmCorimData, file_offset) ? 12u : 16u)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "header %u at byte %zu: %u-byte payload too short for its type", index,
			    off, length);
		return FALSE;
	}
	if (fo != 0) {
		guint64 len = referenced_size(type, payload);

		if (fo < data_start || fo > size || len > size - fo || len == 0) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "header %u at byte %zu: file data %u+%" G_GUINT64_FORMAT
				    " is outside the file data area", index, off, fo, len);
			return FALSE;
		}
		data = g_bytes_new_from_bytes(file, fo, len);
	}
	return cvm_igvm_builder_add_raw_header(b, type, payload, length, data, error);
}

static gboolean
import_headers(CvmIgvmBuilder *b, GBytes *file, gsize off, gsize end, GError **error)
{
	const guint8 *p = g_bytes_get_data(file, NULL);

	for (guint index = 0; off < end; index++) {
		CvmIgvmVhsHeader tlv;
		guint32 length;

		if (end - off < sizeof(tlv)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
				    "header %u at byte %zu: truncated header prefix", index, off);
			return FALSE;
		}
		memcpy(&tlv, p + off, sizeof(tlv));
		length = cvm_le32(tlv.length);
		if (length > end - off - sizeof(tlv)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
				    "header %u at byte %zu: length %u runs past the variable headers",
				    index, off, length);
			return FALSE;
		}
		if (!import_header(b, file, index, off, cvm_le32(tlv.type), p + off + sizeof(tlv),
				   length, end, error))
			return FALSE;
		off += sizeof(tlv) + (((gsize)length + 7) & ~(gsize)7);
	}
	return TRUE;
}

static gboolean
check_fixed(const guint8 *p, gsize size, CvmIgvmFixedHeaderV2 *h, GError **error)
{
	guint32 version, crc;
	gsize fixed, end;

	memset(h, 0, sizeof(*h));
	if (size < sizeof(CvmIgvmFixedHeaderV1)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "byte 0: %zu bytes is shorter than a fixed header", size);
		return FALSE;
	}
	memcpy(h, p, MIN(size, sizeof(*h)));
	version = cvm_le32(h->v1.format_version);
	fixed = version == 2 ? sizeof(CvmIgvmFixedHeaderV2) : sizeof(CvmIgvmFixedHeaderV1);
	if (cvm_le32(h->v1.magic) != CVM_IGVM_MAGIC || (version != 1 && version != 2) ||
	    size < fixed) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "byte 0: not an IGVM file (magic or format version)");
		return FALSE;
	}
	end = (gsize)cvm_le32(h->v1.variable_header_offset) + cvm_le32(h->v1.variable_header_size);
	if (cvm_le32(h->v1.variable_header_offset) < fixed || end > size) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "byte 8: variable headers (%zu bytes in) do not fit the file", end);
		return FALSE;
	}
	crc = (guint32)crc32(0L, Z_NULL, 0);
	{
		CvmIgvmFixedHeaderV2 zeroed = *h;

		zeroed.v1.checksum = 0;
		crc = (guint32)crc32(crc, (const Bytef *)&zeroed, fixed);
	}
	crc = (guint32)crc32(crc, p + cvm_le32(h->v1.variable_header_offset),
			     cvm_le32(h->v1.variable_header_size));
	if (crc != cvm_le32(h->v1.checksum)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_CHECKSUM,
			    "byte 20: checksum 0x%08x, computed 0x%08x", cvm_le32(h->v1.checksum), crc);
		return FALSE;
	}
	return TRUE;
}

CvmIgvmBuilder *
cvm_igvm_builder_new_from_bytes(GBytes *file, GError **error)
{
	gsize size;
	const guint8 *p = g_bytes_get_data(file, &size);
	g_autoptr(CvmIgvmBuilder) b = NULL;
	CvmIgvmFixedHeaderV2 h;
	gsize off;

	if (!check_fixed(p, size, &h, error))
		return NULL;
	b = cvm_igvm_builder_new(cvm_le32(h.v1.format_version));
	if (cvm_le32(h.v1.format_version) == 2 &&
	    !cvm_igvm_builder_set_architecture(b, cvm_le32(h.architecture), error)) {
		g_prefix_error(error, "byte 24: ");
		return NULL;
	}
	off = cvm_le32(h.v1.variable_header_offset);
	if (!import_headers(b, file, off, off + cvm_le32(h.v1.variable_header_size), error))
		return NULL;
	return g_steal_pointer(&b);
}
