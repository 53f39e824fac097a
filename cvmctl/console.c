/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl console: the guest's serial output from its log file, followed like
 * `tail -f` until Ctrl-C. The log is read rather than the pty so that no
 * libvirt connection stays open (the embedded driver admits one process at
 * a time) and output from before the command started is shown too. */
#include "cvmctl/cvmctl.h"
#include "cvmctl/ops.h"

#include <cvm/client.h>
#include <cvm/error.h>
#include <cvm/launch.h>
#include <cvm/state.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define POLL_US 100000

/* Copies what is new in @f to stdout; FALSE on a read error. */
static gboolean
drain(FILE *f)
{
	char buf[4096];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fflush(stdout);
	if (ferror(f))
		return FALSE;
	clearerr(f);
	return TRUE;
}

/* A guest being followed, asked about every WATCH_US. */
#define WATCH_US (2 * G_USEC_PER_SEC)
typedef struct {
	CvmctlOps *ops;
	const char *name;
	gint64 next;
} Watch;

/* FALSE (after saying why) once the watched guest has failed. */
static gboolean
guest_ok(Watch *w)
{
	g_autoptr(GError) error = NULL;
	json_object *status;
	gboolean failed;

	if (w == NULL || g_get_monotonic_time() < w->next)
		return TRUE;
	w->next = g_get_monotonic_time() + WATCH_US;
	status = cvmctl_guest_status(w->ops, w->name, &error);
	if (status == NULL)
		return TRUE; /* not knowing is no reason to stop showing the console */
	failed = cvmctl_print_failure(status);
	json_object_put(status);
	return !failed;
}

static int
follow_log(const char *path, gboolean follow, gdouble timeout_s, Watch *watch)
{
	gint64 deadline = timeout_s > 0 ? g_get_monotonic_time() + (gint64)(timeout_s * G_USEC_PER_SEC) : 0;
	gboolean alive = TRUE;
	FILE *f = NULL;

	/* QEMU creates the log when the guest starts: wait for it a little. */
	for (guint i = 0; f == NULL && i < 50; i++) {
		f = fopen(path, "rb");
		if (f == NULL && (errno != ENOENT || !follow))
			break;
		if (f == NULL)
			g_usleep(POLL_US);
	}
	if (f == NULL) {
		int e = errno;
		g_autoptr(GError) error = g_error_new(G_FILE_ERROR, g_file_error_from_errno(e),
						      "cannot open serial log %s: %s", path, g_strerror(e));
		return cvmctl_error(error);
	}
	gboolean ok = drain(f);
	while (ok && alive && follow && (deadline == 0 || g_get_monotonic_time() < deadline)) {
		g_usleep(POLL_US);
		ok = drain(f);
		alive = guest_ok(watch);
	}
	fclose(f);
	return ok && alive ? CVMCTL_EXIT_OK : CVMCTL_EXIT_FAILURE;
}

int
cvmctl_follow_log_for(const char *path, gboolean follow, gdouble timeout_s)
{
	return follow_log(path, follow, timeout_s, NULL);
}

int
cvmctl_follow_guest(const char *path, CvmctlOps *ops, const char *name)
{
	Watch w = { ops, name, 0 };

	return follow_log(path, TRUE, 0, &w);
}

int
cvmctl_cmd_console(int argc, char **argv)
{
	g_autofree gchar *bus = NULL;
	gboolean no_follow = FALSE;
	gdouble timeout = 0;
	GOptionEntry entries[] = {
		{ "bus", 0, 0, G_OPTION_ARG_STRING, &bus, "cvmd's bus: system, session or ADDRESS", "BUS" },
		{ "no-follow", 0, 0, G_OPTION_ARG_NONE, &no_follow, "print what is there and exit", NULL },
		{ "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout, "stop following after SECONDS", "SECONDS" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("NAME - show a guest's serial console output");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(CvmctlOps) ops = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (!cvmctl_guest_arg(argc, argv, 2, "console needs one valid guest name"))
		return CVMCTL_EXIT_USAGE;
	ops = cvmctl_ops_open(bus, NULL);
	path = cvmctl_ops_serial_log(ops, argv[1], &error);
	if (path == NULL)
		return cvmctl_error(error);
	return cvmctl_follow_log_for(path, !no_follow, timeout);
}
