/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmd-read-client ADDRESS STOPFILE [PAUSE_MS]: a read-only client for the
 * soak (tests/soak/soak-cvmd.sh). Until STOPFILE exists: ListGuests, GetAll
 * of the Manager, and GetAll of every guest listed, then PAUSE_MS (default
 * 0) of rest, so that 4 clients on 2 cores leave cvmd time for the work. A guest forgotten between
 * the list and its GetAll answers UnknownObject/UnknownMethod: that is the
 * soak's own churn, counted as "gone", not as an error. Anything else
 * failing is an error. Prints "calls N gone N errors N"; exit 1 on errors. */
#include <stdio.h>
#include <stdlib.h>
#include <gio/gio.h>

static GVariant *
call(GDBusConnection *c, const char *path, const char *iface, const char *method, GVariant *args, GError **error)
{
	return g_dbus_connection_call_sync(c, "org.cvm.Cvmd1", path, iface, method, args, NULL,
					   G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);
}

static gboolean
gone(const GError *e)
{
	return g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
	       g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
	       g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) c = NULL;
	guint64 calls = 0, vanished = 0, errors = 0;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s ADDRESS STOPFILE [PAUSE_MS]\n", argv[0]);
		return 2;
	}
	c = g_dbus_connection_new_for_address_sync(argv[1], G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
							       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
						   NULL, NULL, &error);
	if (c == NULL) {
		fprintf(stderr, "connect: %s\n", error->message);
		return 1;
	}
	gulong pause_ms = argc == 4 ? strtoul(argv[3], NULL, 10) : 0;
	for (; !g_file_test(argv[2], G_FILE_TEST_EXISTS); g_usleep(pause_ms * 1000)) {
		g_autoptr(GError) e = NULL;
		g_autoptr(GVariant) list = call(c, "/org/cvm/Cvmd1", "org.cvm.Cvmd1.Manager", "ListGuests", NULL, &e);
		g_autoptr(GVariant) all = NULL;
		g_autoptr(GVariantIter) it = NULL;
		const char *path;

		calls++;
		if (list == NULL) {
			fprintf(stderr, "ListGuests: %s\n", e->message);
			errors++;
			continue;
		}
		all = call(c, "/org/cvm/Cvmd1", "org.freedesktop.DBus.Properties", "GetAll",
			   g_variant_new("(s)", "org.cvm.Cvmd1.Manager"), &e);
		calls++;
		if (all == NULL) {
			fprintf(stderr, "Manager GetAll: %s\n", e->message);
			errors++;
			g_clear_error(&e);
		}
		g_variant_get(list, "(ao)", &it);
		while (g_variant_iter_next(it, "&o", &path)) {
			g_autoptr(GError) ge = NULL;
			g_autoptr(GVariant) props = call(c, path, "org.freedesktop.DBus.Properties", "GetAll",
							 g_variant_new("(s)", "org.cvm.Cvmd1.Guest"), &ge);
			calls++;
			if (props != NULL)
				continue;
			if (gone(ge)) {
				vanished++;
				continue;
			}
			fprintf(stderr, "%s GetAll: %s\n", path, ge->message);
			errors++;
		}
	}
	printf("calls %" G_GUINT64_FORMAT " gone %" G_GUINT64_FORMAT " errors %" G_GUINT64_FORMAT "\n", calls,
	       vanished, errors);
	return errors == 0 ? 0 : 1;
}
