/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Wrapping a TDVF (OVMF) image for TDX: every TDVF metadata section, in
 * metadata order, becomes PAGE_DATA at its memory address, so that the IGVM
 * file's MRTD (PAGE.ADD per page, MR.EXTEND for measured pages) is the one
 * tdx-measure and QEMU compute from the image:
 *   - MR.EXTEND sections (BFV): the section's bytes, zero past raw_size,
 *     measured;
 *   - other sections: the same pages flagged UNMEASURED (PAGE.ADD only): the
 *     CFV keeps its variable store bytes, TD_HOB and TempMem are zero pages
 *     at their addresses;
 *   - PAGE.AUG sections (PermMem) are never added at launch: nothing.
 * The TD HOB is written by the VMM at launch (guest RAM layout); the file
 * only reserves its pages at the TD_HOB section's address. */
#include "measure/measure-private.h"

#include <cvm/error.h>
#include <cvm/igvm-builder.h>

static gboolean
add_section(CvmIgvmBuilder *b, guint32 mask, const guint8 *firmware, const CvmiTdvfSection *s, GError **error)
{
	guint32 flags = (s->attr & CVMI_TDVF_ATTR_MR_EXTEND) ? 0 : CVM_IGVM_PAGE_FLAG_UNMEASURED;
	guint64 data_pages = ((guint64)s->raw_size + CVMI_PAGE_SIZE - 1) / CVMI_PAGE_SIZE;
	guint64 pages = s->mem_size / CVMI_PAGE_SIZE;

	if (s->attr & CVMI_TDVF_ATTR_PAGE_AUG)
		return TRUE;
	if (s->raw_size > 0) {
		/* The builder zero-pads the last page, as the measurement does. */
		g_autoptr(GBytes) bytes = g_bytes_new_static(firmware + s->data_offset, s->raw_size);
		if (!cvm_igvm_builder_add_page_data(b, mask, s->mem_addr, flags, CVM_IGVM_PAGE_DATA_NORMAL, bytes,
						    error))
			return FALSE;
	}
	return pages == data_pages ||
	       cvm_igvm_builder_add_zero_pages(b, mask, s->mem_addr + data_pages * CVMI_PAGE_SIZE, pages - data_pages,
					       flags, CVM_IGVM_PAGE_DATA_NORMAL, error);
}

gboolean
cvmi_ovmf_wrap_tdx(CvmIgvmBuilder *b, guint32 mask, const guint8 *firmware, gsize len, GError **error)
{
	g_autoptr(GArray) sections = g_array_new(FALSE, FALSE, sizeof(CvmiTdvfSection));

	if (!cvmi_tdvf_parse(firmware, len, sections, error))
		return FALSE;
	for (guint i = 0; i < sections->len; i++) {
		if (!add_section(b, mask, firmware, &g_array_index(sections, CvmiTdvfSection, i), error)) {
			g_prefix_error(error, "TDVF section %u: ", i);
			return FALSE;
		}
	}
	return TRUE;
}
