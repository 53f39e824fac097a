/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Guest objects: one per record in <state>/guests/, exported at
 * /org/cvm/Cvmd1/guest/<escaped name> with org.cvm.Cvmd1.Guest plus the
 * optional interfaces of interfaces.c. */
#include <string.h>
#include <cvm/client.h>
#include <cvm/launch.h>
#include "cvmd/cvmd.h"

/* The Guest properties are the record's a{sv} (cvm_guest_record_to_variant()),
 * each set through the skeleton's GObject property whose nick is its D-Bus
 * name. */
static void
sync_properties(CvmdGuest *g)
{
	g_autoptr(GVariant) dict = g_variant_ref_sink(cvm_guest_record_to_variant(g->record));
	GObjectClass *klass = G_OBJECT_GET_CLASS(g->iface);
	guint n = 0;
	g_autofree GParamSpec **specs = g_object_class_list_properties(klass, &n);
	GVariantIter it;
	const char *prop;
	GVariant *value;

	cvm_guest_record_set(&g->record->name, g->name);
	g_variant_iter_init(&it, dict);
	while (g_variant_iter_next(&it, "{&sv}", &prop, &value)) {
		for (guint i = 0; i < n; i++) {
			GValue v = G_VALUE_INIT;

			if (strcmp(g_param_spec_get_nick(specs[i]), prop) != 0)
				continue;
			g_dbus_gvariant_to_gvalue(value, &v);
			g_object_set_property(G_OBJECT(g->iface), g_param_spec_get_name(specs[i]), &v);
			g_value_unset(&v);
			break;
		}
		g_variant_unref(value);
	}
}

void
cvmd_guest_set_reason(CvmdGuest *g, const char *reason)
{
	/* The library's diagnosis of a status, so cvmd and the in-process path
	 * say the same about a failed guest. */
	cvm_guest_status_diagnose(g->record, reason);
	sync_properties(g);
}

/* Main thread: the file and the guest object's copy change together. A
 * status-only field is the object's, not the writer's. */
static gboolean
write_on_main(Cvmd *d, const CvmGuestRecord *rec, const char *name, GError **error)
{
	CvmdGuest *g = cvmd_guest_lookup(d, name);
	CvmGuestRecord *copy;

	if (rec == NULL) {
		if (!cvm_guest_record_unlink(d->state, name, error))
			return FALSE;
		/* nothing writes the record back (a migrated source's stop event) */
		if (g != NULL)
			g->gone = TRUE;
		return TRUE;
	}
	if (!cvm_guest_record_write(d->state, rec, error))
		return FALSE;
	if (g == NULL || g->record == rec)
		return TRUE;
	g->gone = FALSE;
	copy = cvm_guest_record_copy(rec);
	g_free(copy->state_reason);
	g_free(copy->qemu_log);
	g_free(copy->qemu_log_tail);
	copy->state_reason = g_steal_pointer(&g->record->state_reason);
	copy->qemu_log = g_steal_pointer(&g->record->qemu_log);
	copy->qemu_log_tail = g_steal_pointer(&g->record->qemu_log_tail);
	cvm_guest_record_free(g->record);
	g->record = copy;
	sync_properties(g);
	return TRUE;
}

typedef struct {
	Cvmd *daemon;
	const CvmGuestRecord *rec;
	const char *name;
	GError *error;
	gboolean ok;
	gboolean done;
	GMutex lock;
	GCond cond;
} Write;

static gboolean
write_idle(gpointer data)
{
	Write *w = data;
	gboolean ok = write_on_main(w->daemon, w->rec, w->name, &w->error);

	g_mutex_lock(&w->lock);
	w->ok = ok;
	w->done = TRUE;
	g_cond_signal(&w->cond);
	g_mutex_unlock(&w->lock);
	return G_SOURCE_REMOVE;
}

/* Every guest record save or remove of d->state, from any thread: a worker
 * waits for the main thread to do it (the main thread never waits for a
 * worker, so this cannot deadlock). */
static gboolean
guest_writer(const CvmGuestRecord *rec, const char *name, gpointer data, GError **error)
{
	Cvmd *d = data;
	Write w = { .daemon = d, .rec = rec, .name = name };

	if (g_thread_self() == d->main_thread)
		return write_on_main(d, rec, name, error);
	g_mutex_init(&w.lock);
	g_cond_init(&w.cond);
	g_main_context_invoke(NULL, write_idle, &w);
	g_mutex_lock(&w.lock);
	while (!w.done)
		g_cond_wait(&w.cond, &w.lock);
	g_mutex_unlock(&w.lock);
	g_mutex_clear(&w.lock);
	g_cond_clear(&w.cond);
	if (!w.ok)
		g_propagate_error(error, w.error);
	return w.ok;
}

void
cvmd_guest_writer_install(Cvmd *d)
{
	d->main_thread = g_thread_self();
	cvm_guest_record_set_writer(d->state, guest_writer, d);
}

gboolean
cvmd_guest_save(CvmdGuest *g, GError **error)
{
	return cvm_guest_record_save(g->daemon->state, g->record, error);
}

gboolean
cvmd_guest_check_idle(CvmdGuest *g, GError **error)
{
	if (g->busy == NULL)
		return TRUE;
	g_set_error(error, CVM_ERROR, CVM_ERROR_BUSY, "guest %s is busy: %s", g->name, g->busy);
	return FALSE;
}

gboolean
cvmd_guest_hold(CvmdGuest *g, const char *what, GError **error)
{
	if (!cvmd_guest_check_idle(g, error))
		return FALSE;
	g->busy = what;
	return TRUE;
}

void
cvmd_guest_release(CvmdGuest *g)
{
	g->busy = NULL;
	cvmd_reconcile_guest(g);
}

void
cvmd_guest_set_state(CvmdGuest *g, const char *state)
{
	g_autoptr(GError) error = NULL;

	/* While a worker relaunches or moves the guest its states are passing
	 * ones (a relaunch destroys the domain first): only the property follows
	 * them, and the record is written when the work hands its result back
	 * (its saves reach this copy through guest_writer(), so nothing of theirs
	 * is lost either way); release() takes the state from libvirt again. A
	 * record a worker removed (a migrated source) stays removed. */
	if (g->busy != NULL || g->gone) {
		cvm_dbus_guest_set_state(g->iface, state);
		return;
	}
	if (g_strcmp0(g->record->state, state) == 0)
		return;
	cvm_guest_record_set(&g->record->state, state);
	/* The record follows libvirt so a restart starts from the last known
	 * state; a failed write only loses that hint, libvirt stays the truth. */
	if (!cvmd_guest_save(g, &error))
		g_printerr("cvmd: %s: cannot save state: %s\n", g->name, error->message);
	cvm_dbus_guest_set_state(g->iface, state);
}

/* Start, Stop and Destroy: libvirt is called from a worker thread (a QEMU
 * takes most of a second to start or die, and the bus must answer
 * meanwhile); the guest is held for that time so it has one writer, and the
 * result is applied here, on the main loop, where guest objects live. */
typedef struct {
	CvmdGuest *guest; /* held: Forget, the only remover, waits for it */
	GDBusMethodInvocation *inv;
	const char *action;
	/* the worker's copies: it never touches the guest object */
	Cvmd *daemon;
	char *name;
	char *uuid;
	char *state; /* the worker's answer */
} Lifecycle;

static void
lifecycle_run(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	Lifecycle *l = data;
	GError *error = NULL;

	(void)source;
	(void)cancellable;
	if (cvmd_libvirt_lifecycle(l->daemon, l->name, l->uuid, l->action, &l->state, &error))
		g_task_return_boolean(task, TRUE);
	else
		g_task_return_error(task, error);
}

static void
lifecycle_done(GObject *source, GAsyncResult *res, gpointer data)
{
	Lifecycle *l = data;
	CvmdGuest *g = l->guest;
	g_autoptr(GError) error = NULL;
	g_autofree char *seen = cvm_dbus_guest_dup_state(g->iface);

	(void)source;
	g->busy = NULL;
	/* Without an answer from the worker, the last state the events set
	 * meanwhile is the best knowledge for the record. */
	cvmd_guest_set_state(g, l->state ? l->state : seen);
	if (g_task_propagate_boolean(G_TASK(res), &error))
		g_dbus_method_invocation_return_value(l->inv, NULL);
	else
		cvmd_return_error(l->inv, error);
	g_object_unref(l->inv);
	g_free(l->name);
	g_free(l->uuid);
	g_free(l->state);
	g_free(l);
}

static gboolean
do_lifecycle(CvmDbusGuest *iface, GDBusMethodInvocation *inv, CvmdGuest *g, const char *action,
	     const char *what)
{
	g_autoptr(GError) error = NULL;
	Lifecycle *l;

	(void)iface;
	if (!cvmd_guest_hold(g, what, &error)) {
		cvmd_return_error(inv, error);
		return TRUE;
	}
	l = g_new0(Lifecycle, 1);
	l->guest = g;
	l->daemon = g->daemon;
	l->name = g_strdup(g->name);
	l->inv = g_object_ref(inv);
	l->action = action;
	l->uuid = g_strdup(g->record->uuid);
	g_autoptr(GTask) task = g_task_new(NULL, NULL, lifecycle_done, l);
	g_task_set_task_data(task, l, NULL);
	g_task_run_in_thread(task, lifecycle_run);
	return TRUE;
}

static gboolean
on_start(CvmDbusGuest *iface, GDBusMethodInvocation *inv, gpointer g)
{
	return do_lifecycle(iface, inv, g, "start", "a Start is in progress");
}

static gboolean
on_stop(CvmDbusGuest *iface, GDBusMethodInvocation *inv, gpointer g)
{
	return do_lifecycle(iface, inv, g, "stop", "a Stop is in progress");
}

static gboolean
on_destroy(CvmDbusGuest *iface, GDBusMethodInvocation *inv, gpointer g)
{
	return do_lifecycle(iface, inv, g, "destroy", "a Destroy is in progress");
}

static gboolean
on_reboot(CvmDbusGuest *iface, GDBusMethodInvocation *inv, gpointer g)
{
	return do_lifecycle(iface, inv, g, "reboot", "a Reboot is in progress");
}

static gboolean
on_reset(CvmDbusGuest *iface, GDBusMethodInvocation *inv, gpointer g)
{
	return do_lifecycle(iface, inv, g, "reset", CVMD_RESET_WORK);
}

static gboolean
on_forget(CvmDbusGuest *iface, GDBusMethodInvocation *inv, gpointer data)
{
	CvmdGuest *g = data;
	Cvmd *d = g->daemon;
	g_autoptr(GError) error = NULL;
	const char *state = g->record->state != NULL ? g->record->state : "";

	if (!cvmd_guest_check_idle(g, &error)) {
		cvmd_return_error(inv, error);
		return TRUE;
	}
	if (strcmp(state, "running") == 0 || strcmp(state, "paused") == 0) {
		g_set_error(&error, CVM_ERROR, CVM_ERROR_STATE,
			    "guest %s is %s; stop or destroy it before forgetting it", g->name, state);
		cvmd_return_error(inv, error);
		return TRUE;
	}
	/* The domain goes with the record: a name whose domain stayed defined
	 * could never be launched again. Without libvirt it cannot go. */
	if (d->conn == NULL)
		g_set_error(&error, CVM_ERROR, CVM_ERROR_LIBVIRT, "not connected to %s: the domain of %s cannot be removed",
			    d->uri, g->name);
	if (error != NULL || !cvm_launch_forget(d->conn, d->state, g->name, &error)) {
		cvmd_return_error(inv, error);
		return TRUE;
	}
	g_dbus_method_invocation_return_value(inv, NULL);
	g_hash_table_remove(d->guests, g->name);
	cvmd_guest_remove(d, g);
	return TRUE;
}

CvmdGuest *
cvmd_guest_lookup(Cvmd *d, const char *name)
{
	return name ? g_hash_table_lookup(d->guests, name) : NULL;
}

CvmdGuest *
cvmd_guest_add(Cvmd *d, const char *name, const CvmGuestRecord *record)
{
	CvmdGuest *g = g_new0(CvmdGuest, 1);

	g->daemon = d;
	g->name = g_strdup(name);
	g->path = cvm_bus_guest_path(name);
	g->record = cvm_guest_record_copy(record);
	g->object = cvm_dbus_object_skeleton_new(g->path);
	g->iface = cvm_dbus_guest_skeleton_new();
	g_signal_connect(g->iface, "g-authorize-method", G_CALLBACK(cvmd_caller_authorize), d);
	g_signal_connect(g->iface, "handle-start", G_CALLBACK(on_start), g);
	g_signal_connect(g->iface, "handle-stop", G_CALLBACK(on_stop), g);
	g_signal_connect(g->iface, "handle-destroy", G_CALLBACK(on_destroy), g);
	g_signal_connect(g->iface, "handle-reboot", G_CALLBACK(on_reboot), g);
	g_signal_connect(g->iface, "handle-reset", G_CALLBACK(on_reset), g);
	g_signal_connect(g->iface, "handle-forget", G_CALLBACK(on_forget), g);
	sync_properties(g);
	cvm_dbus_object_skeleton_set_guest(g->object, g->iface);
	for (const CvmdInterface *const *i = cvmd_interfaces(); *i != NULL; i++)
		if ((*i)->attach_guest != NULL)
			(*i)->attach_guest(d, g);
	g_hash_table_insert(d->guests, g->name, g);
	g_dbus_object_manager_server_export(d->objects, G_DBUS_OBJECT_SKELETON(g->object));
	if (d->manager != NULL)
		cvm_dbus_manager_emit_guest_added(d->manager, g->path, g->name);
	return g;
}

/* The caller has taken @g out of d->guests already. */
void
cvmd_guest_remove(Cvmd *d, CvmdGuest *g)
{
	for (const CvmdInterface *const *i = cvmd_interfaces(); *i != NULL; i++)
		if ((*i)->detach_guest != NULL)
			(*i)->detach_guest(d, g);
	g_dbus_object_manager_server_unexport(d->objects, g->path);
	if (d->manager != NULL && d->bus != NULL)
		cvm_dbus_manager_emit_guest_removed(d->manager, g->path, g->name);
	g_signal_handlers_disconnect_by_data(g->iface, g);
	g_clear_object(&g->iface);
	g_clear_object(&g->object);
	cvm_guest_record_free(g->record);
	g_free(g->path);
	g_free(g->name);
	g_free(g);
}
