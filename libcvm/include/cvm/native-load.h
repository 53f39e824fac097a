/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading a NATIVE-platform IGVM file on a QEMU that has no IGVM loader
 * (QEMU before 10.1, e.g. Debian 12's 7.2). See docs/launch.md.
 *
 * The file is translated into what such a QEMU can load on a q35 machine:
 *  - the pages that form one contiguous run ending at 4 GiB become the
 *    `-bios` ROM image, padded with zeros at the start to a multiple of
 *    64 KiB (QEMU refuses other sizes) so it still ends at 4 GiB;
 *  - every other page becomes part of a `-device loader,force-raw=on` blob
 *    (contiguous pages are coalesced; zero pages are included so a guest
 *    reset restores them too);
 *  - parameter areas are filled by cvm the way an IGVM loader would
 *    (VP_COUNT_PARAMETER, MEMORY_MAP, COMMAND_LINE, ENVIRONMENT_INFO) and
 *    loaded at their PARAMETER_INSERT address.
 * QEMU 7.2 cannot set initial registers, so the boot processor starts in the
 * architectural reset state at 0xFFFFFFF0: a native VP_CONTEXT is reported
 * as a warning (cvm_native_plan_get_warnings()) and the ROM must hold code at
 * the reset vector. Parameter types that need generated ACPI tables or a
 * device tree (SRAT, MADT, SLIT, PPTT, MMIO_RANGES, DEVICE_TREE) are refused.
 *
 * The guest-physical layout is QEMU's q35 one: RAM from 0 up to the low-memory
 * limit (all of it when the size is below 0xB0000000, else 2 GiB), the rest
 * above 4 GiB; 0xA0000-0xFFFFF is the legacy VGA/BIOS range.
 */
#pragma once

#include <cvm/igvm.h>
#include <glib.h>

G_BEGIN_DECLS

/** CVM_NATIVE_ROM_MAX: largest `-bios` image accepted (16 MiB). */
#define CVM_NATIVE_ROM_MAX (16u << 20)
/** CVM_NATIVE_AREA_MAX: largest parameter area accepted (16 MiB). */
#define CVM_NATIVE_AREA_MAX (16u << 20)

/**
 * CvmNativeOptions:
 * @memory_bytes: guest RAM size (a multiple of 1 MiB, at least 16 MiB)
 * @vcpus: number of vCPUs written into VP_COUNT_PARAMETER (1-4096)
 * @command_line: (nullable): text for COMMAND_LINE parameters ("" if %NULL)
 */
typedef struct {
	guint64 memory_bytes;
	guint vcpus;
	const char *command_line;
} CvmNativeOptions;

/**
 * CvmNativeBlob:
 * @gpa: guest-physical address the blob is loaded at
 * @data: its bytes
 * @path: (nullable): file written by cvm_native_plan_write(), else %NULL
 */
typedef struct {
	guint64 gpa;
	GBytes *data;
	gchar *path;
} CvmNativeBlob;

typedef struct _CvmNativePlan CvmNativePlan;

/**
 * cvm_native_plan_new:
 * @igvm: an opened IGVM file with a NATIVE platform
 * @opts: guest size and parameters
 * @error: return location for a #GError
 *
 * Translates the NATIVE platform's directives. Nothing is written.
 *
 * Returns: (transfer full): the plan; %NULL with CVM_ERROR_NOT_FOUND (no
 * NATIVE platform), CVM_ERROR_INVALID_ARGUMENT (bad @opts),
 * CVM_ERROR_INVALID_DATA (pages outside guest RAM, in the MMIO hole or the
 * legacy range, overlapping pages, a parameter outside its area, a ROM
 * larger than CVM_NATIVE_ROM_MAX, nothing at the reset vector) or
 * CVM_ERROR_NOT_SUPPORTED (2 MiB pages, ACPI/device-tree parameters); the
 * message names the header index and its file offset.
 */
CvmNativePlan *cvm_native_plan_new(const CvmIgvm *igvm, const CvmNativeOptions *opts, GError **error);
void cvm_native_plan_free(CvmNativePlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmNativePlan, cvm_native_plan_free)

/** cvm_native_plan_get_rom: the `-bios` image (transfer none). */
const CvmNativeBlob *cvm_native_plan_get_rom(const CvmNativePlan *plan);
/** cvm_native_plan_get_blobs: the loader blobs by address (transfer none, CvmNativeBlob *). */
GPtrArray *cvm_native_plan_get_blobs(const CvmNativePlan *plan);
/** cvm_native_plan_get_warnings: what could not be honoured (transfer none, NULL-terminated). */
const char *const *cvm_native_plan_get_warnings(const CvmNativePlan *plan);
/** cvm_native_plan_get_low_memory: RAM below 4 GiB in the q35 layout. */
guint64 cvm_native_plan_get_low_memory(const CvmNativePlan *plan);

/**
 * cvm_native_plan_write:
 * @plan: a plan
 * @dir: directory to create (must not exist; its parent must)
 * @error: return location for a #GError
 *
 * Writes `bios.rom` and one `blob-<gpa>.bin` per blob into a temporary
 * sibling of @dir, then renames it to @dir, so a failure leaves nothing
 * behind. Sets the blobs' @path members as cvm_native_plan_set_dir() does.
 *
 * Returns: %TRUE on success; CVM_ERROR_EXISTS or CVM_ERROR_IO otherwise.
 */
gboolean cvm_native_plan_write(CvmNativePlan *plan, const char *dir, GError **error);

/**
 * cvm_native_plan_set_dir:
 * @plan: a plan
 * @dir: the directory cvm_native_plan_write() will create
 *
 * Sets the blobs' @path members without writing anything, so the QEMU
 * arguments or a domain XML can be produced first.
 */
void cvm_native_plan_set_dir(CvmNativePlan *plan, const char *dir);

/**
 * cvm_native_plan_qemu_args:
 * @plan: a plan with paths (written, or cvm_native_plan_set_dir())
 * @with_bios: include `-bios PATH` (%FALSE when libvirt's `<loader type='rom'>` does that)
 *
 * Returns: (transfer full): the QEMU arguments (`-bios PATH`, then
 * `-device loader,file=PATH,addr=0x...,force-raw=on` per blob).
 */
GStrv cvm_native_plan_qemu_args(const CvmNativePlan *plan, gboolean with_bios);

G_END_DECLS
