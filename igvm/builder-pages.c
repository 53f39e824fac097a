/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Directives that carry 4 KiB of file data: PAGE_DATA (from buffers, file
 * regions or none) and VP_CONTEXT (native register state or a VMSA). */
#include "igvm/builder-private.h"

#include <cvm/error.h>
#include <string.h>

static gboolean
check_page_args(guint32 mask, guint64 gpa, guint32 flags, CvmIgvmPageDataType data_type,
		GError **error)
{
	if (!cvmi_builder_check_mask(mask, error) ||
	    !cvmi_builder_check_aligned("page data GPA", gpa, error))
		return FALSE;
	if ((flags & ~(CVM_IGVM_PAGE_FLAG_UNMEASURED | CVM_IGVM_PAGE_FLAG_SHARED)) != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "page data flags 0x%x: only unmeasured and shared are supported", flags);
		return FALSE;
	}
	if ((guint)data_type > CVM_IGVM_PAGE_DATA_CPUID_XF) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "unknown page data type %u", (guint)data_type);
		return FALSE;
	}
	return TRUE;
}

static void
append_page(CvmIgvmBuilder *b, guint32 mask, guint64 gpa, guint32 flags,
	    CvmIgvmPageDataType data_type, GBytes *page)
{
	CvmIgvmPageData p = { 0 };

	p.gpa = GUINT64_TO_LE(gpa);
	p.compatibility_mask = GUINT32_TO_LE(mask);
	p.flags = GUINT32_TO_LE(flags);
	p.data_type = GUINT16_TO_LE((guint16)data_type);
	cvmi_builder_append(b, CVM_IGVM_VHT_PAGE_DATA, &p, sizeof(p),
			    cvmi_builder_file_offset_field(CVM_IGVM_VHT_PAGE_DATA), page);
}

gboolean
cvm_igvm_builder_add_page_data(CvmIgvmBuilder *builder, guint32 mask, guint64 gpa, guint32 flags,
			       CvmIgvmPageDataType data_type, GBytes *data, GError **error)
{
	gsize size = data != NULL ? g_bytes_get_size(data) : 0;
	guint64 n_pages = (size + CVM_IGVM_PAGE_SIZE - 1) / CVM_IGVM_PAGE_SIZE;

	if (!check_page_args(mask, gpa, flags, data_type, error))
		return FALSE;
	if (size == 0) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "page data is empty (use zero pages for pages without data)");
		return FALSE;
	}
	if (gpa + n_pages * CVM_IGVM_PAGE_SIZE < gpa) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "page data at 0x%" G_GINT64_MODIFIER "x wraps the address space", gpa);
		return FALSE;
	}
	for (guint64 i = 0; i < n_pages; i++) {
		gsize off = i * CVM_IGVM_PAGE_SIZE;
		gsize len = MIN(CVM_IGVM_PAGE_SIZE, size - off);
		g_autoptr(GBytes) slice = g_bytes_new_from_bytes(data, off, len);
		g_autoptr(GBytes) page = cvmi_bytes_padded(slice, CVM_IGVM_PAGE_SIZE);

		append_page(builder, mask, gpa + off, flags, data_type, page);
	}
	return TRUE;
}

gboolean
cvm_igvm_builder_add_page_data_from_file(CvmIgvmBuilder *builder, guint32 mask, guint64 gpa,
					 guint32 flags, CvmIgvmPageDataType data_type,
					 const char *path, guint64 offset, guint64 length,
					 GError **error)
{
	g_autoptr(GMappedFile) map = g_mapped_file_new(path, FALSE, error);
	g_autoptr(GBytes) all = NULL;
	g_autoptr(GBytes) region = NULL;
	gsize size;

	if (map == NULL)
		return FALSE;
	size = g_mapped_file_get_length(map);
	if (offset > size || (length != 0 && length > size - offset)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s: region %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT
			    " is outside the file (%" G_GSIZE_FORMAT " bytes)",
			    path, offset, length, size);
		return FALSE;
	}
	if (length == 0)
		length = size - offset;
	if (length == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%s: no bytes to load at offset %" G_GUINT64_FORMAT, path, offset);
		return FALSE;
	}
	all = g_mapped_file_get_bytes(map);
	region = g_bytes_new_from_bytes(all, offset, length);
	if (!cvm_igvm_builder_add_page_data(builder, mask, gpa, flags, data_type, region, error)) {
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	return TRUE;
}

gboolean
cvm_igvm_builder_add_zero_pages(CvmIgvmBuilder *builder, guint32 mask, guint64 gpa,
				guint64 n_pages, guint32 flags, CvmIgvmPageDataType data_type,
				GError **error)
{
	if (!check_page_args(mask, gpa, flags, data_type, error))
		return FALSE;
	if (n_pages == 0 || n_pages > G_MAXUINT64 / CVM_IGVM_PAGE_SIZE ||
	    gpa + n_pages * CVM_IGVM_PAGE_SIZE - 1 < gpa) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "%" G_GUINT64_FORMAT " zero pages at 0x%" G_GINT64_MODIFIER
			    "x: bad page count",
			    n_pages, gpa);
		return FALSE;
	}
	for (guint64 i = 0; i < n_pages; i++)
		append_page(builder, mask, gpa + i * CVM_IGVM_PAGE_SIZE, flags, data_type, NULL);
	return TRUE;
}

static gboolean
append_vp_context(CvmIgvmBuilder *b, guint32 mask, guint64 gpa, guint16 vp_index, GBytes *data,
		  GError **error)
{
	CvmIgvmVpContext v = { 0 };
	g_autoptr(GBytes) page = NULL;

	if (!cvmi_builder_check_mask(mask, error))
		return FALSE;
	if ((mask & (mask - 1)) != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "VP context mask 0x%x names more than one platform", mask);
		return FALSE;
	}
	if (g_bytes_get_size(data) > CVM_IGVM_PAGE_SIZE) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "VP context of %" G_GSIZE_FORMAT " bytes is larger than a page",
			    g_bytes_get_size(data));
		return FALSE;
	}
	page = cvmi_bytes_padded(data, CVM_IGVM_PAGE_SIZE);
	v.gpa = GUINT64_TO_LE(gpa);
	v.compatibility_mask = GUINT32_TO_LE(mask);
	v.vp_index = GUINT16_TO_LE(vp_index);
	cvmi_builder_append(b, CVM_IGVM_VHT_VP_CONTEXT, &v, sizeof(v),
			    cvmi_builder_file_offset_field(CVM_IGVM_VHT_VP_CONTEXT), page);
	return TRUE;
}

gboolean
cvm_igvm_builder_add_vp_context_vmsa(CvmIgvmBuilder *builder, guint32 mask, guint64 gpa,
				     guint16 vp_index, GBytes *vmsa, GError **error)
{
	if (!cvmi_builder_check_aligned("VMSA GPA", gpa, error))
		return FALSE;
	return append_vp_context(builder, mask, gpa, vp_index, vmsa, error);
}

/* The register file in file byte order. */
static void
native_to_le(CvmIgvmNativeVpContextX64 *c)
{
	guint8 *gprs = (guint8 *)c;

	for (guint i = 0; i < 16; i++) { /* rax..r15: 16 contiguous u64 from offset 0 */
		guint64 v;

		memcpy(&v, gprs + i * 8, 8);
		v = GUINT64_TO_LE(v);
		memcpy(gprs + i * 8, &v, 8);
	}
	c->rip = GUINT64_TO_LE(c->rip);
	c->rflags = GUINT64_TO_LE(c->rflags);
	c->idtr_base = GUINT64_TO_LE(c->idtr_base);
	c->idtr_limit = GUINT16_TO_LE(c->idtr_limit);
	memset(c->reserved, 0, sizeof(c->reserved));
	c->gdtr_limit = GUINT16_TO_LE(c->gdtr_limit);
	c->gdtr_base = GUINT64_TO_LE(c->gdtr_base);
	c->code_selector = GUINT16_TO_LE(c->code_selector);
	c->code_attributes = GUINT16_TO_LE(c->code_attributes);
	c->code_base = GUINT32_TO_LE(c->code_base);
	c->code_limit = GUINT32_TO_LE(c->code_limit);
	c->data_selector = GUINT16_TO_LE(c->data_selector);
	c->data_attributes = GUINT16_TO_LE(c->data_attributes);
	c->data_base = GUINT32_TO_LE(c->data_base);
	c->data_limit = GUINT32_TO_LE(c->data_limit);
	c->gs_base = GUINT64_TO_LE(c->gs_base);
	c->cr0 = GUINT64_TO_LE(c->cr0);
	c->cr3 = GUINT64_TO_LE(c->cr3);
	c->cr4 = GUINT64_TO_LE(c->cr4);
	c->efer = GUINT64_TO_LE(c->efer);
}

gboolean
cvm_igvm_builder_add_vp_context_native(CvmIgvmBuilder *builder, guint32 mask, guint16 vp_index,
				       const CvmIgvmNativeVpContextX64 *context, GError **error)
{
	CvmIgvmNativeVpContextX64 le = *context;
	g_autoptr(GBytes) data = NULL;

	native_to_le(&le);
	data = g_bytes_new(&le, sizeof(le));
	return append_vp_context(builder, mask, 0, vp_index, data, error);
}
