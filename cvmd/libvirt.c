/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libvirt connection and its lifecycle events. libvirt's default event
 * loop runs in its own thread (cvm_libvirt_open()); each event is handed to the GLib main context,
 * where all guest objects live, so D-Bus state is only touched from there. */
#include <string.h>
#include <libvirt/virterror.h>
#include <cvm/client.h>
#include <cvm/launch.h>
#include "cvmd/cvmd.h"

typedef struct {
	Cvmd *daemon;
	char *name;
	char *state;
	const char *reason; /* static, cvm_domain_state_reason_name() */
} StateChange;

static gboolean
apply_change(gpointer data)
{
	StateChange *c = data;
	CvmdGuest *g = cvmd_guest_lookup(c->daemon, c->name);

	if (g != NULL) {
		cvmd_guest_set_state(g, c->state);
		cvmd_guest_set_reason(g, c->reason);
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
	if (event == VIR_DOMAIN_EVENT_UNDEFINED)
		c->state = g_strdup("vanished");
	else if (virDomainGetState(dom, &state, &reason, 0) == 0) {
		c->state = g_strdup(cvm_domain_state_name(state));
		c->reason = cvm_domain_state_reason_name(state, reason);
	} else
		c->state = g_strdup("unknown");
	g_main_context_invoke(NULL, apply_change, c);
	return 0;
}

static void
set_libvirt_error(GError **error, const char *what)
{
	virErrorPtr e = virGetLastError();

	g_set_error(error, CVM_ERROR, CVM_ERROR_LIBVIRT, "%s: %s", what,
		    e && e->message ? e->message : "unknown libvirt error");
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

static virDomainPtr
find_domain(Cvmd *d, const char *name, const char *uuid)
{
	virDomainPtr dom = NULL;

	if (d->conn == NULL)
		return NULL;
	/* The UUID is what identifies the guest we launched; a domain that
	 * merely reuses the name is not ours. */
	if (uuid != NULL && *uuid != '\0')
		dom = virDomainLookupByUUIDString(d->conn, uuid);
	else
		dom = virDomainLookupByName(d->conn, name);
	virResetLastError();
	return dom;
}

char *
cvmd_libvirt_domain_state(Cvmd *d, const char *name, const char *uuid)
{
	virDomainPtr dom = find_domain(d, name, uuid);
	int state = VIR_DOMAIN_NOSTATE, reason;
	char *out = NULL;

	if (dom == NULL)
		return d->conn ? NULL : g_strdup("unknown");
	if (virDomainGetState(dom, &state, &reason, 0) == 0)
		out = g_strdup(cvm_domain_state_name(state));
	else
		out = g_strdup("unknown");
	virDomainFree(dom);
	return out;
}

gboolean
cvmd_libvirt_lifecycle(Cvmd *d, const char *name, const char *action, GError **error)
{
	virDomainPtr dom;
	int rc;

	if (d->conn == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_LIBVIRT, "not connected to %s", d->uri);
		return FALSE;
	}
	dom = virDomainLookupByName(d->conn, name);
	if (dom == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND,
			    "guest %s has no libvirt domain on %s", name, d->uri);
		virResetLastError();
		return FALSE;
	}
	if (strcmp(action, "start") == 0)
		rc = virDomainCreate(dom);
	else if (strcmp(action, "stop") == 0)
		rc = virDomainShutdown(dom);
	else
		rc = virDomainDestroy(dom);
	if (rc < 0)
		set_libvirt_error(error, action);
	virDomainFree(dom);
	return rc == 0;
}
