/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shared migration page: register access and polling backoff. */
#include "migrate/migrate-private.h"

#include <sched.h>

gboolean
cvmi_page_check(CvmGuestMemory *mem, guint64 gpa, GError **error)
{
	if (gpa % CVM_MIGRATE_PAGE_SIZE != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "migration page GPA 0x%" G_GINT64_MODIFIER "x is not 4 KiB aligned", gpa);
		return FALSE;
	}
	if (!cvm_guest_memory_contains(mem, gpa, CVM_MIGRATE_PAGE_SIZE)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "migration page 0x%" G_GINT64_MODIFIER "x+0x1000 is outside guest memory",
			    gpa);
		return FALSE;
	}
	if (!cvm_guest_memory_is_writable(mem)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
			    "the migration page must be writable (the broker sets its registers)");
		return FALSE;
	}
	return TRUE;
}

gboolean
cvmi_page_get(CvmGuestMemory *mem, guint64 gpa, guint offset, guint8 *value, GError **error)
{
	return cvm_guest_memory_read(mem, gpa + offset, value, 1, error);
}

gboolean
cvmi_page_set(CvmGuestMemory *mem, guint64 gpa, guint offset, guint8 value, GError **error)
{
	return cvm_guest_memory_write(mem, gpa + offset, &value, 1, error);
}

/* Immediate retries (the caller's count), then yields, before the first
 * sleep: a running SVSM answers within microseconds, and even a short sleep
 * costs tens of them in timer slack. Yielding rather than spinning matters
 * when the SVSM's vCPU shares our core: it gets the CPU at once instead of
 * after our time slice. */
#define BACKOFF_YIELD_US 2000
#define BACKOFF_FIRST_US 2u
/* Reading the clock (kvm-clock through the vDSO) took 16% of the
 * destination relay's CPU in a paravirtualised VM when every poll read it:
 * as much as a page handshake. A spinning poll takes far less than a
 * microsecond, so a reading 16 polls old is still fresh. */
#define CLOCK_EVERY 16u

void
cvmi_backoff_init(CvmiBackoff *b, guint spins, guint max_us)
{
	b->max_spins = spins;
	b->max_us = MAX(max_us, BACKOFF_FIRST_US);
	b->now_reads = 0;
	cvmi_backoff_reset(b);
}

void
cvmi_backoff_reset(CvmiBackoff *b)
{
	b->spins = 0;
	b->sleep_us = 0;
	b->yield_since = 0;
}

guint
cvmi_backoff_next(CvmiBackoff *b)
{
	if (b->spins < b->max_spins) {
		b->spins++;
		return 0;
	}
	/* A yield or a sleep may take a whole time slice: read afresh after. */
	if (b->sleep_us == 0) {
		gint64 now = cvmi_backoff_now(b);
		if (b->yield_since == 0)
			b->yield_since = now;
		if (now - b->yield_since < BACKOFF_YIELD_US) {
			sched_yield();
			b->now_reads = 0;
			return 0;
		}
	}
	b->sleep_us = b->sleep_us == 0 ? BACKOFF_FIRST_US : MIN(b->sleep_us * 2, b->max_us);
	b->now_reads = 0;
	return b->sleep_us;
}

gint64
cvmi_backoff_now(CvmiBackoff *b)
{
	if (b->now_reads++ % CLOCK_EVERY == 0)
		b->now = g_get_monotonic_time();
	return b->now;
}
