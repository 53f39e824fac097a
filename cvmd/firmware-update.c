/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.cvm.Cvmd1.FirmwareUpdate on every guest object: Stage, Apply,
 * Rollback, Status through libcvm's cvm/fwupdate.h. Apply and Rollback
 * relaunch the guest, so they run in a worker thread, on a copy of the
 * record that comes back to the main thread to be written. */
#include "cvmd/cvmd.h"

#include <cvm/fwupdate.h>
#include <string.h>

#define IFACE_KEY "cvmd-firmware-update"

typedef struct {
	CvmdGuest *guest;
	GDBusMethodInvocation *inv;
	gboolean rollback;
	gchar *old_digest;
	/* the worker's: a copy of the record, what runs afterwards */
	Cvmd *daemon;
	CvmGuestRecord *rec;
	gboolean changed; /* the worker relaunched: @rec is to be written */
} Switch;

/* The expected measurement, or the image's SHA-256 for native guests. */
static gchar *
digest_of(CvmdGuest *g)
{
	const char *m = g->record->image.measurement;

	if (m == NULL || *m == '\0')
		m = g->record->image.igvm_sha256;
	return g_strdup(m != NULL ? m : "");
}

static void
run_switch(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	Switch *s = data;
	g_autoptr(GError) error = NULL;

	(void)source;
	(void)cancellable;
	if (cvm_fwupdate_switch(s->daemon->conn, s->daemon->state, s->rec, s->rollback, &error)) {
		s->changed = TRUE;
		g_task_return_boolean(task, TRUE);
		return;
	}
	/* after a failed relaunch the old image was relaunched: that is news too */
	s->changed = !g_error_matches(error, CVM_ERROR, CVM_ERROR_STATE);
	g_task_return_error(task, g_steal_pointer(&error));
}

static void
switch_done(GObject *source, GAsyncResult *res, gpointer data)
{
	Switch *s = data;
	g_autoptr(GError) error = NULL;
	CvmdGuest *g = s->guest;
	gboolean ok;

	(void)source;
	ok = g_task_propagate_boolean(G_TASK(res), &error);
	/* Written here, by the folder's one writer, even after a failure: the
	 * worker may have relaunched the old image under a new domain. */
	if (s->changed && !cvm_guest_record_save(g->daemon->state, s->rec, ok ? &error : NULL))
		ok = FALSE;
	cvmd_guest_release(g);
	if (!ok) {
		cvmd_return_error(s->inv, error);
	} else {
		CvmDbusFirmwareUpdate *iface = g_object_get_data(G_OBJECT(g->object), IFACE_KEY);
		g_autofree gchar *new_digest = digest_of(g);
		cvm_dbus_firmware_update_emit_firmware_updated(iface, g->name, s->old_digest, new_digest);
		g_dbus_method_invocation_return_value(s->inv, NULL);
	}
	g_object_unref(s->inv);
	g_free(s->old_digest);
	cvm_guest_record_free(s->rec);
	g_free(s);
}

static gboolean
start_switch(CvmdGuest *g, GDBusMethodInvocation *inv, gboolean rollback)
{
	g_autoptr(GError) error = NULL;
	Switch *s;

	if (g->daemon->conn == NULL)
		g_set_error(&error, CVM_ERROR, CVM_ERROR_LIBVIRT, "libvirt (%s) is not reachable", g->daemon->uri);
	/* The guest object stays while held (Forget is refused), so the
	 * worker's and done()'s pointer to it stays valid. */
	if (error != NULL || !cvmd_guest_hold(g, rollback ? "firmware rollback" : "firmware update", &error)) {
		cvmd_return_error(inv, error);
		return TRUE;
	}
	s = g_new0(Switch, 1);
	s->guest = g;
	s->inv = g_object_ref(inv);
	s->rollback = rollback;
	s->old_digest = digest_of(g);
	s->daemon = g->daemon;
	s->rec = cvm_guest_record_copy(g->record);
	g_autoptr(GTask) task = g_task_new(NULL, NULL, switch_done, s);
	g_task_set_task_data(task, s, NULL);
	g_task_run_in_thread(task, run_switch);
	return TRUE;
}

static gboolean
on_apply(CvmDbusFirmwareUpdate *iface, GDBusMethodInvocation *inv, gpointer g)
{
	(void)iface;
	return start_switch(g, inv, FALSE);
}

static gboolean
on_rollback(CvmDbusFirmwareUpdate *iface, GDBusMethodInvocation *inv, gpointer g)
{
	(void)iface;
	return start_switch(g, inv, TRUE);
}

static gboolean
on_stage(CvmDbusFirmwareUpdate *iface, GDBusMethodInvocation *inv, const char *path, gpointer data)
{
	CvmdGuest *g = data;
	g_autoptr(GError) error = NULL;

	if (!g_path_is_absolute(path)) {
		g_set_error(&error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "the image path must be absolute");
	} else if (cvmd_guest_check_idle(g, &error) && cvm_fwupdate_stage(g->daemon->state, g->name, path, &error)) {
		cvm_dbus_firmware_update_complete_stage(iface, inv);
		return TRUE;
	}
	cvmd_return_error(inv, error);
	return TRUE;
}

static gboolean
on_status(CvmDbusFirmwareUpdate *iface, GDBusMethodInvocation *inv, gpointer data)
{
	CvmdGuest *g = data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *json = cvm_fwupdate_status(g->daemon->state, g->name, &error);

	if (json == NULL)
		cvmd_return_error(inv, error);
	else
		cvm_dbus_firmware_update_complete_status(iface, inv, json);
	return TRUE;
}

static void
attach_guest(Cvmd *d, CvmdGuest *g)
{
	CvmDbusFirmwareUpdate *iface = cvm_dbus_firmware_update_skeleton_new();

	g_signal_connect(iface, "g-authorize-method", G_CALLBACK(cvmd_caller_authorize), d);
	g_signal_connect(iface, "handle-stage", G_CALLBACK(on_stage), g);
	g_signal_connect(iface, "handle-apply", G_CALLBACK(on_apply), g);
	g_signal_connect(iface, "handle-rollback", G_CALLBACK(on_rollback), g);
	g_signal_connect(iface, "handle-status", G_CALLBACK(on_status), g);
	cvm_dbus_object_skeleton_set_firmware_update(g->object, iface);
	g_object_set_data_full(G_OBJECT(g->object), IFACE_KEY, iface, g_object_unref);
}

static void
detach_guest(Cvmd *d, CvmdGuest *g)
{
	(void)d;
	cvm_dbus_object_skeleton_set_firmware_update(g->object, NULL);
	g_object_set_data(G_OBJECT(g->object), IFACE_KEY, NULL);
}

static const char *const public_methods[] = {"Status", NULL};

const CvmdInterface cvmd_iface_firmware_update = {
	.name = "org.cvm.Cvmd1.FirmwareUpdate",
	.attach_guest = attach_guest,
	.detach_guest = detach_guest,
	.public_methods = public_methods,
};
