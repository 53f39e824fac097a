/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl migrate GUEST --to URI, migrate status, migrate cancel: an
 * orchestrated SVSM migration (cvm/migrate-job.h), run by cvmd when it is
 * reachable, else in this process. Progress goes to stderr once a second,
 * the final status to stdout as JSON; Ctrl-C cancels (the source keeps
 * running, the destination guest goes). */
#include "cvmctl/cvmctl.h"

#include <cvm/client.h>
#include <cvm/error.h>
#include <cvm/launch.h>
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

static json_object *
progress_json(CvmMigrateJob *job, const GError *error)
{
	CvmMigrateJobProgress p;
	json_object *o = json_object_new_object();

	cvm_migrate_job_get_progress(job, &p);
	json_object_object_add(o, "guest", json_object_new_string(cvm_migrate_job_get_guest(job)));
	json_object_object_add(o, "dest-name", json_object_new_string(cvm_migrate_job_get_dest_name(job)));
	json_object_object_add(o, "phase", json_object_new_string(cvm_migrate_job_phase_to_string(p.phase)));
	json_object_object_add(o, "mode", json_object_new_string(cvm_migrate_mode_to_string(p.mode)));
	json_object_object_add(o, "blocks", json_object_new_int64((gint64)p.blocks));
	json_object_object_add(o, "bytes", json_object_new_int64((gint64)p.bytes));
	json_object_object_add(o, "rate-bytes-s", json_object_new_double(p.rate_bytes_s));
	json_object_object_add(o, "elapsed-us", json_object_new_int64(p.elapsed_us));
	if (error != NULL)
		json_object_object_add(o, "error", json_object_new_string(error->message));
	return o;
}

typedef struct {
	CvmMigrateJob *job;
	virConnectPtr conn;
	CvmState *state;
	GError *error;
	gboolean ok;
	gint done;
} Local;

static gpointer
local_thread(gpointer data)
{
	Local *l = data;
	l->ok = cvm_migrate_job_run(l->job, l->conn, l->state, &l->error);
	g_atomic_int_set(&l->done, 1);
	return NULL;
}

static int
run_local(Opts *o)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = cvmctl_state_dir(o->bus);
	g_autofree gchar *uri = cvmctl_local_uri(o->uri, dir, &error);
	g_autoptr(CvmState) state = uri ? cvm_state_open(dir, &error) : NULL;
	g_autoptr(CvmMigrateJob) job = state ? cvm_migrate_job_new(&o->job, &error) : NULL;
	Local l = {.job = job, .state = state};

	if (job == NULL || (l.conn = cvm_libvirt_open(uri, &error)) == NULL)
		return cvmctl_error(error);
	cvmctl_catch_interrupts();
	GThread *t = g_thread_new("cvm-migrate", local_thread, &l);
	for (guint tick = 1; !g_atomic_int_get(&l.done); tick++) {
		if (cvmctl_interrupted())
			cvm_migrate_job_cancel(job);
		if (tick % 10 == 0) {
			CvmMigrateJobProgress p;
			cvm_migrate_job_get_progress(job, &p);
			print_line(cvm_migrate_job_phase_to_string(p.phase), p.blocks, p.bytes, p.rate_bytes_s);
		}
		g_usleep(100 * 1000);
	}
	g_thread_join(t);
	cvm_libvirt_close(l.conn);
	json_object *out = progress_json(job, l.error);
	cvmctl_print_json(out);
	json_object_put(out);
	int rc = l.ok ? CVMCTL_EXIT_OK : cvmctl_error(l.error);
	g_clear_error(&l.error);
	return rc;
}

static gboolean
ended(json_object *st)
{
	const char *phase = json_object_get_string(json_object_object_get(st, "phase"));
	return g_strcmp0(phase, "completed") == 0 || g_strcmp0(phase, "failed") == 0 ||
	       g_strcmp0(phase, "cancelled") == 0;
}

/* Follow a cvmd job to its end; Ctrl-C asks cvmd to cancel it. */
static int
follow_cvmd(CvmClient *c, const char *id)
{
	g_autoptr(GError) error = NULL;
	json_object *st = NULL;

	cvmctl_catch_interrupts();
	gboolean cancel = FALSE;
	for (guint tick = 1;; tick++) {
		/* A cancel that did not get through is asked again next time. */
		cancel = cancel || cvmctl_interrupted();
		if (cancel && cvm_client_migrate_cancel(c, id, NULL))
			cancel = FALSE;
		g_clear_pointer(&st, json_object_put);
		st = cvm_client_migrate_status(c, id, &error);
		if (st == NULL)
			return cvmctl_error(error);
		if (ended(st))
			break;
		if (tick % 4 == 0)
			print_line(json_object_get_string(json_object_object_get(st, "phase")),
				   (guint64)json_object_get_int64(json_object_object_get(st, "blocks")),
				   (guint64)json_object_get_int64(json_object_object_get(st, "bytes")),
				   json_object_get_double(json_object_object_get(st, "rate-bytes-s")));
		g_usleep(250 * 1000);
	}
	cvmctl_print_json(st);
	gboolean ok = g_strcmp0(json_object_get_string(json_object_object_get(st, "phase")), "completed") == 0;
	if (!ok)
		fprintf(stderr, "cvmctl: %s\n", json_object_get_string(json_object_object_get(st, "error")));
	json_object_put(st);
	return ok ? CVMCTL_EXIT_OK : CVMCTL_EXIT_FAILURE;
}

int
cvmctl_migrate_guest(int argc, char **argv)
{
	g_auto(Opts) o = {0};
	g_autoptr(GError) error = NULL;

	if (!parse(&argc, &argv, &o))
		return CVMCTL_EXIT_USAGE;
	g_autoptr(CvmClient) c = cvmctl_client_or_local(o.bus);
	if (c == NULL)
		return run_local(&o);
	g_autofree gchar *id =
		cvm_client_migrate_start(c, o.job.guest, o.job.to, cvm_migrate_job_options_to_variant(&o.job), &error);
	if (id == NULL)
		return cvmctl_error(error);
	fprintf(stderr, "cvmctl: migration job %s\n", id);
	if (o.detach) {
		printf("%s\n", id);
		return CVMCTL_EXIT_OK;
	}
	return follow_cvmd(c, id);
}

/* status [ID] and cancel ID need cvmd: a job cvmctl runs itself lives
 * only in that cvmctl (and Ctrl-C is its cancel). */
static CvmClient *
need_cvmd(const char *bus, int *rc)
{
	g_autoptr(GError) error = NULL;
	CvmClient *c = cvmctl_connect(bus, NULL, &error);
	if (c == NULL) {
		g_prefix_error(&error, "an in-process migration is cancelled with Ctrl-C; ");
		*rc = cvmctl_error(error);
	}
	return c;
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

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, &argc, &argv) || argc > 2)
		return CVMCTL_EXIT_USAGE;
	int rc = CVMCTL_EXIT_FAILURE;
	g_autoptr(CvmClient) c = need_cvmd(bus, &rc);
	if (c == NULL)
		return rc;
	g_auto(GStrv) ids = argc == 2 ? g_strdupv((gchar *[]){argv[1], NULL}) : cvm_client_migrate_list(c, &error);
	json_object *arr = json_object_new_array();
	for (guint i = 0; ids != NULL && ids[i] != NULL; i++) {
		json_object *st = cvm_client_migrate_status(c, ids[i], &error);
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

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cvmctl_parse_options(ctx, &argc, &argv) || argc != 2)
		return CVMCTL_EXIT_USAGE;
	int rc = CVMCTL_EXIT_FAILURE;
	g_autoptr(CvmClient) c = need_cvmd(bus, &rc);
	if (c == NULL)
		return rc;
	if (!cvm_client_migrate_cancel(c, argv[1], &error))
		return cvmctl_error(error);
	return CVMCTL_EXIT_OK;
}
