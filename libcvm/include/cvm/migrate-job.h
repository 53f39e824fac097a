/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Orchestrated SVSM migration of a guest cvm launched: the destination guest
 * is launched from the same IGVM file, the destination side of the channel
 * is started, then the source side, and progress is followed to the end.
 * On any failure both sides are stopped, the destination guest is torn down
 * and the source guest keeps running. On success the source guest is
 * stopped and forgotten (unless asked to keep it), as `virsh migrate` does.
 *
 * Two ways to move the page (docs/migrate.md):
 *  - HMP: the host's QEMU is the COCONUT fork; `snp_migrate_incoming` and
 *    `snp_migrate` are issued through libvirt's monitor passthrough, with the
 *    page address written so that the fork's MiB scaling and shift yield the
 *    real GPA;
 *  - relay: cvm's own broker (cvm/migrate.h) reaches each migration page
 *    through the guest's shared RAM file (memory-backend-file, share=on).
 */
#pragma once

#include <glib.h>
#include <cvm/migrate.h>
#include <cvm/state.h>

G_BEGIN_DECLS

struct _virConnect; /* virConnectPtr, without pulling libvirt.h into every user */

typedef enum {
	CVM_MIGRATE_MODE_AUTO,  /* HMP when the source's QEMU has snp_migrate, else relay */
	CVM_MIGRATE_MODE_RELAY, /* cvm's broker over the guests' shared RAM files */
	CVM_MIGRATE_MODE_HMP,   /* the COCONUT fork's monitor commands */
} CvmMigrateMode;

typedef enum {
	CVM_MIGRATE_JOB_NEW,
	CVM_MIGRATE_JOB_PREPARING, /* launching the destination guest */
	CVM_MIGRATE_JOB_STARTING,  /* destination side, then source side */
	CVM_MIGRATE_JOB_RUNNING,
	CVM_MIGRATE_JOB_FINISHING, /* stopping the source guest */
	CVM_MIGRATE_JOB_COMPLETED,
	CVM_MIGRATE_JOB_FAILED,
	CVM_MIGRATE_JOB_CANCELLED,
} CvmMigrateJobPhase;

/**
 * CvmMigrateJobOptions:
 * @guest: the source guest (launched by cvm; its record is in the state directory)
 * @to: channel URI the destination listens on (`tcp:`, `unix:`, `vsock:`)
 * @dest_connect: libvirt URI of the destination host; NULL for the source's connection
 * @dest_name: the destination guest's name; NULL for "<guest>-incoming" (libvirt
 *   holds one domain per name on a host, and cvm one record per name)
 * @page_gpa: source migration page; 0 to read it from the source's serial log
 *   (the SVSM logs "Migration page is at address: 0x...")
 * @dest_page_gpa: destination page; 0 to wait for that line in the destination's log
 * @source_memory, @source_memory_base: relay mode: the source guest's shared RAM
 *   file and the GPA of its first byte
 * @dest_memory, @dest_memory_base: likewise for the destination guest
 * @mode: how the page moves
 * @keep_source: leave the source guest running after success
 * @timeout_ms: bound on every wait (connect, a stalled peer, the SVSM, the log line)
 */
typedef struct {
	const char *guest;
	const char *to;
	const char *dest_connect;
	const char *dest_name;
	guint64 page_gpa;
	guint64 dest_page_gpa;
	const char *source_memory;
	guint64 source_memory_base;
	const char *dest_memory;
	guint64 dest_memory_base;
	CvmMigrateMode mode;
	gboolean keep_source;
	guint timeout_ms;
} CvmMigrateJobOptions;

/* Zero the options and set the 30 s timeout and AUTO mode. */
void cvm_migrate_job_options_init(CvmMigrateJobOptions *opts);

/**
 * CvmMigrateJobProgress:
 * @phase: where the job is
 * @mode: RELAY or HMP once chosen
 * @blocks, @bytes: moved through the source page (relay mode; HMP has no counters)
 * @rate_bytes_s: average since the channel started
 * @elapsed_us: since the job started
 */
typedef struct {
	CvmMigrateJobPhase phase;
	CvmMigrateMode mode;
	guint64 blocks;
	guint64 bytes;
	double rate_bytes_s;
	gint64 elapsed_us;
} CvmMigrateJobProgress;

typedef struct _CvmMigrateJob CvmMigrateJob;

/* Called from the job's thread at every phase change and about every 200 ms
 * while running. */
typedef void (*CvmMigrateJobFunc)(CvmMigrateJob *job, const CvmMigrateJobProgress *progress, gpointer data);

/**
 * cvm_migrate_job_new:
 * @opts: options (copied)
 * @error: return location for a #GError
 *
 * Checks the options that need no host: names, URI syntax, page alignment,
 * absolute memory file paths, a non-empty @dest_connect.
 *
 * Returns: (transfer full): the job, or %NULL
 */
CvmMigrateJob *cvm_migrate_job_new(const CvmMigrateJobOptions *opts, GError **error);

void cvm_migrate_job_set_progress_func(CvmMigrateJob *job, CvmMigrateJobFunc func, gpointer data);

/**
 * cvm_migrate_job_run:
 * @job: a new job
 * @conn: the source guest's libvirt connection
 * @state: the cvm state directory
 * @error: return location for a #GError
 *
 * Runs the whole migration in the calling thread. CVM_ERROR_CANCELLED after
 * cvm_migrate_job_cancel().
 */
gboolean cvm_migrate_job_run(CvmMigrateJob *job, struct _virConnect *conn, CvmState *state, GError **error);

/* Ask a running job to stop; safe from any thread. */
void cvm_migrate_job_cancel(CvmMigrateJob *job);
void cvm_migrate_job_get_progress(CvmMigrateJob *job, CvmMigrateJobProgress *progress);
const char *cvm_migrate_job_get_guest(const CvmMigrateJob *job);
const char *cvm_migrate_job_get_dest_name(const CvmMigrateJob *job);
const char *cvm_migrate_job_phase_to_string(CvmMigrateJobPhase phase);
const char *cvm_migrate_mode_to_string(CvmMigrateMode mode);
gboolean cvm_migrate_mode_from_string(const char *s, CvmMigrateMode *out, GError **error);

/**
 * cvm_migrate_hmp_command:
 * @incoming: %TRUE for `snp_migrate_incoming`, else `snp_migrate`
 * @uri: the channel
 * @gpa: the migration page
 * @error: return location for a #GError
 *
 * The fork declares the address as a size (MiB by default) and shifts it
 * right by 20, so a bare number comes out as itself; GPAs from 2^44 up
 * would overflow the scaling and are refused.
 *
 * Returns: (transfer full): the HMP command line, or %NULL
 */
gchar *cvm_migrate_hmp_command(gboolean incoming, const char *uri, guint64 gpa, GError **error);

/**
 * cvm_migrate_find_page_gpa:
 * @log: serial log text
 * @len: its length
 * @gpa: (out): the address of the last "Migration page is at address:" line
 *
 * Returns: %TRUE when such a line (with a 4 KiB-aligned hex address) is found.
 */
gboolean cvm_migrate_find_page_gpa(const char *log, gsize len, guint64 *gpa);

/**
 * cvm_migrate_job_options_from_variant:
 * @options: an a{sv} with the keys `dest-connect` (s), `dest-name` (s),
 *   `page-gpa` (t), `dest-page-gpa` (t), `source-memory` (s),
 *   `source-memory-base` (t), `dest-memory` (s), `dest-memory-base` (t),
 *   `mode` (s), `keep-source` (b), `timeout-ms` (u)
 * @out: (inout): options to complete (guest and to set by the caller);
 *   strings are borrowed from @options
 * @error: return location for a #GError
 *
 * The Start() options of cvmd's Migration interface; unknown keys and wrong
 * types are CVM_ERROR_INVALID_ARGUMENT.
 */
gboolean cvm_migrate_job_options_from_variant(GVariant *options, CvmMigrateJobOptions *out, GError **error);
/* The reverse, for the keys that differ from the defaults (floating reference). */
GVariant *cvm_migrate_job_options_to_variant(const CvmMigrateJobOptions *opts);

void cvm_migrate_job_free(CvmMigrateJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CvmMigrateJob, cvm_migrate_job_free)

G_END_DECLS
