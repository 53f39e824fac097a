/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Guests without cvmd: state records plus libvirt, in the caller's process. */
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <cvm/client.h>
#include <cvm/launch.h>
#include <cvm/lifecycle.h>
#include <cvm/state.h>
#include <cvm/guest-record.h>

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
by_name(gconstpointer a, gconstpointer b)
{
	const CvmGuestRecord *x = *(CvmGuestRecord *const *)a, *y = *(CvmGuestRecord *const *)b;

	return g_strcmp0(x->name, y->name);
}

json_object *
cvm_local_list_guests(const char *state_dir, const char *uri, GError **error)
{
	g_autoptr(CvmState) st = cvm_state_open(state_dir, error);
	g_autoptr(GHashTable) recs = NULL;
	g_autoptr(GPtrArray) aside = NULL;
	g_autoptr(GPtrArray) sorted = NULL;
	virConnectPtr conn;
	GHashTableIter it;
	gpointer name, value;
	json_object *arr;

	if (st == NULL || (recs = cvm_guest_record_load_all(st, NULL, &aside, error)) == NULL)
		return NULL;
	/* A guest whose record names no URI is on @uri; opening also registers
	 * the event loop the embedded driver needs. */
	conn = cvm_libvirt_open(uri, NULL);
	/* as cvmd does: a damaged record of a guest cvm launched is rebuilt from
	 * its domain (the record's "rebuilt" field says so) */
	for (guint i = 0; conn != NULL && i < aside->len; i++) {
		CvmGuestRecord *r = cvm_launch_rebuild_record(conn, st, aside->pdata[i], NULL);

		if (r != NULL)
			g_hash_table_insert(recs, g_strdup(aside->pdata[i]), r);
	}
	sorted = g_ptr_array_new();
	g_hash_table_iter_init(&it, recs);
	while (g_hash_table_iter_next(&it, &name, &value)) {
		CvmGuestRecord *rec = value;
		const char *reason;

		cvm_guest_record_set(&rec->name, name);
		cvm_guest_record_set(&rec->state, cvm_lifecycle_guest_state(conn, name, rec, &reason));
		if (rec->uri == NULL)
			rec->uri = g_strdup(uri);
		cvm_guest_status_diagnose(rec, reason);
		g_ptr_array_add(sorted, rec);
	}
	if (conn != NULL)
		cvm_libvirt_close(conn);
	g_ptr_array_sort(sorted, by_name);
	arr = json_object_new_array();
	for (guint i = 0; i < sorted->len; i++)
		json_object_array_add(arr, cvm_guest_record_to_json(sorted->pdata[i]));
	return arr;
}

gboolean
cvm_local_guest_action(const char *state_dir, const char *uri, const char *name,
		       const char *action, GError **error)
{
	g_autoptr(CvmState) st = cvm_state_open(state_dir, error);
	g_autoptr(CvmGuestRecord) rec = NULL;
	virConnectPtr conn;
	virDomainPtr dom;
	gboolean ok = FALSE;

	if (st == NULL || (rec = cvm_guest_record_load(st, name, error)) == NULL)
		return FALSE;
	conn = cvm_libvirt_open(rec->uri != NULL && *rec->uri != '\0' ? rec->uri : uri, NULL);
	if (conn == NULL)
		g_set_error(error, CVM_ERROR, CVM_ERROR_LIBVIRT, "cannot connect to libvirt for %s", name);
	else if (g_strcmp0(action, "forget") == 0)
		ok = cvm_launch_forget(conn, st, name, error);
	else if ((dom = cvm_lifecycle_lookup(conn, name, rec->uuid, error)) != NULL) {
		ok = cvm_lifecycle_action(dom, action, error);
		virDomainFree(dom);
	}
	if (conn != NULL)
		cvm_libvirt_close(conn);
	return ok;
}
