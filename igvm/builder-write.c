/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Serialization: fixed header, variable header section (TLVs padded to 8),
 * CRC-32, then the file data laid out by builder-filedata.c. */
#include "igvm/builder-private.h"

#include <cvm/error.h>
#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#define ALIGN8(x) (((x) + 7u) & ~(guint64)7u)

static guint64
variable_header_size(CvmIgvmBuilder *b)
{
	guint64 size = 0;

	for (int s = 0; s < CVMI_N_SECTIONS; s++)
		for (guint i = 0; i < b->sections[s]->len; i++) {
			CvmiBuilderHeader *h = b->sections[s]->pdata[i];

			size += sizeof(CvmIgvmVhsHeader) + ALIGN8(h->length);
		}
	return size;
}

static guint32
fixed_header_size(CvmIgvmBuilder *b)
{
	return b->version >= 2 ? sizeof(CvmIgvmFixedHeaderV2) : sizeof(CvmIgvmFixedHeaderV1);
}

static void
append_tlvs(GByteArray *out, CvmIgvmBuilder *b)
{
	static const guint8 zeros[8];

	for (int s = 0; s < CVMI_N_SECTIONS; s++)
		for (guint i = 0; i < b->sections[s]->len; i++) {
			CvmiBuilderHeader *h = b->sections[s]->pdata[i];
			CvmIgvmVhsHeader tlv = { GUINT32_TO_LE(h->type), GUINT32_TO_LE(h->length) };

			g_byte_array_append(out, (const guint8 *)&tlv, sizeof(tlv));
			g_byte_array_append(out, h->payload, h->length);
			g_byte_array_append(out, zeros, ALIGN8(h->length) - h->length);
		}
}

GByteArray *
cvmi_builder_serialize_headers(CvmIgvmBuilder *b, guint64 data_size, GError **error)
{
	guint32 fixed = fixed_header_size(b);
	guint64 vhs = variable_header_size(b);
	guint64 total = fixed + vhs + data_size;
	CvmIgvmFixedHeaderV2 hdr = { 0 };
	GByteArray *out;
	uLong crc;

	if (total > G_MAXUINT32) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "file would be %" G_GUINT64_FORMAT " bytes; IGVM files stop at 4 GiB",
			    total);
		return NULL;
	}
	hdr.v1.magic = GUINT32_TO_LE(CVM_IGVM_MAGIC);
	hdr.v1.format_version = GUINT32_TO_LE(b->version);
	hdr.v1.variable_header_offset = GUINT32_TO_LE(fixed);
	hdr.v1.variable_header_size = GUINT32_TO_LE((guint32)vhs);
	hdr.v1.total_file_size = GUINT32_TO_LE((guint32)total);
	hdr.architecture = GUINT32_TO_LE(b->architecture);
	hdr.page_size = GUINT32_TO_LE(CVM_IGVM_PAGE_SIZE);

	out = g_byte_array_sized_new(fixed + vhs);
	g_byte_array_append(out, (const guint8 *)&hdr, fixed);
	append_tlvs(out, b);
	/* The checksum covers the fixed header (checksum 0) and the TLVs. */
	crc = crc32(0L, Z_NULL, 0);
	crc = crc32(crc, out->data, out->len);
	hdr.v1.checksum = GUINT32_TO_LE((guint32)crc);
	memcpy(out->data + offsetof(CvmIgvmFixedHeaderV1, checksum), &hdr.v1.checksum, 4);
	return out;
}

static gboolean
platform_fits_architecture(guint8 wire, guint32 arch)
{
	CvmPlatform type = CVM_PLATFORM_AUTO;

	cvm_igvm_platform_from_wire(wire, &type);
	if (type == CVM_PLATFORM_CCA)
		return arch == CVM_IGVM_ARCH_AARCH64;
	if (type == CVM_PLATFORM_VSM)
		return TRUE;
	return arch == CVM_IGVM_ARCH_X64;
}

/* Rules the typed add functions cannot see one header at a time: platforms
 * against the architecture, and each VP context naming exactly one declared
 * platform (its file data format depends on that platform). */
static gboolean
check_buildable(CvmIgvmBuilder *b, GError **error)
{
	GPtrArray *directives = b->sections[CVMI_SECTION_DIRECTIVE];

	if (b->sections[CVMI_SECTION_PLATFORM]->len == 0) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "an IGVM file needs at least one platform");
		return FALSE;
	}
	for (guint t = 0; t < G_N_ELEMENTS(b->platform_mask); t++)
		if (b->platform_mask[t] != 0 && !platform_fits_architecture(t, b->architecture)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "platform type %u does not run on architecture %u", t,
				    b->architecture);
			return FALSE;
		}
	for (guint i = 0; i < directives->len; i++) {
		const CvmiBuilderHeader *h = directives->pdata[i];
		const CvmIgvmVpContext *vp = (const void *)h->payload;
		gboolean named = FALSE;

		if ((h->type & CVM_IGVM_VHT_TYPE_MASK) != CVM_IGVM_VHT_VP_CONTEXT ||
		    h->length < sizeof(*vp))
			continue;
		for (guint t = 0; t < G_N_ELEMENTS(b->platform_mask); t++)
			named |= b->platform_mask[t] != 0 &&
				 b->platform_mask[t] == cvm_le32(vp->compatibility_mask);
		if (!named) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "directive %u: VP context mask 0x%x is not the mask of a "
				    "declared platform", i, cvm_le32(vp->compatibility_mask));
			return FALSE;
		}
	}
	return TRUE;
}

static GByteArray *
serialize(CvmIgvmBuilder *b, GPtrArray **blobs_out, GError **error)
{
	guint64 data_start = fixed_header_size(b) + variable_header_size(b);
	guint64 data_size = 0;
	g_autoptr(GPtrArray) blobs = NULL;
	GByteArray *headers;

	if (b->validate && !check_buildable(b, error))
		return NULL;
	blobs = cvmi_builder_layout_file_data(b, data_start, &data_size, error);
	if (blobs == NULL)
		return NULL;
	headers = cvmi_builder_serialize_headers(b, data_size, error);
	if (headers != NULL)
		*blobs_out = g_steal_pointer(&blobs);
	return headers;
}

static GBytes *
assemble(CvmIgvmBuilder *b, GError **error)
{
	g_autoptr(GPtrArray) blobs = NULL;
	g_autoptr(GByteArray) out = serialize(b, &blobs, error);

	if (out == NULL)
		return NULL;
	for (guint i = 0; i < blobs->len; i++) {
		gsize len;
		const guint8 *p = g_bytes_get_data(blobs->pdata[i], &len);

		g_byte_array_append(out, p, len);
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

GBytes *
cvm_igvm_builder_write_bytes(CvmIgvmBuilder *builder, GError **error)
{
	g_autoptr(GBytes) file = assemble(builder, error);

	if (file == NULL || (builder->validate && !cvmi_builder_validate_output(file, error)))
		return NULL;
	return g_steal_pointer(&file);
}

static gboolean
write_all(GOutputStream *out, const void *data, gsize len, GError **error)
{
	return g_output_stream_write_all(out, data, len, NULL, NULL, error);
}

/* Streams headers and blobs to a temporary file beside @path and renames it
 * over @path on success, so page data is never assembled in memory and a
 * failure leaves no half-written file. */
static gboolean
stream_to(CvmIgvmBuilder *b, const char *path, GError **error)
{
	g_autoptr(GFile) file = g_file_new_for_path(path);
	g_autoptr(GFileOutputStream) out = NULL;
	g_autoptr(GPtrArray) blobs = NULL;
	g_autoptr(GByteArray) headers = serialize(b, &blobs, error);
	g_autoptr(GCancellable) abort_write = g_cancellable_new();

	if (headers == NULL)
		return FALSE;
	out = g_file_replace(file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, error);
	if (out == NULL)
		return FALSE;
	if (!write_all(G_OUTPUT_STREAM(out), headers->data, headers->len, error))
		goto fail;
	for (guint i = 0; i < blobs->len; i++) {
		gsize len;
		const void *p = g_bytes_get_data(blobs->pdata[i], &len);

		if (!write_all(G_OUTPUT_STREAM(out), p, len, error))
			goto fail;
	}
	return g_output_stream_close(G_OUTPUT_STREAM(out), NULL, error);
fail:
	/* A cancelled close discards the temporary file, keeping the old one. */
	g_cancellable_cancel(abort_write);
	g_output_stream_close(G_OUTPUT_STREAM(out), abort_write, NULL);
	return FALSE;
}

gboolean
cvm_igvm_builder_write_file(CvmIgvmBuilder *builder, const char *path, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (!stream_to(builder, path, &local)) {
		if (local->domain == CVM_ERROR) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "writing %s: %s", path, local->message);
		return FALSE;
	}
	/* Validated from the written file (mapped), so page data is never
	 * gathered in memory; an invalid result does not stay behind. */
	if (builder->validate && !cvmi_builder_validate_path(path, error)) {
		g_unlink(path);
		return FALSE;
	}
	return TRUE;
}
