/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One-line header descriptions (cvm_igvm_report_header_line()), which
 * cvmctl igvm diff compares between two files. */
#include "igvm/report-private.h"

#include <openssl/evp.h>
#include <string.h>

static void
append_digest(GString *s, const guint8 *data, gsize len)
{
	guint8 md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (data == NULL) {
		g_string_append(s, " data=none");
		return;
	}
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL)) {
		g_string_append(s, " data=?");
		return;
	}
	g_string_append(s, " data=sha256:");
	for (guint i = 0; i < 6 && i < n; i++)
		g_string_append_printf(s, "%02x", md[i]);
}

static guint64
rd(const CvmIgvmReportHeader *h, gsize off, gsize size)
{
	guint64 v = 0;

	if (off + size > h->header.length)
		return 0;
	memcpy(&v, (const guint8 *)h->header.payload + off, size);
	return GUINT64_FROM_LE(v) & (size == 8 ? G_MAXUINT64 : ((1ull << (size * 8)) - 1));
}

static void
append_fields(GString *s, const CvmIgvmReportHeader *h)
{
	switch (h->header.type) {
	case CVM_IGVM_VHT_SUPPORTED_PLATFORM:
		g_string_append_printf(s, " type=%s vtl=%u boundary=0x%" G_GINT64_MODIFIER "x",
				       cvmi_igvm_report_platform_name((guint)rd(h, 5, 1)) ?: "?",
				       (guint)rd(h, 4, 1), rd(h, 8, 8));
		break;
	case CVM_IGVM_VHT_GUEST_POLICY:
		g_string_append_printf(s, " policy=0x%" G_GINT64_MODIFIER "x", rd(h, 0, 8));
		break;
	case CVM_IGVM_VHT_PAGE_DATA:
		g_string_append_printf(s, " gpa=0x%" G_GINT64_MODIFIER "x flags=0x%x type=%s",
				       rd(h, 0, 8), (guint)rd(h, 16, 4),
				       cvmi_igvm_report_page_type_name((guint)rd(h, 20, 2)) ?: "?");
		break;
	case CVM_IGVM_VHT_PARAMETER_AREA:
		g_string_append_printf(s, " index=%u size=%" G_GUINT64_FORMAT, (guint)rd(h, 8, 4),
				       rd(h, 0, 8));
		break;
	case CVM_IGVM_VHT_PARAMETER_INSERT:
		g_string_append_printf(s, " index=%u gpa=0x%" G_GINT64_MODIFIER "x",
				       (guint)rd(h, 12, 4), rd(h, 0, 8));
		break;
	case CVM_IGVM_VHT_VP_CONTEXT:
		g_string_append_printf(s, " vp=%u gpa=0x%" G_GINT64_MODIFIER "x", (guint)rd(h, 16, 2),
				       rd(h, 0, 8));
		break;
	case CVM_IGVM_VHT_REQUIRED_MEMORY:
	case CVM_IGVM_VHT_ERROR_RANGE:
		g_string_append_printf(s, " gpa=0x%" G_GINT64_MODIFIER "x size=0x%x", rd(h, 0, 8),
				       (guint)rd(h, 12, 4));
		break;
	default:
		if (h->header.type >= CVM_IGVM_VHT_VP_COUNT_PARAMETER && h->header.length == 8) {
			g_string_append_printf(s, " index=%u offset=%u", (guint)rd(h, 0, 4),
					       (guint)rd(h, 4, 4));
			break;
		}
		g_string_append(s, " payload=");
		for (gsize i = 0; i < h->header.length && i < 32; i++)
			g_string_append_printf(s, "%02x", ((const guint8 *)h->header.payload)[i]);
		if (h->header.length > 32)
			g_string_append_printf(s, "...(%u bytes)", h->header.length);
	}
}

gchar *
cvm_igvm_report_header_line(const CvmIgvmReport *report, const CvmIgvmReportHeader *h)
{
	const char *name = cvm_igvm_header_type_name(h->header.type);
	GString *s = g_string_new(NULL);
	guint32 mask;

	if (name != NULL)
		g_string_append(s, name);
	else
		g_string_append_printf(s, "TYPE_0x%x", h->header.type);
	if (h->header.optional)
		g_string_append(s, "(optional)");
	if (h->header.type != CVM_IGVM_VHT_SUPPORTED_PLATFORM && cvmi_igvm_report_header_mask(h, &mask)) {
		g_autofree gchar *names = cvmi_igvm_report_mask_names(report, mask);
		g_string_append_printf(s, " [%s]", names);
	} else if (h->header.type == CVM_IGVM_VHT_SUPPORTED_PLATFORM) {
		g_string_append_printf(s, " mask=0x%x", (guint)rd(h, 0, 4));
	}
	append_fields(s, h);
	if (h->header.type == CVM_IGVM_VHT_PAGE_DATA || h->header.type == CVM_IGVM_VHT_VP_CONTEXT ||
	    h->header.type == CVM_IGVM_VHT_PARAMETER_AREA || h->header.type == CVM_IGVM_VHT_CORIM_DOCUMENT ||
	    h->header.type == CVM_IGVM_VHT_CORIM_SIGNATURE)
		append_digest(s, h->data, h->data_length);
	else if (h->header.type == CVM_IGVM_VHT_SNP_ID_BLOCK || h->header.type == CVM_IGVM_VHT_VBS_MEASUREMENT)
		append_digest(s, h->header.payload, h->header.length);
	return g_string_free(s, FALSE);
}
