/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Moving the migration page for a job: cvm's relay (both sides in this
 * process, each over its guest's page in its QEMU process or RAM file) or
 * the COCONUT fork's monitor commands. Either way the destination side
 * starts first. */
#include "migrate/job-private.h"
#include "libcvm/qemu-monitor-internal.h"

#include <cvm/error.h>
#include <cvm/guest-memory.h>
#include <cvm/guest-record.h>
#include <json-c/json.h>
#include <string.h>

#define TICK_US (200 * 1000)

/* The destination's page: given, or logged by its SVSM once it boots. */
static gboolean
dest_page(CvmMigrateJob *job, CvmState *state, guint64 *gpa, GError **error)
{
	g_autoptr(CvmGuestRecord) rec = NULL;

	if (job->o.dest_page_gpa != 0) {
		*gpa = job->o.dest_page_gpa;
		return TRUE;
	}
	rec = cvm_guest_record_load(state, job->dest_name, error);
	return rec != NULL && cvmi_job_page_from_log(rec->serial_log, job->o.timeout_ms, job->cancel, gpa, error);
}

static CvmMigration *
side_new(CvmMigrateJob *job, CvmMigrateRole role, CvmGuestMemory *mem, guint64 gpa, const char *uri, GError **error)
{
	CvmMigrateOptions o;

	cvm_migrate_options_init(&o);
	o.role = role;
	o.memory = mem;
	o.page_gpa = gpa;
	o.uri = uri;
	o.wire = CVM_MIGRATE_WIRE_CVM;
	o.connect_timeout_ms = o.io_timeout_ms = o.page_timeout_ms = job->o.timeout_ms;
	o.heartbeat_ms = MIN(o.heartbeat_ms, MAX(job->o.timeout_ms / 4, 1u));
	o.reconnect_timeout_ms = MIN(o.reconnect_timeout_ms, job->o.timeout_ms);
	CvmMigration *m = cvm_migration_new(&o, error);
	if (m != NULL && !cvm_migration_start(m, error))
		g_clear_pointer(&m, cvm_migration_free);
	if (m == NULL)
		g_prefix_error(error, "%s side: ", role == CVM_MIGRATE_ROLE_SOURCE ? "source" : "destination");
	return m;
}

static CvmMigrateState
side_state(CvmMigration *m)
{
	CvmMigrateProgress p;
	cvm_migration_get_progress(m, &p);
	return p.state;
}

static gboolean
state_ended(CvmMigrateState s)
{
	return s == CVM_MIGRATE_STATE_COMPLETED || s == CVM_MIGRATE_STATE_FAILED || s == CVM_MIGRATE_STATE_CANCELLED;
}

static gboolean
state_broke(CvmMigrateState s)
{
	return s == CVM_MIGRATE_STATE_FAILED || s == CVM_MIGRATE_STATE_CANCELLED;
}

/* Follow both sides to their end; a side that fails stops the other. A
 * side that completed does not: the other is about to (the destination
 * completes once it has the last block, the source once that is confirmed),
 * within its own timeouts. */
static gboolean
follow_relay(CvmMigrateJob *job, CvmMigration *src, CvmMigration *dst, GError **error)
{
	g_autoptr(GError) serr = NULL, derr = NULL;
	gboolean stopped = FALSE;

	for (;;) {
		CvmMigrateState ss = side_state(src), ds = side_state(dst);
		if (state_ended(ss) && state_ended(ds))
			break;
		CvmMigrateProgress p;
		cvm_migration_get_progress(src, &p);
		cvmi_job_report(job, CVM_MIGRATE_JOB_RUNNING, p.blocks, p.bytes);
		if (!stopped && (g_cancellable_is_cancelled(job->cancel) || state_broke(ss) || state_broke(ds))) {
			cvm_migration_cancel(src);
			cvm_migration_cancel(dst);
			stopped = TRUE;
		}
		g_usleep(stopped ? 10 * 1000 : TICK_US / 4);
	}
	gboolean sok = cvm_migration_wait(src, &serr), dok = cvm_migration_wait(dst, &derr);
	CvmMigrateProgress p;
	cvm_migration_get_progress(src, &p);
	cvmi_job_report(job, CVM_MIGRATE_JOB_RUNNING, p.blocks, p.bytes);
	if (g_cancellable_is_cancelled(job->cancel)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_CANCELLED, "migration of %s cancelled", job->guest);
		return FALSE;
	}
	/* The side that failed first carries the cause; the other was cancelled. */
	if (!sok && !g_error_matches(serr, CVM_ERROR, CVM_ERROR_CANCELLED)) {
		g_propagate_prefixed_error(error, g_steal_pointer(&serr), "source side: ");
		return FALSE;
	}
	if (!dok) {
		g_propagate_prefixed_error(error, g_steal_pointer(&derr), "destination side: ");
		return FALSE;
	}
	if (!sok) {
		g_propagate_prefixed_error(error, g_steal_pointer(&serr), "source side: ");
		return FALSE;
	}
	return TRUE;
}

gboolean
cvmi_job_move_relay(CvmMigrateJob *job, CvmState *state, CvmGuestMemory *smem, virDomainPtr dom, GError **error)
{
	g_autoptr(CvmGuestMemory) dmem = NULL;
	g_autoptr(CvmMigration) dst = NULL, src = NULL;
	guint64 dgpa = 0;

	if (!dest_page(job, state, &dgpa, error))
		return FALSE;
	dmem = cvmi_job_page_memory(dom, job->dest_memory, job->o.dest_memory_base, dgpa, error);
	if (dmem == NULL || (dst = side_new(job, CVM_MIGRATE_ROLE_DEST, dmem, dgpa, job->to, error)) == NULL)
		return FALSE;
	src = side_new(job, CVM_MIGRATE_ROLE_SOURCE, smem, job->o.page_gpa, cvm_migration_get_listen_uri(dst), error);
	if (src == NULL) {
		cvm_migration_cancel(dst);
		cvm_migration_wait(dst, NULL);
		return FALSE;
	}
	return follow_relay(job, src, dst, error);
}

/* The fork reports nothing: the source page is watched (read through
 * libvirt) until its SVSM says COMPLETED; a page that stops changing for
 * the timeout means the migration is stuck. */
static gboolean
follow_hmp(CvmMigrateJob *job, CvmGuestMemory *page, GError **error)
{
	guint8 last[CVM_MIGRATE_PAGE_SIZE] = {0}, now[CVM_MIGRATE_PAGE_SIZE];
	gint64 moved_us = g_get_monotonic_time();
	guint64 changes = 0;

	for (;;) {
		if (g_cancellable_is_cancelled(job->cancel)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_CANCELLED, "migration of %s cancelled", job->guest);
			return FALSE;
		}
		if (!cvm_guest_memory_read(page, cvm_guest_memory_get_base(page), now, sizeof now, error))
			return FALSE;
		if (now[CVM_MIGRATE_STATUS_OFFSET] == CVM_MIGRATE_STATUS_COMPLETED)
			return TRUE;
		if (memcmp(now, last, sizeof now) != 0) {
			memcpy(last, now, sizeof last);
			moved_us = g_get_monotonic_time();
			changes++;
		} else if (g_get_monotonic_time() - moved_us > (gint64)job->o.timeout_ms * 1000) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_TIMEOUT,
				    "the source migration page did not change for %u ms", job->o.timeout_ms);
			return FALSE;
		}
		/* Changes seen, not blocks: the fork counts nothing. */
		cvmi_job_report(job, CVM_MIGRATE_JOB_RUNNING, changes, changes * CVM_MIGRATE_BLOCK_SIZE);
		g_usleep(TICK_US);
	}
}

gboolean
cvmi_job_move_hmp(CvmMigrateJob *job, CvmState *state, virDomainPtr src, virDomainPtr dst, GError **error)
{
	guint64 dgpa = 0;
	g_autofree gchar *in = NULL, *out = NULL;
	g_autoptr(CvmGuestMemory) page = NULL;

	if (!dest_page(job, state, &dgpa, error) ||
	    (in = cvm_migrate_hmp_command(TRUE, job->to, dgpa, error)) == NULL ||
	    (out = cvm_migrate_hmp_command(FALSE, job->to, job->o.page_gpa, error)) == NULL)
		return FALSE;
	page = cvm_guest_memory_new_libvirt(src, job->o.page_gpa, CVM_MIGRATE_PAGE_SIZE, error);
	if (page == NULL || !cvmi_qemu_hmp(dst, in, NULL, error) || !cvmi_qemu_hmp(src, out, NULL, error))
		return FALSE;
	cvmi_job_report(job, CVM_MIGRATE_JOB_RUNNING, 0, 0);
	return follow_hmp(job, page, error);
}
