/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * cvm_data_dir:
 *
 * The folder holding cvm's read-only data files (amd/ holds AMD's ARK, ASK
 * and ASVK certificates), the first of:
 * 1. $CVM_DATA_DIR when set and not empty: an explicit choice wins;
 * 2. cvm-data beside the running program, which exists only in a build tree
 *    (make links BUILDDIR/cvm-data to the source tree's data/), so a program
 *    run from the tree uses the tree's files, not an older installed copy;
 * 3. the installed folder, DATADIR/cvm (/usr/share/cvm for PREFIX=/usr).
 * Computed on each call; it never fails, and the folder it names may not
 * exist (callers report the path they could not read).
 *
 * Returns: (transfer full): the folder's path.
 */
gchar *cvm_data_dir(void);

G_END_DECLS
