/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: cvmd-access-probe BUS MANAGER_OBJECT GUEST_OBJECT XML...
 * Calls every method of the interfaces in the introspection files, on the
 * manager object when it carries the interface and on the guest object
 * otherwise, with empty arguments of the declared types, and prints
 * one line per method, "INTERFACE.METHOD anyone" or "... privileged": a
 * method is privileged when the call was refused as such, by cvmd
 * (org.cvm.Cvmd1.Error.PermissionDenied) or by the bus policy
 * (org.freedesktop.DBus.Error.AccessDenied). Any other answer, an error about
 * the empty arguments included, means the caller was let in. Run it as an
 * unprivileged user. */
#include "tests/lib/dbus-probe.h"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The least value of a type: zero, "", "/", empty containers. */
static GVariant *
empty_of(const GVariantType *t)
{
	if (g_variant_type_is_array(t))
		return g_variant_new_array(g_variant_type_element(t), NULL, 0);
	if (g_variant_type_is_maybe(t))
		return g_variant_new_maybe(g_variant_type_element(t), NULL);
	if (g_variant_type_is_variant(t))
		return g_variant_new_variant(g_variant_new_boolean(FALSE));
	if (g_variant_type_is_tuple(t) || g_variant_type_is_dict_entry(t)) {
		GVariantBuilder b;

		g_variant_builder_init(&b, t);
		for (const GVariantType *e = g_variant_type_first(t); e != NULL; e = g_variant_type_next(e))
			g_variant_builder_add_value(&b, empty_of(e));
		return g_variant_builder_end(&b);
	}
	switch (g_variant_type_peek_string(t)[0]) {
	case 'b': return g_variant_new_boolean(FALSE);
	case 'y': return g_variant_new_byte(0);
	case 'n': return g_variant_new_int16(0);
	case 'q': return g_variant_new_uint16(0);
	case 'i': return g_variant_new_int32(0);
	case 'u': return g_variant_new_uint32(0);
	case 'x': return g_variant_new_int64(0);
	case 't': return g_variant_new_uint64(0);
	case 'h': return g_variant_new_handle(0);
	case 'd': return g_variant_new_double(0);
	case 's': return g_variant_new_string("");
	case 'o': return g_variant_new_object_path("/");
	case 'g': return g_variant_new_signature("");
	}
	fprintf(stderr, "cvmd-access-probe: no empty value for type %s\n", g_variant_type_peek_string(t));
	exit(2);
}

static const char *
probe(GDBusConnection *bus, const char *object, const char *iface, const GDBusMethodInfo *m)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree gchar *remote = NULL;
	GVariantBuilder args;

	g_variant_builder_init(&args, G_VARIANT_TYPE_TUPLE);
	for (guint i = 0; m->in_args != NULL && m->in_args[i] != NULL; i++) {
		g_autoptr(GVariantType) t = g_variant_type_new(m->in_args[i]->signature);
		g_variant_builder_add_value(&args, empty_of(t));
	}
	reply = g_dbus_connection_call_sync(bus, "org.cvm.Cvmd1", object, iface, m->name, g_variant_builder_end(&args),
					    NULL, G_DBUS_CALL_FLAGS_NONE, 20000, NULL, &error);
	if (reply != NULL)
		return "anyone";
	remote = g_dbus_error_get_remote_error(error);
	if (remote == NULL) {
		fprintf(stderr, "cvmd-access-probe: %s.%s: %s\n", iface, m->name, error->message);
		exit(1);
	}
	if (strcmp(remote, "org.cvm.Cvmd1.Error.PermissionDenied") == 0 ||
	    strcmp(remote, "org.freedesktop.DBus.Error.AccessDenied") == 0)
		return "privileged";
	if (strcmp(remote, "org.freedesktop.DBus.Error.UnknownMethod") == 0 ||
	    strcmp(remote, "org.freedesktop.DBus.Error.UnknownObject") == 0 ||
	    strcmp(remote, "org.freedesktop.DBus.Error.UnknownInterface") == 0 ||
	    strcmp(remote, "org.freedesktop.DBus.Error.NoReply") == 0) {
		fprintf(stderr, "cvmd-access-probe: %s.%s: %s\n", iface, m->name, error->message);
		exit(1);
	}
	return "anyone";
}

static void
print_probe(const char *object, const GDBusInterfaceInfo *in, const GDBusMethodInfo *m, gboolean on_guest,
	    gpointer data)
{
	(void)on_guest;
	printf("%s.%s %s\n", in->name, m->name, probe(data, object, in->name, m));
}

int
main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s BUS MANAGER_OBJECT GUEST_OBJECT XML...\n", argv[0]);
		return 2;
	}
	g_autoptr(GDBusConnection) bus = cvmt_probe_connect("cvmd-access-probe", argv[1]);
	g_autoptr(GDBusNodeInfo) manager = cvmt_probe_introspect("cvmd-access-probe", bus, argv[2]);
	cvmt_probe_each_method("cvmd-access-probe", manager, argv[2], argv[3], argv + 4, print_probe, bus);
	return 0;
}
