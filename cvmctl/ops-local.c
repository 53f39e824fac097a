/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guest operations in-process: libcvm on the state folder
 * (CvmctlOps.state_dir) and libvirt at cvmctl_local_uri(). */
#include "cvmctl/ops.h"
#include "cvmctl/cvmctl.h"

#include <stdio.h>
#include <cvm/client.h>
#include <cvm/error.h>
#include <cvm/fwupdate.h>
#include <cvm/state.h>

static json_object *
list(CvmctlOps *ops, GError **error)
{
	g_autofree gchar *uri = cvmctl_local_uri(ops->uri, ops->state_dir, error);
	json_object *arr = uri != NULL ? cvm_local_list_guests(ops->state_dir, uri, error) : NULL;

	return cvmctl_ops_shape(arr);
}

static json_object *
status(CvmctlOps *ops, const char *name, GError **error)
{
	json_object *arr = list(ops, error);
	json_object *found = arr != NULL ? cvmctl_ops_find(arr, name, error) : NULL;

	json_object_put(arr);
	return found;
}

static json_object *
launch(CvmctlOps *ops, const CvmGuestSpec *spec, GStrv *warnings, GError **error)
{
	g_autofree gchar *uri = cvmctl_local_uri(ops->uri, ops->state_dir, error);
	g_autoptr(CvmState) state = NULL;
	virConnectPtr conn;
	virDomainPtr dom;

	if (uri == NULL || (state = cvm_state_open(ops->state_dir, error)) == NULL)
		return NULL;
	conn = cvm_libvirt_open(uri, error);
	if (conn == NULL)
		return NULL;
	dom = cvm_launch_guest(conn, state, spec, warnings, error);
	/* Closed before the status is asked: the embedded driver admits one
	 * connection per process at a time. */
	cvm_libvirt_close(conn);
	if (dom == NULL)
		return NULL;
	virDomainFree(dom);
	return status(ops, spec->name, error);
}

static gboolean
action(CvmctlOps *ops, const char *name, const char *what, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(CvmState) state = cvm_state_open(ops->state_dir, error);
	json_object *rec = state != NULL ? cvm_state_read(state, "guests", name, &local) : NULL;
	g_autofree gchar *uri = NULL;

	if (state == NULL)
		return FALSE;
	/* An unknown name is answered as cvmd answers it, not with the path
	 * of the record that is not there. */
	if (rec == NULL && g_error_matches(local, CVM_ERROR, CVM_ERROR_NOT_FOUND)) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "no guest named %s", name);
		return FALSE;
	}
	if (rec == NULL) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	json_object_put(rec);
	uri = cvmctl_local_uri(ops->uri, ops->state_dir, error);
	return uri != NULL && cvm_local_guest_action(ops->state_dir, uri, name, what, error);
}

static gchar *
fwupdate(CvmctlOps *ops, const char *name, const char *method, const char *image, GError **error)
{
	g_autoptr(CvmState) state = cvm_state_open(ops->state_dir, error);
	g_autofree gchar *uri = NULL;
	gboolean ok = TRUE;

	if (state == NULL)
		return NULL;
	if (g_strcmp0(method, "Stage") == 0) {
		ok = cvm_fwupdate_stage(state, name, image, error);
	} else if (g_strcmp0(method, "Apply") == 0 || g_strcmp0(method, "Rollback") == 0) {
		virConnectPtr conn;

		uri = cvmctl_local_uri(ops->uri, ops->state_dir, error);
		conn = uri != NULL ? cvm_libvirt_open(uri, error) : NULL;
		if (conn == NULL)
			return NULL;
		ok = g_strcmp0(method, "Apply") == 0 ? cvm_fwupdate_apply(conn, state, name, error)
						     : cvm_fwupdate_rollback(conn, state, name, error);
		cvm_libvirt_close(conn);
	}
	return ok ? cvm_fwupdate_status(state, name, error) : NULL;
}

static void
local_free(CvmctlOps *ops)
{
	g_free(ops);
}

static const CvmctlOpsVtable local_vtable = {
	.name = "in-process",
	.list = list,
	.status = status,
	.launch = launch,
	.action = action,
	.fwupdate = fwupdate,
	.free = local_free,
};

CvmctlOps *
cvmctl_ops_local_new(void)
{
	CvmctlOps *ops = g_new0(CvmctlOps, 1);

	ops->vt = &local_vtable;
	return ops;
}
