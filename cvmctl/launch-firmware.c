/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* launch/domxml --firmware auto|NAME: the IGVM file of a host firmware
 * descriptor, resolved as libvirt resolves descriptors (docs/firmware.md). */
#include "cvmctl/cvmctl.h"

#include <cvm/error.h>
#include <cvm/firmware.h>

gchar *
cvmctl_launch_firmware(const char *choice, CvmPlatform platform, GError **error)
{
	g_auto(GStrv) dirs = cvm_firmware_default_dirs();
	g_autoptr(GPtrArray) list = cvm_firmware_list((const char *const *)dirs, error);
	const CvmFirmwareEntry *e = NULL;

	if (list == NULL)
		return NULL;
	if (g_strcmp0(choice, "auto") == 0) {
		e = cvm_firmware_pick(list, platform, (const char *const *)dirs, error);
		if (e == NULL)
			return NULL;
		cvmctl_note("firmware %s (%s): %s", e->name, e->path, e->filename);
		return g_strdup(e->filename);
	}
	for (guint i = 0; i < list->len && e == NULL; i++)
		if (g_strcmp0(((CvmFirmwareEntry *)g_ptr_array_index(list, i))->name, choice) == 0)
			e = g_ptr_array_index(list, i);
	if (e == NULL) {
		g_autofree gchar *where = g_strjoinv(", ", dirs);
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "no firmware descriptor %s in %s (--firmware takes "
			    "auto or a descriptor's file name)", choice, where);
		return NULL;
	}
	if (e->masked || e->error != NULL || e->platforms[0] == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED, "firmware descriptor %s cannot be launched: %s",
			    e->path, e->masked ? "masked (empty)" : e->error != NULL ? e->error : e->note);
		return NULL;
	}
	return g_strdup(e->filename);
}
