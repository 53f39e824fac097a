/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lays the guest memory of a NATIVE IGVM file out for QEMU without an IGVM
 * loader: the run of pages ending at 4 GiB becomes the -bios ROM, the rest
 * loader blobs in RAM; then writes them as files.
 */
#include "launch/native-private.h"
#include "libcvm/fs-internal.h"

#include <cvm/error.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define FOUR_GIB G_GUINT64_CONSTANT(0x100000000)
#define ROM_ALIGN (64u << 10)
#define LEGACY_START 0xA0000u
#define LEGACY_END 0x100000u
#define RESET_VECTOR G_GUINT64_CONSTANT(0xFFFFFFF0)

void
cvmi_native_blob_free(CvmNativeBlob *blob)
{
	if (blob == NULL)
		return;
	g_clear_pointer(&blob->data, g_bytes_unref);
	g_free(blob->path);
	g_free(blob);
}

static gint
by_gpa(gconstpointer a, gconstpointer b)
{
	const CvmiPlacement *x = a, *y = b;
	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

static gboolean
placement_error(GError **error, const CvmiPlacement *p, const char *what)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
		    "header %u (at offset 0x%x): 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER "x %s",
		    p->header_index, p->header_offset, p->gpa, p->len, what);
	return FALSE;
}

/* Copies the placements [first, last] (contiguous, sorted) into one blob
 * starting at @base; the bytes between @base and the first placement stay 0. */
static CvmNativeBlob *
make_blob(const GArray *pl, guint first, guint last, guint64 base)
{
	const CvmiPlacement *end = &g_array_index(pl, CvmiPlacement, last);
	gsize size = end->gpa + end->len - base;
	guint8 *buf = g_malloc0(size);
	CvmNativeBlob *blob = g_new0(CvmNativeBlob, 1);

	for (guint i = first; i <= last; i++) {
		const CvmiPlacement *p = &g_array_index(pl, CvmiPlacement, i);
		if (p->src != NULL)
			memcpy(buf + (p->gpa - base), p->src, p->len);
	}
	blob->gpa = base;
	blob->data = g_bytes_new_take(buf, size);
	return blob;
}

/* Index of the first placement of the contiguous run that ends at 4 GiB, or
 * pl->len when no placement ends there. */
static guint
rom_run_start(const GArray *pl)
{
	guint i = pl->len;

	if (i == 0)
		return i;
	const CvmiPlacement *last = &g_array_index(pl, CvmiPlacement, i - 1);
	if (last->gpa + last->len != FOUR_GIB)
		return pl->len;
	while (i > 1) {
		const CvmiPlacement *prev = &g_array_index(pl, CvmiPlacement, i - 2);
		const CvmiPlacement *cur = &g_array_index(pl, CvmiPlacement, i - 1);
		if (prev->gpa + prev->len != cur->gpa)
			break;
		i--;
	}
	return i - 1;
}

static gboolean
check_ram(const CvmNativePlan *plan, const CvmiPlacement *p, GError **error)
{
	guint64 end = p->gpa + p->len;

	if (p->gpa < LEGACY_END && end > LEGACY_START)
		return placement_error(error, p, "overlaps the legacy VGA/BIOS range 0xA0000-0xFFFFF");
	if (end <= plan->low_memory)
		return TRUE;
	if (p->gpa >= FOUR_GIB && end - FOUR_GIB <= plan->high_memory)
		return TRUE;
	if (p->gpa < FOUR_GIB && end > plan->low_memory)
		return placement_error(error, p, "lies in the MMIO hole below 4 GiB (not RAM, not the firmware ROM)");
	return placement_error(error, p, "lies outside guest RAM");
}

static gboolean
layout_rom(CvmNativePlan *plan, guint first, GError **error)
{
	GArray *pl = plan->placements;

	if (first == pl->len) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "no page ends at 4 GiB, so nothing is at the reset vector: QEMU without IGVM support "
			    "starts the guest there");
		return FALSE;
	}
	guint64 start = g_array_index(pl, CvmiPlacement, first).gpa;
	guint64 size = FOUR_GIB - start;
	if (size > CVM_NATIVE_ROM_MAX) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA,
			    "the pages ending at 4 GiB start at 0x%" G_GINT64_MODIFIER "x: %" G_GUINT64_FORMAT
			    " bytes, more than the %u a -bios ROM may have", start, size, CVM_NATIVE_ROM_MAX);
		return FALSE;
	}
	if (start > RESET_VECTOR) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_DATA, "the reset vector 0xFFFFFFF0 is not covered");
		return FALSE;
	}
	size = (size + ROM_ALIGN - 1) / ROM_ALIGN * ROM_ALIGN;
	plan->rom = make_blob(pl, first, pl->len - 1, FOUR_GIB - size);
	return TRUE;
}

gboolean
cvmi_native_layout(CvmNativePlan *plan, GError **error)
{
	GArray *pl = plan->placements;

	g_array_sort(pl, by_gpa);
	for (guint i = 0; i < pl->len; i++) {
		const CvmiPlacement *p = &g_array_index(pl, CvmiPlacement, i);
		if (p->gpa + p->len < p->gpa || p->gpa + p->len > FOUR_GIB + plan->high_memory)
			return placement_error(error, p, "lies outside guest RAM");
		if (i > 0) {
			const CvmiPlacement *q = &g_array_index(pl, CvmiPlacement, i - 1);
			if (q->gpa + q->len > p->gpa) {
				g_autofree gchar *what = g_strdup_printf("overlaps header %u", q->header_index);
				return placement_error(error, p, what);
			}
		}
	}
	guint rom_first = rom_run_start(pl);
	if (!layout_rom(plan, rom_first, error))
		return FALSE;
	for (guint i = 0; i < rom_first; i++)
		if (!check_ram(plan, &g_array_index(pl, CvmiPlacement, i), error))
			return FALSE;
	for (guint i = 0; i < rom_first;) {
		guint j = i;
		while (j + 1 < rom_first) {
			const CvmiPlacement *cur = &g_array_index(pl, CvmiPlacement, j);
			const CvmiPlacement *next = &g_array_index(pl, CvmiPlacement, j + 1);
			if (cur->gpa + cur->len != next->gpa)
				break;
			j++;
		}
		g_ptr_array_add(plan->blobs, make_blob(pl, i, j, g_array_index(pl, CvmiPlacement, i).gpa));
		i = j + 1;
	}
	return TRUE;
}

static gchar *
blob_name(const CvmNativePlan *plan, const CvmNativeBlob *blob)
{
	if (blob == plan->rom)
		return g_strdup("bios.rom");
	return g_strdup_printf("blob-%010" G_GINT64_MODIFIER "x.bin", blob->gpa);
}

static void
set_path(const CvmNativePlan *plan, CvmNativeBlob *blob, const char *dir)
{
	g_autofree gchar *name = blob_name(plan, blob);
	g_free(blob->path);
	blob->path = g_build_filename(dir, name, NULL);
}

void
cvm_native_plan_set_dir(CvmNativePlan *plan, const char *dir)
{
	set_path(plan, plan->rom, dir);
	for (guint i = 0; i < plan->blobs->len; i++)
		set_path(plan, g_ptr_array_index(plan->blobs, i), dir);
}

static gboolean
write_blob(const CvmNativePlan *plan, const CvmNativeBlob *blob, const char *tmp, GError **error)
{
	g_autofree gchar *name = blob_name(plan, blob);
	g_autofree gchar *path = g_build_filename(tmp, name, NULL);
	gsize size;
	const guint8 *data = g_bytes_get_data(blob->data, &size);
	g_autoptr(GError) local = NULL;

	if (!g_file_set_contents_full(path, (const gchar *)data, size, G_FILE_SET_CONTENTS_NONE, 0644, &local)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "%s", local->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean
write_all(CvmNativePlan *plan, const char *tmp, const char *dir, GError **error)
{
	if (!write_blob(plan, plan->rom, tmp, error))
		return FALSE;
	for (guint i = 0; i < plan->blobs->len; i++)
		if (!write_blob(plan, g_ptr_array_index(plan->blobs, i), tmp, error))
			return FALSE;
	if (g_rename(tmp, dir) != 0) {
		int e = errno;
		g_set_error(error, CVM_ERROR, e == EEXIST || e == ENOTEMPTY ? CVM_ERROR_EXISTS : CVM_ERROR_IO,
			    "cannot create %s: %s", dir, g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

gboolean
cvm_native_plan_write(CvmNativePlan *plan, const char *dir, GError **error)
{
	g_autofree gchar *tmp = g_strdup_printf("%s.tmp-XXXXXX", dir);

	if (g_file_test(dir, G_FILE_TEST_EXISTS)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_EXISTS, "%s already exists", dir);
		return FALSE;
	}
	/* 0711 like guests.d/NAME above it: QEMU opens the files by name and
	 * needs no listing (was 0755). */
	if (g_mkdtemp_full(tmp, 0711) == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_IO, "cannot create a directory next to %s: %s", dir,
			    g_strerror(errno));
		return FALSE;
	}
	if (!write_all(plan, tmp, dir, error)) {
		cvmi_rm_rf(tmp);
		return FALSE;
	}
	cvm_native_plan_set_dir(plan, dir);
	return TRUE;
}

GStrv
cvm_native_plan_qemu_args(const CvmNativePlan *plan, gboolean with_bios)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();

	if (with_bios && plan->rom->path != NULL) {
		g_strv_builder_add(b, "-bios");
		g_strv_builder_add(b, plan->rom->path);
	}
	for (guint i = 0; i < plan->blobs->len; i++) {
		const CvmNativeBlob *blob = g_ptr_array_index(plan->blobs, i);
		if (blob->path == NULL)
			continue;
		/* QEMU's option syntax doubles commas inside a value. */
		g_auto(GStrv) parts = g_strsplit(blob->path, ",", -1);
		g_autofree gchar *file = g_strjoinv(",,", parts);
		g_autofree gchar *dev = g_strdup_printf("loader,file=%s,addr=0x%" G_GINT64_MODIFIER "x,force-raw=on",
							file, blob->gpa);
		g_strv_builder_add(b, "-device");
		g_strv_builder_add(b, dev);
	}
	return g_strv_builder_end(b);
}
