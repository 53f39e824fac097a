/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the SVSM migration page as the broker reads it. The
 * guest controls both the page's address (announced in the SVSM's serial
 * log, cvm_migrate_find_page_gpa) and its contents (status and data
 * registers, the block buffer). Input: the log text; its first 4 KiB are
 * also the page, placed in guest memory at a base taken from the input.
 * An address the broker accepts must be a page it can then read whole. */
#include "migrate/migrate-private.h"
#include <cvm/migrate-job.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAGES 4u

static void
page(const uint8_t *data, size_t size, guint64 gpa)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestMemory) mem = NULL;
	guint64 base = 0;
	guint8 status = 0, reg = 0, block[CVM_MIGRATE_BLOCK_SIZE], want;
	gboolean inside;

	memcpy(&base, data, MIN(size, sizeof base));
	base &= ~(guint64)(CVM_MIGRATE_PAGE_SIZE - 1);
	mem = cvm_guest_memory_new_memfd(PAGES * CVM_MIGRATE_PAGE_SIZE, base, &error);
	if (mem == NULL)
		return; /* a base whose range wraps around 2^64 is refused */
	inside = gpa >= base && gpa - base <= (PAGES - 1) * CVM_MIGRATE_PAGE_SIZE;
	if (!cvmi_page_check(mem, gpa, &error)) {
		if (error == NULL || (inside && gpa % CVM_MIGRATE_PAGE_SIZE == 0))
			__builtin_trap();
		return;
	}
	if (!inside || gpa % CVM_MIGRATE_PAGE_SIZE != 0)
		__builtin_trap();
	if (!cvm_guest_memory_write(mem, gpa, data, MIN(size, (gsize)CVM_MIGRATE_PAGE_SIZE), &error))
		__builtin_trap();
	want = size > CVM_MIGRATE_DATA_OFFSET ? data[CVM_MIGRATE_DATA_OFFSET] : 0;
	if (!cvmi_page_get(mem, gpa, CVM_MIGRATE_STATUS_OFFSET, &status, &error) ||
	    !cvmi_page_get(mem, gpa, CVM_MIGRATE_DATA_OFFSET, &reg, &error) || reg != want ||
	    !cvm_guest_memory_read(mem, gpa + CVM_MIGRATE_BUFFER_OFFSET, block, sizeof block, &error) ||
	    !cvmi_page_set(mem, gpa, CVM_MIGRATE_DATA_OFFSET, CVM_MIGRATE_DATA_READ, &error))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	guint64 gpa = 0, raw = 0;

	if (cvm_migrate_find_page_gpa((const char *)data, size, &gpa)) {
		if (gpa % CVM_MIGRATE_PAGE_SIZE != 0)
			__builtin_trap();
		page(data, size, gpa);
	}
	/* Also an address straight from the input, near every edge. */
	if (size >= 16) {
		memcpy(&raw, data + 8, sizeof raw);
		page(data, size, raw);
	}
	return 0;
}
