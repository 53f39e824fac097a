/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Choosing the operations once, and what both implementations share. */
#include "cvmctl/ops.h"
#include "cvmctl/cvmctl.h"

#include <cvm/error.h>
#include <cvm/state.h>

static void
ops_fill(CvmctlOps *ops, const char *bus, const char *uri)
{
	ops->bus = g_strdup(bus);
	ops->uri = g_strdup(uri);
	ops->state_dir = cvmctl_state_dir(bus);
}

CvmctlOps *
cvmctl_ops_open_local(const char *bus, const char *why)
{
	CvmctlOps *ops = cvmctl_ops_local_new();

	ops_fill(ops, bus, NULL);
	cvmctl_note("running in-process: %s", why);
	ops->no_cvmd = g_strdup(why);
	return ops;
}

CvmctlOps *
cvmctl_ops_open(const char *bus, const char *uri)
{
	g_autoptr(GError) error = NULL;
	const char *used = NULL;
	CvmClient *c = cvmctl_connect(bus, &used, &error);
	CvmctlOps *ops = c != NULL ? cvmctl_ops_dbus_new(c) : cvmctl_ops_local_new();

	ops_fill(ops, bus, uri);
	if (c != NULL) {
		cvmctl_note("using cvmd on the %s bus", used);
	} else {
		cvmctl_note("%s; running in-process (state in %s)", error->message, ops->state_dir);
		ops->no_cvmd = g_strdup(error->message);
	}
	return ops;
}

void
cvmctl_ops_free(CvmctlOps *ops)
{
	if (ops == NULL)
		return;
	g_free(ops->bus);
	g_free(ops->uri);
	g_free(ops->state_dir);
	g_free(ops->no_cvmd);
	ops->vt->free(ops);
}

static const char *const status_keys[] = {
	"name", "uuid", "state", "state-reason", "platform", "strategy", "accel", "accel-requested", "accel-fallback",
	"igvm-path", "igvm-sha256",
	"expected-measurement", "uri", "serial-log", "created", "qemu-log", "qemu-log-tail", NULL,
};

json_object *
cvmctl_ops_shape(json_object *status)
{
	json_object *out, *v;

	if (status == NULL)
		return NULL;
	if (json_object_is_type(status, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(status); i++)
			json_object_array_put_idx(status, i,
						  cvmctl_ops_shape(json_object_get(json_object_array_get_idx(status, i))));
		return status;
	}
	out = json_object_new_object();
	for (guint i = 0; status_keys[i] != NULL; i++)
		if (json_object_object_get_ex(status, status_keys[i], &v))
			json_object_object_add(out, status_keys[i], json_object_get(v));
	json_object_put(status);
	return out;
}

json_object *
cvmctl_ops_find(json_object *list, const char *name, GError **error)
{
	for (size_t i = 0; list != NULL && i < json_object_array_length(list); i++) {
		json_object *g = json_object_array_get_idx(list, i);

		if (g_strcmp0(cvm_record_get_string(g, "name", NULL), name) == 0)
			return json_object_get(g);
	}
	g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "no guest named %s", name);
	return NULL;
}

/* The guest's state now, or NULL with @error set. */
static gchar *
state_of(CvmctlOps *ops, const char *name, GError **error)
{
	json_object *st = ops->vt->status(ops, name, error);
	gchar *state;

	if (st == NULL)
		return NULL;
	state = g_strdup(cvm_record_get_string(st, "state", ""));
	json_object_put(st);
	return state;
}

static gboolean
is_up(const char *state)
{
	return g_strcmp0(state, "running") == 0 || g_strcmp0(state, "paused") == 0 ||
	       g_strcmp0(state, "stopping") == 0;
}

#define STOP_POLL_US (100 * 1000)

gboolean
cvmctl_ops_stop(CvmctlOps *ops, const char *name, gboolean force, gdouble timeout_s, GError **error)
{
	gint64 deadline;

	if (force)
		return ops->vt->action(ops, name, "destroy", error);
	if (!ops->vt->action(ops, name, "stop", error))
		return FALSE;
	if (timeout_s <= 0)
		return TRUE;
	deadline = g_get_monotonic_time() + (gint64)(timeout_s * G_USEC_PER_SEC);
	while (g_get_monotonic_time() < deadline) {
		g_autofree gchar *state = state_of(ops, name, error);

		if (state == NULL)
			return FALSE;
		if (!is_up(state))
			return TRUE;
		g_usleep(STOP_POLL_US);
	}
	/* What cvm_lifecycle_stop() does in libvirt terms: the guest had
	 * its chance to shut down cleanly. */
	return ops->vt->action(ops, name, "destroy", error);
}

gboolean
cvmctl_ops_forget(CvmctlOps *ops, const char *name, gboolean force, GError **error)
{
	g_autofree gchar *state = state_of(ops, name, error);

	if (state == NULL)
		return FALSE;
	if (is_up(state) && !force) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_STATE,
			    "guest %s is %s; stop it first (cvmctl stop %s, or cvmctl stop --force %s), "
			    "or forget it with cvmctl forget --force %s",
			    name, state, name, name, name);
		return FALSE;
	}
	if (is_up(state) && !ops->vt->action(ops, name, "destroy", error))
		return FALSE;
	return ops->vt->action(ops, name, "forget", error);
}

gchar *
cvmctl_ops_serial_log(CvmctlOps *ops, const char *name, GError **error)
{
	json_object *st = ops->vt->status(ops, name, error);
	const char *log;
	gchar *out;

	if (st == NULL)
		return NULL;
	log = cvm_record_get_string(st, "serial-log", "");
	if (*log != '\0') {
		out = g_strdup(log);
	} else {
		g_autofree gchar *dir = cvm_launch_guest_dir(ops->state_dir, name);

		out = g_build_filename(dir, "serial.log", NULL);
	}
	json_object_put(st);
	return out;
}
