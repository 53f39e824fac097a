/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmd-introspect-check ADDRESS OBJECT XML...: every interface declared in the
 * XML files must be served by OBJECT exactly as declared (compared after
 * parsing both, so formatting and comments do not matter). Exit 0 when equal. */
#include <stdio.h>
#include <gio/gio.h>

/* gdbus-codegen consumes the org.gtk.GDBus.C.* annotations (they shape the
 * generated C, not the API) and does not serve them; drop them from both. */
static gchar *
iface_xml(GDBusInterfaceInfo *info)
{
	g_autoptr(GRegex) re = g_regex_new("\\s*<annotation name=\"org\\.gtk\\.GDBus\\.C\\.[^\"]*\""
					   "[^>]*>\\s*</annotation>", 0, 0, NULL);
	GString *s = g_string_new(NULL);
	g_autofree gchar *raw = NULL;

	g_dbus_interface_info_generate_xml(info, 0, s);
	raw = g_string_free(s, FALSE);
	return g_regex_replace(re, raw, -1, 0, "", 0, NULL);
}

static int
check_file(GDBusNodeInfo *served, const char *file)
{
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusNodeInfo) doc = NULL;
	int bad = 0;

	if (!g_file_get_contents(file, &text, NULL, &error) ||
	    (doc = g_dbus_node_info_new_for_xml(text, &error)) == NULL) {
		fprintf(stderr, "%s: %s\n", file, error->message);
		return 1;
	}
	for (GDBusInterfaceInfo **i = doc->interfaces; i && *i; i++) {
		GDBusInterfaceInfo *s = g_dbus_node_info_lookup_interface(served, (*i)->name);
		g_autofree gchar *want = iface_xml(*i), *got = s ? iface_xml(s) : NULL;

		if (got == NULL || g_strcmp0(want, got) != 0) {
			fprintf(stderr, "%s: interface %s differs\n--- docs\n%s\n--- served\n%s\n", file,
				(*i)->name, want, got ? got : "(not served)");
			bad = 1;
		} else {
			printf("%s: %s served as documented\n", file, (*i)->name);
		}
	}
	return bad;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) c = NULL;
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GDBusNodeInfo) served = NULL;
	const char *xml;
	int bad = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: %s ADDRESS OBJECT XML...\n", argv[0]);
		return 2;
	}
	c = g_dbus_connection_new_for_address_sync(argv[1],
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
		G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
	if (c != NULL)
		r = g_dbus_connection_call_sync(c, "org.cvm.Cvmd1", argv[2],
						"org.freedesktop.DBus.Introspectable", "Introspect",
						NULL, G_VARIANT_TYPE("(s)"), 0, 5000, NULL, &error);
	if (r == NULL) {
		fprintf(stderr, "introspect: %s\n", error->message);
		return 1;
	}
	g_variant_get(r, "(&s)", &xml);
	served = g_dbus_node_info_new_for_xml(xml, &error);
	if (served == NULL) {
		fprintf(stderr, "served XML: %s\n", error->message);
		return 1;
	}
	for (int i = 3; i < argc; i++)
		bad |= check_file(served, argv[i]);
	return bad;
}
