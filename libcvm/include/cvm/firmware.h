/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * QEMU firmware descriptors (QEMU's qemu/docs/interop/firmware.json, the
 * `Firmware` type): writing one for an IGVM file (FirmwareDevice `igvm`,
 * FirmwareMappingIgvm `{ filename }`, QEMU 10.1+), and reading a host's
 * descriptors the way libvirt does, to pick the IGVM file a platform is
 * launched from. See docs/firmware.md.
 */
#pragma once

#include <cvm/launch.h>
#include <glib.h>
#include <json-c/json.h>

G_BEGIN_DECLS

/** CVM_FIRMWARE_DIRS_ENV: colon-separated descriptor folders, general first, replacing the defaults (tests). */
#define CVM_FIRMWARE_DIRS_ENV "CVM_FIRMWARE_DIRS"
/** CVM_FIRMWARE_DEFAULT_PRIORITY: the file-name prefix `cvmctl igvm descriptor` uses without --priority. */
#define CVM_FIRMWARE_DEFAULT_PRIORITY 50

/**
 * cvm_firmware_platform_feature:
 * @platform: a launch platform
 *
 * Returns: the FirmwareFeature a descriptor must list for libvirt to pick it
 * for @platform ("amd-sev", "amd-sev-es", "amd-sev-snp", "intel-tdx"), %NULL
 * for native and auto, which need none.
 */
const char *cvm_firmware_platform_feature(CvmPlatform platform);

/**
 * cvm_firmware_descriptor_for_igvm:
 * @igvm_path: an IGVM file
 * @error: return location for a #GError
 *
 * A `Firmware` object for @igvm_path, everything derived from the file:
 * `mapping` `{ "device": "igvm", "filename": <absolute path> }`, `targets`
 * from its architecture (x86_64: `pc-q35-*`, the machine cvm launches;
 * aarch64: `virt-*`), `features` from its platforms
 * (cvm_firmware_platform_feature(), in the schema's order),
 * `interface-types` `[ "uefi" ]`, a `description` naming the file and its
 * platforms, and `tags` `cvm` and `igvm-sha256=<hex>`.
 *
 * Returns: (transfer full): the object; CVM_ERROR_NOT_FOUND, _INVALID_DATA
 * or _VALIDATION when the file cannot be read as IGVM, CVM_ERROR_NOT_SUPPORTED
 * when it declares no platform a descriptor can name.
 */
json_object *cvm_firmware_descriptor_for_igvm(const char *igvm_path, GError **error);

/**
 * cvm_firmware_default_dirs:
 *
 * Returns: (transfer full): the descriptor folders from general to specific:
 * $CVM_FIRMWARE_DIRS when set; else `/usr/share/qemu/firmware`,
 * `/etc/qemu/firmware` and, unless running as root,
 * `$XDG_CONFIG_HOME/qemu/firmware` (libvirt's system daemon, running as
 * root, does not read root's home either).
 */
GStrv cvm_firmware_default_dirs(void);

/**
 * CvmFirmwareEntry:
 * @name: the file name, the key of precedence and masking
 * @path: the file in effect: the one in the most specific folder
 * @shadowed: the less specific files of the same name it hides (NULL-terminated)
 * @masked: @path is empty: it hides the name and describes nothing
 * @error: (nullable): why @path could not be used (not JSON, a required
 *   member missing or of the wrong type)
 * @description: (nullable): its description
 * @device: (nullable): its mapping's device ("flash", "memory", "kernel", "igvm")
 * @filename: (nullable): the file it maps (flash: the executable)
 * @features: its features (NULL-terminated, may be empty)
 * @q35: a target is x86_64 with a machine pattern matching `pc-q35-*`
 * @file_platforms: for an igvm descriptor whose file opens, the platforms
 *   the file declares (NULL-terminated launch platform names); else empty
 * @platforms: what cvm can launch from it: for an igvm descriptor on q35
 *   whose file opens, the file's platforms whose feature the descriptor
 *   lists, and native when the file has it; else empty
 * @note: (nullable): why it offers fewer platforms than it claims
 *
 * One descriptor name as libvirt resolves it. Owned by the list.
 */
typedef struct {
	gchar *name;
	gchar *path;
	GStrv shadowed;
	gboolean masked;
	gchar *error;
	gchar *description;
	gchar *device;
	gchar *filename;
	GStrv features;
	gboolean q35;
	GStrv file_platforms;
	GStrv platforms;
	gchar *note;
} CvmFirmwareEntry;

void cvm_firmware_entry_free(CvmFirmwareEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmFirmwareEntry, cvm_firmware_entry_free)

/**
 * cvm_firmware_list:
 * @dirs: (nullable): folders from general to specific (NULL:
 *   cvm_firmware_default_dirs())
 * @error: return location for a #GError
 *
 * libvirt's rule (qemuInteropFetchConfigs): every file of every folder that
 * exists, but names starting with '.' and what is not a regular file (links
 * are followed); a name in a more specific folder replaces the same name in
 * a less specific one; the names are sorted with strcmp(); an empty file in
 * effect masks its name. Folders that do not exist are skipped.
 *
 * Returns: (transfer container) (element-type CvmFirmwareEntry): the
 * entries in that order, masked ones included (libvirt skips them);
 * CVM_ERROR_IO when a folder cannot be read.
 */
GPtrArray *cvm_firmware_list(const char *const *dirs, GError **error);

/**
 * cvm_firmware_entry_to_json:
 * @entry: an entry
 *
 * Returns: (transfer full): the entry as `cvmctl firmware list --json` prints it.
 */
json_object *cvm_firmware_entry_to_json(const CvmFirmwareEntry *entry);

/**
 * cvm_firmware_pick:
 * @entries: cvm_firmware_list()
 * @platform: the platform to launch, or AUTO for any
 * @searched: (nullable): the folders searched, for the message
 * @error: return location for a #GError
 *
 * The first entry, in libvirt's order, whose @platforms has @platform (any,
 * for AUTO).
 *
 * Returns: (transfer none): the entry; CVM_ERROR_NOT_FOUND naming each
 * descriptor and why it cannot serve (flash or memory firmware, masked,
 * unreadable, no such platform), or that there are none.
 */
const CvmFirmwareEntry *cvm_firmware_pick(GPtrArray *entries, CvmPlatform platform,
					  const char *const *searched, GError **error);

G_END_DECLS
