/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: cvmd-hostile-probe BUS MANAGER_OBJECT GUEST_OBJECT DIR XML...
 * Calls every method of the interfaces in the introspection files with
 * hostile input and prints one line per call, "INTERFACE.METHOD CASE ANSWER",
 * ANSWER being "ok" for a reply or the D-Bus error name. The methods come
 * from the XML, so a method added there is probed without editing this file.
 * Cases:
 *   type-*      wrong argument types: one argument too many, every argument
 *               of another type (GDBus must answer InvalidArgs, cvmd's
 *               handler must never run)
 *   str-N-K     the K-th string argument (or, in a{sv} arguments, the value of
 *               a well-known key) set to hostile string N: 1 MiB, "..", a
 *               name with '/', control characters, empty, an unknown guest
 *   key-*       an a{sv} argument with an unknown key, a key whose value has
 *               the wrong type, an integer key at 0 or at its type's maximum,
 *               added to a configuration that is otherwise usable (under DIR)
 *   unknown-*   the guest methods on an object that does not exist
 * After every call cvmd must answer ListGuests (served on its main loop)
 * within the timeout, else the helper exits 1. It never decides what is
 * acceptable: test-cvmd-hostile.sh does. */
#include "tests/lib/dbus-probe.h"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GDBusConnection *bus;
static const char *manager_path;
static const char *dir;

static const char *
hostile_string(guint n)
{
	static gchar *big;

	switch (n) {
	case 0:
		if (big == NULL) {
			big = g_malloc(1024 * 1024 + 1);
			memset(big, 'a', 1024 * 1024);
			big[1024 * 1024] = '\0';
		}
		return big;
	case 1: return "..";
	case 2: return "../../etc/cvm-hostile";
	case 3: return "a/b";
	case 4: return "x\001y\nz\033[0m";
	case 5: return "";
	case 6: return "nosuch-guest";
	}
	return NULL;
}

/* String keys of the a{sv} arguments (LaunchGuest spec, IGVM source,
 * attestation and migration configurations). */
static const char *const string_keys[] = {
	"name", "igvm", "path", "platform", "serial-log", "disk", "network", "command-line", "accel",
	"listen", "agent-socket", "qgs-socket", "dest-connect", "dest-name", "source-memory", "dest-memory", "mode",
	NULL,
};

/* Integer keys and their types: each is sent at 0 and at the maximum. */
static const struct {
	const char *key;
	char type;
} int_keys[] = {
	{ "memory-mib", 't' }, { "vcpus", 'u' }, { "snp-policy", 't' }, { "timeout-ms", 'u' },
	{ "attempts", 'u' }, { "breaker", 'u' }, { "deadline-ms", 'u' }, { "fill-timeout-ms", 'u' },
	{ "page-gpa", 't' }, { "dest-page-gpa", 't' }, { "source-memory-base", 't' }, { "dest-memory-base", 't' },
	{ "fd", 'h' },
};

static GVariant *
empty_of(const GVariantType *t)
{
	if (g_variant_type_is_array(t))
		return g_variant_new_array(g_variant_type_element(t), NULL, 0);
	switch (g_variant_type_peek_string(t)[0]) {
	case 'b': return g_variant_new_boolean(FALSE);
	case 'u': return g_variant_new_uint32(0);
	case 'i': return g_variant_new_int32(0);
	case 't': return g_variant_new_uint64(0);
	case 'x': return g_variant_new_int64(0);
	case 'h': return g_variant_new_handle(0);
	case 's': return g_variant_new_string("test");
	case 'o': return g_variant_new_object_path("/");
	}
	fprintf(stderr, "cvmd-hostile-probe: no value for type %s\n", g_variant_type_peek_string(t));
	exit(2);
}

/* A value of another type than t. */
static GVariant *
other_than(const GVariantType *t)
{
	if (g_variant_type_equal(t, G_VARIANT_TYPE_STRING))
		return g_variant_new_uint32(7);
	return g_variant_new_string("x");
}

/* A configuration a privileged caller could pass, so that a bad key is
 * judged on its own and not refused for a missing one. Paths are under DIR
 * (nothing there answers: a call let through fails later, but the answer
 * was already wrong). Methods not listed get an empty dictionary. */
static void
add_base(GVariantBuilder *b, const char *method)
{
	g_autofree gchar *s1 = g_build_filename(dir, "front.sock", NULL);
	g_autofree gchar *s2 = g_build_filename(dir, "back.sock", NULL);
	g_autofree gchar *igvm = g_build_filename(dir, "guest.igvm", NULL);

	if (strcmp(method, "Serve") == 0) {
		g_variant_builder_add(b, "{sv}", "listen", g_variant_new_string(s1));
		g_variant_builder_add(b, "{sv}", "agent-socket", g_variant_new_string(s2));
	} else if (strcmp(method, "ServeQuotes") == 0) {
		g_variant_builder_add(b, "{sv}", "listen", g_variant_new_string(s1));
		g_variant_builder_add(b, "{sv}", "qgs-socket", g_variant_new_string(s2));
	} else if (strcmp(method, "ServeCertificates") == 0) {
		g_variant_builder_add(b, "{sv}", "listen", g_variant_new_string(s1));
	} else if (strcmp(method, "LaunchGuest") == 0) {
		g_variant_builder_add(b, "{sv}", "name", g_variant_new_string("hostile"));
		g_variant_builder_add(b, "{sv}", "igvm", g_variant_new_string(igvm));
	} else if (strcmp(method, "InspectIgvm") == 0 || strcmp(method, "MeasureIgvm") == 0) {
		g_variant_builder_add(b, "{sv}", "path", g_variant_new_string(igvm));
	}
}

/* The argument tuple: default values (usable configurations for a{sv}, or
 * empty ones when !@usable), with argument `which` replaced by `value`. */
static GVariant *
args_with_base(const GDBusMethodInfo *m, gint which, GVariant *value, gboolean usable)
{
	GVariantBuilder args;

	g_variant_builder_init(&args, G_VARIANT_TYPE_TUPLE);
	for (gint i = 0; m->in_args != NULL && m->in_args[i] != NULL; i++) {
		g_autoptr(GVariantType) t = g_variant_type_new(m->in_args[i]->signature);

		if (i == which) {
			g_variant_builder_add_value(&args, value);
		} else if (usable && g_variant_type_equal(t, G_VARIANT_TYPE_VARDICT)) {
			GVariantBuilder d;

			g_variant_builder_init(&d, G_VARIANT_TYPE_VARDICT);
			add_base(&d, m->name);
			g_variant_builder_add_value(&args, g_variant_builder_end(&d));
		} else {
			g_variant_builder_add_value(&args, empty_of(t));
		}
	}
	return g_variant_builder_end(&args);
}

static GVariant *
args_with(const GDBusMethodInfo *m, gint which, GVariant *value)
{
	return args_with_base(m, which, value, TRUE);
}

static void
alive(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) v = g_dbus_connection_call_sync(bus, "org.cvm.Cvmd1", manager_path, "org.cvm.Cvmd1.Manager",
							    "ListGuests", NULL, G_VARIANT_TYPE("(ao)"),
							    G_DBUS_CALL_FLAGS_NONE, 20000, NULL, &error);
	if (v == NULL) {
		fprintf(stderr, "cvmd-hostile-probe: cvmd no longer answers: %s\n", error->message);
		exit(1);
	}
}

static void
call(const char *object, const char *iface, const char *method, const char *what, GVariant *args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree gchar *remote = NULL;

	g_variant_ref_sink(args);
	reply = g_dbus_connection_call_sync(bus, "org.cvm.Cvmd1", object, iface, method, args, NULL,
					    G_DBUS_CALL_FLAGS_NONE, 20000, NULL, &error);
	g_variant_unref(args);
	if (reply != NULL) {
		printf("%s.%s %s ok\n", iface, method, what);
	} else if ((remote = g_dbus_error_get_remote_error(error)) != NULL) {
		printf("%s.%s %s %s\n", iface, method, what, remote);
	} else {
		fprintf(stderr, "cvmd-hostile-probe: %s.%s %s: %s\n", iface, method, what, error->message);
		exit(1);
	}
	fflush(stdout);
	alive();
}

static void
probe_method(const char *object, const char *iface, const GDBusMethodInfo *m, gboolean guest_iface)
{
	guint nargs = 0;

	while (m->in_args != NULL && m->in_args[nargs] != NULL)
		nargs++;

	/* wrong types: one argument too many */
	{
		GVariantBuilder b;

		g_variant_builder_init(&b, G_VARIANT_TYPE_TUPLE);
		for (guint i = 0; i < nargs; i++) {
			g_autoptr(GVariantType) t = g_variant_type_new(m->in_args[i]->signature);
			g_variant_builder_add_value(&b, empty_of(t));
		}
		g_variant_builder_add_value(&b, g_variant_new_int32(-1));
		call(object, iface, m->name, "type-extra", g_variant_builder_end(&b));
	}
	/* wrong types: every argument of another type */
	if (nargs > 0) {
		GVariantBuilder b;

		g_variant_builder_init(&b, G_VARIANT_TYPE_TUPLE);
		for (guint i = 0; i < nargs; i++) {
			g_autoptr(GVariantType) t = g_variant_type_new(m->in_args[i]->signature);
			g_variant_builder_add_value(&b, other_than(t));
		}
		call(object, iface, m->name, "type-other", g_variant_builder_end(&b));
	}
	/* hostile strings, in every string argument and every string key */
	for (guint a = 0; a < nargs; a++) {
		const char *sig = m->in_args[a]->signature;

		for (guint n = 0; hostile_string(n) != NULL; n++) {
			if (strcmp(sig, "s") == 0) {
				g_autofree gchar *what = g_strdup_printf("str-%u-%u", n, a);
				/* an unknown guest may be named on purpose (Serve: the
				 * guest may be launched later); the rest stays empty
				 * so that nothing is served for it */
				call(object, iface, m->name, what,
				     n == 6 ? args_with_base(m, a, g_variant_new_string(hostile_string(n)), FALSE)
					    : args_with(m, a, g_variant_new_string(hostile_string(n))));
			} else if (strcmp(sig, "a{sv}") == 0) {
				for (guint k = 0; string_keys[k] != NULL; k++) {
					g_autofree gchar *what = g_strdup_printf("str-%u-%u-%s", n, a, string_keys[k]);
					GVariantBuilder d;

					g_variant_builder_init(&d, G_VARIANT_TYPE_VARDICT);
					g_variant_builder_add(&d, "{sv}", string_keys[k],
							      g_variant_new_string(hostile_string(n)));
					call(object, iface, m->name, what, args_with(m, a, g_variant_builder_end(&d)));
				}
			}
		}
		if (strcmp(sig, "a{sv}") != 0)
			continue;
		/* keys: unknown, of the wrong type, integers at their limits, each
		 * added to a usable configuration */
		for (guint k = 0; k < G_N_ELEMENTS(int_keys) + 3; k++) {
			for (guint edge = 0; edge < 2; edge++) {
				g_autofree gchar *what = NULL;
				GVariantBuilder d;
				GVariant *v;
				const char *key;

				g_variant_builder_init(&d, G_VARIANT_TYPE_VARDICT);
				add_base(&d, m->name);
				if (k == G_N_ELEMENTS(int_keys)) {
					key = edge ? "../x" : "no-such-key";
					v = g_variant_new_string("x");
				} else if (k == G_N_ELEMENTS(int_keys) + 1) {
					key = edge ? "listen" : "name";
					v = g_variant_new_uint32(1);
				} else if (k == G_N_ELEMENTS(int_keys) + 2) {
					key = edge ? "agent-command" : "fill-command";
					v = edge ? g_variant_new_strv(NULL, 0) : g_variant_new_string("/bin/true");
				} else {
					key = int_keys[k].key;
					switch (int_keys[k].type) {
					case 'u': v = g_variant_new_uint32(edge ? G_MAXUINT32 : 0); break;
					case 'h': v = g_variant_new_handle(edge ? G_MAXINT32 : -1); break;
					default: v = g_variant_new_uint64(edge ? G_MAXUINT64 : 0); break;
					}
				}
				/* a later key of the same name would be hidden by the
				 * base's: send the bad one first, as a lookup finds it */
				GVariantBuilder first;
				g_autoptr(GVariant) base = g_variant_ref_sink(g_variant_builder_end(&d));
				GVariantIter it;
				const char *bk;
				GVariant *bv;

				g_variant_builder_init(&first, G_VARIANT_TYPE_VARDICT);
				g_variant_builder_add(&first, "{sv}", key, v);
				g_variant_iter_init(&it, base);
				while (g_variant_iter_loop(&it, "{&sv}", &bk, &bv))
					if (strcmp(bk, key) != 0)
						g_variant_builder_add(&first, "{sv}", bk, bv);
				what = g_strdup_printf("key-%s-%u", key, edge);
				call(object, iface, m->name, what, args_with(m, a, g_variant_builder_end(&first)));
			}
		}
	}
	/* the guest methods on a guest that does not exist */
	if (guest_iface) {
		call("/org/cvm/Cvmd1/guest/nosuch_2dguest", iface, m->name, "unknown-object", args_with(m, -1, NULL));
	}
}

static void
probe_one(const char *object, const GDBusInterfaceInfo *in, const GDBusMethodInfo *m, gboolean on_guest,
	  gpointer data)
{
	(void)data;
	probe_method(object, in->name, m, on_guest);
}

int
main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: %s BUS MANAGER_OBJECT GUEST_OBJECT DIR XML...\n", argv[0]);
		return 2;
	}
	manager_path = argv[2];
	dir = argv[4];
	bus = cvmt_probe_connect("cvmd-hostile-probe", argv[1]);
	alive();
	g_autoptr(GDBusNodeInfo) manager = cvmt_probe_introspect("cvmd-hostile-probe", bus, argv[2]);
	cvmt_probe_each_method("cvmd-hostile-probe", manager, argv[2], argv[3], argv + 5, probe_one, NULL);
	return 0;
}
