/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: connect to a bus, introspect cvmd and call each method to probe access. */
#include "tests/lib/dbus-probe.h"

#include <stdio.h>
#include <stdlib.h>

GDBusConnection *
cvmt_probe_connect(const char *prog, const char *address)
{
	g_autoptr(GError) error = NULL;
	GDBusConnection *bus = g_dbus_connection_new_for_address_sync(
		address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);

	if (bus == NULL) {
		fprintf(stderr, "%s: %s\n", prog, error->message);
		exit(1);
	}
	return bus;
}

GDBusNodeInfo *
cvmt_probe_introspect(const char *prog, GDBusConnection *bus, const char *object)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) v = g_dbus_connection_call_sync(bus, "org.cvm.Cvmd1", object,
							    "org.freedesktop.DBus.Introspectable", "Introspect", NULL,
							    G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NONE, 20000, NULL, &error);
	const char *xml;
	GDBusNodeInfo *node;

	if (v != NULL) {
		g_variant_get(v, "(&s)", &xml);
		node = g_dbus_node_info_new_for_xml(xml, &error);
		if (node != NULL)
			return node;
	}
	fprintf(stderr, "%s: introspecting %s: %s\n", prog, object, error->message);
	exit(1);
}

void
cvmt_probe_each_method(const char *prog, GDBusNodeInfo *manager, const char *manager_path, const char *guest_path,
		       char **xml, CvmtProbeMethodFn fn, gpointer data)
{
	for (guint a = 0; xml[a] != NULL; a++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *text = NULL;
		g_autoptr(GDBusNodeInfo) node = NULL;

		if (!g_file_get_contents(xml[a], &text, NULL, &error) ||
		    (node = g_dbus_node_info_new_for_xml(text, &error)) == NULL) {
			fprintf(stderr, "%s: %s: %s\n", prog, xml[a], error->message);
			exit(1);
		}
		for (guint i = 0; node->interfaces != NULL && node->interfaces[i] != NULL; i++) {
			const GDBusInterfaceInfo *in = node->interfaces[i];
			gboolean on_guest = g_dbus_node_info_lookup_interface(manager, in->name) == NULL;

			for (guint k = 0; in->methods != NULL && in->methods[k] != NULL; k++)
				fn(on_guest ? guest_path : manager_path, in, in->methods[k], on_guest, data);
		}
	}
}
