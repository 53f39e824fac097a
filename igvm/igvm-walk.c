/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Turns an IGVM file into the ordered list of pages a launch measures for one
 * platform (CvmiMeasureOp). Only what measurement needs is read: fixed header,
 * SUPPORTED_PLATFORM, PARAMETER_AREA sizes, PAGE_DATA, PARAMETER_INSERT,
 * VP_CONTEXT and SNP_ID_BLOCK; every offset is checked before it is read.
 * Full validation is the reader's job (cvm/igvm.h). */
#include "igvm/measure-private.h"

#include <cvm/error.h>
#include <cvm/igvm-defs.h>
#include <string.h>
#include <zlib.h>

static guint8
platform_type(CvmMeasurePlatform p)
{
	switch (p) {
	case CVM_MEASURE_SEV_SNP: return CVM_IGVM_PLATFORM_SEV_SNP;
	case CVM_MEASURE_SEV_ES: return CVM_IGVM_PLATFORM_SEV_ES;
	case CVM_MEASURE_SEV: return CVM_IGVM_PLATFORM_SEV;
	case CVM_MEASURE_TDX: return CVM_IGVM_PLATFORM_TDX;
	}
	return 0xff;
}

static gboolean
check_fixed_header(const guint8 *data, gsize len, gsize *vh_off, gsize *vh_end, GError **error)
{
	CvmIgvmFixedHeaderV1 h;

	if (len < sizeof(h)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED, "IGVM file of %zu bytes has no fixed header", len);
		return FALSE;
	}
	memcpy(&h, data, sizeof(h));
	guint32 version = cvm_le32(h.format_version), off = cvm_le32(h.variable_header_offset);
	guint32 size = cvm_le32(h.variable_header_size);
	if (cvm_le32(h.magic) != CVM_IGVM_MAGIC || (version != 1 && version != 2)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "offset 0: not an IGVM file (magic or format version %u)", version);
		return FALSE;
	}
	if (off < sizeof(h) || off > len || size > len - off) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "offset 8: variable headers 0x%x+0x%x run past the %zu-byte file", off, size, len);
		return FALSE;
	}
	/* CRC32 of the fixed header (checksum zeroed) and the variable headers. */
	h.checksum = 0;
	uLong crc = crc32(0, (const Bytef *)&h, sizeof(h));
	crc = crc32(crc, data + sizeof(h), off - sizeof(h));
	crc = crc32(crc, data + off, size);
	if ((guint32)crc != cvm_le32(((const CvmIgvmFixedHeaderV1 *)data)->checksum)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_CHECKSUM, "offset 20: IGVM header checksum mismatch");
		return FALSE;
	}
	*vh_off = off;
	*vh_end = off + size;
	return TRUE;
}

/* Calls @fn for each variable header in file order. */
typedef gboolean (*HeaderFn)(guint32 type, const guint8 *p, guint32 length, gsize offset, gpointer user,
			     GError **error);

static gboolean
each_header(const guint8 *data, gsize off, gsize end, HeaderFn fn, gpointer user, GError **error)
{
	while (off < end) {
		CvmIgvmVhsHeader h;
		if (end - off < sizeof(h)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED, "offset 0x%zx: truncated header", off);
			return FALSE;
		}
		memcpy(&h, data + off, sizeof(h));
		guint32 length = cvm_le32(h.length);
		if (length > end - off - sizeof(h)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
				    "offset 0x%zx: header length %u runs past the header section", off, length);
			return FALSE;
		}
		if (!fn(cvm_le32(h.type) & CVM_IGVM_VHT_TYPE_MASK, data + off + sizeof(h), length, off, user, error))
			return FALSE;
		off += sizeof(h) + (((gsize)length + 7) & ~(gsize)7);
	}
	return TRUE;
}

typedef struct {
	const guint8 *data;
	gsize len;
	const CvmMeasureOptions *opts;
	guint8 want_type;
	guint32 mask;
	GHashTable *areas; /* index -> number_of_bytes (guint64 *) */
	GArray *ops;
	GPtrArray *owned; /* padded copies of pages the file ends inside */
	const guint8 *id_block_ld;
	gboolean has_policy;
	guint64 policy;
} Walk;

static gboolean
find_platform(guint32 type, const guint8 *p, guint32 length, gsize off, gpointer user, GError **error)
{
	Walk *w = user;
	CvmIgvmSupportedPlatform sp;

	if (type != CVM_IGVM_VHT_SUPPORTED_PLATFORM || length < sizeof(sp))
		return TRUE;
	memcpy(&sp, p, sizeof(sp));
	if (sp.platform_type == w->want_type && w->mask == 0)
		w->mask = cvm_le32(sp.compatibility_mask);
	return TRUE;
}

/* A 4 KiB page of file data at @file_offset; NULL for "no data". */
static gboolean
file_page(Walk *w, guint32 file_offset, gsize page, gsize off, const guint8 **out, GError **error)
{
	*out = NULL;
	if (file_offset == 0)
		return TRUE;
	gsize start = (gsize)file_offset + page * CVMI_PAGE_SIZE;
	if (start >= w->len) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED,
			    "offset 0x%zx: file data at 0x%zx lies past the end of the file", off, start);
		return FALSE;
	}
	if (w->len - start >= CVMI_PAGE_SIZE) {
		*out = w->data + start;
		return TRUE;
	}
	/* The last page of a file may be short; loaders zero-pad it. */
	guint8 *copy = g_malloc0(CVMI_PAGE_SIZE);
	memcpy(copy, w->data + start, w->len - start);
	g_ptr_array_add(w->owned, copy);
	*out = copy;
	return TRUE;
}

static void
add_op(Walk *w, guint8 kind, guint64 gpa, const guint8 *page, guint16 vp_index)
{
	CvmiMeasureOp op = { .kind = kind, .gpa = gpa, .page = page, .vp_index = vp_index };
	g_array_append_val(w->ops, op);
}

static gboolean
page_data(Walk *w, const guint8 *p, guint32 length, gsize off, GError **error)
{
	CvmIgvmPageData pd;

	if (length < sizeof(pd)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED, "offset 0x%zx: PAGE_DATA of %u bytes", off, length);
		return FALSE;
	}
	memcpy(&pd, p, sizeof(pd));
	if (!(cvm_le32(pd.compatibility_mask) & w->mask))
		return TRUE;
	guint32 flags = cvm_le32(pd.flags);
	guint16 dtype = cvm_le16(pd.data_type);
	guint64 gpa = cvm_le64(pd.gpa);
	gsize npages = (flags & CVM_IGVM_PAGE_FLAG_2MB) ? 512 : 1;
	guint8 kind = CVMI_OP_DATA;

	if (gpa % CVMI_PAGE_SIZE != 0 || dtype > CVM_IGVM_PAGE_DATA_CPUID_XF) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "offset 0x%zx: PAGE_DATA gpa 0x%" G_GINT64_MODIFIER "x unaligned or data type %u unknown",
			    off, gpa, dtype);
		return FALSE;
	}
	if (dtype == CVM_IGVM_PAGE_DATA_SECRETS)
		kind = CVMI_OP_SECRETS;
	else if (dtype != CVM_IGVM_PAGE_DATA_NORMAL)
		kind = CVMI_OP_CPUID;
	else if (flags & CVM_IGVM_PAGE_FLAG_UNMEASURED)
		kind = CVMI_OP_UNMEASURED;
	for (gsize i = 0; i < npages; i++) {
		const guint8 *page;
		if (!file_page(w, cvm_le32(pd.file_offset), i, off, &page, error))
			return FALSE;
		add_op(w, kind, gpa + i * CVMI_PAGE_SIZE, page, 0);
	}
	return TRUE;
}

static gboolean
parameter_insert(Walk *w, const guint8 *p, guint32 length, gsize off, GError **error)
{
	CvmIgvmParameterInsert pi;

	if (length < sizeof(pi)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED, "offset 0x%zx: PARAMETER_INSERT too short", off);
		return FALSE;
	}
	memcpy(&pi, p, sizeof(pi));
	guint32 index = cvm_le32(pi.parameter_area_index);
	guint64 *size = g_hash_table_lookup(w->areas, GUINT_TO_POINTER(index));
	if (size == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "offset 0x%zx: PARAMETER_INSERT names parameter area %u, which is not declared "
			    "or already inserted", off, index);
		return FALSE;
	}
	/* An area is inserted once, whatever the platform. */
	guint64 area_bytes = *size;
	g_hash_table_remove(w->areas, GUINT_TO_POINTER(index));
	if (!(cvm_le32(pi.compatibility_mask) & w->mask))
		return TRUE;
	guint64 pages = w->opts->param_insert_one_page ? 1 : area_bytes / CVMI_PAGE_SIZE;
	for (guint64 i = 0; i < pages; i++)
		add_op(w, CVMI_OP_PARAMETER, cvm_le64(pi.gpa) + i * CVMI_PAGE_SIZE, NULL, 0);
	return TRUE;
}

static gboolean
vp_context(Walk *w, const guint8 *p, guint32 length, gsize off, GError **error)
{
	CvmIgvmVpContext vp;
	const guint8 *page;

	if (length < sizeof(vp)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_TRUNCATED, "offset 0x%zx: VP_CONTEXT too short", off);
		return FALSE;
	}
	memcpy(&vp, p, sizeof(vp));
	if (!(cvm_le32(vp.compatibility_mask) & w->mask))
		return TRUE;
	if (!file_page(w, cvm_le32(vp.file_offset), 0, off, &page, error))
		return FALSE;
	if (page == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "offset 0x%zx: VP_CONTEXT without data", off);
		return FALSE;
	}
	add_op(w, CVMI_OP_VMSA, cvm_le64(vp.gpa), page, cvm_le16(vp.vp_index));
	return TRUE;
}

static gboolean
directive(guint32 type, const guint8 *p, guint32 length, gsize off, gpointer user, GError **error)
{
	Walk *w = user;

	switch (type) {
	case CVM_IGVM_VHT_PARAMETER_AREA: {
		CvmIgvmParameterArea pa;
		if (length < sizeof(pa))
			break;
		memcpy(&pa, p, sizeof(pa));
		guint64 bytes = cvm_le64(pa.number_of_bytes);
		/* Areas hold tables the loader writes: far below 4 GiB. */
		if (bytes == 0 || bytes % CVMI_PAGE_SIZE != 0 || bytes > G_GUINT64_CONSTANT(0x100000000)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
				    "offset 0x%zx: PARAMETER_AREA size 0x%" G_GINT64_MODIFIER
				    "x is not a multiple of 4 KiB up to 4 GiB", off, bytes);
			return FALSE;
		}
		guint64 *size = g_new(guint64, 1);
		*size = bytes;
		g_hash_table_replace(w->areas, GUINT_TO_POINTER(cvm_le32(pa.parameter_area_index)), size);
		break;
	}
	case CVM_IGVM_VHT_GUEST_POLICY: {
		CvmIgvmGuestPolicy gp;
		if (length < sizeof(gp))
			break;
		memcpy(&gp, p, sizeof(gp));
		if (cvm_le32(gp.compatibility_mask) & w->mask) {
			w->has_policy = TRUE;
			w->policy = cvm_le64(gp.policy);
		}
		break;
	}
	case CVM_IGVM_VHT_PAGE_DATA:
		return page_data(w, p, length, off, error);
	case CVM_IGVM_VHT_PARAMETER_INSERT:
		return parameter_insert(w, p, length, off, error);
	case CVM_IGVM_VHT_VP_CONTEXT:
		return vp_context(w, p, length, off, error);
	case CVM_IGVM_VHT_SNP_ID_BLOCK:
		if (length >= sizeof(CvmIgvmSnpIdBlock) &&
		    (cvm_le32(((const CvmIgvmSnpIdBlock *)p)->compatibility_mask) & w->mask))
			w->id_block_ld = p + G_STRUCT_OFFSET(CvmIgvmSnpIdBlock, ld);
		break;
	}
	return TRUE;
}

gboolean
cvmi_igvm_ops(const guint8 *data, gsize len, const CvmMeasureOptions *opts, CvmiMeasureOps *out, GError **error)
{
	gsize vh_off, vh_end;
	Walk w = { .data = data, .len = len, .opts = opts, .want_type = platform_type(opts->platform) };

	memset(out, 0, sizeof(*out));
	if (!check_fixed_header(data, len, &vh_off, &vh_end, error) ||
	    !each_header(data, vh_off, vh_end, find_platform, &w, error))
		return FALSE;
	if (w.mask == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "the IGVM file has no %s platform",
			    cvm_measure_platform_to_string(opts->platform));
		return FALSE;
	}
	w.areas = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	w.ops = g_array_new(FALSE, FALSE, sizeof(CvmiMeasureOp));
	w.owned = g_ptr_array_new_with_free_func(g_free);
	gboolean ok = each_header(data, vh_off, vh_end, directive, &w, error);
	g_hash_table_unref(w.areas);
	out->ops = w.ops;
	out->owned = w.owned;
	if (w.id_block_ld != NULL) {
		out->has_id_block = TRUE;
		out->id_block = w.id_block_ld - G_STRUCT_OFFSET(CvmIgvmSnpIdBlock, ld);
		memcpy(out->id_block_ld, w.id_block_ld, 48);
	}
	out->mask = w.mask;
	out->has_policy = w.has_policy;
	out->policy = w.policy;
	if (!ok)
		cvmi_measure_ops_clear(out);
	return ok;
}

void
cvmi_measure_ops_clear(CvmiMeasureOps *ops)
{
	if (ops->ops)
		g_array_unref(ops->ops);
	if (ops->owned)
		g_ptr_array_unref(ops->owned);
	memset(ops, 0, sizeof(*ops));
}
