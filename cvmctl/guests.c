/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl list, status, start, stop, reboot and forget: the guest operations
 * (ops.h), through cvmd or in-process as cvmctl_ops_open() chose. */
#include "cvmctl/cvmctl.h"
#include "cvmctl/ops.h"

#include <stdio.h>
#include <string.h>
#include <cvm/client.h>
#include <cvm/state.h>

typedef struct {
	gchar *bus;
	gboolean json;
	gchar *uri;
	gboolean force;
	gdouble timeout;
} GuestOpts;

static gboolean
parse(int *argc, char ***argv, const char *what, const char *const *mine, const char *force_means, GuestOpts *o)
{
	GOptionEntry entries[] = {
		{ "bus", 0, 0, G_OPTION_ARG_STRING, &o->bus, "cvmd's bus: system, session or ADDRESS", "BUS" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &o->json, "JSON output", NULL },
		{ "connect", 'c', 0, G_OPTION_ARG_STRING, &o->uri, "libvirt URI (in-process)", "URI" },
		{ "force", 'f', 0, G_OPTION_ARG_NONE, &o->force, force_means, NULL },
		{ "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &o->timeout,
		  "wait up to SECONDS for the guest to shut down, then power it off", "SECONDS" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new(what);
	const char *not_mine[G_N_ELEMENTS(entries)] = { NULL };
	gsize n = 0;

	/* Each command's --help lists only its own options. */
	for (gsize i = 0; entries[i].long_name != NULL; i++)
		if (!g_strv_contains(mine, entries[i].long_name))
			not_mine[n++] = entries[i].long_name;
	cvmctl_entries_drop(entries, not_mine);
	g_option_context_add_main_entries(ctx, entries, NULL);
	return cvmctl_parse_options(ctx, argc, argv);
}

/* Parses a command that takes one guest name. */
static gboolean
parse_named(int *argc, char ***argv, const char *what, const char *const *mine, const char *force_means,
	    GuestOpts *o)
{
	if (!parse(argc, argv, what, mine, force_means, o))
		return FALSE;
	g_autofree gchar *usage = g_strdup_printf("%s needs one valid guest name", (*argv)[0]);

	return cvmctl_guest_arg(*argc, *argv, 2, usage);
}

json_object *
cvmctl_guest_status(CvmctlOps *ops, const char *name, GError **error)
{
	return ops->vt->status(ops, name, error);
}

/* QEMU's last words, indented under the status. */
static void
print_log_tail(FILE *out, const char *tail)
{
	g_auto(GStrv) lines = g_strsplit(tail, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++)
		fprintf(out, "  | %s\n", lines[i]);
}

gboolean
cvmctl_print_failure(json_object *status)
{
	const char *log = cvm_record_get_string(status, "qemu-log", NULL);
	const char *tail = cvm_record_get_string(status, "qemu-log-tail", NULL);
	const char *reason = cvm_record_get_string(status, "state-reason", NULL);

	if (log == NULL)
		return FALSE;
	fprintf(stderr, "cvmctl: %s is %s%s%s%s; QEMU's log %s ends:\n", cvm_record_get_string(status, "name", "?"),
		cvm_record_get_string(status, "state", "?"), reason ? " (" : "", reason ? reason : "", reason ? ")" : "",
		log);
	print_log_tail(stderr, tail ? tail : "(empty or unreadable)");
	return TRUE;
}

static void
print_guest(json_object *g, gboolean header)
{
	json_object *v;
	const char *name = "", *state = "", *platform = "";

	if (json_object_object_get_ex(g, "name", &v))
		name = json_object_get_string(v);
	if (json_object_object_get_ex(g, "state", &v))
		state = json_object_get_string(v);
	if (json_object_object_get_ex(g, "platform", &v))
		platform = json_object_get_string(v);
	if (header)
		printf("%-24s %-10s %s\n", "NAME", "STATE", "PLATFORM");
	printf("%-24s %-10s %s\n", name, state, platform);
}

static void
clear_opts(GuestOpts *o)
{
	g_free(o->bus);
	g_free(o->uri);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GuestOpts, clear_opts)

#define OPTS(...) ((const char *const[]){ __VA_ARGS__, NULL })

int
cvmctl_cmd_list(int argc, char **argv)
{
	g_auto(GuestOpts) o = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmctlOps) ops = NULL;
	json_object *arr;

	if (!parse(&argc, &argv, "- list guests", OPTS("bus", "json", "connect"), NULL, &o))
		return CVMCTL_EXIT_USAGE;
	ops = cvmctl_ops_open(o.bus, o.uri);
	arr = ops->vt->list(ops, &error);
	if (arr == NULL)
		return cvmctl_error(error);
	if (o.json)
		cvmctl_print_json(arr);
	else
		for (size_t i = 0; i < json_object_array_length(arr); i++)
			print_guest(json_object_array_get_idx(arr, i), i == 0);
	json_object_put(arr);
	return CVMCTL_EXIT_OK;
}

int
cvmctl_cmd_status(int argc, char **argv)
{
	g_auto(GuestOpts) o = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmctlOps) ops = NULL;
	json_object *found;

	if (!parse_named(&argc, &argv, "NAME - show one guest", OPTS("bus", "json", "connect"), NULL, &o))
		return CVMCTL_EXIT_USAGE;
	ops = cvmctl_ops_open(o.bus, o.uri);
	found = ops->vt->status(ops, argv[1], &error);
	if (found == NULL)
		return cvmctl_error(error);
	if (o.json) {
		cvmctl_print_json(found);
	} else {
		json_object_object_foreach(found, key, val)
			if (strcmp(key, "qemu-log-tail") != 0)
				printf("%-22s %s\n", key, json_object_get_string(val));
		if (cvm_record_get_string(found, "qemu-log-tail", NULL) != NULL) {
			printf("%-22s\n", "qemu-log-tail");
			print_log_tail(stdout, cvm_record_get_string(found, "qemu-log-tail", NULL));
		}
	}
	json_object_put(found);
	return CVMCTL_EXIT_OK;
}

/* After the operation (not as an argument beside it: their order is
 * unspecified, and @error would be read before it is set). */
static int
done(gboolean ok, const GError *error)
{
	return ok ? CVMCTL_EXIT_OK : cvmctl_error(error);
}

int
cvmctl_cmd_stop(int argc, char **argv)
{
	g_auto(GuestOpts) o = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmctlOps) ops = NULL;

	if (!parse_named(&argc, &argv, "NAME - ask a guest to shut down", OPTS("bus", "connect", "force", "timeout"),
			 "power off at once (destroy)", &o))
		return CVMCTL_EXIT_USAGE;
	if (o.timeout < 0 || (o.force && o.timeout > 0)) {
		fprintf(stderr, "cvmctl: --timeout takes a number of seconds > 0, without --force\n");
		return CVMCTL_EXIT_USAGE;
	}
	ops = cvmctl_ops_open(o.bus, o.uri);
	gboolean ok = cvmctl_ops_stop(ops, argv[1], o.force, o.timeout, &error);
	return done(ok, error);
}

int
cvmctl_cmd_start(int argc, char **argv)
{
	g_auto(GuestOpts) o = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmctlOps) ops = NULL;

	if (!parse_named(&argc, &argv, "NAME - start a defined, stopped guest", OPTS("bus", "connect"), NULL, &o))
		return CVMCTL_EXIT_USAGE;
	ops = cvmctl_ops_open(o.bus, o.uri);
	gboolean ok = ops->vt->action(ops, argv[1], "start", &error);
	return done(ok, error);
}

int
cvmctl_cmd_reboot(int argc, char **argv)
{
	g_auto(GuestOpts) o = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmctlOps) ops = NULL;

	if (!parse_named(&argc, &argv, "NAME - ask a guest to reboot", OPTS("bus", "connect", "force"),
			 "reset it at once (the reset button)", &o))
		return CVMCTL_EXIT_USAGE;
	ops = cvmctl_ops_open(o.bus, o.uri);
	gboolean ok = ops->vt->action(ops, argv[1], o.force ? "reset" : "reboot", &error);
	return done(ok, error);
}

int
cvmctl_cmd_forget(int argc, char **argv)
{
	g_auto(GuestOpts) o = { 0 };
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmctlOps) ops = NULL;

	if (!parse_named(&argc, &argv, "NAME - remove a stopped guest: domain, record and files",
			 OPTS("bus", "connect", "force"), "power a running guest off first", &o))
		return CVMCTL_EXIT_USAGE;
	ops = cvmctl_ops_open(o.bus, o.uri);
	gboolean ok = cvmctl_ops_forget(ops, argv[1], o.force, &error);
	return done(ok, error);
}
