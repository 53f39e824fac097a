/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: bus-name-holder BUS_ADDRESS NAME
 * Owns NAME on the bus and serves no object, as a cvmd from before a method
 * would answer for it (org.freedesktop.DBus.Error.UnknownMethod). Prints
 * "owned" once the name is its own, then runs until killed. */
#include <gio/gio.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	g_autoptr(GVariant) r = NULL;
	guint32 reply = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s BUS_ADDRESS NAME\n", argv[0]);
		return 2;
	}
	bus = g_dbus_connection_new_for_address_sync(argv[1], G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
							     G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
						     NULL, NULL, &error);
	if (bus != NULL)
		r = g_dbus_connection_call_sync(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
						"org.freedesktop.DBus", "RequestName", g_variant_new("(su)", argv[2], 4u),
						G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
	if (r != NULL)
		g_variant_get(r, "(u)", &reply);
	if (reply != 1) { /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER; 4 above is DO_NOT_QUEUE */
		fprintf(stderr, "bus-name-holder: %s\n", error ? error->message : "the name has another owner");
		return 1;
	}
	printf("owned\n");
	fflush(stdout);
	g_main_loop_run(g_main_loop_new(NULL, FALSE));
	return 0;
}
