/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Guest objects: one per record in <state>/guests/, exported at
 * /org/cvm/Cvmd1/guest/<escaped name> with org.cvm.Cvmd1.Guest plus the
 * optional interfaces of interfaces.c. */
#include <string.h>
#include <cvm/client.h>
#include <cvm/launch.h>
#include "cvmd/cvmd.h"

static void
sync_properties(CvmdGuest *g)
{
	cvm_dbus_guest_set_name(g->iface, g->name);
	cvm_dbus_guest_set_uuid(g->iface, cvm_record_get_string(g->record, "uuid", ""));
	cvm_dbus_guest_set_state(g->iface, cvm_record_get_string(g->record, "state", ""));
	cvm_dbus_guest_set_platform(g->iface, cvm_record_get_string(g->record, "platform", ""));
	cvm_dbus_guest_set_igvm_path(g->iface, cvm_record_get_string(g->record, "igvm-path", ""));
	cvm_dbus_guest_set_igvm_sha256(g->iface, cvm_record_get_string(g->record, "igvm-sha256", ""));
	cvm_dbus_guest_set_expected_measurement(g->iface, cvm_record_get_string(g->record, "expected-measurement", ""));
	cvm_dbus_guest_set_connection_uri(g->iface, cvm_record_get_string(g->record, "uri", ""));
	cvm_dbus_guest_set_created(g->iface, (guint64)cvm_record_get_int(g->record, "created", 0));
	cvm_dbus_guest_set_accel(g->iface, cvm_record_get_string(g->record, "accel", ""));
	cvm_dbus_guest_set_accel_fallback(g->iface, cvm_record_get_string(g->record, "accel-fallback", ""));
	cvm_dbus_guest_set_serial_log(g->iface, cvm_record_get_string(g->record, "serial-log", ""));
	cvm_dbus_guest_set_strategy(g->iface, cvm_record_get_string(g->record, "strategy", ""));
	cvm_dbus_guest_set_accel_requested(g->iface, cvm_record_get_string(g->record, "accel-requested", ""));
}

void
cvmd_guest_set_reason(CvmdGuest *g, const char *reason)
{
	/* The library's diagnosis of a status, so cvmd and the in-process path
	 * say the same about a failed guest. */
	json_object *status = json_object_new_object();

	json_object_object_add(status, "name", json_object_new_string(g->name));
	json_object_object_add(status, "uri", json_object_new_string(cvm_record_get_string(g->record, "uri", "")));
	json_object_object_add(status, "state", json_object_new_string(cvm_dbus_guest_get_state(g->iface)));
	cvm_guest_status_diagnose(status, reason);
	cvm_dbus_guest_set_state_reason(g->iface, cvm_record_get_string(status, "state-reason", ""));
	cvm_dbus_guest_set_qemu_log(g->iface, cvm_record_get_string(status, "qemu-log", ""));
	cvm_dbus_guest_set_qemu_log_tail(g->iface, cvm_record_get_string(status, "qemu-log-tail", ""));
	json_object_put(status);
}

gboolean
cvmd_guest_reload(CvmdGuest *g, GError **error)
{
	json_object *rec = cvm_state_read(g->daemon->state, "guests", g->name, error);

	if (rec == NULL)
		return FALSE;
	json_object_put(g->record);
	g->record = rec;
	sync_properties(g);
	return TRUE;
}

gboolean
cvmd_guest_save(CvmdGuest *g, GError **error)
{
	return cvm_state_write(g->daemon->state, "guests", g->name, g->record, error);
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

gboolean
cvmd_guest_release(CvmdGuest *g, GError **error)
{
	g->busy = NULL;
	if (!cvmd_guest_reload(g, error))
		return FALSE;
	cvmd_reconcile_guest(g);
	return TRUE;
}

void
cvmd_guest_set_state(CvmdGuest *g, const char *state)
{
	g_autoptr(GError) error = NULL;

	/* A held guest's record is the worker's: writing ours back would undo
	 * its change (a firmware switch lost its new digest that way). The
	 * property still follows libvirt; release() catches the record up. */
	if (g->busy != NULL) {
		cvm_dbus_guest_set_state(g->iface, state);
		return;
	}
	if (strcmp(cvm_record_get_string(g->record, "state", ""), state) == 0)
		return;
	json_object_object_add(g->record, "state", json_object_new_string(state));
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
	/* Without an answer from the worker, the events seen meanwhile (they
	 * moved the property only) are the best knowledge for the record. */
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
	l->uuid = g_strdup(cvm_record_get_string(g->record, "uuid", NULL));
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
	return do_lifecycle(iface, inv, g, "reset", "a Reset is in progress");
}

static gboolean
on_forget(CvmDbusGuest *iface, GDBusMethodInvocation *inv, gpointer data)
{
	CvmdGuest *g = data;
	Cvmd *d = g->daemon;
	g_autoptr(GError) error = NULL;
	const char *state = cvm_record_get_string(g->record, "state", "");

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
cvmd_guest_add(Cvmd *d, const char *name, json_object *record)
{
	CvmdGuest *g = g_new0(CvmdGuest, 1);

	g->daemon = d;
	g->name = g_strdup(name);
	g->path = cvm_bus_guest_path(name);
	g->record = json_object_get(record);
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
	json_object_put(g->record);
	g_free(g->path);
	g_free(g->name);
	g_free(g);
}
