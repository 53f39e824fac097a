/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Guests without cvmd: state records plus libvirt, in the caller's process. */
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <cvm/client.h>
#include <cvm/launch.h>
#include <cvm/state.h>

const char *
cvm_domain_state_name(int s)
{
	switch (s) {
	case VIR_DOMAIN_RUNNING:
	case VIR_DOMAIN_BLOCKED: return "running";
	case VIR_DOMAIN_PAUSED: return "paused";
	case VIR_DOMAIN_SHUTDOWN: return "stopping";
	case VIR_DOMAIN_SHUTOFF: return "shutoff";
	case VIR_DOMAIN_CRASHED: return "crashed";
	case VIR_DOMAIN_PMSUSPENDED: return "suspended";
	default: return "unknown";
	}
}

static virDomainPtr
lookup(virConnectPtr conn, const char *name, json_object *rec)
{
	const char *uuid = cvm_record_get_string(rec, "uuid", NULL);
	virDomainPtr dom;

	dom = uuid && *uuid ? virDomainLookupByUUIDString(conn, uuid) : virDomainLookupByName(conn, name);
	virResetLastError();
	return dom;
}

/* The state in cvm's words; @reason_out its libvirt reason, if there is one. */
static const char *
current_state(virConnectPtr conn, const char *name, json_object *rec, const char **reason_out)
{
	virDomainPtr dom;
	int s = VIR_DOMAIN_NOSTATE, reason;
	const char *out;

	*reason_out = NULL;
	if (conn == NULL)
		return "unknown";
	dom = lookup(conn, name, rec);
	if (dom == NULL) {
		const char *was = cvm_record_get_string(rec, "state", NULL);

		return was && (strcmp(was, "launching") == 0 || strcmp(was, "failed") == 0) ? "failed"
											 : "vanished";
	}
	out = "unknown";
	if (virDomainGetState(dom, &s, &reason, 0) == 0) {
		out = cvm_domain_state_name(s);
		*reason_out = cvm_domain_state_reason_name(s, reason);
	}
	virDomainFree(dom);
	return out;
}

static int
by_name(const void *a, const void *b)
{
	json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;

	return g_strcmp0(cvm_record_get_string(x, "name", NULL), cvm_record_get_string(y, "name", NULL));
}

json_object *
cvm_local_list_guests(const char *state_dir, const char *uri, GError **error)
{
	g_autoptr(CvmState) st = cvm_state_open(state_dir, error);
	g_autoptr(GHashTable) recs = NULL;
	virConnectPtr conn;
	GHashTableIter it;
	gpointer name, rec;
	json_object *arr;

	if (st == NULL || (recs = cvm_state_load_all(st, "guests", NULL, error)) == NULL)
		return NULL;
	/* A guest whose record names no URI is on @uri; opening also registers
	 * the event loop the embedded driver needs. */
	conn = cvm_libvirt_open(uri, NULL);
	arr = json_object_new_array();
	g_hash_table_iter_init(&it, recs);
	while (g_hash_table_iter_next(&it, &name, &rec)) {
		json_object *o = json_object_get(rec);
		const char *reason;

		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "state", json_object_new_string(current_state(conn, name, rec, &reason)));
		if (cvm_record_get_string(o, "uri", NULL) == NULL)
			json_object_object_add(o, "uri", json_object_new_string(uri));
		cvm_guest_status_diagnose(o, reason);
		json_object_array_add(arr, o);
	}
	if (conn != NULL)
		cvm_libvirt_close(conn);
	json_object_array_sort(arr, by_name);
	return arr;
}

gboolean
cvm_local_guest_action(const char *state_dir, const char *uri, const char *name,
		       const char *action, GError **error)
{
	g_autoptr(CvmState) st = cvm_state_open(state_dir, error);
	json_object *rec;
	virConnectPtr conn;
	virDomainPtr dom;
	int rc = -1;

	if (st == NULL || (rec = cvm_state_read(st, "guests", name, error)) == NULL)
		return FALSE;
	conn = cvm_libvirt_open(cvm_record_get_string(rec, "uri", NULL) && *cvm_record_get_string(rec, "uri", NULL) ? cvm_record_get_string(rec, "uri", NULL) : uri, NULL);
	dom = conn ? lookup(conn, name, rec) : NULL;
	if (dom == NULL) {
		g_set_error(error, CVM_ERROR, conn ? CVM_ERROR_NOT_FOUND : CVM_ERROR_LIBVIRT,
			    conn ? "guest %s has no libvirt domain" : "cannot connect to libvirt for %s",
			    name);
	} else {
		if (g_strcmp0(action, "start") == 0)
			rc = virDomainCreate(dom);
		else if (g_strcmp0(action, "stop") == 0)
			rc = virDomainShutdown(dom);
		else if (g_strcmp0(action, "destroy") == 0)
			/* Opening the embedded driver reconnects to running QEMUs in a
			 * thread; destroy kills QEMU before taking the job, so the
			 * reconnect may see it die first and destroy then reports "not
			 * running": what was asked for happened. */
			rc = virDomainIsActive(dom) == 1 && virDomainDestroy(dom) < 0 && virDomainIsActive(dom) != 0 ? -1
															: 0;
		else if (g_strcmp0(action, "forget") == 0)
			rc = cvm_launch_forget(conn, st, name, NULL) ? 0 : -1;
		if (rc < 0) {
			virErrorPtr e = virGetLastError();

			g_set_error(error, CVM_ERROR, CVM_ERROR_LIBVIRT, "%s %s: %s", action, name,
				    e && e->message ? e->message : "unknown action or libvirt error");
		}
		virDomainFree(dom);
	}
	if (conn != NULL)
		cvm_libvirt_close(conn);
	json_object_put(rec);
	return rc == 0;
}
