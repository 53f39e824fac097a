/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One-line header descriptions, for "cvmctl igvm diff". */
#include "cvmctl/igvm-file.h"

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
rd(const CvmctlIgvmHeader *h, gsize off, gsize size)
{
	guint64 v = 0;

	if (off + size > h->length)
		return 0;
	memcpy(&v, h->payload + off, size);
	return GUINT64_FROM_LE(v) & (size == 8 ? G_MAXUINT64 : ((1ull << (size * 8)) - 1));
}

static void
append_fields(GString *s, const CvmctlIgvmHeader *h)
{
	switch (h->type) {
	case CVM_IGVM_VHT_SUPPORTED_PLATFORM:
		g_string_append_printf(s, " type=%s vtl=%u boundary=0x%" G_GINT64_MODIFIER "x",
				       cvmctl_igvm_platform_name((guint)rd(h, 5, 1)) ?: "?",
				       (guint)rd(h, 4, 1), rd(h, 8, 8));
		break;
	case CVM_IGVM_VHT_GUEST_POLICY:
		g_string_append_printf(s, " policy=0x%" G_GINT64_MODIFIER "x", rd(h, 0, 8));
		break;
	case CVM_IGVM_VHT_PAGE_DATA:
		g_string_append_printf(s, " gpa=0x%" G_GINT64_MODIFIER "x flags=0x%x type=%s",
				       rd(h, 0, 8), (guint)rd(h, 16, 4),
				       cvmctl_igvm_page_type_name((guint)rd(h, 20, 2)) ?: "?");
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
		if (h->type >= CVM_IGVM_VHT_VP_COUNT_PARAMETER && h->length == 8) {
			g_string_append_printf(s, " index=%u offset=%u", (guint)rd(h, 0, 4),
					       (guint)rd(h, 4, 4));
			break;
		}
		g_string_append(s, " payload=");
		for (gsize i = 0; i < h->length && i < 32; i++)
			g_string_append_printf(s, "%02x", h->payload[i]);
		if (h->length > 32)
			g_string_append_printf(s, "...(%zu bytes)", h->length);
	}
}

gchar *
cvmctl_igvm_header_line(const CvmctlIgvmFile *file, const CvmctlIgvmHeader *h)
{
	const char *name = cvm_igvm_header_type_name(h->type);
	GString *s = g_string_new(NULL);
	guint32 mask;

	if (name != NULL)
		g_string_append(s, name);
	else
		g_string_append_printf(s, "TYPE_0x%x", h->type);
	if (h->optional)
		g_string_append(s, "(optional)");
	if (h->type != CVM_IGVM_VHT_SUPPORTED_PLATFORM && cvmctl_igvm_header_mask(h, &mask)) {
		g_autofree gchar *names = cvmctl_igvm_mask_names(file, mask);
		g_string_append_printf(s, " [%s]", names);
	} else if (h->type == CVM_IGVM_VHT_SUPPORTED_PLATFORM) {
		g_string_append_printf(s, " mask=0x%x", (guint)rd(h, 0, 4));
	}
	append_fields(s, h);
	if (h->type == CVM_IGVM_VHT_PAGE_DATA || h->type == CVM_IGVM_VHT_VP_CONTEXT ||
	    h->type == CVM_IGVM_VHT_PARAMETER_AREA || h->type == CVM_IGVM_VHT_CORIM_DOCUMENT ||
	    h->type == CVM_IGVM_VHT_CORIM_SIGNATURE)
		append_digest(s, h->data, h->data_length);
	else if (h->type == CVM_IGVM_VHT_SNP_ID_BLOCK || h->type == CVM_IGVM_VHT_VBS_MEASUREMENT)
		append_digest(s, h->payload, h->length);
	return g_string_free(s, FALSE);
}
