/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guest operations through cvmd (cvm/client.h). */
#include "cvmctl/ops.h"

#include <cvm/client.h>

typedef struct {
	CvmctlOps ops;
	CvmClient *client;
} DbusOps;

static CvmClient *
client_of(CvmctlOps *ops)
{
	return ((DbusOps *)ops)->client;
}

static json_object *
list(CvmctlOps *ops, GError **error)
{
	return cvmctl_ops_shape(cvm_client_list_guests(client_of(ops), error));
}

static json_object *
status(CvmctlOps *ops, const char *name, GError **error)
{
	return cvmctl_ops_shape(cvm_client_guest_status(client_of(ops), name, error));
}

static json_object *
launch(CvmctlOps *ops, const CvmGuestSpec *spec, GStrv *warnings, GError **error)
{
	g_autofree gchar *path = cvm_client_launch(client_of(ops), cvm_guest_spec_to_variant(spec), error);

	/* cvmd logs the plan's warnings; the reply carries none. */
	*warnings = NULL;
	return path != NULL ? status(ops, spec->name, error) : NULL;
}

static gboolean
action(CvmctlOps *ops, const char *name, const char *what, GError **error)
{
	return cvm_client_guest_action(client_of(ops), name, what, error);
}

static gchar *
fwupdate(CvmctlOps *ops, const char *name, const char *method, const char *image, GError **error)
{
	gchar *json = NULL;

	if (g_strcmp0(method, "Status") != 0 && !cvm_client_fwupdate(client_of(ops), name, method, image, NULL, error))
		return NULL;
	return cvm_client_fwupdate(client_of(ops), name, "Status", NULL, &json, error) ? json : NULL;
}

static void
dbus_free(CvmctlOps *ops)
{
	cvm_client_free(client_of(ops));
	g_free(ops);
}

static const CvmctlOpsVtable dbus_vtable = {
	.name = "cvmd",
	.list = list,
	.status = status,
	.launch = launch,
	.action = action,
	.fwupdate = fwupdate,
	.free = dbus_free,
};

CvmctlOps *
cvmctl_ops_dbus_new(CvmClient *client)
{
	DbusOps *d = g_new0(DbusOps, 1);

	d->ops.vt = &dbus_vtable;
	d->client = client;
	return &d->ops;
}
