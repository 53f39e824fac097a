/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CvmMigration: options, lifetime, thread, cancel and progress. */
#include "migrate/migrate-private.h"

#include <unistd.h>

struct _CvmMigration {
	CvmiMigrationCore core;
	gchar *uri;
	gchar *listen_uri;
	gchar *unix_path_to_remove;
	GThread *thread;
	GError *thread_error;
	gboolean thread_ok;
};

void
cvm_migrate_options_init(CvmMigrateOptions *opts)
{
	*opts = (CvmMigrateOptions){
		.role = CVM_MIGRATE_ROLE_SOURCE,
		.wire = CVM_MIGRATE_WIRE_AUTO,
		.connect_timeout_ms = 30000,
		.io_timeout_ms = 30000,
		.page_timeout_ms = 30000,
		.reconnect_timeout_ms = 10000,
		.heartbeat_ms = 1000,
		.poll_max_us = 1000,
		.window_blocks = 1024,
	};
}

static gboolean
options_check(const CvmMigrateOptions *o, GError **error)
{
	if (o->memory == NULL || o->uri == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "a migration needs guest memory and a channel URI");
		return FALSE;
	}
	if (o->connect_timeout_ms == 0 || o->io_timeout_ms == 0 || o->page_timeout_ms == 0 ||
	    o->heartbeat_ms == 0 || o->window_blocks == 0) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "migration timeouts, heartbeat and window must be non-zero");
		return FALSE;
	}
	if (o->heartbeat_ms >= o->io_timeout_ms) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
			    "heartbeat (%u ms) must be shorter than the I/O timeout (%u ms)",
			    o->heartbeat_ms, o->io_timeout_ms);
		return FALSE;
	}
	return cvmi_page_check(o->memory, o->page_gpa, error);
}

CvmMigration *
cvm_migration_new(const CvmMigrateOptions *opts, GError **error)
{
	g_return_val_if_fail(opts != NULL, NULL);
	if (!options_check(opts, error))
		return NULL;
	CvmiUri uri;
	if (!cvmi_uri_parse(opts->uri, &uri, error))
		return NULL;
	g_autoptr(CvmMigration) mig = g_new0(CvmMigration, 1);
	g_mutex_init(&mig->core.lock);
	mig->core.opts = *opts;
	mig->uri = g_strdup(opts->uri);
	mig->core.opts.uri = mig->uri;
	mig->core.cancel = g_cancellable_new();
	mig->core.progress.state = CVM_MIGRATE_STATE_NEW;
	if (opts->role == CVM_MIGRATE_ROLE_DEST) {
		mig->core.listener = cvmi_uri_listen(&uri, &mig->listen_uri, error);
		if (mig->core.listener == NULL) {
			g_prefix_error(error, "%s: ", opts->uri);
			cvmi_uri_clear(&uri);
			return NULL;
		}
		if (uri.kind == CVMI_URI_UNIX)
			mig->unix_path_to_remove = g_strdup(uri.path);
	}
	cvmi_uri_clear(&uri);
	return g_steal_pointer(&mig);
}

const char *
cvm_migration_get_listen_uri(CvmMigration *mig)
{
	return mig->listen_uri;
}

static void
close_listener(CvmMigration *mig)
{
	if (mig->core.listener != NULL) {
		g_socket_close(mig->core.listener, NULL);
		g_clear_object(&mig->core.listener);
	}
	if (mig->unix_path_to_remove != NULL) {
		unlink(mig->unix_path_to_remove);
		g_clear_pointer(&mig->unix_path_to_remove, g_free);
	}
}

gboolean
cvm_migration_run(CvmMigration *mig, GError **error)
{
	CvmiMigrationCore *core = &mig->core;
	if (core->progress.state != CVM_MIGRATE_STATE_NEW) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_STATE, "a migration runs only once");
		return FALSE;
	}
	core->start_us = g_get_monotonic_time();
	cvmi_progress_set_state(core, CVM_MIGRATE_STATE_CONNECTING);
	g_autoptr(GError) local = NULL;
	gboolean ok = core->opts.role == CVM_MIGRATE_ROLE_SOURCE ? cvmi_source_run(core, &local) :
								   cvmi_dest_run(core, &local);
	close_listener(mig);
	if (ok) {
		cvmi_progress_set_state(core, CVM_MIGRATE_STATE_COMPLETED);
		return TRUE;
	}
	cvmi_progress_set_state(core, g_error_matches(local, CVM_ERROR, CVM_ERROR_CANCELLED) ?
					      CVM_MIGRATE_STATE_CANCELLED :
					      CVM_MIGRATE_STATE_FAILED);
	g_propagate_error(error, g_steal_pointer(&local));
	return FALSE;
}

static gpointer
thread_main(gpointer data)
{
	CvmMigration *mig = data;
	mig->thread_ok = cvm_migration_run(mig, &mig->thread_error);
	return NULL;
}

gboolean
cvm_migration_start(CvmMigration *mig, GError **error)
{
	if (mig->thread != NULL || mig->core.progress.state != CVM_MIGRATE_STATE_NEW) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_STATE, "the migration was already started");
		return FALSE;
	}
	mig->thread = g_thread_try_new("cvm-migrate", thread_main, mig, error);
	return mig->thread != NULL;
}

gboolean
cvm_migration_wait(CvmMigration *mig, GError **error)
{
	if (mig->thread == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_STATE, "the migration was not started");
		return FALSE;
	}
	g_thread_join(g_steal_pointer(&mig->thread));
	if (mig->thread_ok)
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&mig->thread_error));
	return FALSE;
}

void
cvm_migration_cancel(CvmMigration *mig)
{
	g_cancellable_cancel(mig->core.cancel);
}

void
cvm_migration_get_progress(CvmMigration *mig, CvmMigrateProgress *progress)
{
	g_mutex_lock(&mig->core.lock);
	*progress = mig->core.progress;
	progress->blocks = __atomic_load_n(&mig->core.blocks, __ATOMIC_RELAXED);
	progress->bytes = progress->blocks * CVM_MIGRATE_BLOCK_SIZE;
	if (mig->core.start_us != 0)
		progress->elapsed_us = g_get_monotonic_time() - mig->core.start_us;
	g_mutex_unlock(&mig->core.lock);
}

void
cvm_migration_free(CvmMigration *mig)
{
	if (mig == NULL)
		return;
	if (mig->thread != NULL) {
		cvm_migration_cancel(mig);
		g_thread_join(mig->thread);
	}
	close_listener(mig);
	g_clear_error(&mig->thread_error);
	g_clear_object(&mig->core.cancel);
	g_mutex_clear(&mig->core.lock);
	g_free(mig->listen_uri);
	g_free(mig->uri);
	g_free(mig);
}

void
cvmi_progress_set_state(CvmiMigrationCore *core, CvmMigrateState state)
{
	g_mutex_lock(&core->lock);
	core->progress.state = state;
	g_mutex_unlock(&core->lock);
}

void
cvmi_progress_set_wire(CvmiMigrationCore *core, CvmMigrateWire wire)
{
	g_mutex_lock(&core->lock);
	core->progress.wire = wire;
	g_mutex_unlock(&core->lock);
}

void
cvmi_progress_add_block(CvmiMigrationCore *core)
{
	/* One writer: a plain load and store, no locked instruction. */
	__atomic_store_n(&core->blocks, __atomic_load_n(&core->blocks, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
}

void
cvmi_progress_set_acked(CvmiMigrationCore *core, guint64 acked)
{
	g_mutex_lock(&core->lock);
	core->progress.acked = acked;
	g_mutex_unlock(&core->lock);
}

void
cvmi_progress_add_resume(CvmiMigrationCore *core)
{
	g_mutex_lock(&core->lock);
	core->progress.resumes++;
	g_mutex_unlock(&core->lock);
}

gboolean
cvmi_check_cancel(CvmiMigrationCore *core, GError **error)
{
	if (!g_cancellable_is_cancelled(core->cancel))
		return TRUE;
	g_set_error(error, CVM_ERROR, CVM_ERROR_CANCELLED, "migration cancelled");
	return FALSE;
}

const char *
cvm_migrate_state_to_string(CvmMigrateState state)
{
	static const char *const names[] = {
		"new", "connecting", "running", "reconnecting", "completed", "failed", "cancelled",
	};
	return (guint)state < G_N_ELEMENTS(names) ? names[state] : "unknown";
}

const char *
cvm_migrate_wire_to_string(CvmMigrateWire wire)
{
	static const char *const names[] = { "auto", "cvm", "fork" };
	return (guint)wire < G_N_ELEMENTS(names) ? names[wire] : "unknown";
}
