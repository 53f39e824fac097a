/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmd: the cvm host daemon. Start-up order: state directory, libvirt,
 * guest objects (reconciled with libvirt), then the bus name, so a client
 * that sees the name sees a complete picture. */
#include <glib-unix.h>
#include <stdio.h>
#include <cvm/state.h>
#include "cvmd/cvmd.h"
#include <cvm/launch.h>

static gboolean
on_signal(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_CONTINUE;
}

static void
cvmd_free(Cvmd *d)
{
	if (d->guests != NULL) {
		GHashTableIter it;
		gpointer g;

		g_hash_table_iter_init(&it, d->guests);
		while (g_hash_table_iter_next(&it, NULL, &g)) {
			g_hash_table_iter_steal(&it);
			cvmd_guest_remove(d, g);
		}
		g_hash_table_unref(d->guests);
	}
	g_clear_pointer(&d->launching, g_hash_table_unref);
	cvmd_bus_teardown(d);
	cvmd_libvirt_close(d);
	g_clear_object(&d->manager);
	g_clear_object(&d->objects);
	g_clear_pointer(&d->state, cvm_state_free);
	g_clear_pointer(&d->loop, g_main_loop_unref);
	g_free(d->uri);
}

static gboolean
setup(Cvmd *d, const char *bus, const char *state_dir, GError **error)
{
	g_autofree gchar *dir = state_dir ? g_strdup(state_dir) : cvm_state_default_dir(d->system);
	g_autoptr(GError) local = NULL;

	d->state = cvm_state_open(dir, error);
	/* One writer per state folder: in-process cvmctl refuses to write
	 * beside a running cvmd, and every guest record cvmd writes is
	 * written by its main thread. */
	if (d->state == NULL || !cvm_state_claim(d->state, error))
		return FALSE;
	cvmd_guest_writer_install(d);
	/* No URI given: the system libvirtd when it runs, else the embedded
	 * driver under the state directory (docs/launch.md). */
	if (d->uri == NULL)
		d->uri = cvm_launch_pick_uri(NULL, NULL, dir);
	g_autofree gchar *root = cvm_launch_embed_root(d->uri);
	if (root != NULL && !cvm_launch_prepare_embed_root(root, error))
		return FALSE;
	d->guests = g_hash_table_new(g_str_hash, g_str_equal);
	d->objects = g_dbus_object_manager_server_new(CVM_BUS_PATH);
	cvmd_caller_init(d);
	if (!cvmd_libvirt_open(d, &local))
		g_printerr("cvmd: libvirt unavailable, guest states unknown: %s\n", local->message);
	cvmd_manager_create(d);
	if (!cvmd_reconcile_load(d, error))
		return FALSE;
	return cvmd_bus_setup(d, bus, error);
}

int
main(int argc, char **argv)
{
	gboolean session = FALSE, version = FALSE;
	g_autofree gchar *address = NULL, *state_dir = NULL, *uri = NULL;
	GOptionEntry entries[] = {
		{ "session", 0, 0, G_OPTION_ARG_NONE, &session, "Use the session bus", NULL },
		{ "address", 0, 0, G_OPTION_ARG_STRING, &address, "Use the bus at ADDR", "ADDR" },
		{ "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "State directory", "DIR" },
		{ "connect", 'c', 0, G_OPTION_ARG_STRING, &uri, "libvirt URI", "URI" },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- cvm host daemon");
	g_autoptr(GError) error = NULL;
	Cvmd d = { .lifecycle_cb = -1, .reboot_cb = -1 };
	const char *bus;
	int rc = 0;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("cvmd: %s\n", error->message);
		return 2;
	}
	if (version) {
		printf("cvmd %s\n", CVM_VERSION);
		return 0;
	}
	bus = address ? address : session ? "session" : "system";
	/* A private --address bus is treated like the system bus: callers are
	 * checked, unless it is our own uid (tests, per-user instances). */
	d.system = !session;
	d.uri = g_strdup(uri ? uri : g_getenv("CVM_LIBVIRT_URI"));
	cvm_bus_errors_register();
	d.loop = g_main_loop_new(NULL, FALSE);
	if (!setup(&d, bus, state_dir, &error)) {
		g_printerr("cvmd: %s\n", error->message);
		rc = 1;
	} else {
		g_unix_signal_add(SIGTERM, on_signal, d.loop);
		g_unix_signal_add(SIGINT, on_signal, d.loop);
		g_main_loop_run(d.loop);
		rc = d.name_lost ? 1 : 0;
	}
	cvmd_free(&d);
	return rc;
}
