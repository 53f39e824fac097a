/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libvirt connection and its lifecycle events. libvirt's default event
 * loop runs in its own thread (cvm_libvirt_open()); each event is handed to the GLib main context,
 * where all guest objects live, so D-Bus state is only touched from there. */
#include <string.h>
#include <libvirt/virterror.h>
#include <cvm/client.h>
#include <cvm/fwupdate.h>
#include <cvm/launch.h>
#include <cvm/lifecycle.h>
#include "cvmd/cvmd.h"

typedef struct {
	Cvmd *daemon;
	char *name;
	char uuid[VIR_UUID_STRING_BUFLEN];
	char *state;
	const char *reason; /* static, cvm_domain_state_reason_name() */
} StateChange;

/* The guest an event is about: the one whose record has the domain's UUID.
 * A domain that merely has a guest's name is not that guest; it only tells
 * that the guest's own domain is gone (it cannot hold the name otherwise). */
static gboolean
apply_change(gpointer data)
{
	StateChange *c = data;
	CvmdGuest *g = cvmd_guest_lookup(c->daemon, c->name);
	const char *uuid = g && g->record->uuid ? g->record->uuid : "";

	if (g != NULL && strcmp(uuid, c->uuid) == 0) {
		cvmd_guest_set_state(g, c->state);
		cvmd_guest_set_reason(g, c->reason);
	} else if (g != NULL && g->busy == NULL) {
		/* A worker that holds the guest relaunches it under a new UUID
		 * and records that itself; otherwise a stranger took the name. */
		g_printerr("cvmd: %s: event of libvirt domain %s, which has the guest's name but "
			   "not its UUID %s: not the guest's, ignored\n", c->name, c->uuid, uuid);
		cvmd_guest_set_state(g, strcmp(c->state, "vanished") == 0 ? "vanished" : "replaced");
	}
	g_free(c->name);
	g_free(c->state);
	g_free(c);
	return G_SOURCE_REMOVE;
}

static int
on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	StateChange *c = g_new0(StateChange, 1);
	int state = VIR_DOMAIN_NOSTATE, reason;

	c->daemon = opaque;
	c->name = g_strdup(virDomainGetName(dom));
	if (virDomainGetUUIDString(dom, c->uuid) < 0)
		c->uuid[0] = '\0';
	if (event == VIR_DOMAIN_EVENT_UNDEFINED)
		c->state = g_strdup("vanished");
	else if (virDomainGetState(dom, &state, &reason, 0) == 0) {
		c->state = g_strdup(cvm_domain_state_name(state));
		c->reason = cvm_domain_state_reason_name(state, reason);
	} else
		c->state = g_strdup("unknown");
	virResetLastError();
	g_main_context_invoke(NULL, apply_change, c);
	return 0;
}

gboolean
cvmd_libvirt_open(Cvmd *d, GError **error)
{
	g_autoptr(GError) probe_error = NULL;

	d->conn = cvm_libvirt_open(d->uri, error);
	if (d->conn == NULL)
		return FALSE;
	d->host_probed = cvm_host_probe(d->conn, &d->host, &probe_error);
	if (!d->host_probed)
		g_printerr("cvmd: %s: cannot probe the host: %s\n", d->uri, probe_error->message);
	d->lifecycle_cb = virConnectDomainEventRegisterAny(
		d->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle),
		d, NULL);
	d->reboot_cb = cvmd_reboot_register(d);
	if (d->lifecycle_cb < 0)
		g_printerr("cvmd: %s: no lifecycle events; states refresh on Reconcile only\n",
			   d->uri);
	return TRUE;
}

void
cvmd_libvirt_close(Cvmd *d)
{
	if (d->conn == NULL)
		return;
	if (d->lifecycle_cb >= 0)
		virConnectDomainEventDeregisterAny(d->conn, d->lifecycle_cb);
	if (d->reboot_cb >= 0)
		virConnectDomainEventDeregisterAny(d->conn, d->reboot_cb);
	d->lifecycle_cb = d->reboot_cb = -1;
	cvm_libvirt_close(d->conn);
	d->conn = NULL;
	d->host_probed = FALSE;
}

/* Runs in a worker thread (guest.c): libvirt connections are thread-safe,
 * and a QEMU that takes a second to start or die no longer stalls the bus. */
gboolean
cvmd_libvirt_lifecycle(Cvmd *d, const char *name, const char *uuid, const char *action, char **state,
		       GError **error)
{
	g_autoptr(GError) local = NULL;
	virDomainPtr dom;
	int s = VIR_DOMAIN_NOSTATE, reason;

	*state = NULL;
	if (d->conn == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_LIBVIRT, "not connected to %s", d->uri);
		return FALSE;
	}
	dom = cvm_lifecycle_lookup(d->conn, name, uuid, &local);
	if (dom == NULL) {
		if (g_error_matches(local, CVM_ERROR, CVM_ERROR_STATE))
			*state = g_strdup("replaced");
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (!cvm_lifecycle_action(dom, action, error)) {
		virDomainFree(dom);
		return FALSE;
	}
	/* A reset is the guest's next reset for a firmware update too, as
	 * in-process (launch/guest-local.c): the reboot event it raises finds
	 * the guest held by this worker (cvmd/reboot.c), so the restore of the
	 * host's image, when due, is done here. It relaunches the domain under
	 * the same UUID. */
	if (strcmp(action, "reset") == 0) {
		virDomainFree(dom);
		if (!cvm_fwupdate_guest_reset(d->conn, d->state, name, error))
			return FALSE;
		dom = cvm_lifecycle_lookup(d->conn, name, uuid, error);
		if (dom == NULL)
			return FALSE;
	}
	*state = g_strdup(virDomainGetState(dom, &s, &reason, 0) == 0 ? cvm_domain_state_name(s) : "unknown");
	virResetLastError();
	virDomainFree(dom);
	return TRUE;
}
