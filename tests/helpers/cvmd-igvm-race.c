/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: cvmd-igvm-race BUS MODE ARG
 * Calls Manager.MeasureIgvm (sev-snp) with an IGVM file in a memfd:
 *   shrink MIB   an unsealed memfd of a MIB-MiB file, cut to one page and
 *                grown back over and over while cvmd reads it; six times.
 *                Exits 0 if cvmd answered each (a digest or one of cvmd's
 *                named errors).
 *   sealed FILE  FILE copied into a memfd sealed against shrinking and
 *                writing; prints the digest.
 *   busy MIB     a sealed MIB-MiB file; once cvmd has it mapped (it is
 *                measuring), Manager.ListGuests and Properties.GetAll;
 *                prints the order the replies came in and exits 0 only if
 *                both reads were answered before the measurement.
 *   flood MIB    12 calls at once on a sealed MIB-MiB file; exits 0 if each
 *                was measured or refused with Busy, and some were refused.
 * The file of MIB MiB is one SNP page-data run of distinct pages, built with
 * cvm/igvm-builder.h. */
#include <cvm/igvm-builder.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SHRINK_ROUNDS 6
#define FLOOD_CALLS 12

static void
die(const char *what, const GError *error)
{
	fprintf(stderr, "cvmd-igvm-race: %s: %s\n", what, error ? error->message : g_strerror(errno));
	exit(1);
}

static GBytes *
build(gsize mib)
{
	gsize npages = mib * 256;
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(1);
	g_autoptr(GError) error = NULL;
	guint32 *pages = g_malloc(npages * 4096);

	/* distinct pages: nothing in the measurement can be skipped or shared */
	for (gsize i = 0; i < npages * 1024; i++)
		pages[i] = (guint32)i;
	g_autoptr(GBytes) data = g_bytes_new_take(pages, npages * 4096);
	guint32 mask = cvm_igvm_builder_add_platform(b, CVM_PLATFORM_SEV_SNP, 0, 0, 0, &error);
	if (error == NULL)
		cvm_igvm_builder_add_guest_policy(b, mask, 0x30000, &error);
	if (error == NULL)
		cvm_igvm_builder_add_page_data(b, mask, 0x100000, 0, CVM_IGVM_PAGE_DATA_NORMAL, data, &error);
	GBytes *file = error ? NULL : cvm_igvm_builder_write_bytes(b, &error);
	if (file == NULL)
		die("build", error);
	return file;
}

static int
memfd_with(const void *p, gsize len, gboolean seal)
{
	int fd = memfd_create("igvm", MFD_CLOEXEC | (seal ? MFD_ALLOW_SEALING : 0));
	gsize done = 0;

	if (fd < 0)
		die("memfd_create", NULL);
	while (done < len) {
		ssize_t n = write(fd, (const guint8 *)p + done, len - done);
		if (n <= 0)
			die("write", NULL);
		done += (gsize)n;
	}
	if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		die("F_ADD_SEALS", NULL);
	return fd;
}

typedef struct {
	GString *order;
	guint left;
	gboolean measured;     /* the last MeasureIgvm: a digest, */
	GError *measure_error; /* or this error */
	guint n_measured, n_busy, n_failed;
	gint64 start_us;
} Replies;

/* The replies in the order they came, each with its time since the start
 * (for the reader: only the order is checked). */
static void
note(Replies *r, const char *what)
{
	g_string_append_printf(r->order, "%s%s@%ums", r->order->len ? " " : "", what,
			       (guint)((g_get_monotonic_time() - r->start_us) / 1000));
}

static void
on_reply(GObject *source, GAsyncResult *res, gpointer data)
{
	Replies *r = g_object_get_data(source, "replies");
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) v = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	const char *what = data;

	if (strcmp(what, "measure") == 0) {
		r->measured = v != NULL;
		r->measure_error = g_steal_pointer(&error);
	} else if (v == NULL) {
		die(what, error);
	}
	note(r, what);
	r->left--;
}

static void
on_fd_reply(GObject *source, GAsyncResult *res, gpointer data)
{
	Replies *r = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) v =
		g_dbus_connection_call_with_unix_fd_list_finish(G_DBUS_CONNECTION(source), NULL, res, &error);

	const char *digest;

	g_autofree gchar *remote = error ? g_dbus_error_get_remote_error(error) : NULL;

	r->measured = v != NULL;
	if (v != NULL) {
		g_variant_get(v, "(&s)", &digest);
		puts(digest);
		r->n_measured++;
	} else if (g_strcmp0(remote, "org.cvm.Cvmd1.Error.Busy") == 0) {
		r->n_busy++;
	} else {
		r->n_failed++;
	}
	g_clear_error(&r->measure_error);
	r->measure_error = g_steal_pointer(&error);
	note(r, "measure");
	r->left--;
}

static void
measure_async(GDBusConnection *bus, int fd, Replies *r)
{
	g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();
	g_autoptr(GError) error = NULL;
	GVariantBuilder src;

	if (g_unix_fd_list_append(fds, fd, &error) < 0)
		die("fd list", error);
	g_variant_builder_init(&src, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&src, "{sv}", "fd", g_variant_new_handle(0));
	g_dbus_connection_call_with_unix_fd_list(bus, "org.cvm.Cvmd1", "/org/cvm/Cvmd1", "org.cvm.Cvmd1.Manager",
						 "MeasureIgvm", g_variant_new("(a{sv}s)", &src, "sev-snp"),
						 G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NONE, 120000, fds, NULL,
						 on_fd_reply, r);
	r->left++;
}

static void
read_async(GDBusConnection *bus, const char *iface, const char *method, GVariant *args, const char *what,
	   Replies *r)
{
	g_dbus_connection_call(bus, "org.cvm.Cvmd1", "/org/cvm/Cvmd1", iface, method, args, NULL,
			       G_DBUS_CALL_FLAGS_NONE, 120000, NULL, on_reply, (gpointer)what);
	r->left++;
}

/* A reply from cvmd itself: not the bus telling us cvmd went away. */
static gboolean
answered_by_cvmd(const Replies *r)
{
	g_autofree gchar *name = NULL;

	if (r->measured)
		return TRUE;
	name = g_dbus_error_get_remote_error(r->measure_error);
	return name != NULL && g_str_has_prefix(name, "org.cvm.Cvmd1.Error.");
}

/* /proc/PID/maps of the process that owns org.cvm.Cvmd1. */
static gchar *
cvmd_maps(GDBusConnection *bus)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) v = g_dbus_connection_call_sync(
		bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		"GetConnectionUnixProcessID", g_variant_new("(s)", "org.cvm.Cvmd1"), G_VARIANT_TYPE("(u)"),
		G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
	guint32 pid;

	if (v == NULL)
		die("cvmd's pid", error);
	g_variant_get(v, "(u)", &pid);
	return g_strdup_printf("/proc/%u/maps", pid);
}

static gboolean
mapped(const char *maps)
{
	g_autofree gchar *text = NULL;

	if (!g_file_get_contents(maps, &text, NULL, NULL))
		die(maps, NULL);
	return strstr(text, "/memfd:igvm") != NULL;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	Replies r = { .order = g_string_new(""), .start_us = g_get_monotonic_time() };
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s BUS shrink|sealed|busy MIB|FILE\n", argv[0]);
		return 2;
	}
	bus = g_dbus_connection_new_for_address_sync(argv[1], G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
							     G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
						     NULL, NULL, &error);
	if (bus == NULL)
		die("bus", error);
	g_object_set_data(G_OBJECT(bus), "replies", &r);
	if (strcmp(argv[2], "sealed") == 0) {
		g_autofree gchar *contents = NULL;
		gsize len = 0;

		if (!g_file_get_contents(argv[3], &contents, &len, &error))
			die(argv[3], error);
		fd = memfd_with(contents, len, TRUE);
		measure_async(bus, fd, &r);
		while (r.left > 0)
			g_main_context_iteration(NULL, TRUE);
		if (!r.measured)
			die("MeasureIgvm of a sealed memfd", r.measure_error);
		return 0;
	}
	g_autoptr(GBytes) file = build((gsize)g_ascii_strtoull(argv[3], NULL, 10));
	gsize len = 0;
	const void *p = g_bytes_get_data(file, &len);
	if (strcmp(argv[2], "shrink") == 0) {
		/* cvmd may find the file short when it looks (and refuse it
		 * cleanly), so the race is run several times. */
		for (guint round = 0; round < SHRINK_ROUNDS; round++) {
			fd = memfd_with(p, len, FALSE);
			measure_async(bus, fd, &r);
			/* Until cvmd answers, the file keeps vanishing under any mapping. */
			for (guint i = 0; r.left > 0; i++) {
				if (ftruncate(fd, i % 2 ? (off_t)len : 4096) < 0)
					die("ftruncate", NULL);
				g_main_context_iteration(NULL, FALSE);
			}
			close(fd);
			if (!answered_by_cvmd(&r))
				die("cvmd did not answer", r.measure_error);
			printf("%s\n", r.measured ? "measured" : r.measure_error->message);
			g_clear_error(&r.measure_error);
		}
		return 0;
	}
	if (strcmp(argv[2], "busy") == 0) {
		g_autofree gchar *maps = cvmd_maps(bus);

		fd = memfd_with(p, len, TRUE);
		r.start_us = g_get_monotonic_time();
		measure_async(bus, fd, &r);
		/* A sealed memfd is mapped for as long as cvmd measures it: once
		 * the mapping shows, cvmd is measuring, and reads sent now test
		 * whether that blocks them. (Peer.Ping would not: GDBus answers it
		 * without cvmd's main loop.) */
		while (r.left > 0 && !mapped(maps))
			g_main_context_iteration(NULL, FALSE);
		if (r.left == 0)
			die("the measurement ended before it was seen running; use a larger file", NULL);
		note(&r, "mapped");
		read_async(bus, "org.cvm.Cvmd1.Manager", "ListGuests", NULL, "listguests", &r);
		read_async(bus, "org.freedesktop.DBus.Properties", "GetAll", g_variant_new("(s)", "org.cvm.Cvmd1.Manager"),
			   "getall", &r);
		while (r.left > 0)
			g_main_context_iteration(NULL, TRUE);
		printf("%s\n", r.order->str);
		if (!r.measured)
			die("MeasureIgvm", r.measure_error);
		return g_str_has_prefix(strrchr(r.order->str, ' ') + 1, "measure@") ? 0 : 1;
	}
	if (strcmp(argv[2], "flood") == 0) {
		fd = memfd_with(p, len, TRUE);
		for (guint i = 0; i < FLOOD_CALLS; i++)
			measure_async(bus, fd, &r);
		while (r.left > 0)
			g_main_context_iteration(NULL, TRUE);
		printf("busy=%u measured=%u failed=%u\n", r.n_busy, r.n_measured, r.n_failed);
		return r.n_busy > 0 && r.n_busy + r.n_measured == FLOOD_CALLS ? 0 : 1;
	}
	fprintf(stderr, "cvmd-igvm-race: unknown mode %s\n", argv[2]);
	return 2;
}
