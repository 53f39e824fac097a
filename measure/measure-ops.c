/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Turns an IGVM file into the ordered list of pages a launch measures for one
 * platform (CvmiMeasureOp), reading it through the cvm/igvm.h reader. Only
 * what measurement needs is looked at: SUPPORTED_PLATFORM, GUEST_POLICY,
 * PARAMETER_AREA sizes, PAGE_DATA, PARAMETER_INSERT, VP_CONTEXT and
 * SNP_ID_BLOCK. The file is validated on opening (a digest of a corrupt or
 * invalid file would only mislead; hygiene warnings do not stop it). */
#include "measure/measure-private.h"

#include <cvm/error.h>
#include <cvm/igvm.h>
#include <string.h>

typedef struct {
	const CvmIgvm *igvm;
	const guint8 *data;
	gsize len;
	const CvmMeasureOptions *opts;
	guint32 mask;
	GHashTable *areas; /* index -> guint64 * size; removed once inserted */
	CvmiMeasureOps *out;
} Walk;

/* Page @page of the file data at @file_offset; NULL for "no data". */
static gboolean
file_page(Walk *w, guint32 file_offset, const CvmIgvmHeader *h, const guint8 **out, GError **error)
{
	guint64 start = file_offset;

	*out = NULL;
	if (file_offset == 0)
		return TRUE;
	if (start < cvm_igvm_get_file_data_offset(w->igvm) || start >= w->len) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "header %u at offset 0x%x: file data at 0x%" G_GINT64_MODIFIER "x lies outside the file data",
			    h->index, h->payload_offset, start);
		return FALSE;
	}
	if (w->len - start >= CVMI_PAGE_SIZE) {
		*out = w->data + start;
		return TRUE;
	}
	/* The last page of a file may be short; loaders zero-pad it. */
	guint8 *copy = g_malloc0(CVMI_PAGE_SIZE);
	memcpy(copy, w->data + start, w->len - start);
	g_ptr_array_add(w->out->owned, copy);
	*out = copy;
	return TRUE;
}

static void
add_op(Walk *w, guint8 kind, guint64 gpa, const guint8 *page, guint16 vp_index)
{
	CvmiMeasureOp op = {.kind = kind, .gpa = gpa, .page = page, .vp_index = vp_index};
	g_array_append_val(w->out->ops, op);
}

/* What each PAGE_DATA flag does to a launch digest (docs/measurement.md,
 * "Page data flags"): SHARED pages are host-visible memory, neither
 * validated nor measured on any platform (igvm_defs IgvmPageDataFlags;
 * microsoft/igvm measurement/{snp,tdx}.rs skip them), so they produce no
 * operation at all; UNMEASURED turns a NORMAL page into an UNMEASURED one
 * (SNP page type 4, TDX PAGE.ADD without MR.EXTEND, nothing for SEV/SEV-ES);
 * SECRETS and CPUID pages keep their type whatever UNMEASURED says on SNP.
 * The reserved bits 3..31 change nothing (no loader reads them; the
 * validator warns). 2 MiB pages never get here: the validator refuses them. */
static gboolean
page_data(Walk *w, const CvmIgvmHeader *h, const CvmIgvmPageData *pd, GError **error)
{
	guint32 flags = cvm_le32(pd->flags);
	guint16 dtype = cvm_le16(pd->data_type);
	guint64 gpa = cvm_le64(pd->gpa);
	guint8 kind = CVMI_OP_DATA;
	const guint8 *page;

	if (gpa % CVMI_PAGE_SIZE != 0 || dtype > CVM_IGVM_PAGE_DATA_CPUID_XF || (flags & CVM_IGVM_PAGE_FLAG_2MB)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "header %u at offset 0x%x: PAGE_DATA gpa 0x%" G_GINT64_MODIFIER
			    "x unaligned, data type %u unknown or a 2 MiB page", h->index, h->payload_offset, gpa, dtype);
		return FALSE;
	}
	if (flags & CVM_IGVM_PAGE_FLAG_SHARED)
		return TRUE;
	if (dtype == CVM_IGVM_PAGE_DATA_SECRETS)
		kind = CVMI_OP_SECRETS;
	else if (dtype != CVM_IGVM_PAGE_DATA_NORMAL)
		kind = CVMI_OP_CPUID;
	else if (flags & CVM_IGVM_PAGE_FLAG_UNMEASURED)
		kind = CVMI_OP_UNMEASURED;
	if (!file_page(w, cvm_le32(pd->file_offset), h, &page, error))
		return FALSE;
	add_op(w, kind, gpa, page, 0);
	if (flags & CVM_IGVM_PAGE_FLAG_UNMEASURED)
		g_array_index(w->out->ops, CvmiMeasureOp, w->out->ops->len - 1).unmeasured = TRUE;
	return TRUE;
}

static gboolean
parameter_area(Walk *w, const CvmIgvmHeader *h, const CvmIgvmParameterArea *pa, GError **error)
{
	guint64 bytes = cvm_le64(pa->number_of_bytes);

	/* Areas hold tables the loader writes: far below 4 GiB. */
	if (bytes == 0 || bytes % CVMI_PAGE_SIZE != 0 || bytes > G_GUINT64_CONSTANT(0x100000000)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "header %u at offset 0x%x: PARAMETER_AREA size 0x%" G_GINT64_MODIFIER
			    "x is not a multiple of 4 KiB up to 4 GiB", h->index, h->payload_offset, bytes);
		return FALSE;
	}
	guint64 *size = g_new(guint64, 1);
	*size = bytes;
	g_hash_table_replace(w->areas, GUINT_TO_POINTER(cvm_le32(pa->parameter_area_index)), size);
	return TRUE;
}

static gboolean
parameter_insert(Walk *w, const CvmIgvmHeader *h, const CvmIgvmParameterInsert *pi, GError **error)
{
	guint32 index = cvm_le32(pi->parameter_area_index);
	guint64 *size = g_hash_table_lookup(w->areas, GUINT_TO_POINTER(index));

	if (size == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "header %u at offset 0x%x: PARAMETER_INSERT names parameter area %u, which is not "
			    "declared or already inserted", h->index, h->payload_offset, index);
		return FALSE;
	}
	/* An area is inserted once, whatever the platform. */
	guint64 area_bytes = *size;
	g_hash_table_remove(w->areas, GUINT_TO_POINTER(index));
	if (!(cvm_le32(pi->compatibility_mask) & w->mask))
		return TRUE;
	guint64 pages = w->opts->param_insert_one_page ? 1 : area_bytes / CVMI_PAGE_SIZE;
	for (guint64 i = 0; i < pages; i++)
		add_op(w, CVMI_OP_PARAMETER, cvm_le64(pi->gpa) + i * CVMI_PAGE_SIZE, NULL, 0);
	return TRUE;
}

static gboolean
vp_context(Walk *w, const CvmIgvmHeader *h, const CvmIgvmVpContext *vp, GError **error)
{
	const guint8 *page;

	if (!(cvm_le32(vp->compatibility_mask) & w->mask))
		return TRUE;
	if (!file_page(w, cvm_le32(vp->file_offset), h, &page, error))
		return FALSE;
	if (page == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "header %u at offset 0x%x: VP_CONTEXT without data",
			    h->index, h->payload_offset);
		return FALSE;
	}
	add_op(w, CVMI_OP_VMSA, cvm_le64(vp->gpa), page, cvm_le16(vp->vp_index));
	return TRUE;
}

static gboolean
header(Walk *w, const CvmIgvmHeader *h, GError **error)
{
	const CvmIgvmGuestPolicy *gp = cvm_igvm_header_guest_policy(h);
	const CvmIgvmSnpIdBlock *id = cvm_igvm_header_snp_id_block(h);
	const CvmIgvmPageData *pd = cvm_igvm_header_page_data(h);
	const CvmIgvmParameterArea *pa = cvm_igvm_header_parameter_area(h);
	const CvmIgvmParameterInsert *pi = cvm_igvm_header_parameter_insert(h);
	const CvmIgvmVpContext *vp = cvm_igvm_header_vp_context(h);

	if (gp != NULL && (cvm_le32(gp->compatibility_mask) & w->mask)) {
		w->out->has_policy = TRUE;
		w->out->policy = cvm_le64(gp->policy);
	}
	if (id != NULL && (cvm_le32(id->compatibility_mask) & w->mask)) {
		w->out->has_id_block = TRUE;
		w->out->id_block = (const guint8 *)id;
		memcpy(w->out->id_block_ld, id->ld, sizeof(w->out->id_block_ld));
	}
	if (pd != NULL && (cvm_le32(pd->compatibility_mask) & w->mask))
		return page_data(w, h, pd, error);
	if (pa != NULL)
		return parameter_area(w, h, pa, error);
	if (pi != NULL)
		return parameter_insert(w, h, pi, error);
	if (vp != NULL)
		return vp_context(w, h, vp, error);
	return TRUE;
}

gboolean
cvmi_igvm_ops_from(const CvmIgvm *igvm, const CvmMeasureOptions *opts, CvmiMeasureOps *out, GError **error)
{
	g_autoptr(GHashTable) areas = NULL;
	Walk w = {.igvm = igvm, .opts = opts, .out = out};
	CvmIgvmHeader h;
	gboolean ok = TRUE;

	memset(out, 0, sizeof(*out));
	if (!cvm_measure_platform_check(opts->platform, error))
		return FALSE;
	w.data = cvm_igvm_get_data(igvm, &w.len);
	w.mask = cvm_igvm_platform_mask(igvm, opts->platform);
	if (w.mask == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "the IGVM file has no %s platform",
			    cvm_platform_to_string(opts->platform));
		return FALSE;
	}
	areas = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	w.areas = areas;
	out->ops = g_array_new(FALSE, FALSE, sizeof(CvmiMeasureOp));
	out->owned = g_ptr_array_new_with_free_func(g_free);
	out->mask = w.mask;
	for (guint i = 0; ok && cvm_igvm_get_header(igvm, i, &h); i++)
		ok = header(&w, &h, error);
	if (!ok)
		cvmi_measure_ops_clear(out);
	return ok;
}

gboolean
cvmi_igvm_ops(const guint8 *data, gsize len, const CvmMeasureOptions *opts, CvmiMeasureOps *out, GError **error)
{
	g_autoptr(GBytes) bytes = g_bytes_new_static(data, len);
	g_autoptr(CvmIgvm) igvm = cvm_igvm_new_from_bytes(bytes, CVM_IGVM_NONE, error);

	memset(out, 0, sizeof(*out));
	return igvm != NULL && cvmi_igvm_ops_from(igvm, opts, out, error);
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
