/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl migrate GUEST --to URI, migrate status, migrate cancel: an
 * orchestrated SVSM migration (cvm/migrate-job.h) through the operations
 * (ops.h), run by cvmd when it is reachable, else on a thread of this
 * process. Progress goes to stderr once a second, the final status to
 * stdout as JSON; Ctrl-C cancels (the source keeps running, the destination
 * guest goes). */
#include "cvmctl/cvmctl.h"
#include "cvmctl/ops.h"

#include <cvm/bus.h>
#include <cvm/error.h>
#include <cvm/migrate-job.h>
#include <json-c/json.h>
#include <stdio.h>

typedef struct {
	CvmMigrateJobOptions job;
	gchar *to, *dest_connect, *dest_name, *source_memory, *dest_memory, *mode, *uri, *bus;
	gint64 page_gpa, dest_page_gpa, source_base, dest_base;
	gint timeout_ms;
	gboolean keep_source, detach;
} Opts;

static void
opts_clear(Opts *o)
{
	g_free(o->to);
	g_free(o->dest_connect);
	g_free(o->dest_name);
	g_free(o->source_memory);
	g_free(o->dest_memory);
	g_free(o->mode);
	g_free(o->uri);
	g_free(o->bus);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Opts, opts_clear)

static gboolean
parse(int *argc, char ***argv, Opts *o)
{
	GOptionEntry entries[] = {
		{"to", 0, 0, G_OPTION_ARG_STRING, &o->to, "channel the destination listens on: tcp:, unix:, vsock:", "URI"},
		{"dest-connect", 0, 0, G_OPTION_ARG_STRING, &o->dest_connect, "libvirt URI of the destination", "URI"},
		{"dest-name", 0, 0, G_OPTION_ARG_STRING, &o->dest_name, "destination guest name (GUEST-incoming)", "NAME"},
		{"page-gpa", 0, 0, G_OPTION_ARG_INT64, &o->page_gpa, "source migration page (default: serial log)", "GPA"},
		{"dest-page-gpa", 0, 0, G_OPTION_ARG_INT64, &o->dest_page_gpa, "destination page (default: its log)", "GPA"},
		{"source-memory", 0, 0, G_OPTION_ARG_FILENAME, &o->source_memory, "relay: source guest RAM file", "FILE"},
		{"source-base", 0, 0, G_OPTION_ARG_INT64, &o->source_base, "relay: GPA of its first byte", "GPA"},
		{"dest-memory", 0, 0, G_OPTION_ARG_FILENAME, &o->dest_memory, "relay: destination RAM file", "FILE"},
		{"dest-base", 0, 0, G_OPTION_ARG_INT64, &o->dest_base, "relay: GPA of its first byte", "GPA"},
		{"mode", 0, 0, G_OPTION_ARG_STRING, &o->mode, "auto (default), relay or hmp", "MODE"},
		{"keep-source", 0, 0, G_OPTION_ARG_NONE, &o->keep_source, "leave the source running afterwards", NULL},
		{"timeout", 0, 0, G_OPTION_ARG_INT, &o->timeout_ms, "ms for every wait (default 30000)", "MS"},
		{"detach", 0, 0, G_OPTION_ARG_NONE, &o->detach, "through cvmd: print the job id and return", NULL},
		{"connect", 'c', 0, G_OPTION_ARG_STRING, &o->uri, "libvirt URI (in-process)", "URI"},
		{"bus", 0, 0, G_OPTION_ARG_STRING, &o->bus, "cvmd's bus: system, session or ADDRESS", "BUS"},
		CVMCTL_ENTRY_JSON_ALWAYS,
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("GUEST --to URI - migrate a guest's SVSM state");
	g_autoptr(GError) error = NULL;

	o->timeout_ms = 30000;
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, argc, argv))
		return FALSE;
	if (*argc != 2 || o->to == NULL || o->timeout_ms <= 0 || o->page_gpa < 0 || o->dest_page_gpa < 0 ||
	    o->source_base < 0 || o->dest_base < 0) {
		fprintf(stderr, "cvmctl: migrate GUEST --to URI [options]; see cvmctl migrate --help\n");
		return FALSE;
	}
	/* cvmd resolves nothing relative to our directory. */
	if (o->source_memory != NULL) {
		gchar *abs = g_canonicalize_filename(o->source_memory, NULL);
		g_free(o->source_memory);
		o->source_memory = abs;
	}
	if (o->dest_memory != NULL) {
		gchar *abs = g_canonicalize_filename(o->dest_memory, NULL);
		g_free(o->dest_memory);
		o->dest_memory = abs;
	}
	o->job = (CvmMigrateJobOptions){
		.guest = (*argv)[1], .to = o->to, .dest_connect = o->dest_connect, .dest_name = o->dest_name,
		.page_gpa = (guint64)o->page_gpa, .dest_page_gpa = (guint64)o->dest_page_gpa,
		.source_memory = o->source_memory, .source_memory_base = (guint64)o->source_base,
		.dest_memory = o->dest_memory, .dest_memory_base = (guint64)o->dest_base,
		.keep_source = o->keep_source, .timeout_ms = (guint)o->timeout_ms};
	if (o->mode != NULL && !cvm_migrate_mode_from_string(o->mode, &o->job.mode, &error)) {
		fprintf(stderr, "cvmctl: %s\n", error->message);
		return FALSE;
	}
	return TRUE;
}

static void
print_line(const char *phase, guint64 blocks, guint64 bytes, double rate)
{
	fprintf(stderr, "cvmctl: %s, %" G_GUINT64_FORMAT " blocks, %.1f MiB, %.1f MiB/s\n", phase, blocks,
		(double)bytes / (1 << 20), rate / (1 << 20));
}

static const char *
get_string(json_object *st, const char *key)
{
	return json_object_get_string(json_object_object_get(st, key));
}

static gboolean
ended(json_object *st)
{
	const char *phase = get_string(st, "phase");
	return g_strcmp0(phase, "completed") == 0 || g_strcmp0(phase, "failed") == 0 ||
	       g_strcmp0(phase, "cancelled") == 0;
}

/* The job's error as the GError it was (its CVM_ERROR code by its bus
 * name), so a failed job exits as that error does (exit.c) on either path. */
static int
job_error(json_object *st)
{
	const char *name = get_string(st, "error-name");
	g_autoptr(GError) error = NULL;

	cvm_bus_errors_register();
	error = g_dbus_error_new_for_dbus_error(name != NULL ? name : cvm_bus_error_name(CVM_ERROR_FAILED),
						get_string(st, "error") != NULL ? get_string(st, "error") : "failed");
	g_dbus_error_strip_remote_error(error);
	return cvmctl_error(error);
}

/* Follow a job to its end; Ctrl-C asks for it to be cancelled. */
static int
follow(CvmctlOps *ops, const char *id)
{
	g_autoptr(GError) error = NULL;
	json_object *st = NULL;
	int rc;

	cvmctl_catch_interrupts();
	gboolean cancel = FALSE;
	for (guint tick = 1;; tick++) {
		/* A cancel that did not get through is asked again next time. */
		cancel = cancel || cvmctl_interrupted();
		if (cancel && ops->vt->migrate_cancel(ops, id, NULL))
			cancel = FALSE;
		g_clear_pointer(&st, json_object_put);
		st = ops->vt->migrate_status(ops, id, &error);
		if (st == NULL)
			return cvmctl_error(error);
		if (ended(st))
			break;
		if (tick % 4 == 0)
			print_line(get_string(st, "phase"),
				   (guint64)json_object_get_int64(json_object_object_get(st, "blocks")),
				   (guint64)json_object_get_int64(json_object_object_get(st, "bytes")),
				   json_object_get_double(json_object_object_get(st, "rate-bytes-s")));
		g_usleep(250 * 1000);
	}
	cvmctl_print_json(st);
	rc = g_strcmp0(get_string(st, "phase"), "completed") == 0 ? CVMCTL_EXIT_OK : job_error(st);
	json_object_put(st);
	return rc;
}

int
cvmctl_migrate_guest(int argc, char **argv)
{
	g_auto(Opts) o = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmctlOps) ops = NULL;
	g_autofree gchar *id = NULL;

	if (!parse(&argc, &argv, &o))
		return CVMCTL_EXIT_USAGE;
	ops = cvmctl_ops_open(o.bus, o.uri);
	id = ops->vt->migrate_start(ops, &o.job, o.detach, &error);
	if (id == NULL)
		return cvmctl_error(error);
	fprintf(stderr, "cvmctl: migration job %s\n", id);
	if (o.detach) {
		printf("%s\n", id);
		return CVMCTL_EXIT_OK;
	}
	return follow(ops, id);
}

int
cvmctl_migrate_status(int argc, char **argv)
{
	g_autofree gchar *bus = NULL;
	GOptionEntry entries[] = {
		{"bus", 0, 0, G_OPTION_ARG_STRING, &bus, "cvmd's bus: system, session or ADDRESS", "BUS"},
		CVMCTL_ENTRY_JSON_ALWAYS,
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("[ID] - migration jobs in cvmd");
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmctlOps) ops = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, &argc, &argv) || argc > 2)
		return CVMCTL_EXIT_USAGE;
	ops = cvmctl_ops_open(bus, NULL);
	g_auto(GStrv) ids = argc == 2 ? g_strdupv((gchar *[]){argv[1], NULL}) : ops->vt->migrate_list(ops, &error);
	json_object *arr = json_object_new_array();
	for (guint i = 0; ids != NULL && ids[i] != NULL; i++) {
		json_object *st = ops->vt->migrate_status(ops, ids[i], &error);
		if (st == NULL)
			break;
		json_object_array_add(arr, st);
	}
	if (ids == NULL || error != NULL) {
		json_object_put(arr);
		return cvmctl_error(error);
	}
	cvmctl_print_json(argc == 2 ? json_object_array_get_idx(arr, 0) : arr);
	json_object_put(arr);
	return CVMCTL_EXIT_OK;
}

int
cvmctl_migrate_cancel(int argc, char **argv)
{
	g_autofree gchar *bus = NULL;
	GOptionEntry entries[] = {
		{"bus", 0, 0, G_OPTION_ARG_STRING, &bus, "cvmd's bus: system, session or ADDRESS", "BUS"},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("ID - cancel a migration job in cvmd");
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmctlOps) ops = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, &argc, &argv) || argc != 2)
		return CVMCTL_EXIT_USAGE;
	ops = cvmctl_ops_open(bus, NULL);
	if (!ops->vt->migrate_cancel(ops, argv[1], &error))
		return cvmctl_error(error);
	return CVMCTL_EXIT_OK;
}
