/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TDX MRTD of a TDVF (OVMF) image: one SHA-384 stream over 128-byte
 * TDH.MEM.PAGE.ADD records and 384-byte TDH.MR.EXTEND records (record header +
 * 256 data bytes), sections in TDVF metadata order (layout: docs/measurement.md). */
#include "measure/measure-private.h"

#include <cvm/igvm-defs.h>
#include <cvm/error.h>
#include <string.h>

#define TDVF_DESC_SIZE 16
#define TDVF_SECTION_SIZE 32

void
cvmi_tdx_page_add(EVP_MD_CTX *ctx, guint64 gpa)
{
	guint8 rec[128] = "MEM.PAGE.ADD";
	guint64 le = GUINT64_TO_LE(gpa);

	memcpy(rec + 16, &le, 8);
	EVP_DigestUpdate(ctx, rec, sizeof(rec));
}

void
cvmi_tdx_extend_page(EVP_MD_CTX *ctx, guint64 gpa, const guint8 page[4096])
{
	for (guint c = 0; c < 16; c++) {
		guint8 rec[128] = "MR.EXTEND";
		guint64 le = GUINT64_TO_LE(gpa + c * 256);
		memcpy(rec + 16, &le, 8);
		EVP_DigestUpdate(ctx, rec, sizeof(rec));
		EVP_DigestUpdate(ctx, page + c * 256, 256);
	}
}

/* QEMU's rules for a section (hw/i386/tdvf.c; target/i386/kvm/tdx.c loads
 * it): BFV and CFV memory is MemoryDataSize bytes of the image from
 * DataOffset, so they have data and lie within the image; TD_HOB and TempMem
 * memory is fresh, so they have none and (td-shim's validate_sections)
 * are not extended. QEMU or td-shim would refuse any other such section, and
 * a digest of what cannot be launched means nothing; this also bounds the
 * MR.EXTEND work of these four types by the image's size (a 4 KiB file
 * declaring a 3.2 GiB MR.EXTEND firmware volume took 6.6 s). td-shim's other
 * types (a payload may be extended) are measured as they come. */
static gboolean
section_loadable(const CvmiTdvfSection *s, gsize len, guint32 i, GError **error)
{
	gboolean from_image = s->type == CVMI_TDVF_TYPE_BFV || s->type == CVMI_TDVF_TYPE_CFV;
	gboolean fresh = s->type == CVMI_TDVF_TYPE_TD_HOB || s->type == CVMI_TDVF_TYPE_TEMP_MEM;

	if (from_image && (s->raw_size == 0 || s->mem_size > len - s->data_offset)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "TDVF section %u (%s): 0x%" G_GINT64_MODIFIER "x bytes from image offset 0x%x with 0x%x of "
			    "data: a firmware volume is loaded from the %zu-byte image, so it needs data and must lie "
			    "within it", i, s->type == CVMI_TDVF_TYPE_BFV ? "BFV" : "CFV", s->mem_size, s->data_offset,
			    s->raw_size, len);
		return FALSE;
	}
	/* td-shim's validate_sections: their attributes are 0, nothing to extend */
	if (fresh && (s->raw_size != 0 || (s->attr & CVMI_TDVF_ATTR_MR_EXTEND))) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "TDVF section %u (%s) has 0x%x bytes of data and attributes 0x%x: TD_HOB and TempMem "
			    "have no data and are not extended (MR.EXTEND)", i,
			    s->type == CVMI_TDVF_TYPE_TD_HOB ? "TD_HOB" : "TempMem", s->raw_size, s->attr);
		return FALSE;
	}
	return TRUE;
}

gboolean
cvmi_tdvf_parse(const guint8 *data, gsize len, GArray *out, GError **error)
{
	CvmiOvmf ovmf;
	guint32 from_end;
	gboolean ok = cvmi_ovmf_parse(data, len, G_GUINT64_CONSTANT(0x100000000), &ovmf, error) &&
		      cvmi_ovmf_entry_u32(&ovmf, CVMI_GUID_TDVF_METADATA, &from_end, error);
	cvmi_ovmf_clear(&ovmf);
	if (!ok) {
		g_prefix_error(error, "no TDVF metadata: ");
		return FALSE;
	}
	if (from_end > len || from_end < TDVF_DESC_SIZE) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "TDVF metadata offset-from-end %u outside the %zu-byte image", from_end, len);
		return FALSE;
	}
	gsize start = len - from_end;
	const guint8 *d = data + start;
	guint32 dlen = cvm_read_le32(d + 4), version = cvm_read_le32(d + 8), n = cvm_read_le32(d + 12);
	if (memcmp(d, "TDVF", 4) != 0 || version != 1) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "TDVF metadata at offset 0x%zx: bad signature or version %u", start, version);
		return FALSE;
	}
	if (dlen > len - start || n > (gsize)(len - start - TDVF_DESC_SIZE) / TDVF_SECTION_SIZE) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "TDVF metadata at offset 0x%zx: %u sections run past the image", start, n);
		return FALSE;
	}
	guint64 total = 0;
	for (guint32 i = 0; i < n; i++) {
		const guint8 *s = d + TDVF_DESC_SIZE + i * TDVF_SECTION_SIZE;
		CvmiTdvfSection sec = { cvm_read_le32(s), cvm_read_le32(s + 4), cvm_read_le32(s + 24), cvm_read_le32(s + 28), cvm_read_le64(s + 8), cvm_read_le64(s + 16) };
		total += MIN(sec.mem_size, G_GUINT64_CONSTANT(0x100000000) + 1);
		/* TDVF sections are firmware, HOB and temporary memory: a few MiB. */
		if (sec.mem_addr % CVMI_PAGE_SIZE || sec.mem_size % CVMI_PAGE_SIZE ||
		    total > G_GUINT64_CONSTANT(0x100000000) ||
		    sec.data_offset > len || sec.raw_size > len - sec.data_offset || sec.raw_size > sec.mem_size) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "TDVF section %u at offset 0x%zx: unaligned, outside the image or past 4 GiB", i,
				    start + TDVF_DESC_SIZE + i * TDVF_SECTION_SIZE);
			return FALSE;
		}
		if (!section_loadable(&sec, len, i, error))
			return FALSE;
		g_array_append_val(out, sec);
	}
	return TRUE;
}

void
cvmi_tdvf_section_page(const guint8 *data, const CvmiTdvfSection *s, guint64 off, guint8 page[4096])
{
	memset(page, 0, CVMI_PAGE_SIZE);
	if (off < s->raw_size)
		memcpy(page, data + s->data_offset + off, MIN(CVMI_PAGE_SIZE, s->raw_size - off));
}

static void
measure_section(EVP_MD_CTX *ctx, const guint8 *data, const CvmiTdvfSection *s, const CvmMeasureOptions *opts)
{
	guint8 page[CVMI_PAGE_SIZE];
	gboolean extend = (s->attr & CVMI_TDVF_ATTR_MR_EXTEND) != 0;

	if (s->attr & CVMI_TDVF_ATTR_PAGE_AUG)
		return;
	for (guint64 off = 0; off < s->mem_size; off += CVMI_PAGE_SIZE) {
		cvmi_tdx_page_add(ctx, s->mem_addr + off);
		if (opts->trace)
			opts->trace(s->mem_addr + off, "page.add", NULL, 0, NULL, 0, opts->trace_data);
		if (extend && !opts->tdx_two_pass) {
			cvmi_tdvf_section_page(data, s, off, page);
			cvmi_tdx_extend_page(ctx, s->mem_addr + off, page);
			if (opts->trace)
				opts->trace(s->mem_addr + off, "mr.extend", NULL, 0, NULL, 0, opts->trace_data);
		}
	}
	for (guint64 off = 0; extend && opts->tdx_two_pass && off < s->mem_size; off += CVMI_PAGE_SIZE) {
		cvmi_tdvf_section_page(data, s, off, page);
		cvmi_tdx_extend_page(ctx, s->mem_addr + off, page);
		if (opts->trace)
			opts->trace(s->mem_addr + off, "mr.extend", NULL, 0, NULL, 0, opts->trace_data);
	}
}

gboolean
cvmi_measure_ovmf_tdx(const guint8 *data, gsize len, const CvmMeasureOptions *opts, CvmDigest *out,
		      GError **error)
{
	g_autoptr(GArray) sections = g_array_new(FALSE, FALSE, sizeof(CvmiTdvfSection));
	g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
	unsigned int n = 48;

	if (!cvmi_tdvf_parse(data, len, sections, error))
		return FALSE;
	EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	for (guint i = 0; i < sections->len; i++)
		measure_section(ctx, data, &g_array_index(sections, CvmiTdvfSection, i), opts);
	out->platform = CVM_PLATFORM_TDX;
	out->len = 48;
	EVP_DigestFinal_ex(ctx, out->bytes, &n);
	return TRUE;
}
