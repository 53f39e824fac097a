/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small file-system helpers of the ground floor, for every room of the library. */
#pragma once

#include <glib.h>

/* Removes @path and, for a directory, everything below it (symlinks are
 * removed, never followed). Errors are ignored: used to undo what cvm made. */
void cvmi_rm_rf(const char *path);
