/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A migration job: the destination guest, the two sides, and the clean-up
 * that keeps the source running whatever fails. The moving itself is in
 * job-move.c. */
#include "migrate/job-private.h"
#include "launch/launch-internal.h"
#include "libcvm/libcvm-internal.h"
#include "libcvm/socket-uri-internal.h"

#include <cvm/error.h>
#include <cvm/launch.h>
#include <cvm/guest-record.h>
#include <json-c/json.h>
#include <string.h>

void
cvm_migrate_job_options_init(CvmMigrateJobOptions *opts)
{
	*opts = (CvmMigrateJobOptions){.mode = CVM_MIGRATE_MODE_AUTO, .timeout_ms = 30000};
}

CvmMigrateJob *
cvm_migrate_job_new(const CvmMigrateJobOptions *opts, GError **error)
{
	g_return_val_if_fail(opts != NULL, NULL);
	g_autofree gchar *dest_name =
		opts->dest_name ? g_strdup(opts->dest_name) : g_strdup_printf("%s-incoming", opts->guest ? opts->guest : "");

	if (!cvm_name_check("guest name", opts->guest, error) || !cvm_name_check("destination name", dest_name, error)) {
		g_prefix_error(error, "migration: ");
		return NULL;
	}
	if (g_strcmp0(opts->guest, dest_name) == 0 && opts->dest_connect == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "migration: the destination guest needs another name on the same connection");
		return NULL;
	}
	if (opts->to == NULL || opts->timeout_ms == 0 || opts->page_gpa % CVM_MIGRATE_PAGE_SIZE != 0 ||
	    opts->dest_page_gpa % CVM_MIGRATE_PAGE_SIZE != 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "migration: a channel URI, a non-zero timeout and 4 KiB-aligned page addresses are needed");
		return NULL;
	}
	/* Checked here, not first in the job's thread: a caller learns of a
	 * bad argument from the call, not from a job that fails later. */
	CvmiUri uri = {0};
	gboolean uri_ok = cvmi_uri_parse(opts->to, &uri, error);
	cvmi_uri_clear(&uri);
	if (!uri_ok) {
		g_prefix_error(error, "migration: ");
		return NULL;
	}
	if ((opts->dest_connect != NULL && *opts->dest_connect == '\0') ||
	    (opts->source_memory != NULL && !g_path_is_absolute(opts->source_memory)) ||
	    (opts->dest_memory != NULL && !g_path_is_absolute(opts->dest_memory))) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "migration: dest-connect must not be empty and memory files must be absolute paths");
		return NULL;
	}
	CvmMigrateJob *job = g_new0(CvmMigrateJob, 1);
	job->o = *opts;
	job->o.guest = job->guest = g_strdup(opts->guest);
	job->o.to = job->to = g_strdup(opts->to);
	job->o.dest_connect = job->dest_connect = g_strdup(opts->dest_connect);
	job->o.dest_name = job->dest_name = g_steal_pointer(&dest_name);
	job->o.source_memory = job->source_memory = g_strdup(opts->source_memory);
	job->o.dest_memory = job->dest_memory = g_strdup(opts->dest_memory);
	job->cancel = g_cancellable_new();
	g_mutex_init(&job->lock);
	job->progress.mode = opts->mode;
	return job;
}

void
cvm_migrate_job_free(CvmMigrateJob *job)
{
	if (job == NULL)
		return;
	g_free(job->guest);
	g_free(job->to);
	g_free(job->dest_connect);
	g_free(job->dest_name);
	g_free(job->source_memory);
	g_free(job->dest_memory);
	g_object_unref(job->cancel);
	g_mutex_clear(&job->lock);
	g_free(job);
}

void
cvm_migrate_job_set_progress_func(CvmMigrateJob *job, CvmMigrateJobFunc func, gpointer data)
{
	job->func = func;
	job->func_data = data;
}

void
cvm_migrate_job_cancel(CvmMigrateJob *job)
{
	g_cancellable_cancel(job->cancel);
}

void
cvm_migrate_job_get_progress(CvmMigrateJob *job, CvmMigrateJobProgress *progress)
{
	g_mutex_lock(&job->lock);
	*progress = job->progress;
	g_mutex_unlock(&job->lock);
	progress->elapsed_us = job->started_us ? g_get_monotonic_time() - job->started_us : 0;
}

const char *
cvm_migrate_job_get_guest(const CvmMigrateJob *job)
{
	return job->guest;
}

const char *
cvm_migrate_job_get_dest_name(const CvmMigrateJob *job)
{
	return job->dest_name;
}

void
cvmi_job_report(CvmMigrateJob *job, CvmMigrateJobPhase phase, guint64 blocks, guint64 bytes)
{
	CvmMigrateJobProgress p;
	gint64 now = g_get_monotonic_time();

	g_mutex_lock(&job->lock);
	if (phase == CVM_MIGRATE_JOB_RUNNING && job->progress.phase != phase)
		job->channel_us = now;
	job->progress.phase = phase;
	job->progress.blocks = blocks;
	job->progress.bytes = bytes;
	job->progress.rate_bytes_s = job->channel_us && now > job->channel_us
					     ? (double)bytes * G_USEC_PER_SEC / (double)(now - job->channel_us)
					     : 0;
	g_mutex_unlock(&job->lock);
	cvm_migrate_job_get_progress(job, &p);
	if (job->func != NULL)
		job->func(job, &p, job->func_data);
}

static void
set_phase(CvmMigrateJob *job, CvmMigrateJobPhase phase)
{
	cvmi_job_report(job, phase, job->progress.blocks, job->progress.bytes);
}

/* The source guest as cvm knows it, running. */
static virDomainPtr
source_domain(CvmMigrateJob *job, virConnectPtr conn, CvmState *state, CvmGuestRecord **rec, GError **error)
{
	*rec = cvm_guest_record_load(state, job->guest, error);
	if (*rec == NULL) {
		g_prefix_error(error, "guest %s: ", job->guest);
		return NULL;
	}
	virDomainPtr dom = virDomainLookupByName(conn, job->guest);
	if (dom == NULL || virDomainIsActive(dom) != 1) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "guest %s is not running", job->guest);
		if (dom != NULL)
			virDomainFree(dom);
		return NULL;
	}
	return dom;
}

static gboolean
choose_mode(CvmMigrateJob *job, virDomainPtr src, GError **error)
{
	CvmMigrateMode mode = job->o.mode;

	if (mode == CVM_MIGRATE_MODE_AUTO)
		mode = cvmi_job_has_snp_migrate(src) ? CVM_MIGRATE_MODE_HMP : CVM_MIGRATE_MODE_RELAY;
	else if (mode == CVM_MIGRATE_MODE_HMP && !cvmi_job_has_snp_migrate(src)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
			    "the QEMU of %s has no snp_migrate monitor command (not the COCONUT fork)", job->guest);
		return FALSE;
	}
	g_mutex_lock(&job->lock);
	job->progress.mode = mode;
	g_mutex_unlock(&job->lock);
	return TRUE;
}

/* A guest's migration page for cvm's relay: in its RAM file when one was
 * given (a simulator's, or QEMU's memory-backend-file), else in its QEMU
 * process on this host. */
CvmGuestMemory *
cvmi_job_page_memory(virDomainPtr dom, const char *file, guint64 file_base, guint64 gpa, GError **error)
{
	CvmGuestMemory *mem = file != NULL ? cvm_guest_memory_new_file(file, file_base, TRUE, error)
					   : cvm_guest_memory_new_qemu(dom, gpa, CVM_MIGRATE_PAGE_SIZE, error);
	if (mem == NULL && file == NULL)
		g_prefix_error(error, "cvm's relay reaches the page of %s in its QEMU process (or give its RAM file): ",
			       virDomainGetName(dom));
	return mem;
}

/* What can be checked before a destination guest is launched for nothing;
 * in relay mode that includes reaching the source page (@smem). */
static gboolean
ready_to_move(CvmMigrateJob *job, virDomainPtr src, CvmGuestMemory **smem, GError **error)
{
	if (job->progress.mode == CVM_MIGRATE_MODE_HMP) {
		g_autofree gchar *cmd = cvm_migrate_hmp_command(FALSE, job->to, job->o.page_gpa, error);
		return cmd != NULL;
	}
	*smem = cvmi_job_page_memory(src, job->source_memory, job->o.source_memory_base, job->o.page_gpa, error);
	return *smem != NULL;
}

/* Launch the destination guest from the source's record (same IGVM image,
 * memory, vCPUs, platform and policy; its own serial log). */
static virDomainPtr
launch_dest(CvmMigrateJob *job, virConnectPtr dconn, CvmState *state, const CvmGuestRecord *rec, GError **error)
{
	CvmGuestSpec spec;

	if (!cvmi_launch_spec_from_record(rec, &spec, error))
		return NULL;
	spec.name = job->dest_name;
	spec.serial_log = NULL;
	virDomainPtr dom = cvm_launch_guest(dconn, state, &spec, NULL, error);
	if (dom == NULL)
		g_prefix_error(error, "destination guest %s: ", job->dest_name);
	return dom;
}

/* A job's part in a guest's record ("migration", "migration-peer",
 * "migration-error"; %NULL clears): while a job runs, its source says
 * "outgoing" and its destination "incoming", so that a process killed
 * during the job leaves records that say so, and cvmd's restart can end
 * the job (cvmd/reconcile.c): the source stays, the destination that never
 * got the guest goes. */
static gboolean
mark(CvmState *state, const char *name, const char *role, const char *peer, const char *why, GError **error)
{
	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(state, name, error);
	g_autofree gchar *short_why = why != NULL && strlen(why) > 1024 ? g_utf8_substring(why, 0, 1000) : NULL;

	if (rec == NULL)
		return FALSE;
	cvm_guest_record_set(&rec->migration, role);
	cvm_guest_record_set(&rec->migration_peer, peer);
	cvm_guest_record_set(&rec->migration_error, short_why != NULL ? short_why : why);
	rec->migration_started = g_strcmp0(role, "outgoing") == 0 ? g_get_real_time() / G_USEC_PER_SEC : 0;
	if (!cvm_guest_record_save(state, rec, error)) {
		g_prefix_error(error, "guest %s: cannot record the migration: ", name);
		return FALSE;
	}
	return TRUE;
}

/* Clearing a mark that cannot be written leaves an "outgoing"/"incoming"
 * that the next cvmd start ends; the job's own result stands. */
static void
unmark(CvmMigrateJob *job, CvmState *state, const char *name, const char *why)
{
	g_autoptr(GError) local = NULL;

	if (!mark(state, name, NULL, NULL, why, &local))
		g_warning("migration of %s: %s", job->guest, local->message);
}

static gboolean
finish(CvmMigrateJob *job, virConnectPtr conn, CvmState *state, GError **error)
{
	set_phase(job, CVM_MIGRATE_JOB_FINISHING);
	/* The destination has the guest now: it is no longer a destination to
	 * tear down, whatever happens to the source next. */
	unmark(job, state, job->dest_name, NULL);
	if (job->o.keep_source)
		unmark(job, state, job->guest, NULL);
	else if (!cvm_launch_forget(conn, state, job->guest, error)) {
		g_prefix_error(error, "migrated, but stopping the source guest failed: ");
		return FALSE;
	}
	set_phase(job, CVM_MIGRATE_JOB_COMPLETED);
	return TRUE;
}

gboolean
cvm_migrate_job_run(CvmMigrateJob *job, virConnectPtr conn, CvmState *state, GError **error)
{
	g_autoptr(CvmGuestRecord) rec = NULL;
	virConnectPtr dconn = NULL;
	virDomainPtr src = NULL, dst = NULL;
	g_autoptr(CvmGuestMemory) smem = NULL;
	gboolean ok = FALSE, marked = FALSE;

	job->started_us = g_get_monotonic_time();
	set_phase(job, CVM_MIGRATE_JOB_PREPARING);
	src = source_domain(job, conn, state, &rec, error);
	if (src == NULL || !choose_mode(job, src, error))
		goto out;
	if (job->o.page_gpa == 0 && !cvmi_job_page_from_log(rec->serial_log, 0, job->cancel, &job->o.page_gpa, error))
		goto out;
	if (!ready_to_move(job, src, &smem, error))
		goto out;
	dconn = job->dest_connect ? cvm_libvirt_open(job->dest_connect, error) : conn;
	if (dconn == NULL || !mark(state, job->guest, "outgoing", job->dest_name, NULL, error))
		goto out;
	marked = TRUE;
	if ((dst = launch_dest(job, dconn, state, rec, error)) == NULL)
		goto out;
	cvmi_test_fault("migrate-dest-launched");
	ok = mark(state, job->dest_name, "incoming", job->guest, NULL, error);
	if (ok) {
		set_phase(job, CVM_MIGRATE_JOB_STARTING);
		ok = job->progress.mode == CVM_MIGRATE_MODE_HMP ? cvmi_job_move_hmp(job, state, src, dst, error)
								 : cvmi_job_move_relay(job, state, smem, dst, error);
	}
	if (!ok) {
		/* The source keeps running; the destination goes. */
		g_autoptr(GError) local = NULL;
		if (!cvm_launch_forget(dconn, state, job->dest_name, &local))
			g_warning("migration of %s: destination %s not removed: %s", job->guest, job->dest_name,
				  local->message);
	} else {
		ok = finish(job, conn, state, error);
	}
out:
	if (!ok && marked)
		unmark(job, state, job->guest, error && *error ? (*error)->message : "failed");
	if (!ok)
		set_phase(job, error && *error && g_error_matches(*error, CVM_ERROR, CVM_ERROR_CANCELLED)
				       ? CVM_MIGRATE_JOB_CANCELLED
				       : CVM_MIGRATE_JOB_FAILED);
	if (dst != NULL)
		virDomainFree(dst);
	if (src != NULL)
		virDomainFree(src);
	if (dconn != conn)
		cvm_libvirt_close(dconn);
	return ok;
}

const char *
cvm_migrate_job_phase_to_string(CvmMigrateJobPhase phase)
{
	static const char *const names[] = {"new",	 "preparing", "starting",  "running",
					    "finishing", "completed", "failed",    "cancelled"};
	return (guint)phase < G_N_ELEMENTS(names) ? names[phase] : "unknown";
}

static const char *const mode_names[] = {"auto", "relay", "hmp"};

const char *
cvm_migrate_mode_to_string(CvmMigrateMode mode)
{
	return (guint)mode < G_N_ELEMENTS(mode_names) ? mode_names[mode] : "unknown";
}

gboolean
cvm_migrate_mode_from_string(const char *s, CvmMigrateMode *out, GError **error)
{
	for (guint i = 0; i < G_N_ELEMENTS(mode_names); i++)
		if (g_strcmp0(s, mode_names[i]) == 0) {
			*out = (CvmMigrateMode)i;
			return TRUE;
		}
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "unknown migration mode \"%s\" (auto, relay, hmp)",
		    s ? s : "");
	return FALSE;
}
