/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Guests without cvmd: state records plus libvirt, in the caller's process. */
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <cvm/client.h>
#include <cvm/launch.h>
#include <cvm/lifecycle.h>
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
	g_autoptr(GPtrArray) aside = NULL;
	virConnectPtr conn;
	GHashTableIter it;
	gpointer name, rec;
	json_object *arr;

	if (st == NULL || (recs = cvm_state_load_all_full(st, "guests", NULL, &aside, error)) == NULL)
		return NULL;
	/* A guest whose record names no URI is on @uri; opening also registers
	 * the event loop the embedded driver needs. */
	conn = cvm_libvirt_open(uri, NULL);
	/* as cvmd does: a damaged record of a guest cvm launched is rebuilt from
	 * its domain (the record's "rebuilt" field says so) */
	for (guint i = 0; conn != NULL && i < aside->len; i++) {
		json_object *r = cvm_launch_rebuild_record(conn, st, aside->pdata[i], NULL);

		if (r != NULL)
			g_hash_table_insert(recs, g_strdup(aside->pdata[i]), r);
	}
	arr = json_object_new_array();
	g_hash_table_iter_init(&it, recs);
	while (g_hash_table_iter_next(&it, &name, &rec)) {
		json_object *o = json_object_get(rec);
		const char *reason;

		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "state",
				       json_object_new_string(cvm_lifecycle_guest_state(conn, name, rec, &reason)));
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
	gboolean ok = FALSE;

	if (st == NULL || (rec = cvm_state_read(st, "guests", name, error)) == NULL)
		return FALSE;
	conn = cvm_libvirt_open(cvm_record_get_string(rec, "uri", NULL) && *cvm_record_get_string(rec, "uri", NULL) ? cvm_record_get_string(rec, "uri", NULL) : uri, NULL);
	if (conn == NULL)
		g_set_error(error, CVM_ERROR, CVM_ERROR_LIBVIRT, "cannot connect to libvirt for %s", name);
	else if (g_strcmp0(action, "forget") == 0)
		ok = cvm_launch_forget(conn, st, name, error);
	else if ((dom = cvm_lifecycle_lookup(conn, name, cvm_record_get_string(rec, "uuid", NULL), error)) != NULL) {
		ok = cvm_lifecycle_action(dom, action, error);
		virDomainFree(dom);
	}
	if (conn != NULL)
		cvm_libvirt_close(conn);
	json_object_put(rec);
	return ok;
}
