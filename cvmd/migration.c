/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.cvm.Cvmd1.Migration on the manager object: each Start() is one
 * CvmMigrateJob (cvm/migrate-job.h) in a worker thread; progress and the
 * end come back to the main context as signals. Finished jobs are kept
 * (the last KEEP_FINISHED) so their status can still be asked. */
#include "cvmd/cvmd.h"

#include <cvm/error.h>
#include <cvm/launch.h>
#include <cvm/migrate-job.h>

#define JOBS_KEY "cvmd-migration-jobs"
#define KEEP_FINISHED 16
#define PROGRESS_EVERY_US (500 * 1000)

typedef struct {
	Cvmd *daemon;
	CvmDbusMigration *iface;
	GHashTable *jobs; /* id -> Job */
	GQueue finished;  /* ids, oldest first */
	guint next_id;
} Migrations;

typedef struct {
	Migrations *m;
	gchar *id;
	GVariant *options; /* the job's option strings point into it */
	CvmMigrateJob *job;
	gboolean done;
	gboolean held; /* the source guest's object is held (cvmd_guest_hold) */
	GError *error;
	gint64 last_signal_us; /* worker thread only */
	CvmMigrateJobPhase last_phase;
} Job;

static void
job_free(Job *j)
{
	cvm_migrate_job_free(j->job);
	g_variant_unref(j->options);
	g_clear_error(&j->error);
	g_free(j->id);
	g_free(j);
}

typedef struct {
	CvmDbusMigration *iface;
	gchar *id;
	CvmMigrateJobProgress p;
} Progress;

static gboolean
emit_progress(gpointer data)
{
	Progress *x = data;
	cvm_dbus_migration_emit_progress(x->iface, x->id, cvm_migrate_job_phase_to_string(x->p.phase), x->p.blocks,
					 x->p.bytes, x->p.rate_bytes_s);
	g_object_unref(x->iface);
	g_free(x->id);
	g_free(x);
	return G_SOURCE_REMOVE;
}

/* Job thread: throttled, then marshalled to the main context. */
static void
on_progress(CvmMigrateJob *job, const CvmMigrateJobProgress *p, gpointer data)
{
	Job *j = data;
	gint64 now = g_get_monotonic_time();

	(void)job;
	if (p->phase == j->last_phase && now - j->last_signal_us < PROGRESS_EVERY_US)
		return;
	j->last_phase = p->phase;
	j->last_signal_us = now;
	Progress *x = g_new0(Progress, 1);
	x->iface = g_object_ref(j->m->iface);
	x->id = g_strdup(j->id);
	x->p = *p;
	g_main_context_invoke(NULL, emit_progress, x);
}

static void
run(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	Job *j = data;
	Cvmd *d = j->m->daemon;
	GError *error = NULL;

	(void)source;
	(void)cancellable;
	if (d->conn == NULL)
		g_set_error(&error, CVM_ERROR, CVM_ERROR_LIBVIRT, "libvirt (%s) is not reachable", d->uri);
	if (error != NULL || !cvm_migrate_job_run(j->job, d->conn, d->state, &error))
		g_task_return_error(task, error);
	else
		g_task_return_boolean(task, TRUE);
}

/* The destination guest gets its object once the job has recorded it. */
static void
add_recorded_guest(Cvmd *d, const char *name)
{
	g_autoptr(CvmGuestRecord) rec = cvm_guest_record_load(d->state, name, NULL);

	if (rec != NULL && cvmd_guest_lookup(d, name) == NULL)
		cvmd_guest_add(d, name, rec);
}

static void
done(GObject *source, GAsyncResult *res, gpointer data)
{
	Job *j = data;
	Migrations *m = j->m;
	CvmMigrateJobProgress p;

	(void)source;
	g_task_propagate_boolean(G_TASK(res), &j->error);
	j->done = TRUE;
	gboolean keep = FALSE;
	g_variant_lookup(j->options, "keep-source", "b", &keep);
	CvmdGuest *g = j->held ? cvmd_guest_lookup(m->daemon, cvm_migrate_job_get_guest(j->job)) : NULL;
	if (j->error == NULL && !keep) {
		/* The job has forgotten the source (record and domain); the held
		 * object kept the domain's stop event from writing the record back. */
		if (g != NULL) {
			g_hash_table_remove(m->daemon->guests, g->name);
			cvmd_guest_remove(m->daemon, g);
		}
	} else if (g != NULL) {
		cvmd_guest_release(g);
	}
	add_recorded_guest(m->daemon, cvm_migrate_job_get_dest_name(j->job));
	cvm_migrate_job_get_progress(j->job, &p);
	const char *name = j->error == NULL		  ? ""
			   : j->error->domain == CVM_ERROR ? cvm_bus_error_name(j->error->code)
							   : cvm_bus_error_name(CVM_ERROR_FAILED);
	cvm_dbus_migration_emit_finished(m->iface, j->id, cvm_migrate_job_phase_to_string(p.phase), name,
					 j->error ? j->error->message : "");
	g_queue_push_tail(&m->finished, g_strdup(j->id));
	while (g_queue_get_length(&m->finished) > KEEP_FINISHED) {
		g_autofree gchar *old = g_queue_pop_head(&m->finished);
		g_hash_table_remove(m->jobs, old);
	}
}

static Job *
busy_job_for(Migrations *m, const char *guest)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, m->jobs);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		Job *j = v;
		if (!j->done && g_strcmp0(cvm_migrate_job_get_guest(j->job), guest) == 0)
			return j;
	}
	return NULL;
}

static gboolean
on_start(CvmDbusMigration *iface, GDBusMethodInvocation *inv, const char *guest, const char *to, GVariant *options,
	 gpointer data)
{
	Migrations *m = data;
	g_autoptr(GError) error = NULL;
	CvmMigrateJobOptions o;
	CvmdGuest *g = cvmd_guest_lookup(m->daemon, guest);
	Job *j = g_new0(Job, 1);

	j->m = m;
	j->options = g_variant_ref(options);
	cvm_migrate_job_options_init(&o);
	o.guest = guest;
	o.to = to;
	/* Every argument is checked before a job exists: a job id means work
	 * that can succeed, not a failure to be polled for. */
	if (cvm_migrate_job_options_from_variant(options, &o, &error) &&
	    (j->job = cvm_migrate_job_new(&o, &error)) != NULL) {
		if (g == NULL)
			g_set_error(&error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "no guest named %s", guest);
		else if (busy_job_for(m, guest) != NULL)
			g_set_error(&error, CVM_ERROR, CVM_ERROR_EXISTS, "guest %s is already migrating", guest);
		else
			j->held = cvmd_guest_hold(g, "migrating", &error);
	}
	if (error != NULL) {
		job_free(j);
		cvmd_return_error(inv, error);
		return TRUE;
	}
	j->id = g_strdup_printf("%u", ++m->next_id);
	j->last_phase = CVM_MIGRATE_JOB_NEW;
	cvm_migrate_job_set_progress_func(j->job, on_progress, j);
	g_hash_table_insert(m->jobs, g_strdup(j->id), j);
	g_autoptr(GTask) task = g_task_new(NULL, NULL, done, j);
	g_task_set_task_data(task, j, NULL);
	g_task_run_in_thread(task, run);
	cvm_dbus_migration_complete_start(iface, inv, j->id);
	return TRUE;
}

static Job *
find(Migrations *m, GDBusMethodInvocation *inv, const char *id)
{
	Job *j = g_hash_table_lookup(m->jobs, id);
	if (j == NULL)
		g_dbus_method_invocation_return_dbus_error(inv, cvm_bus_error_name(CVM_ERROR_NOT_FOUND),
							   "no migration job with this id");
	return j;
}

static gboolean
on_cancel(CvmDbusMigration *iface, GDBusMethodInvocation *inv, const char *id, gpointer data)
{
	Job *j = find(data, inv, id);

	if (j != NULL) {
		cvm_migrate_job_cancel(j->job);
		cvm_dbus_migration_complete_cancel(iface, inv);
	}
	return TRUE;
}

static gboolean
on_status(CvmDbusMigration *iface, GDBusMethodInvocation *inv, const char *id, gpointer data)
{
	Job *j = find(data, inv, id);
	CvmMigrateJobProgress p;
	GVariantBuilder b;

	if (j == NULL)
		return TRUE;
	cvm_migrate_job_get_progress(j->job, &p);
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "id", g_variant_new_string(j->id));
	g_variant_builder_add(&b, "{sv}", "guest", g_variant_new_string(cvm_migrate_job_get_guest(j->job)));
	g_variant_builder_add(&b, "{sv}", "dest-name", g_variant_new_string(cvm_migrate_job_get_dest_name(j->job)));
	/* The worker publishes its end before done() has taken the result
	 * (error, guest objects): until then the job is still finishing, so a
	 * client that sees an end also sees its error and the guests as left. */
	if (!j->done && (p.phase == CVM_MIGRATE_JOB_COMPLETED || p.phase == CVM_MIGRATE_JOB_FAILED ||
			 p.phase == CVM_MIGRATE_JOB_CANCELLED))
		p.phase = CVM_MIGRATE_JOB_FINISHING;
	g_variant_builder_add(&b, "{sv}", "phase", g_variant_new_string(cvm_migrate_job_phase_to_string(p.phase)));
	g_variant_builder_add(&b, "{sv}", "mode", g_variant_new_string(cvm_migrate_mode_to_string(p.mode)));
	g_variant_builder_add(&b, "{sv}", "blocks", g_variant_new_uint64(p.blocks));
	g_variant_builder_add(&b, "{sv}", "bytes", g_variant_new_uint64(p.bytes));
	g_variant_builder_add(&b, "{sv}", "rate-bytes-s", g_variant_new_double(p.rate_bytes_s));
	g_variant_builder_add(&b, "{sv}", "elapsed-us", g_variant_new_int64(p.elapsed_us));
	if (j->done && j->error != NULL) {
		g_variant_builder_add(&b, "{sv}", "error-name",
				      g_variant_new_string(j->error->domain == CVM_ERROR ? cvm_bus_error_name(j->error->code)
										 : cvm_bus_error_name(CVM_ERROR_FAILED)));
		g_variant_builder_add(&b, "{sv}", "error", g_variant_new_string(j->error->message));
	}
	cvm_dbus_migration_complete_get_status(iface, inv, g_variant_builder_end(&b));
	return TRUE;
}

static gint
by_number(gconstpointer a, gconstpointer b)
{
	guint64 x = g_ascii_strtoull(*(const char *const *)a, NULL, 10);
	guint64 y = g_ascii_strtoull(*(const char *const *)b, NULL, 10);
	return x < y ? -1 : x > y;
}

static gboolean
on_list(CvmDbusMigration *iface, GDBusMethodInvocation *inv, gpointer data)
{
	Migrations *m = data;
	g_autofree const gchar **ids = (const gchar **)g_hash_table_get_keys_as_array(m->jobs, NULL);

	qsort(ids, g_strv_length((gchar **)ids), sizeof *ids, by_number);
	cvm_dbus_migration_complete_list(iface, inv, ids);
	return TRUE;
}

static void
migrations_free(Migrations *m)
{
	GHashTableIter it;
	gpointer v;

	/* A job still running is told to stop and left to its thread: the
	 * daemon is exiting, and freeing it under the thread would be worse. */
	g_hash_table_iter_init(&it, m->jobs);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (!((Job *)v)->done) {
			cvm_migrate_job_cancel(((Job *)v)->job);
			g_hash_table_iter_steal(&it);
		}
	g_hash_table_unref(m->jobs);
	g_queue_clear_full(&m->finished, g_free);
	g_object_unref(m->iface);
	g_free(m);
}

static gboolean
attach_manager(Cvmd *d, GError **error)
{
	Migrations *m = g_new0(Migrations, 1);

	m->daemon = d;
	m->iface = cvm_dbus_migration_skeleton_new();
	m->jobs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)job_free);
	g_queue_init(&m->finished);
	g_object_set_data_full(G_OBJECT(d->manager), JOBS_KEY, m, (GDestroyNotify)migrations_free);
	g_signal_connect(m->iface, "g-authorize-method", G_CALLBACK(cvmd_caller_authorize), d);
	g_signal_connect(m->iface, "handle-start", G_CALLBACK(on_start), m);
	g_signal_connect(m->iface, "handle-cancel", G_CALLBACK(on_cancel), m);
	g_signal_connect(m->iface, "handle-get-status", G_CALLBACK(on_status), m);
	g_signal_connect(m->iface, "handle-list", G_CALLBACK(on_list), m);
	return g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(m->iface), d->bus, CVM_BUS_PATH, error);
}

static const char *const public_methods[] = {"GetStatus", "List", NULL};

const CvmdInterface cvmd_iface_migration = {
	.name = "org.cvm.Cvmd1.Migration",
	.attach_manager = attach_manager,
	.public_methods = public_methods,
};
