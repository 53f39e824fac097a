/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IGVM reader: maps the file, checks the fixed header and CRC, and indexes
 * the variable-header TLVs without touching file data (docs/igvm.md). */
#include "igvm/igvm-internal.h"
#include "igvm/reader-private.h"
#include "libcvm/libcvm-internal.h"

#include <cvm/error.h>
#include <zlib.h>

/* Problems that make the rest of the file unreadable become the GError. */
static gboolean
fatal(GError **error, CvmIgvmRule rule, guint64 offset, const char *msg)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_VALIDATION, "IGVM rule %s at offset 0x%" G_GINT64_MODIFIER "x: %s",
		    cvm_igvm_rule_name(rule), offset, msg);
	return FALSE;
}

static guint32
fixed_crc(const CvmIgvm *igvm)
{
	guint8 fixed[sizeof(CvmIgvmFixedHeaderV2)];

	memcpy(fixed, igvm->data, igvm->fixed_size);
	memset(fixed + G_STRUCT_OFFSET(CvmIgvmFixedHeaderV1, checksum), 0, 4);
	uLong crc = crc32(0, fixed, igvm->fixed_size);
	/* zlib takes uInt lengths; vh_size is a u32, which fits. */
	return (guint32)crc32(crc, igvm->data + igvm->vh_offset, igvm->vh_size);
}

static gboolean
parse_fixed_header(CvmIgvm *igvm, GError **error)
{
	GPtrArray *pp = igvm->parse_problems;

	if (igvm->size < sizeof(CvmIgvmFixedHeaderV1))
		return fatal(error, CVM_IGVM_RULE_FIXED_HEADER_SHORT, 0, "file shorter than the 24-byte fixed header");
	if (cvmi_rd32(igvm->data, 0) != CVM_IGVM_MAGIC)
		return fatal(error, CVM_IGVM_RULE_MAGIC, 0, "magic is not \"IGVM\"");
	igvm->version = cvmi_rd32(igvm->data, 4);
	if (igvm->version != 1 && igvm->version != 2)
		return fatal(error, CVM_IGVM_RULE_FORMAT_VERSION, 4, "format version is neither 1 nor 2");
	igvm->fixed_size = igvm->version == 1 ? sizeof(CvmIgvmFixedHeaderV1) : sizeof(CvmIgvmFixedHeaderV2);
	if (igvm->size < igvm->fixed_size)
		return fatal(error, CVM_IGVM_RULE_FIXED_HEADER_SHORT, 0, "file shorter than the 32-byte V2 fixed header");
	igvm->arch = CVM_IGVM_ARCH_X64;
	igvm->page_size = CVM_IGVM_PAGE_SIZE;
	if (igvm->version == 2) {
		igvm->arch = cvmi_rd32(igvm->data, 24);
		igvm->page_size = cvmi_rd32(igvm->data, 28);
		if (igvm->arch > CVM_IGVM_ARCH_AARCH64)
			cvmi_igvm_problem_add(pp, 0, CVM_IGVM_RULE_ARCHITECTURE, -1, 24,
					      "architecture %u is neither 0 (X64) nor 1 (AARCH64)", igvm->arch);
		if (igvm->page_size != CVM_IGVM_PAGE_SIZE)
			cvmi_igvm_problem_add(pp, 0, CVM_IGVM_RULE_PAGE_SIZE, -1, 28,
					      "page size %u is not 4096", igvm->page_size);
	}
	igvm->vh_offset = cvmi_rd32(igvm->data, 8);
	igvm->vh_size = cvmi_rd32(igvm->data, 12);
	guint32 total = cvmi_rd32(igvm->data, 16);
	if (total != igvm->size)
		cvmi_igvm_problem_add(pp, 0, CVM_IGVM_RULE_TOTAL_FILE_SIZE, -1, 16,
				      "total_file_size %u differs from the file length %zu", total, igvm->size);
	if (igvm->vh_offset < igvm->fixed_size)
		return fatal(error, CVM_IGVM_RULE_VH_OFFSET, 8, "variable headers overlap the fixed header");
	if (igvm->vh_offset % 8 != 0)
		cvmi_igvm_problem_add(pp, 0, CVM_IGVM_RULE_VH_OFFSET, -1, 8,
				      "variable_header_offset 0x%x is not 8-byte aligned", igvm->vh_offset);
	if ((guint64)igvm->vh_offset + igvm->vh_size > igvm->size)
		return fatal(error, CVM_IGVM_RULE_VH_RANGE, 12, "variable headers run past the end of the file");
	if ((guint64)igvm->vh_offset + igvm->vh_size == igvm->size)
		cvmi_igvm_problem_add(pp, 0, CVM_IGVM_RULE_NO_FILE_DATA, -1, 12,
				      "no file data after the variable headers (the reference parser needs one byte)");
	guint32 want = cvmi_rd32(igvm->data, 20), got = fixed_crc(igvm);
	if (want != got)
		cvmi_igvm_problem_add(pp, 0, CVM_IGVM_RULE_CHECKSUM, -1, 20,
				      "checksum 0x%08x does not match the CRC-32 0x%08x", want, got);
	return TRUE;
}

static gboolean
padding_is_zero(const guint8 *p, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (p[i] != 0)
			return FALSE;
	return TRUE;
}

/* Platforms and the masks of inserted parameter areas, for the lookups and
 * the per-platform view. */
static void
note_platform_or_insert(CvmIgvm *igvm, guint index)
{
	CvmIgvmHeader h;
	cvmi_igvm_header_at(igvm, index, &h);
	const CvmIgvmSupportedPlatform *p = cvm_igvm_header_platform(&h);
	const CvmIgvmParameterInsert *ins = cvm_igvm_header_parameter_insert(&h);

	if (p != NULL)
		g_ptr_array_add(igvm->platforms, (gpointer)p);
	if (ins != NULL) {
		gpointer key = GUINT_TO_POINTER(cvm_le32(ins->parameter_area_index));
		guint32 m = GPOINTER_TO_UINT(g_hash_table_lookup(igvm->area_insert_mask, key));
		g_hash_table_insert(igvm->area_insert_mask, key, GUINT_TO_POINTER(m | cvm_le32(ins->compatibility_mask)));
	}
}

/* One TLV at @off; returns its padded size, 0 on a fatal error. */
static guint32
index_one(CvmIgvm *igvm, guint32 off, guint32 end, int *section, GError **error)
{
	GPtrArray *pp = igvm->parse_problems;

	if (end - off < sizeof(CvmIgvmVhsHeader)) {
		fatal(error, CVM_IGVM_RULE_TLV_TRUNCATED, off, "variable header prefix runs past the section");
		return 0;
	}
	guint32 raw = cvmi_rd32(igvm->data, off), len = cvmi_rd32(igvm->data, off + 4);
	guint32 room = end - off - sizeof(CvmIgvmVhsHeader);
	if (len > room) {
		fatal(error, CVM_IGVM_RULE_TLV_TRUNCATED, off + 4, "variable header payload runs past the section");
		return 0;
	}
	guint32 padded = sizeof(CvmIgvmVhsHeader) + ((len + 7u) & ~7u);
	guint32 pad_len = MIN(padded - sizeof(CvmIgvmVhsHeader), room) - len;
	guint32 type = raw & CVM_IGVM_VHT_TYPE_MASK;
	gint index = (gint)igvm->n_entries;
	gsize want = cvm_igvm_header_type_size(type);
	if (want == 0) {
		if (raw & CVM_IGVM_VHT_OPTIONAL_BIT) {
			igvm->n_skipped++;
			return MIN(padded, end - off);
		}
		cvmi_igvm_problem_add(pp, 0, CVM_IGVM_RULE_UNKNOWN_TYPE, index, off,
				      "unknown required header type 0x%x", type);
	} else if (len != want) {
		cvmi_igvm_problem_add(pp, 0, CVM_IGVM_RULE_PAYLOAD_LENGTH, index, off + 4,
				      "%s payload is %u bytes, not %zu", cvm_igvm_header_type_name(type), len, want);
	}
	int sec = cvmi_igvm_type_section(type);
	if (sec >= 0) {
		if (sec < *section)
			cvmi_igvm_problem_add(pp, 0, CVM_IGVM_RULE_SECTION_ORDER, index, off,
					      "header type 0x%x after a later section started", type);
		else
			*section = sec;
	}
	if (!padding_is_zero(igvm->data + off + sizeof(CvmIgvmVhsHeader) + len, pad_len))
		cvmi_igvm_problem_add(pp, 0, CVM_IGVM_RULE_PADDING_NONZERO, index, off + 8 + len,
				      "padding after the payload is not zero");
	igvm->entries[igvm->n_entries++] = (CvmiIgvmEntry){ raw, off };
	if (G_UNLIKELY(type == CVM_IGVM_VHT_SUPPORTED_PLATFORM || type == CVM_IGVM_VHT_PARAMETER_INSERT))
		note_platform_or_insert(igvm, (guint)index);
	/* A final entry may lack its padding; the section just ends. */
	return MIN(padded, end - off);
}

static gboolean
index_headers(CvmIgvm *igvm, GError **error)
{
	guint32 off = igvm->vh_offset, end = igvm->vh_offset + igvm->vh_size;
	int section = CVM_IGVM_SECTION_PLATFORM;

	/* Every TLV is at least 8 bytes: this bounds the index without a pre-pass. */
	igvm->entries = g_new(CvmiIgvmEntry, igvm->vh_size / 8 + 1);
	while (off < end) {
		guint32 step = index_one(igvm, off, end, &section, error);
		if (step == 0)
			return FALSE;
		off += step;
	}
	return TRUE;
}

static gboolean
first_error(CvmIgvm *igvm, guint flags, GError **error)
{
	g_autoptr(GPtrArray) problems = cvm_igvm_validate(igvm, flags);

	for (guint i = 0; i < problems->len; i++) {
		const CvmIgvmProblem *p = problems->pdata[i];
		if (p->severity != CVM_IGVM_SEVERITY_ERROR)
			continue;
		g_set_error(error, CVM_ERROR, p->rule == CVM_IGVM_RULE_CHECKSUM ? CVM_ERROR_CHECKSUM : CVM_ERROR_VALIDATION,
			    "IGVM rule %s at offset 0x%" G_GINT64_MODIFIER "x (header %d): %s",
			    cvm_igvm_rule_name(p->rule), p->offset, p->header_index, p->message);
		return FALSE;
	}
	return TRUE;
}

/* Files parsed in this process, for the tests that pin "parse once". */
static gint parse_count;

guint
cvmi_igvm_parse_count(void)
{
	return (guint)g_atomic_int_get(&parse_count);
}

static CvmIgvm *
parse(CvmIgvm *owned, guint flags, GError **error)
{
	g_autoptr(CvmIgvm) igvm = owned;

	g_atomic_int_inc(&parse_count);

	igvm->parse_problems = g_ptr_array_new_with_free_func((GDestroyNotify)cvm_igvm_problem_free);
	igvm->platforms = g_ptr_array_new();
	igvm->area_insert_mask = g_hash_table_new(g_direct_hash, g_direct_equal);
	if (igvm->size > G_MAXUINT32) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_VALIDATION,
			    "IGVM rule %s at offset 0x10: file of %zu bytes is larger than 4 GiB",
			    cvm_igvm_rule_name(CVM_IGVM_RULE_TOTAL_FILE_SIZE), igvm->size);
		return NULL;
	}
	if (!parse_fixed_header(igvm, error) || !index_headers(igvm, error))
		return NULL;
	if (!(flags & CVM_IGVM_NO_VALIDATE) && !first_error(igvm, flags, error))
		return NULL;
	return g_steal_pointer(&igvm);
}

CvmIgvm *
cvm_igvm_new_from_bytes(GBytes *bytes, guint flags, GError **error)
{
	CvmIgvm *igvm = g_new0(CvmIgvm, 1);

	g_return_val_if_fail(bytes != NULL, NULL);
	igvm->bytes = g_bytes_ref(bytes);
	igvm->data = g_bytes_get_data(bytes, &igvm->size);
	return parse(igvm, flags, error);
}

CvmIgvm *
cvm_igvm_open(const char *path, guint flags, GError **error)
{
	g_autoptr(GError) local = NULL;
	GMappedFile *map = g_mapped_file_new(path, FALSE, &local);

	if (map == NULL) {
		cvmi_file_error(error, local);
		return NULL;
	}
	CvmIgvm *igvm = g_new0(CvmIgvm, 1);
	igvm->map = map;
	igvm->data = (const guint8 *)g_mapped_file_get_contents(map);
	igvm->size = g_mapped_file_get_length(map);
	CvmIgvm *ret = parse(igvm, flags, error);
	if (ret == NULL)
		g_prefix_error(error, "%s: ", path);
	return ret;
}

void
cvm_igvm_free(CvmIgvm *igvm)
{
	if (igvm == NULL)
		return;
	g_clear_pointer(&igvm->bytes, g_bytes_unref);
	g_clear_pointer(&igvm->map, g_mapped_file_unref);
	g_clear_pointer(&igvm->parse_problems, g_ptr_array_unref);
	g_clear_pointer(&igvm->platforms, g_ptr_array_unref);
	g_clear_pointer(&igvm->area_insert_mask, g_hash_table_unref);
	g_free(igvm->entries);
	g_free(igvm);
}

guint32 cvm_igvm_get_format_version(const CvmIgvm *igvm) { return igvm->version; }
CvmIgvmArchitecture cvm_igvm_get_architecture(const CvmIgvm *igvm) { return igvm->arch; }
guint32 cvm_igvm_get_page_size(const CvmIgvm *igvm) { return igvm->page_size; }
guint32 cvm_igvm_get_file_data_offset(const CvmIgvm *igvm) { return igvm->vh_offset + igvm->vh_size; }
guint cvm_igvm_get_n_skipped_headers(const CvmIgvm *igvm) { return igvm->n_skipped; }
guint cvm_igvm_get_n_headers(const CvmIgvm *igvm) { return igvm->n_entries; }

const guint8 *
cvm_igvm_get_data(const CvmIgvm *igvm, gsize *size)
{
	if (size != NULL)
		*size = igvm->size;
	return igvm->data;
}
