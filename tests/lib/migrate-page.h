/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Register access to a migration page for the programs that play the SVSM
 * or a relay's far end (svsm-sim, migrate-peer). Errors are ignored: the
 * page lies in memory those programs mapped themselves. */
#pragma once

#include <cvm/guest-memory.h>

guint8 cvmt_page_get(CvmGuestMemory *mem, guint64 gpa, guint offset);
void cvmt_page_set(CvmGuestMemory *mem, guint64 gpa, guint offset, guint8 value);
