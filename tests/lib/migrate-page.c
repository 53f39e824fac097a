/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: read and write single bytes of the migration page in guest memory. */
#include "tests/lib/migrate-page.h"

guint8
cvmt_page_get(CvmGuestMemory *mem, guint64 gpa, guint offset)
{
	guint8 v = 0;
	cvm_guest_memory_read(mem, gpa + offset, &v, 1, NULL);
	return v;
}

void
cvmt_page_set(CvmGuestMemory *mem, guint64 gpa, guint offset, guint8 value)
{
	cvm_guest_memory_write(mem, gpa + offset, &value, 1, NULL);
}
