/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Define+start that undoes itself on failure; graceful stop then destroy;
 * a guest's domain found, acted on and read by its UUID. */
#include <string.h>
#include <libvirt/virterror.h>
#include <cvm/client.h>
#include <cvm/error.h>
#include <cvm/lifecycle.h>
#include <cvm/state.h>

static void
set_libvirt_error(GError **error, const char *what, const char *name)
{
	g_set_error(error, CVM_ERROR, CVM_ERROR_LIBVIRT, "%s %s: %s", what, name, virGetLastErrorMessage());
	virResetLastError();
}

virDomainPtr
cvm_lifecycle_define_start(virConnectPtr conn, const char *name, const char *xml, GError **error)
{
	virDomainPtr dom = virDomainLookupByName(conn, name);

	if (dom != NULL) {
		virDomainFree(dom);
		g_set_error(error, CVM_ERROR, CVM_ERROR_EXISTS, "a domain named %s already exists", name);
		return NULL;
	}
	virResetLastError();
	dom = virDomainDefineXML(conn, xml);
	if (dom == NULL) {
		set_libvirt_error(error, "cannot define", name);
		return NULL;
	}
	if (virDomainCreate(dom) < 0) {
		set_libvirt_error(error, "cannot start", name);
		virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_NVRAM);
		virResetLastError();
		virDomainFree(dom);
		return NULL;
	}
	return dom;
}

static gboolean
is_active(virDomainPtr dom)
{
	return virDomainIsActive(dom) == 1;
}

static gboolean
wait_inactive(virDomainPtr dom, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	while (is_active(dom)) {
		if (g_get_monotonic_time() >= deadline)
			return FALSE;
		g_usleep(50 * 1000);
	}
	return TRUE;
}

gboolean
cvm_lifecycle_stop(virConnectPtr conn, const char *name, guint timeout_ms, GError **error)
{
	virDomainPtr dom = virDomainLookupByName(conn, name);
	gboolean ok = TRUE;

	if (dom == NULL) {
		virResetLastError();
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "no domain named %s", name);
		return FALSE;
	}
	/* A guest may ignore ACPI (no OS yet): the bounded wait then destroys. */
	if (is_active(dom) && timeout_ms > 0 && virDomainShutdown(dom) == 0)
		wait_inactive(dom, timeout_ms);
	virResetLastError();
	if (is_active(dom) && virDomainDestroy(dom) < 0 && is_active(dom)) {
		set_libvirt_error(error, "cannot destroy", name);
		ok = FALSE;
	}
	virDomainFree(dom);
	return ok;
}

virDomainPtr
cvm_lifecycle_lookup(virConnectPtr conn, const char *name, const char *uuid, GError **error)
{
	virDomainPtr dom, other;
	char found[VIR_UUID_STRING_BUFLEN] = "";
	virErrorPtr e;

	if (uuid == NULL || *uuid == '\0') {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND,
			    "guest %s has no recorded domain UUID; it is not acted on by name", name);
		return NULL;
	}
	dom = virDomainLookupByUUIDString(conn, uuid);
	if (dom != NULL)
		return dom;
	e = virGetLastError();
	if (e != NULL && e->code != VIR_ERR_NO_DOMAIN) {
		set_libvirt_error(error, "cannot look up the domain of", name);
		return NULL;
	}
	virResetLastError();
	other = virDomainLookupByName(conn, name);
	virResetLastError();
	if (other == NULL) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "guest %s has no libvirt domain (UUID %s)", name,
			    uuid);
		return NULL;
	}
	if (virDomainGetUUIDString(other, found) < 0)
		g_strlcpy(found, "(unknown)", sizeof(found));
	virResetLastError();
	virDomainFree(other);
	g_set_error(error, CVM_ERROR, CVM_ERROR_STATE,
		    "guest %s: the libvirt domain named %s has UUID %s, not the guest's %s; "
		    "it replaced the guest's domain outside cvm and is left alone",
		    name, name, found, uuid);
	return NULL;
}

gboolean
cvm_lifecycle_action(virDomainPtr dom, const char *action, GError **error)
{
	int rc;

	if (g_strcmp0(action, "start") == 0) {
		/* libvirt's own refusal is reported inconsistently by the
		 * drivers (the embedded one leaves no error set): say it as
		 * virsh does, by name. */
		if (is_active(dom)) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_STATE, "guest %s is already running",
				    virDomainGetName(dom));
			return FALSE;
		}
		rc = virDomainCreate(dom);
	}
	else if (g_strcmp0(action, "stop") == 0)
		rc = virDomainShutdown(dom);
	else if (g_strcmp0(action, "reboot") == 0)
		rc = virDomainReboot(dom, 0);
	else if (g_strcmp0(action, "reset") == 0)
		rc = virDomainReset(dom, 0);
	else if (g_strcmp0(action, "destroy") == 0) {
		/* Opening the embedded driver reconnects to running QEMUs in a
		 * thread; destroy kills QEMU before taking the job, so the
		 * reconnect may see it die first and destroy then reports "not
		 * running": what was asked for happened. That reconnect would
		 * also record the death as a crash (libvirt logs "shutting down,
		 * reason=crashed", which is all a later process reads): a call
		 * that takes the job waits for the reconnect first. */
		virDomainMemoryStatStruct stat;

		if (is_active(dom) && virDomainMemoryStats(dom, &stat, 1, 0) < 0)
			virResetLastError();
		rc = is_active(dom) && virDomainDestroy(dom) < 0 && virDomainIsActive(dom) != 0 ? -1 : 0;
	}
	else {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "unknown action %s", action);
		return FALSE;
	}
	if (rc < 0) {
		set_libvirt_error(error, action, virDomainGetName(dom));
		return FALSE;
	}
	virResetLastError();
	return TRUE;
}

const char *
cvm_lifecycle_guest_state(virConnectPtr conn, const char *name, const CvmGuestRecord *rec, const char **reason_out)
{
	g_autoptr(GError) error = NULL;
	const char *was = rec->state != NULL ? rec->state : "";
	int s = VIR_DOMAIN_NOSTATE, reason;
	virDomainPtr dom;
	const char *out;

	if (reason_out != NULL)
		*reason_out = NULL;
	if (conn == NULL)
		return "unknown";
	dom = cvm_lifecycle_lookup(conn, name, rec->uuid, &error);
	if (dom == NULL) {
		if (g_error_matches(error, CVM_ERROR, CVM_ERROR_STATE))
			return "replaced";
		if (g_error_matches(error, CVM_ERROR, CVM_ERROR_LIBVIRT))
			return "unknown";
		return strcmp(was, "launching") == 0 || strcmp(was, "failed") == 0 ? "failed" : "vanished";
	}
	out = "unknown";
	if (virDomainGetState(dom, &s, &reason, 0) == 0) {
		out = cvm_domain_state_name(s);
		if (reason_out != NULL)
			*reason_out = cvm_domain_state_reason_name(s, reason);
	}
	virResetLastError();
	virDomainFree(dom);
	return out;
}
