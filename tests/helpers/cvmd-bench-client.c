/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmd-bench-client ADDRESS GUEST_PATH N: round-trip latency of a read-only
 * call (Properties.GetAll of a guest) against Peer.Ping to the same cvmd, in
 * the same run, interleaved; then the time of ListGuests. Prints figures.
 *
 * cvmd-bench-client ADDRESS GUEST_PATH N --lifecycle CYCLES: the same read's
 * latency idle (N calls), then while another connection runs CYCLES
 * Destroy+Start of GUEST_PATH; prints both p99 and their ratio. Exit 3 when
 * the p99 during lifecycle work is 50 ms or more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gio/gio.h>

static int
cmp_i64(const void *a, const void *b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

static gint64
one_call(GDBusConnection *c, const char *path, const char *iface, const char *method,
	 GVariant *args)
{
	g_autoptr(GError) error = NULL;
	gint64 t0 = g_get_monotonic_time();
	g_autoptr(GVariant) r = g_dbus_connection_call_sync(c, "org.cvm.Cvmd1", path, iface, method,
							    args, NULL, 0, 5000, NULL, &error);

	if (r == NULL) {
		fprintf(stderr, "%s.%s: %s\n", iface, method, error->message);
		exit(1);
	}
	return g_get_monotonic_time() - t0;
}

static void
report(const char *what, gint64 *v, int n, double *p50, double *p99)
{
	qsort(v, n, sizeof *v, cmp_i64);
	*p50 = v[n / 2];
	*p99 = v[(n * 99) / 100];
	printf("%-28s p50 %7.1f us  p99 %7.1f us\n", what, *p50, *p99);
}

typedef struct {
	const char *address, *path;
	int cycles;
	volatile gint done;
	int failed;
} Cycler;

/* Destroy and Start of one guest, on a connection of its own. */
static gpointer
cycle(gpointer data)
{
	Cycler *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) conn = g_dbus_connection_new_for_address_sync(c->address,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
		G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);

	for (int i = 0; conn != NULL && i < c->cycles * 2 && !c->failed; i++) {
		g_autoptr(GVariant) r = g_dbus_connection_call_sync(conn, "org.cvm.Cvmd1", c->path,
			"org.cvm.Cvmd1.Guest", i % 2 ? "Start" : "Destroy", NULL, NULL, 0, 60000, NULL, &error);

		if (r == NULL) {
			fprintf(stderr, "%s: %s\n", i % 2 ? "Start" : "Destroy", error->message);
			c->failed = 1;
		}
	}
	if (conn == NULL) {
		fprintf(stderr, "%s\n", error->message);
		c->failed = 1;
	}
	g_atomic_int_set(&c->done, 1);
	return NULL;
}

static int
during_lifecycle(GDBusConnection *c, const char *address, const char *path, int n, int cycles)
{
	GVariant *args = g_variant_new("(s)", "org.cvm.Cvmd1.Guest");
	g_autoptr(GArray) busy = g_array_new(FALSE, FALSE, sizeof(gint64));
	Cycler cyc = { .address = address, .path = path, .cycles = cycles };
	gint64 *idle = g_new(gint64, n), t0 = g_get_monotonic_time();
	double idle50, idle99, busy50, busy99;
	GThread *t;

	g_variant_ref_sink(args);
	for (int i = 0; i < 100; i++) /* warm-up */
		one_call(c, path, "org.freedesktop.DBus.Properties", "GetAll", args);
	for (int i = 0; i < n; i++)
		idle[i] = one_call(c, path, "org.freedesktop.DBus.Properties", "GetAll", args);
	t = g_thread_new("cycle", cycle, &cyc);
	while (!g_atomic_int_get(&cyc.done)) {
		gint64 v = one_call(c, path, "org.freedesktop.DBus.Properties", "GetAll", args);

		g_array_append_val(busy, v);
		g_usleep(1000); /* a reader, not a flood */
	}
	g_thread_join(t);
	g_variant_unref(args);
	if (cyc.failed || busy->len < 100) {
		fprintf(stderr, "lifecycle cycles failed or too short (%u reads)\n", busy->len);
		g_free(idle);
		return 1;
	}
	report("GetAll idle", idle, n, &idle50, &idle99);
	report("GetAll during lifecycle", (gint64 *)busy->data, busy->len, &busy50, &busy99);
	printf("reads during lifecycle: %u reads over %d Destroy+Start cycles in %.1f s\n", busy->len, cycles,
	       (g_get_monotonic_time() - t0) / 1e6);
	printf("reads during lifecycle: p99 %.1f ms, %.1fx the idle p99 (goal p99 < 50 ms: %s)\n", busy99 / 1000.0,
	       busy99 / idle99, busy99 < 50000 ? "met" : "MISSED");
	g_free(idle);
	return busy99 < 50000 ? 0 : 3;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) c = NULL;
	g_autoptr(GVariant) list = NULL;
	int n = argc > 3 ? atoi(argv[3]) : 2000;
	gint64 *ping, *prop, t0;
	double ping50, ping99, prop50, prop99;

	if (argc < 3 || n < 100) {
		fprintf(stderr, "usage: %s ADDRESS GUEST_PATH [N>=100]\n", argv[0]);
		return 2;
	}
	c = g_dbus_connection_new_for_address_sync(argv[1],
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
		G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
	if (c == NULL) {
		fprintf(stderr, "%s\n", error->message);
		return 1;
	}
	if (argc > 5 && strcmp(argv[4], "--lifecycle") == 0)
		return during_lifecycle(c, argv[1], argv[2], n, atoi(argv[5]));
	ping = g_new(gint64, n);
	prop = g_new(gint64, n);
	for (int i = 0; i < 100; i++) /* warm-up */
		one_call(c, argv[2], "org.freedesktop.DBus.Peer", "Ping", NULL);
	for (int i = 0; i < n; i++) {
		ping[i] = one_call(c, argv[2], "org.freedesktop.DBus.Peer", "Ping", NULL);
		prop[i] = one_call(c, argv[2], "org.freedesktop.DBus.Properties", "GetAll",
				   g_variant_new("(s)", "org.cvm.Cvmd1.Guest"));
	}
	report("Peer.Ping (baseline)", ping, n, &ping50, &ping99);
	report("Guest Properties.GetAll", prop, n, &prop50, &prop99);
	printf("ratio p50 %.2fx  p99 %.2fx (goal p99 <= 3x ping)\n", prop50 / ping50, prop99 / ping99);
	t0 = g_get_monotonic_time();
	list = g_dbus_connection_call_sync(c, "org.cvm.Cvmd1", "/org/cvm/Cvmd1",
					   "org.cvm.Cvmd1.Manager", "ListGuests", NULL,
					   G_VARIANT_TYPE("(ao)"), 0, 10000, NULL, &error);
	if (list == NULL) {
		fprintf(stderr, "ListGuests: %s\n", error->message);
		return 1;
	}
	{
		g_autoptr(GVariant) arr = g_variant_get_child_value(list, 0);

		printf("ListGuests: %zu guests in %.2f ms\n", g_variant_n_children(arr),
		       (g_get_monotonic_time() - t0) / 1000.0);
	}
	g_free(ping);
	g_free(prop);
	return prop99 <= 3 * ping99 ? 0 : 3;
}
