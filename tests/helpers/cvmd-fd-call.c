/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: cvmd-fd-call BUS_ADDRESS METHOD FILE [PLATFORM]
 * Calls Manager.InspectIgvm or MeasureIgvm with the file passed as a Unix
 * file descriptor ({'fd': <h 0>}) and prints the returned string. */
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();
	g_autoptr(GVariant) r = NULL;
	GVariantBuilder src;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: %s BUS METHOD FILE [PLATFORM]\n", argv[0]);
		return 2;
	}
	bus = g_dbus_connection_new_for_address_sync(argv[1], G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
							     G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
						     NULL, NULL, &error);
	fd = open(argv[3], O_RDONLY | O_CLOEXEC);
	if (bus == NULL || fd < 0 || g_unix_fd_list_append(fds, fd, &error) < 0) {
		fprintf(stderr, "cvmd-fd-call: %s\n", error ? error->message : "cannot open the file");
		return 1;
	}
	g_variant_builder_init(&src, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&src, "{sv}", "fd", g_variant_new_handle(0));
	GVariant *args = strcmp(argv[2], "MeasureIgvm") == 0
				 ? g_variant_new("(a{sv}s)", &src, argc > 4 ? argv[4] : "sev-snp")
				 : g_variant_new("(a{sv})", &src);
	r = g_dbus_connection_call_with_unix_fd_list_sync(bus, "org.cvm.Cvmd1", "/org/cvm/Cvmd1",
							   "org.cvm.Cvmd1.Manager", argv[2], args, G_VARIANT_TYPE("(s)"),
							   G_DBUS_CALL_FLAGS_NONE, 10000, fds, NULL, NULL, &error);
	if (r == NULL) {
		fprintf(stderr, "cvmd-fd-call: %s\n", error->message);
		return 1;
	}
	const char *out;
	g_variant_get(r, "(&s)", &out);
	puts(out);
	return 0;
}
