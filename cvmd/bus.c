/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bus connection and name ownership. */
#include "cvmd/cvmd.h"

static void
on_name_lost(GDBusConnection *conn, const char *name, gpointer data)
{
	Cvmd *d = data;

	g_printerr("cvmd: lost (or could not own) the name %s\n", name);
	d->name_lost = TRUE;
	g_main_loop_quit(d->loop);
}

static void
on_name_acquired(GDBusConnection *conn, const char *name, gpointer data)
{
	g_printerr("cvmd: ready as %s\n", name);
	cvmd_trim_memory();
}

void
cvmd_return_error(GDBusMethodInvocation *inv, GError *error)
{
	/* Anything outside CVM_ERROR is reported as Failed with its message so
	 * clients only ever see org.cvm.Cvmd1.Error.* names. */
	if (error->domain != CVM_ERROR)
		g_dbus_method_invocation_return_dbus_error(inv, cvm_bus_error_name(CVM_ERROR_FAILED),
							   error->message);
	else
		g_dbus_method_invocation_return_gerror(inv, error);
}

gboolean
cvmd_bus_setup(Cvmd *d, const char *bus, GError **error)
{
	d->bus = cvm_bus_connect(bus, error);
	if (d->bus == NULL)
		return FALSE;
	/* The daemon should exit rather than linger when the bus goes away. */
	g_dbus_connection_set_exit_on_close(d->bus, TRUE);
	g_dbus_object_manager_server_set_connection(d->objects, d->bus);
	if (!cvmd_manager_publish(d, error))
		return FALSE;
	d->name_id = g_bus_own_name_on_connection(d->bus, CVM_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
						  on_name_acquired, on_name_lost, d, NULL);
	return TRUE;
}

void
cvmd_bus_teardown(Cvmd *d)
{
	if (d->name_id != 0)
		g_bus_unown_name(d->name_id);
	d->name_id = 0;
	if (d->manager != NULL &&
	    g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(d->manager)) != NULL)
		g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(d->manager));
	if (d->objects != NULL)
		g_dbus_object_manager_server_set_connection(d->objects, NULL);
	if (d->bus != NULL)
		g_dbus_connection_flush_sync(d->bus, NULL, NULL);
	g_clear_object(&d->bus);
}
