/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NATIVE IGVM -> what QEMU without an IGVM loader can load: this file walks
 * the NATIVE platform's directives the way an IGVM loader would and collects
 * the guest memory they describe (native-plan.c lays it out).
 */
#include "launch/native-private.h"

#include <cvm/error.h>
#include <string.h>

#define PAGE 4096u
#define Q35_LOWMEM_SPLIT G_GUINT64_CONSTANT(0xB0000000)
#define Q35_LOWMEM_BIG G_GUINT64_CONSTANT(0x80000000)
#define FOUR_GIB G_GUINT64_CONSTANT(0x100000000)

typedef struct {
	const CvmIgvm *igvm;
	const CvmNativeOptions *opts;
	CvmNativePlan *plan;
	GHashTable *areas; /* index -> GByteArray * (borrowed from plan->areas); removed once inserted */
} Walk;

static gboolean
fail(GError **error, gint code, const CvmIgvmHeader *h, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static gboolean
fail(GError **error, gint code, const CvmIgvmHeader *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree gchar *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, CVM_ERROR, code, "header %u (%s at offset 0x%x): %s", h->index,
		    cvm_igvm_header_type_name(h->type) ?: "?", h->payload_offset, msg);
	return FALSE;
}

static void
place(Walk *w, const CvmIgvmHeader *h, guint64 gpa, guint64 len, const guint8 *src)
{
	CvmiPlacement p = {gpa, len, src, h->index, h->payload_offset};
	g_array_append_val(w->plan->placements, p);
}

static gboolean
on_page_data(Walk *w, const CvmIgvmHeader *h, GError **error)
{
	const CvmIgvmPageData *pd = cvm_igvm_header_page_data(h);
	guint32 flags = cvm_le32(pd->flags), file_offset = cvm_le32(pd->file_offset);
	const guint8 *src = NULL;

	if (flags & CVM_IGVM_PAGE_FLAG_2MB)
		return fail(error, CVM_ERROR_NOT_SUPPORTED, h, "2 MiB pages are not supported");
	if (cvm_le16(pd->data_type) != CVM_IGVM_PAGE_DATA_NORMAL)
		return fail(error, CVM_ERROR_INVALID_DATA, h, "page data type %u has no meaning on the native platform",
			    cvm_le16(pd->data_type));
	if (file_offset != 0 && !cvm_igvm_get_file_data(w->igvm, file_offset, PAGE, &src, error))
		return FALSE;
	place(w, h, cvm_le64(pd->gpa), PAGE, src);
	return TRUE;
}

static gboolean
on_parameter_area(Walk *w, const CvmIgvmHeader *h, GError **error)
{
	const CvmIgvmParameterArea *pa = cvm_igvm_header_parameter_area(h);
	guint64 size = cvm_le64(pa->number_of_bytes);
	guint32 index = cvm_le32(pa->parameter_area_index), file_offset = cvm_le32(pa->file_offset);
	const guint8 *src = NULL;

	if (size == 0 || size > CVM_NATIVE_AREA_MAX)
		return fail(error, CVM_ERROR_INVALID_DATA, h, "parameter area of %" G_GUINT64_FORMAT
			    " bytes (at most %u)", size, CVM_NATIVE_AREA_MAX);
	if (g_hash_table_contains(w->areas, GUINT_TO_POINTER(index)))
		return fail(error, CVM_ERROR_INVALID_DATA, h, "parameter area %u declared twice", index);
	if (file_offset != 0 && !cvm_igvm_get_file_data(w->igvm, file_offset, size, &src, error))
		return FALSE;
	GByteArray *area = g_byte_array_sized_new((guint)size);
	g_byte_array_set_size(area, (guint)size);
	if (src != NULL)
		memcpy(area->data, src, size);
	else
		memset(area->data, 0, size);
	g_ptr_array_add(w->plan->areas, area);
	g_hash_table_insert(w->areas, GUINT_TO_POINTER(index), area);
	return TRUE;
}

/* The bytes [byte_offset, byte_offset + len) of the area a parameter names. */
static guint8 *
param_slot(Walk *w, const CvmIgvmHeader *h, guint64 len, GError **error)
{
	const CvmIgvmParameter *p = cvm_igvm_header_parameter(h);
	guint32 index = cvm_le32(p->parameter_area_index), off = cvm_le32(p->byte_offset);
	GByteArray *area = g_hash_table_lookup(w->areas, GUINT_TO_POINTER(index));

	if (area == NULL) {
		fail(error, CVM_ERROR_INVALID_DATA, h, "parameter area %u is not declared or already inserted", index);
		return NULL;
	}
	if (off > area->len || len > area->len - off) {
		fail(error, CVM_ERROR_INVALID_DATA, h, "%" G_GUINT64_FORMAT " bytes at byte offset %u do not fit "
		     "in parameter area %u of %u bytes", len, off, index, area->len);
		return NULL;
	}
	return area->data + off;
}

static void
put_map_entry(guint8 *at, guint64 gpa, guint64 size)
{
	CvmIgvmMemoryMapEntry e = {
		.starting_gpa_page_number = GUINT64_TO_LE(gpa / PAGE),
		.number_of_pages = GUINT64_TO_LE(size / PAGE),
		.entry_type = GUINT16_TO_LE(CVM_IGVM_MEMORY_MAP_MEMORY),
	};
	memcpy(at, &e, sizeof(e));
}

/* Like QEMU's IGVM loader: RAM below 4 GiB, then RAM above, sorted; a zero
 * entry ends the list when there is room for it. */
static gboolean
on_memory_map(Walk *w, const CvmIgvmHeader *h, GError **error)
{
	guint n = w->plan->high_memory != 0 ? 2 : 1;
	guint8 *slot = param_slot(w, h, n * sizeof(CvmIgvmMemoryMapEntry), error);

	if (slot == NULL)
		return FALSE;
	put_map_entry(slot, 0, w->plan->low_memory);
	if (n == 2)
		put_map_entry(slot + sizeof(CvmIgvmMemoryMapEntry), FOUR_GIB, w->plan->high_memory);
	g_autoptr(GError) local = NULL;
	guint8 *end = param_slot(w, h, (n + 1) * sizeof(CvmIgvmMemoryMapEntry), &local);
	if (end != NULL)
		memset(end + n * sizeof(CvmIgvmMemoryMapEntry), 0, sizeof(CvmIgvmMemoryMapEntry));
	return TRUE;
}

static gboolean
on_u32_parameter(Walk *w, const CvmIgvmHeader *h, guint32 value, GError **error)
{
	guint8 *slot = param_slot(w, h, sizeof(guint32), error);
	guint32 le = GUINT32_TO_LE(value);

	if (slot == NULL)
		return FALSE;
	memcpy(slot, &le, sizeof(le));
	return TRUE;
}

static gboolean
on_command_line(Walk *w, const CvmIgvmHeader *h, GError **error)
{
	const char *cmdline = w->opts->command_line != NULL ? w->opts->command_line : "";
	gsize len = strlen(cmdline) + 1;
	guint8 *slot = param_slot(w, h, len, error);

	if (slot == NULL)
		return FALSE;
	memcpy(slot, cmdline, len);
	return TRUE;
}

static gboolean
on_parameter_insert(Walk *w, const CvmIgvmHeader *h, GError **error)
{
	const CvmIgvmParameterInsert *pi = cvm_igvm_header_parameter_insert(h);
	guint32 index = cvm_le32(pi->parameter_area_index);
	GByteArray *area = g_hash_table_lookup(w->areas, GUINT_TO_POINTER(index));

	if (area == NULL)
		return fail(error, CVM_ERROR_INVALID_DATA, h, "parameter area %u is not declared or already inserted",
			    index);
	place(w, h, cvm_le64(pi->gpa), area->len, area->data);
	/* An inserted area is final: later parameters naming it are invalid. */
	g_hash_table_remove(w->areas, GUINT_TO_POINTER(index));
	return TRUE;
}

static gboolean
on_required_memory(Walk *w, const CvmIgvmHeader *h, GError **error)
{
	const CvmIgvmRequiredMemory *rm = cvm_igvm_header_required_memory(h);
	guint64 gpa = cvm_le64(rm->gpa), size = cvm_le32(rm->number_of_bytes);
	const CvmNativePlan *p = w->plan;
	gboolean low = gpa < p->low_memory && size <= p->low_memory - gpa;
	gboolean high = gpa >= FOUR_GIB && gpa - FOUR_GIB <= p->high_memory && size <= p->high_memory - (gpa - FOUR_GIB);

	if (!low && !high)
		return fail(error, CVM_ERROR_INVALID_DATA, h, "required memory 0x%" G_GINT64_MODIFIER "x+0x%"
			    G_GINT64_MODIFIER "x is not guest RAM", gpa, size);
	return TRUE;
}

static void
warn(Walk *w, const CvmIgvmHeader *h, const char *what)
{
	g_ptr_array_insert(w->plan->warnings, w->plan->warnings->len - 1,
			   g_strdup_printf("header %u (%s at offset 0x%x): %s", h->index,
					   cvm_igvm_header_type_name(h->type), h->payload_offset, what));
}

static gboolean
on_header(Walk *w, const CvmIgvmHeader *h, GError **error)
{
	switch (h->type) {
	case CVM_IGVM_VHT_PAGE_DATA:
		return on_page_data(w, h, error);
	case CVM_IGVM_VHT_PARAMETER_AREA:
		return on_parameter_area(w, h, error);
	case CVM_IGVM_VHT_PARAMETER_INSERT:
		return on_parameter_insert(w, h, error);
	case CVM_IGVM_VHT_VP_COUNT_PARAMETER:
		return on_u32_parameter(w, h, w->opts->vcpus, error);
	case CVM_IGVM_VHT_ENVIRONMENT_INFO_PARAMETER:
		/* Nothing is isolated from the host on the native platform. */
		return on_u32_parameter(w, h, 1, error);
	case CVM_IGVM_VHT_MEMORY_MAP:
		return on_memory_map(w, h, error);
	case CVM_IGVM_VHT_COMMAND_LINE:
		return on_command_line(w, h, error);
	case CVM_IGVM_VHT_REQUIRED_MEMORY:
		return on_required_memory(w, h, error);
	case CVM_IGVM_VHT_VP_CONTEXT:
		warn(w, h, "QEMU without IGVM support cannot set initial registers; the boot processor starts "
			   "in the architectural reset state at 0xFFFFFFF0");
		return TRUE;
	case CVM_IGVM_VHT_ERROR_RANGE:
		warn(w, h, "error range ignored: nothing on this host reads it");
		return TRUE;
	case CVM_IGVM_VHT_SRAT:
	case CVM_IGVM_VHT_MADT:
	case CVM_IGVM_VHT_SLIT:
	case CVM_IGVM_VHT_PPTT:
	case CVM_IGVM_VHT_MMIO_RANGES:
	case CVM_IGVM_VHT_DEVICE_TREE:
		return fail(error, CVM_ERROR_NOT_SUPPORTED, h, "cvm cannot generate this parameter for a QEMU "
			    "without IGVM support (needs QEMU 10.1 or newer)");
	default:
		/* Platform and initialization headers, and directives for other platforms' concerns. */
		return TRUE;
	}
}

static gboolean
check_options(const CvmNativeOptions *opts, GError **error)
{
	guint64 max = G_GUINT64_CONSTANT(1) << 46;

	if (opts->memory_bytes < (16u << 20) || opts->memory_bytes % (1u << 20) != 0 || opts->memory_bytes > max) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "guest memory must be a multiple of 1 MiB between 16 MiB and 64 TiB, not %" G_GUINT64_FORMAT
			    " bytes", opts->memory_bytes);
		return FALSE;
	}
	if (opts->vcpus == 0 || opts->vcpus > 4096) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "vCPU count %u is not in 1-4096", opts->vcpus);
		return FALSE;
	}
	return TRUE;
}

CvmNativePlan *
cvm_native_plan_new(const CvmIgvm *igvm, const CvmNativeOptions *opts, GError **error)
{
	g_autoptr(CvmNativePlan) plan = g_new0(CvmNativePlan, 1);
	g_autoptr(GHashTable) areas = g_hash_table_new(NULL, NULL);
	Walk w = {igvm, opts, plan, areas};
	CvmIgvmPlatformIter iter;
	CvmIgvmHeader h;

	plan->placements = g_array_new(FALSE, FALSE, sizeof(CvmiPlacement));
	plan->areas = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
	plan->warnings = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(plan->warnings, NULL);
	plan->blobs = g_ptr_array_new_with_free_func((GDestroyNotify)cvmi_native_blob_free);
	if (!check_options(opts, error))
		return NULL;
	plan->low_memory = opts->memory_bytes >= Q35_LOWMEM_SPLIT ? Q35_LOWMEM_BIG : opts->memory_bytes;
	plan->high_memory = opts->memory_bytes - plan->low_memory;

	if (!cvm_igvm_platform_iter_init_type(&iter, igvm, CVM_PLATFORM_NATIVE, error)) {
		g_prefix_error(error, "cannot load without an IGVM loader: ");
		return NULL;
	}
	while (cvm_igvm_platform_iter_next(&iter, &h))
		if (!on_header(&w, &h, error))
			return NULL;
	if (!cvmi_native_layout(plan, error))
		return NULL;
	return g_steal_pointer(&plan);
}

void
cvm_native_plan_free(CvmNativePlan *plan)
{
	if (plan == NULL)
		return;
	g_clear_pointer(&plan->placements, g_array_unref);
	g_clear_pointer(&plan->blobs, g_ptr_array_unref);
	g_clear_pointer(&plan->areas, g_ptr_array_unref);
	g_clear_pointer(&plan->warnings, g_ptr_array_unref);
	g_clear_pointer(&plan->rom, cvmi_native_blob_free);
	g_free(plan);
}

const CvmNativeBlob *
cvm_native_plan_get_rom(const CvmNativePlan *plan)
{
	return plan->rom;
}

GPtrArray *
cvm_native_plan_get_blobs(const CvmNativePlan *plan)
{
	return plan->blobs;
}

const char *const *
cvm_native_plan_get_warnings(const CvmNativePlan *plan)
{
	return (const char *const *)plan->warnings->pdata;
}

guint64
cvm_native_plan_get_low_memory(const CvmNativePlan *plan)
{
	return plan->low_memory;
}
