/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmi_rm_rf(): remove a file or a folder tree without following symlinks. */
#include "libcvm/fs-internal.h"

#include <glib/gstdio.h>

void
cvmi_rm_rf(const char *path)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
		const char *name;

		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			g_autofree gchar *p = g_build_filename(path, name, NULL);
			cvmi_rm_rf(p);
		}
		g_rmdir(path);
		return;
	}
	g_unlink(path);
}
