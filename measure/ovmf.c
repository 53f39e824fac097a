/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OVMF footer table and SEV metadata ("ASEV") of a firmware image. The table
 * ends 32 bytes before the end of the image; its last entry is the footer
 * {u16 size, GUID 96b582de-...}; entries {data, u16 size, GUID} are walked
 * backwards from there (layout as read by sev-snp-measure and QEMU). */
#include "measure/measure-private.h"

#include <cvm/error.h>
#include <cvm/igvm-defs.h>
#include <stdio.h>
#include <string.h>

#define FOOTER_GUID "96b582de-1fb2-45f7-baea-a366c55a082d"
#define SEV_METADATA_GUID "dc886566-984a-4798-a75e-5585a7bf67cc"
#define ENTRY_HEADER 18 /* u16 size + GUID */
#define ASEV_HEADER 16

void
cvmi_guid_le(const char *text, guint8 out[16])
{
	unsigned int d1, d2, d3, b[8];

	memset(out, 0, 16);
	if (sscanf(text, "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &d1, &d2, &d3, &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &b[6], &b[7]) != 11)
		return;
	out[0] = d1; out[1] = d1 >> 8; out[2] = d1 >> 16; out[3] = d1 >> 24;
	out[4] = d2; out[5] = d2 >> 8;
	out[6] = d3; out[7] = d3 >> 8;
	for (int i = 0; i < 8; i++)
		out[8 + i] = b[i];
}

static gboolean
parse_table(CvmiOvmf *ovmf, GError **error)
{
	guint8 footer_guid[16];
	gsize len = ovmf->len;

	if (len < 32 + ENTRY_HEADER)
		return TRUE;
	gsize footer = len - 32 - ENTRY_HEADER;
	cvmi_guid_le(FOOTER_GUID, footer_guid);
	if (memcmp(ovmf->data + footer + 2, footer_guid, 16) != 0)
		return TRUE;
	gsize table_size = cvm_read_le16(ovmf->data + footer);
	if (table_size < ENTRY_HEADER || table_size - ENTRY_HEADER > footer) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "OVMF footer table at offset 0x%zx: size %zu out of range", footer, table_size);
		return FALSE;
	}
	gsize start = footer - (table_size - ENTRY_HEADER), end = footer;
	while (end - start >= ENTRY_HEADER) {
		const guint8 *hdr = ovmf->data + end - ENTRY_HEADER;
		gsize size = cvm_read_le16(hdr);
		if (size < ENTRY_HEADER || size > end - start) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "OVMF footer table entry at offset 0x%zx: size %zu out of range",
				    end - ENTRY_HEADER, size);
			return FALSE;
		}
		CvmiOvmfEntry e = { .data = ovmf->data + end - size, .len = size - ENTRY_HEADER };
		memcpy(e.guid, hdr + 2, 16);
		g_array_append_val(ovmf->entries, e);
		end -= size;
	}
	return TRUE;
}

static const CvmiOvmfEntry *
find_entry(const CvmiOvmf *ovmf, const char *guid)
{
	guint8 want[16];

	cvmi_guid_le(guid, want);
	for (guint i = 0; i < ovmf->entries->len; i++) {
		const CvmiOvmfEntry *e = &g_array_index(ovmf->entries, CvmiOvmfEntry, i);
		if (memcmp(e->guid, want, 16) == 0)
			return e;
	}
	return NULL;
}

gboolean
cvmi_ovmf_entry_u32(const CvmiOvmf *ovmf, const char *guid, guint32 *out, GError **error)
{
	const CvmiOvmfEntry *e = find_entry(ovmf, guid);

	if (e == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "firmware footer table has no entry %s", guid);
		return FALSE;
	}
	if (e->len < 4) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "firmware footer table entry %s at offset 0x%zx: %zu bytes, need 4", guid,
			    (gsize)(e->data - ovmf->data), e->len);
		return FALSE;
	}
	*out = cvm_read_le32(e->data);
	return TRUE;
}

static gboolean
parse_sev_metadata(CvmiOvmf *ovmf, GError **error)
{
	guint32 from_end;

	if (find_entry(ovmf, SEV_METADATA_GUID) == NULL)
		return TRUE;
	if (!cvmi_ovmf_entry_u32(ovmf, SEV_METADATA_GUID, &from_end, error))
		return FALSE;
	if (from_end > ovmf->len || from_end < ASEV_HEADER) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "SEV metadata offset-from-end %u outside the %zu-byte image", from_end, ovmf->len);
		return FALSE;
	}
	gsize start = ovmf->len - from_end;
	const guint8 *h = ovmf->data + start;
	guint32 size = cvm_read_le32(h + 4), version = cvm_read_le32(h + 8), n = cvm_read_le32(h + 12);
	if (memcmp(h, "ASEV", 4) != 0 || version != 1) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "SEV metadata at offset 0x%zx: bad signature or version %u", start, version);
		return FALSE;
	}
	if (size < ASEV_HEADER || size > ovmf->len - start || n > (size - ASEV_HEADER) / 12) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "SEV metadata at offset 0x%zx: %u items do not fit its size %u", start, n, size);
		return FALSE;
	}
	guint64 total = 0;
	for (guint32 i = 0; i < n; i++) {
		const guint8 *it = h + ASEV_HEADER + i * 12;
		CvmiSevSection s = { cvm_read_le32(it), cvm_read_le32(it + 4), cvm_read_le32(it + 8) };
		total += s.size;
		/* Sections describe memory below 4 GiB; more in total is corrupt. */
		if (s.gpa % CVMI_PAGE_SIZE != 0 || total > G_GUINT64_CONSTANT(0x100000000)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "SEV metadata item %u at offset 0x%zx: unaligned gpa 0x%x or sizes past 4 GiB", i,
				    start + ASEV_HEADER + i * 12, s.gpa);
			return FALSE;
		}
		g_array_append_val(ovmf->sections, s);
	}
	return TRUE;
}

gboolean
cvmi_ovmf_parse(const guint8 *data, gsize len, guint64 end_gpa, CvmiOvmf *out, GError **error)
{
	memset(out, 0, sizeof(*out));
	out->data = data;
	out->len = len;
	out->entries = g_array_new(FALSE, FALSE, sizeof(CvmiOvmfEntry));
	out->sections = g_array_new(FALSE, FALSE, sizeof(CvmiSevSection));
	if (len == 0 || len % CVMI_PAGE_SIZE != 0 || len > end_gpa) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "firmware image size %zu is not a non-zero multiple of 4096 below 0x%" G_GINT64_MODIFIER
			    "x", len, end_gpa);
		return FALSE;
	}
	out->gpa = end_gpa - len;
	return parse_table(out, error) && parse_sev_metadata(out, error);
}

void
cvmi_ovmf_clear(CvmiOvmf *ovmf)
{
	if (ovmf->entries)
		g_array_unref(ovmf->entries);
	if (ovmf->sections)
		g_array_unref(ovmf->sections);
	memset(ovmf, 0, sizeof(*ovmf));
}

gboolean
cvmi_ovmf_has_section(const CvmiOvmf *ovmf, guint32 type)
{
	for (guint i = 0; i < ovmf->sections->len; i++)
		if (g_array_index(ovmf->sections, CvmiSevSection, i).type == type)
			return TRUE;
	return FALSE;
}
