/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal pieces of the migration job (migrate/job*.c). */
#pragma once

#include <cvm/guest-memory.h>
#include <cvm/migrate-job.h>
#include <gio/gio.h>
#include <libvirt/libvirt.h>

/* ---- job-hmp.c ---- */
/* Wait (polling, up to @timeout_ms; 0 = look once) for the SVSM's page line
 * in a guest's serial log @path (its record's serial_log; may be NULL). */
gboolean cvmi_job_page_from_log(const char *path, guint timeout_ms, GCancellable *cancel, guint64 *gpa,
				GError **error);
/* Whether the domain's QEMU is the COCONUT fork (has snp_migrate). */
gboolean cvmi_job_has_snp_migrate(virDomainPtr dom);

struct _CvmMigrateJob {
	CvmMigrateJobOptions o; /* strings point at the copies below */
	gchar *guest, *to, *dest_connect, *dest_name, *source_memory, *dest_memory;
	GCancellable *cancel;
	GMutex lock; /* guards progress and channel_us */
	CvmMigrateJobProgress progress;
	gint64 started_us, channel_us;
	CvmMigrateJobFunc func;
	gpointer func_data;
};

/* ---- job.c ---- */
/* Record the phase and counters and tell the progress function. */
void cvmi_job_report(CvmMigrateJob *job, CvmMigrateJobPhase phase, guint64 blocks, guint64 bytes);

/* The page of @dom for the relay: in @file (GPA @file_base at byte 0) when
 * given, else in the domain's QEMU process (cvm_guest_memory_new_qemu). */
CvmGuestMemory *cvmi_job_page_memory(virDomainPtr dom, const char *file, guint64 file_base, guint64 gpa,
				     GError **error);

/* ---- job-move.c: the two ways to move the page ---- */
gboolean cvmi_job_move_relay(CvmMigrateJob *job, CvmState *state, CvmGuestMemory *smem, virDomainPtr dst,
			     GError **error);
gboolean cvmi_job_move_hmp(CvmMigrateJob *job, CvmState *state, virDomainPtr src, virDomainPtr dst,
			   GError **error);
