/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LaunchGuest: the spec is decoded by libcvm (the same mapping cvmctl
 * uses), the launch itself (cvm_launch_guest_on_host() with the host facts
 * cvmd probed at start: plan, record, files, define+start, each undone on
 * failure) runs in a worker thread so
 * the bus stays responsive, and the guest object appears when it is done. */
#include "cvmd/cvmd.h"

#include <cvm/client.h>
#include <cvm/launch.h>

typedef struct {
	Cvmd *daemon;
	GDBusMethodInvocation *inv;
	GVariant *spec; /* the strings of @guest point into it */
	CvmGuestSpec guest;
	gboolean host_known; /* @host copied from the daemon's, on the main thread */
	CvmHostInfo host;
	const char *reason; /* the new domain's state reason, asked in the worker */
} Launch;

static void
launch_free(Launch *l)
{
	g_object_unref(l->inv);
	g_variant_unref(l->spec);
	g_free((gpointer)l->guest.svsm_devices); /* the array only: its strings are in @spec */
	g_free(l);
}

static void
run(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	Launch *l = data;
	g_autoptr(GError) error = NULL;
	virDomainPtr dom;
	int state, reason;

	(void)source;
	(void)cancellable;
	dom = cvm_launch_guest_on_host(l->daemon->conn, l->daemon->state, &l->guest, l->host_known ? &l->host : NULL,
				       NULL, &error);
	if (dom == NULL) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	/* The guest object does not exist yet to take the start's events. */
	if (virDomainGetState(dom, &state, &reason, 0) == 0)
		l->reason = cvm_domain_state_reason_name(state, reason);
	virDomainFree(dom);
	g_task_return_boolean(task, TRUE);
}

static void
done(GObject *source, GAsyncResult *res, gpointer data)
{
	Launch *l = data;
	Cvmd *d = l->daemon;
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmGuestRecord) rec = NULL;
	CvmdGuest *g;

	(void)source;
	g_hash_table_remove(d->launching, l->guest.name);
	if (!g_task_propagate_boolean(G_TASK(res), &error) ||
	    (rec = cvm_guest_record_load(d->state, l->guest.name, &error)) == NULL) {
		cvmd_return_error(l->inv, error);
		launch_free(l);
		return;
	}
	g = cvmd_guest_lookup(d, l->guest.name);
	if (g == NULL)
		g = cvmd_guest_add(d, l->guest.name, rec);
	cvmd_guest_set_reason(g, l->reason);
	g_dbus_method_invocation_return_value(l->inv, g_variant_new("(o)", g->path));
	launch_free(l);
}

static gboolean
on_launch(CvmDbusManager *m, GDBusMethodInvocation *inv, GVariant *spec, gpointer data)
{
	Cvmd *d = data;
	g_autoptr(GError) error = NULL;
	Launch *l = g_new0(Launch, 1);

	(void)m;
	l->daemon = d;
	l->host_known = d->host_probed;
	l->host = d->host;
	l->inv = g_object_ref(inv);
	l->spec = g_variant_ref(spec);
	if (!cvm_guest_spec_from_variant(spec, &l->guest, &error) ||
	    !cvm_name_check("guest name", l->guest.name, &error)) {
		g_prefix_error(&error, "launch spec: ");
	} else if (cvmd_guest_lookup(d, l->guest.name) != NULL ||
		   g_hash_table_contains(d->launching, l->guest.name)) {
		g_set_error(&error, CVM_ERROR, CVM_ERROR_EXISTS, "guest %s exists", l->guest.name);
	} else if (d->conn == NULL) {
		g_set_error(&error, CVM_ERROR, CVM_ERROR_LIBVIRT, "libvirt (%s) is not reachable", d->uri);
	}
	if (error != NULL) {
		cvmd_return_error(inv, error);
		launch_free(l);
		return TRUE;
	}
	g_hash_table_add(d->launching, g_strdup(l->guest.name));
	g_autoptr(GTask) task = g_task_new(NULL, NULL, done, l);
	g_task_set_task_data(task, l, NULL);
	g_task_run_in_thread(task, run);
	return TRUE;
}

void
cvmd_launch_connect(Cvmd *d)
{
	d->launching = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_signal_connect(d->manager, "handle-launch-guest", G_CALLBACK(on_launch), d);
}
