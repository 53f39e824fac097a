/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Define+start that undoes itself on failure; graceful stop then destroy. */
#include <libvirt/virterror.h>
#include <cvm/error.h>
#include <cvm/lifecycle.h>

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
