/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guest operations in-process: libcvm on the state folder
 * (CvmctlOps.state_dir) and libvirt at cvmctl_local_uri(). */
#include "cvmctl/ops.h"
#include "cvmctl/cvmctl.h"

#include <stdio.h>
#include <cvm/attest-snp.h>
#include <cvm/bus.h>
#include <cvm/client.h>
#include <cvm/error.h>
#include <cvm/fwupdate.h>
#include <cvm/guest-record.h>
#include <cvm/state.h>

/* A migration job on a thread of this cvmctl: it lives as long as the
 * command (free() cancels and joins what still runs). */
typedef struct {
	gchar *id;
	CvmMigrateJob *job;
	virConnectPtr conn;
	CvmState *state;
	GThread *thread;
	GError *error; /* the job's, once done */
	gint done;
} LocalJob;

typedef struct {
	CvmctlOps ops;
	GPtrArray *jobs; /* of LocalJob, the id is the index + 1 */
} LocalOps;

static json_object *
list(CvmctlOps *ops, GError **error)
{
	g_autofree gchar *uri = cvmctl_local_uri(ops->uri, ops->state_dir, error);
	json_object *arr = uri != NULL ? cvm_local_list_guests(ops->state_dir, uri, error) : NULL;

	return cvmctl_ops_shape(arr);
}

static json_object *
status(CvmctlOps *ops, const char *name, GError **error)
{
	json_object *arr = list(ops, error);
	json_object *found = arr != NULL ? cvmctl_ops_find(arr, name, error) : NULL;

	json_object_put(arr);
	return found;
}

static json_object *
launch(CvmctlOps *ops, const CvmGuestSpec *spec, GStrv *warnings, GError **error)
{
	g_autofree gchar *uri = cvmctl_local_uri(ops->uri, ops->state_dir, error);
	g_autoptr(CvmState) state = NULL;
	virConnectPtr conn;
	virDomainPtr dom;

	if (uri == NULL || (state = cvm_state_open(ops->state_dir, error)) == NULL)
		return NULL;
	conn = cvm_libvirt_open(uri, error);
	if (conn == NULL)
		return NULL;
	dom = cvm_launch_guest(conn, state, spec, warnings, error);
	/* Closed before the status is asked: the embedded driver admits one
	 * connection per process at a time. */
	cvm_libvirt_close(conn);
	if (dom == NULL)
		return NULL;
	virDomainFree(dom);
	return status(ops, spec->name, error);
}

static gboolean
action(CvmctlOps *ops, const char *name, const char *what, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(CvmState) state = cvm_state_open(ops->state_dir, error);
	json_object *rec = state != NULL ? cvm_state_read(state, "guests", name, &local) : NULL;
	g_autofree gchar *uri = NULL;

	if (state == NULL)
		return FALSE;
	/* An unknown name is answered as cvmd answers it, not with the path
	 * of the record that is not there. */
	if (rec == NULL && g_error_matches(local, CVM_ERROR, CVM_ERROR_NOT_FOUND)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "no guest named %s", name);
		return FALSE;
	}
	if (rec == NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	json_object_put(rec);
	uri = cvmctl_local_uri(ops->uri, ops->state_dir, error);
	if (uri == NULL || !cvm_local_guest_action(ops->state_dir, uri, name, what, error))
		return FALSE;
	/* The reset a firmware update waits for, as cvmd's Reset does it:
	 * here, above launch/, since fwupdate/ is the floor over it. */
	if (g_strcmp0(what, "reset") == 0) {
		g_autoptr(CvmGuestRecord) r = cvm_guest_record_load(state, name, error);
		virConnectPtr conn = r == NULL ? NULL : cvm_libvirt_open(r->uri != NULL && *r->uri != '\0' ? r->uri : uri, error);
		gboolean ok = conn != NULL && cvm_fwupdate_guest_reset(conn, state, name, error);

		if (conn != NULL)
			cvm_libvirt_close(conn);
		return ok;
	}
	return TRUE;
}

static gchar *
fwupdate(CvmctlOps *ops, const char *name, const char *method, const char *image, GError **error)
{
	g_autoptr(CvmState) state = cvm_state_open(ops->state_dir, error);
	g_autofree gchar *uri = NULL;
	gboolean ok = TRUE;

	if (state == NULL)
		return NULL;
	if (g_strcmp0(method, "Stage") == 0) {
		ok = cvm_fwupdate_stage(state, name, image, error);
	} else if (g_strcmp0(method, "Apply") == 0 || g_strcmp0(method, "Rollback") == 0) {
		virConnectPtr conn;

		uri = cvmctl_local_uri(ops->uri, ops->state_dir, error);
		conn = uri != NULL ? cvm_libvirt_open(uri, error) : NULL;
		if (conn == NULL)
			return NULL;
		ok = g_strcmp0(method, "Apply") == 0 ? cvm_fwupdate_apply(conn, state, name, error)
						     : cvm_fwupdate_rollback(conn, state, name, error);
		cvm_libvirt_close(conn);
	}
	return ok ? cvm_fwupdate_status(state, name, error) : NULL;
}

static gpointer
job_thread(gpointer data)
{
	LocalJob *j = data;

	cvm_migrate_job_run(j->job, j->conn, j->state, &j->error);
	g_atomic_int_set(&j->done, 1);
	return NULL;
}

static void
job_free(gpointer data)
{
	LocalJob *j = data;

	if (j->thread != NULL) {
		cvm_migrate_job_cancel(j->job);
		g_thread_join(j->thread);
	}
	cvm_libvirt_close(j->conn);
	g_clear_pointer(&j->state, cvm_state_free);
	cvm_migrate_job_free(j->job);
	g_clear_error(&j->error);
	g_free(j->id);
	g_free(j);
}

static gchar *
migrate_start(CvmctlOps *ops, const CvmMigrateJobOptions *opts, gboolean detach, GError **error)
{
	GPtrArray *jobs = ((LocalOps *)ops)->jobs;
	g_autofree gchar *uri = NULL;
	g_autoptr(CvmState) state = NULL;
	g_autoptr(CvmMigrateJob) job = NULL;
	LocalJob *j;

	if (detach) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
			    "--detach needs cvmd: an in-process migration lives only as long as this cvmctl; %s",
			    ops->no_cvmd);
		return NULL;
	}
	uri = cvmctl_local_uri(ops->uri, ops->state_dir, error);
	if (uri == NULL || (state = cvm_state_open(ops->state_dir, error)) == NULL ||
	    (job = cvm_migrate_job_new(opts, error)) == NULL)
		return NULL;
	j = g_new0(LocalJob, 1);
	j->conn = cvm_libvirt_open(uri, error);
	if (j->conn == NULL) {
		g_free(j);
		return NULL;
	}
	j->job = g_steal_pointer(&job);
	j->state = g_steal_pointer(&state);
	j->id = g_strdup_printf("%u", jobs->len + 1);
	g_ptr_array_add(jobs, j);
	j->thread = g_thread_new("cvm-migrate", job_thread, j);
	return g_strdup(j->id);
}

/* Jobs that outlive a command are cvmd's. */
static void
set_needs_cvmd(CvmctlOps *ops, GError **error)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED, "an in-process migration is cancelled with Ctrl-C; %s",
		    ops->no_cvmd);
}

/* A job of this cvmctl; any other is cvmd's. */
static LocalJob *
find_job(CvmctlOps *ops, const char *id, GError **error)
{
	GPtrArray *jobs = ((LocalOps *)ops)->jobs;

	for (guint i = 0; i < jobs->len; i++) {
		LocalJob *j = g_ptr_array_index(jobs, i);

		if (g_strcmp0(j->id, id) == 0)
			return j;
	}
	set_needs_cvmd(ops, error);
	return NULL;
}

static gboolean
is_end(CvmMigrateJobPhase phase)
{
	return phase == CVM_MIGRATE_JOB_COMPLETED || phase == CVM_MIGRATE_JOB_FAILED ||
	       phase == CVM_MIGRATE_JOB_CANCELLED;
}

static json_object *
migrate_status(CvmctlOps *ops, const char *id, GError **error)
{
	LocalJob *j = find_job(ops, id, error);
	CvmMigrateJobProgress p;
	json_object *o;
	gboolean done;

	if (j == NULL)
		return NULL;
	done = g_atomic_int_get(&j->done);
	cvm_migrate_job_get_progress(j->job, &p);
	/* As cvmd says it: an end is published once the result is taken. */
	if (!done && is_end(p.phase))
		p.phase = CVM_MIGRATE_JOB_FINISHING;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(j->id));
	json_object_object_add(o, "guest", json_object_new_string(cvm_migrate_job_get_guest(j->job)));
	json_object_object_add(o, "dest-name", json_object_new_string(cvm_migrate_job_get_dest_name(j->job)));
	json_object_object_add(o, "phase", json_object_new_string(cvm_migrate_job_phase_to_string(p.phase)));
	json_object_object_add(o, "mode", json_object_new_string(cvm_migrate_mode_to_string(p.mode)));
	json_object_object_add(o, "blocks", json_object_new_int64((gint64)p.blocks));
	json_object_object_add(o, "bytes", json_object_new_int64((gint64)p.bytes));
	json_object_object_add(o, "rate-bytes-s", json_object_new_double(p.rate_bytes_s));
	json_object_object_add(o, "elapsed-us", json_object_new_int64(p.elapsed_us));
	if (done && j->error != NULL) {
		json_object_object_add(o, "error-name",
				       json_object_new_string(cvm_bus_error_name(
					       j->error->domain == CVM_ERROR ? j->error->code : CVM_ERROR_FAILED)));
		json_object_object_add(o, "error", json_object_new_string(j->error->message));
	}
	return o;
}

static gboolean
migrate_cancel(CvmctlOps *ops, const char *id, GError **error)
{
	LocalJob *j = find_job(ops, id, error);

	if (j != NULL)
		cvm_migrate_job_cancel(j->job);
	return j != NULL;
}

static GStrv
migrate_list(CvmctlOps *ops, GError **error)
{
	/* The command that starts an in-process job follows it; listing is
	 * asked of a cvmctl that has none. */
	set_needs_cvmd(ops, error);
	return NULL;
}

static json_object *
attest_counters(CvmctlOps *ops, GError **error)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_SUPPORTED,
		    "%s; the attestation proxy's counters are cvmd's (cvmctl attest serve prints its own when it stops)",
		    ops->no_cvmd);
	return NULL;
}

static gboolean
verify_snp_report(CvmctlOps *ops, GBytes *report, GBytes *certificate, const CvmSnpVerifyOptions *opts,
		  CvmSnpVerifyStep *failed, GError **failure, GError **error)
{
	(void)ops;
	(void)error; /* it always runs; what fails is the verification */
	cvm_snp_verify_report(g_bytes_get_data(report, NULL), g_bytes_get_size(report), certificate, opts, failed,
			      failure);
	return TRUE;
}

static void
local_free(CvmctlOps *ops)
{
	g_ptr_array_unref(((LocalOps *)ops)->jobs);
	g_free(ops);
}

static const CvmctlOpsVtable local_vtable = {
	.name = "in-process",
	.list = list,
	.status = status,
	.launch = launch,
	.action = action,
	.fwupdate = fwupdate,
	.migrate_start = migrate_start,
	.migrate_status = migrate_status,
	.migrate_cancel = migrate_cancel,
	.migrate_list = migrate_list,
	.attest_counters = attest_counters,
	.verify_snp_report = verify_snp_report,
	.free = local_free,
};

CvmctlOps *
cvmctl_ops_local_new(void)
{
	LocalOps *l = g_new0(LocalOps, 1);

	l->ops.vt = &local_vtable;
	l->jobs = g_ptr_array_new_with_free_func(job_free);
	return &l->ops;
}
