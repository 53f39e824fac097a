/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The IGVM report's header list (cvm/igvm-report.h): each header of the
 * reader with its payload size checked and its file data resolved. */
#include "igvm/report-private.h"
#include "igvm/reader-private.h"

#include <cvm/error.h>
#include <string.h>

void
cvm_igvm_report_free(CvmIgvmReport *report)
{
	if (report == NULL)
		return;
	g_clear_pointer(&report->headers, g_array_unref);
	g_free(report->name);
	g_free(report);
}

/* Where a header's file data is: (offset field in the payload, length). */
static gboolean
data_ref(const CvmIgvm *igvm, const CvmIgvmHeader *h, guint32 *file_offset, guint64 *len)
{
	const CvmIgvmPageData *pd = cvm_igvm_header_page_data(h);
	const CvmIgvmVpContext *vp = cvm_igvm_header_vp_context(h);
	const CvmIgvmParameterArea *pa = cvm_igvm_header_parameter_area(h);
	const CvmIgvmCorimData *cd = cvm_igvm_header_corim(h);

	if (pd != NULL)
		*file_offset = cvm_le32(pd->file_offset), *len = CVM_IGVM_PAGE_SIZE;
	else if (vp != NULL)
		*file_offset = cvm_le32(vp->file_offset), *len = cvmi_igvm_vp_context_data_len(igvm, vp);
	else if (pa != NULL)
		*file_offset = cvm_le32(pa->file_offset), *len = cvm_le64(pa->number_of_bytes);
	else if (cd != NULL)
		*file_offset = cvm_le32(cd->file_offset), *len = cvm_le32(cd->size_bytes);
	else
		return FALSE;
	return *file_offset != 0;
}

static gboolean
add_header(CvmIgvmReport *r, const CvmIgvmHeader *ih, GError **error)
{
	CvmIgvmReportHeader h = { .header = *ih };
	gsize expected = cvm_igvm_header_type_size(ih->type);
	guint32 file_offset;
	guint64 len;

	/* The report reads fixed structs from payloads: nothing shorter. */
	if (expected != 0 && ih->length != expected) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "header %u at byte %u: type 0x%x payload is %u bytes, expected %zu", ih->index,
			    ih->payload_offset - 8, ih->type, ih->length, expected);
		return FALSE;
	}
	if (data_ref(r->igvm, ih, &file_offset, &len)) {
		if (!cvm_igvm_get_file_data(r->igvm, file_offset, len, &h.data, error)) {
			g_prefix_error(error, "header %u at byte %u: ", ih->index, ih->payload_offset - 8);
			return FALSE;
		}
		h.data_length = len;
	}
	g_array_append_val(r->headers, h);
	return TRUE;
}

static void
read_fixed(CvmIgvmReport *r)
{
	gsize size;
	const guint8 *p = cvm_igvm_get_data(r->igvm, &size);
	CvmIgvmFixedHeaderV1 fh;

	memcpy(&fh, p, sizeof(fh)); /* the reader accepted at least this much */
	r->file.format_version = cvm_igvm_get_format_version(r->igvm);
	r->file.architecture = cvm_igvm_get_architecture(r->igvm);
	r->file.page_size = cvm_igvm_get_page_size(r->igvm);
	r->file.variable_header_offset = cvm_le32(fh.variable_header_offset);
	r->file.variable_header_size = cvm_le32(fh.variable_header_size);
	r->file.total_file_size = cvm_le32(fh.total_file_size);
	r->file.checksum = cvm_le32(fh.checksum);
}

CvmIgvmReport *
cvm_igvm_report_new(const CvmIgvm *igvm, const char *name, GError **error)
{
	g_autoptr(CvmIgvmReport) r = g_new0(CvmIgvmReport, 1);

	r->igvm = igvm;
	r->name = g_strdup(name != NULL ? name : "IGVM file");
	r->headers = g_array_new(FALSE, FALSE, sizeof(CvmIgvmReportHeader));
	read_fixed(r);
	for (guint i = 0; i < cvm_igvm_get_n_headers(igvm); i++) {
		CvmIgvmHeader h;

		if (!cvm_igvm_get_header(igvm, i, &h) || !add_header(r, &h, error)) {
			g_prefix_error(error, "%s: ", r->name);
			return NULL;
		}
	}
	return g_steal_pointer(&r);
}

const CvmIgvmReportFile *
cvm_igvm_report_get_file(const CvmIgvmReport *report)
{
	return &report->file;
}

guint
cvm_igvm_report_get_n_headers(const CvmIgvmReport *report)
{
	return report->headers->len;
}

const CvmIgvmReportHeader *
cvm_igvm_report_get_header(const CvmIgvmReport *report, guint index)
{
	g_return_val_if_fail(index < report->headers->len, NULL);
	return &g_array_index(report->headers, CvmIgvmReportHeader, index);
}

gboolean
cvmi_igvm_report_header_mask(const CvmIgvmReportHeader *h, guint32 *mask)
{
	return cvm_igvm_header_get_mask(&h->header, mask);
}

gboolean
cvmi_igvm_report_applies(const CvmIgvmReportHeader *h, guint32 filter)
{
	guint32 mask;

	return filter == 0 || !cvmi_igvm_report_header_mask(h, &mask) || (mask & filter) != 0;
}
