/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names and decoding for the IGVM report: platforms, page types, masks as
 * platform names, policy bits, coalesced page ranges, the platform filter. */
#include "igvm/report-private.h"

#include <cvm/error.h>
#include <string.h>

/* The platform of wire platform_type @type, named by the one vocabulary
 * (cvm/platform.h); NULL for a number IGVM does not define. */
const char *
cvmi_igvm_report_platform_name(guint type)
{
	CvmPlatform p;

	return type <= G_MAXUINT8 && cvm_igvm_platform_from_wire((guint8)type, &p) ? cvm_platform_to_string(p) : NULL;
}

gboolean
cvm_igvm_report_platform_filter(const CvmIgvmReport *report, const char *platform, guint32 *filter,
				GError **error)
{
	CvmPlatform type;

	if (!cvm_platform_from_string(platform, &type, error))
		return FALSE;
	*filter = cvm_igvm_platform_mask(report->igvm, type);
	if (*filter == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "%s declares no %s platform", report->name,
			    platform);
		return FALSE;
	}
	return TRUE;
}

const char *
cvmi_igvm_report_page_type_name(guint type)
{
	static const char *const names[] = { "normal", "secrets", "cpuid_data", "cpuid_xf" };

	return type < G_N_ELEMENTS(names) ? names[type] : NULL;
}

gchar *
cvmi_igvm_report_mask_names(const CvmIgvmReport *r, guint32 mask)
{
	g_autoptr(GString) s = g_string_new(NULL);
	guint32 named = 0;
	guint top = 0;

	/* In wire number order, as the file format lists the platforms, and
	 * only up to the highest number a platform has: walking all 255 for
	 * every header was 14% of the igvm-report fuzz target's time. */
	for (guint p = 0; p < CVM_PLATFORM_COUNT; p++) {
		guint w = cvm_igvm_platform_to_wire((CvmPlatform)p);

		if (w != CVM_IGVM_PLATFORM_WIRE_NONE)
			top = MAX(top, w);
	}
	for (guint w = 0; w <= top; w++) {
		CvmPlatform p;
		guint32 m = cvm_igvm_platform_from_wire((guint8)w, &p) ? cvm_igvm_platform_mask(r->igvm, p) : 0;

		if (m != 0 && (mask & m) != 0) {
			g_string_append_printf(s, "%s%s", s->len ? "," : "", cvm_platform_to_string(p));
			named |= m;
		}
	}
	if ((mask & ~named) != 0)
		g_string_append_printf(s, "%sundeclared:0x%x", s->len ? "," : "", mask & ~named);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
add_bit(json_object *arr, guint64 policy, guint64 bit, const char *name)
{
	if ((policy & bit) != 0)
		json_object_array_add(arr, json_object_new_string(name));
}

json_object *
cvmi_igvm_report_policy_bits(const CvmIgvmReport *r, guint32 mask, guint64 policy)
{
	json_object *arr = json_object_new_array();

	if ((mask & cvm_igvm_platform_mask(r->igvm, CVM_PLATFORM_SEV_SNP)) != 0) {
		g_autofree gchar *minor = g_strdup_printf(
			"abi_minor=%u", (guint)(policy & CVM_SNP_POLICY_ABI_MINOR_MASK));
		g_autofree gchar *major = g_strdup_printf(
			"abi_major=%u", (guint)((policy >> CVM_SNP_POLICY_ABI_MAJOR_SHIFT) & 0xFF));

		json_object_array_add(arr, json_object_new_string(minor));
		json_object_array_add(arr, json_object_new_string(major));
		add_bit(arr, policy, CVM_SNP_POLICY_SMT, "smt");
		add_bit(arr, policy, CVM_SNP_POLICY_RESERVED_MBO, "reserved_must_be_one");
		add_bit(arr, policy, CVM_SNP_POLICY_MIGRATE_MA, "migrate_ma");
		add_bit(arr, policy, CVM_SNP_POLICY_DEBUG, "debug");
		add_bit(arr, policy, CVM_SNP_POLICY_SINGLE_SOCKET, "single_socket");
		if ((policy & ~0x1FFFFFull) != 0)
			add_bit(arr, policy, policy & ~0x1FFFFFull, "unknown_bits");
	} else if ((mask & cvm_igvm_platform_mask(r->igvm, CVM_PLATFORM_TDX)) != 0) {
		add_bit(arr, policy, CVM_TDX_POLICY_DEBUG_ALLOWED, "debug_allowed");
		add_bit(arr, policy, CVM_TDX_POLICY_SEPT_VE_DISABLE, "sept_ve_disable");
		add_bit(arr, policy, CVM_TDX_POLICY_MIGRATABLE, "migratable");
		if ((policy & ~0x7ull) != 0)
			add_bit(arr, policy, policy & ~0x7ull, "unknown_bits");
	}
	return arr;
}

static gint
compare_range(gconstpointer a, gconstpointer b)
{
	const CvmiIgvmRange *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa ? 1 : 0;
}

GArray *
cvmi_igvm_report_page_ranges(const CvmIgvmReport *report, guint32 filter)
{
	g_autoptr(GArray) pages = g_array_new(FALSE, FALSE, sizeof(CvmiIgvmRange));
	GArray *out = g_array_new(FALSE, FALSE, sizeof(CvmiIgvmRange));

	for (guint i = 0; i < report->headers->len; i++) {
		const CvmIgvmReportHeader *h = &g_array_index(report->headers, CvmIgvmReportHeader, i);
		const CvmIgvmPageData *pd = cvm_igvm_header_page_data(&h->header);
		CvmiIgvmRange r;

		if (pd == NULL)
			continue;
		r = (CvmiIgvmRange){ cvm_le64(pd->gpa), 1, cvm_le32(pd->compatibility_mask),
				     cvm_le32(pd->flags), cvm_le16(pd->data_type), h->data != NULL };
		if (filter == 0 || (r.mask & filter) != 0)
			g_array_append_val(pages, r);
	}
	g_array_sort(pages, compare_range);
	for (guint i = 0; i < pages->len; i++) {
		CvmiIgvmRange *r = &g_array_index(pages, CvmiIgvmRange, i);
		CvmiIgvmRange *last =
			out->len ? &g_array_index(out, CvmiIgvmRange, out->len - 1) : NULL;

		if (last != NULL && last->gpa + last->n_pages * CVM_IGVM_PAGE_SIZE == r->gpa &&
		    last->mask == r->mask && last->flags == r->flags &&
		    last->data_type == r->data_type && last->has_data == r->has_data)
			last->n_pages++;
		else
			g_array_append_val(out, *r);
	}
	return out;
}
