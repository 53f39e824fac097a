/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Guest resets and firmware updates: a replacement that was to last one
 * reset (vm-launch-update's HOST_IGVM), or a requested restore of the host's
 * image, takes effect when libvirt reports the guest's reboot
 * (cvm_fwupdate_guest_reset(), in a worker thread: it relaunches). */
#include "cvmd/cvmd.h"

#include <cvm/fwupdate.h>

typedef struct {
	Cvmd *daemon;
	gchar *name;
	char uuid[VIR_UUID_STRING_BUFLEN];
} Reboot;

static void
run(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	Reboot *r = data;
	g_autoptr(GError) error = NULL;

	(void)source;
	(void)cancellable;
	if (!cvm_fwupdate_guest_reset(r->daemon->conn, r->daemon->state, r->name, &error))
		g_printerr("cvmd: %s: firmware restore at reset failed: %s\n", r->name, error->message);
	g_task_return_boolean(task, TRUE);
}

static void
done(GObject *source, GAsyncResult *res, gpointer data)
{
	Reboot *r = data;
	CvmdGuest *g = cvmd_guest_lookup(r->daemon, r->name);

	(void)source;
	(void)res;
	if (g != NULL)
		cvmd_guest_release(g);
	g_free(r->name);
	g_free(r);
}

static gboolean
on_main(gpointer data)
{
	Reboot *r = data;
	CvmdGuest *g = cvmd_guest_lookup(r->daemon, r->name);
	g_autoptr(GError) error = NULL;

	/* Only the guest's own domain (by UUID) is relaunched: a domain that
	 * merely took its name is someone else's. */
	if (g != NULL && g_strcmp0(g->record->uuid, r->uuid) != 0) {
		g_printerr("cvmd: %s: reset of libvirt domain %s, not the guest's; ignored\n", r->name, r->uuid);
		g = NULL;
	}
	/* A guest held by a firmware switch or a migration is being relaunched
	 * or moved by that worker, which decides its image. */
	/* A Reset call does the restore itself (cvmd_libvirt_lifecycle()). */
	if (g != NULL && g_strcmp0(g->busy, CVMD_RESET_WORK) == 0)
		g = NULL;
	if (g == NULL || !cvmd_guest_hold(g, "firmware restore at reset", &error)) {
		if (error != NULL)
			g_printerr("cvmd: %s: reset not handled: %s\n", r->name, error->message);
		g_free(r->name);
		g_free(r);
		return G_SOURCE_REMOVE;
	}
	g_autoptr(GTask) task = g_task_new(NULL, NULL, done, r);
	g_task_set_task_data(task, r, NULL);
	g_task_run_in_thread(task, run);
	return G_SOURCE_REMOVE;
}

static void
on_reboot(virConnectPtr conn, virDomainPtr dom, void *opaque)
{
	Reboot *r = g_new0(Reboot, 1);

	(void)conn;
	r->daemon = opaque;
	r->name = g_strdup(virDomainGetName(dom));
	if (virDomainGetUUIDString(dom, r->uuid) < 0)
		r->uuid[0] = '\0';
	g_main_context_invoke(NULL, on_main, r);
}

int
cvmd_reboot_register(Cvmd *d)
{
	return virConnectDomainEventRegisterAny(d->conn, NULL, VIR_DOMAIN_EVENT_ID_REBOOT,
						VIR_DOMAIN_EVENT_CALLBACK(on_reboot), d, NULL);
}
