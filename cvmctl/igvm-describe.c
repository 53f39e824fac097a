/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names and decoding for the cvmctl igvm commands. */
#include "cvmctl/igvm-file.h"

#include <string.h>

const char *
cvmctl_igvm_platform_name(guint type)
{
	CvmPlatform p;

	return type <= G_MAXUINT8 && cvm_igvm_platform_from_wire((guint8)type, &p) ? cvm_platform_to_string(p) : NULL;
}

const char *
cvmctl_igvm_page_type_name(guint type)
{
	static const char *const names[] = { "normal", "secrets", "cpuid_data", "cpuid_xf" };

	return type < G_N_ELEMENTS(names) ? names[type] : NULL;
}

/* Offset of the compatibility mask in each masked header's payload. */
static gint
mask_offset(guint32 type)
{
	switch (type) {
	case CVM_IGVM_VHT_SUPPORTED_PLATFORM:
	case CVM_IGVM_VHT_RELOCATABLE_REGION:
	case CVM_IGVM_VHT_PAGE_TABLE_RELOCATION_REGION:
	case CVM_IGVM_VHT_CORIM_DOCUMENT:
	case CVM_IGVM_VHT_CORIM_SIGNATURE:
	case CVM_IGVM_VHT_CCA_POLICY:
	case CVM_IGVM_VHT_SNP_ID_BLOCK:
	case CVM_IGVM_VHT_VBS_MEASUREMENT:
		return 0;
	case CVM_IGVM_VHT_GUEST_POLICY:
	case CVM_IGVM_VHT_PAGE_DATA:
	case CVM_IGVM_VHT_PARAMETER_INSERT:
	case CVM_IGVM_VHT_VP_CONTEXT:
	case CVM_IGVM_VHT_REQUIRED_MEMORY:
	case CVM_IGVM_VHT_ERROR_RANGE:
		return 8;
	default:
		return -1;
	}
}

gboolean
cvmctl_igvm_header_mask(const CvmctlIgvmHeader *h, guint32 *mask)
{
	gint off = mask_offset(h->type);
	guint32 v;

	if (off < 0 || (gsize)off + 4 > h->length)
		return FALSE;
	memcpy(&v, h->payload + off, 4);
	*mask = cvm_le32(v);
	return TRUE;
}

guint32
cvmctl_igvm_platform_mask(const CvmctlIgvmFile *file, CvmPlatform type)
{
	for (guint i = 0; i < file->headers->len; i++) {
		const CvmctlIgvmHeader *h = &g_array_index(file->headers, CvmctlIgvmHeader, i);
		CvmIgvmSupportedPlatform p;

		if (h->type != CVM_IGVM_VHT_SUPPORTED_PLATFORM || h->length < sizeof(p))
			continue;
		memcpy(&p, h->payload, sizeof(p));
		if (p.platform_type == cvm_igvm_platform_to_wire(type))
			return cvm_le32(p.compatibility_mask);
	}
	return 0;
}

gchar *
cvmctl_igvm_mask_names(const CvmctlIgvmFile *file, guint32 mask)
{
	g_autoptr(GString) s = g_string_new(NULL);
	guint32 named = 0;

	/* In wire number order, as the file format lists the platforms. */
	for (guint w = 0; w < CVM_IGVM_PLATFORM_WIRE_NONE; w++) {
		CvmPlatform p;
		guint32 m = cvm_igvm_platform_from_wire((guint8)w, &p) ? cvmctl_igvm_platform_mask(file, p) : 0;

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
cvmctl_igvm_policy_bits(const CvmctlIgvmFile *file, guint32 mask, guint64 policy)
{
	json_object *arr = json_object_new_array();

	if ((mask & cvmctl_igvm_platform_mask(file, CVM_PLATFORM_SEV_SNP)) != 0) {
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
	} else if ((mask & cvmctl_igvm_platform_mask(file, CVM_PLATFORM_TDX)) != 0) {
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
	const CvmctlIgvmRange *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa ? 1 : 0;
}

GArray *
cvmctl_igvm_page_ranges(const CvmctlIgvmFile *file, guint32 filter)
{
	g_autoptr(GArray) pages = g_array_new(FALSE, FALSE, sizeof(CvmctlIgvmRange));
	GArray *out = g_array_new(FALSE, FALSE, sizeof(CvmctlIgvmRange));

	for (guint i = 0; i < file->headers->len; i++) {
		const CvmctlIgvmHeader *h = &g_array_index(file->headers, CvmctlIgvmHeader, i);
		CvmIgvmPageData pd;
		CvmctlIgvmRange r = { 0 };

		if (h->type != CVM_IGVM_VHT_PAGE_DATA || h->length < sizeof(pd))
			continue;
		memcpy(&pd, h->payload, sizeof(pd));
		r = (CvmctlIgvmRange){ cvm_le64(pd.gpa), 1, cvm_le32(pd.compatibility_mask),
				       cvm_le32(pd.flags), cvm_le16(pd.data_type), h->data != NULL };
		if (filter == 0 || (r.mask & filter) != 0)
			g_array_append_val(pages, r);
	}
	g_array_sort(pages, compare_range);
	for (guint i = 0; i < pages->len; i++) {
		CvmctlIgvmRange *r = &g_array_index(pages, CvmctlIgvmRange, i);
		CvmctlIgvmRange *last =
			out->len ? &g_array_index(out, CvmctlIgvmRange, out->len - 1) : NULL;

		if (last != NULL && last->gpa + last->n_pages * CVM_IGVM_PAGE_SIZE == r->gpa &&
		    last->mask == r->mask && last->flags == r->flags &&
		    last->data_type == r->data_type && last->has_data == r->has_data)
			last->n_pages++;
		else
			g_array_append_val(out, *r);
	}
	return out;
}
