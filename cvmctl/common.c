/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl's shared plumbing: option parsing, JSON output (RFC 3339 times), group dispatch. */
#include "cvmctl/cvmctl.h"

#include <cvm/error.h>
#include <cvm/launch.h>
#include <glib-unix.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

gboolean
cvmctl_parse_options(GOptionContext *context, int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;
	gboolean verbose = FALSE;
	/* Every command's, so that -v may come where options go. */
	GOptionEntry common[] = {
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
		  "say which cvmd the command goes through, or that it runs in-process", NULL },
		{ NULL },
	};

	g_option_context_add_main_entries(context, common, NULL);
	if (!g_option_context_parse(context, argc, argv, &error)) {
		fprintf(stderr, "cvmctl: %s\nTry '--help' for usage.\n", error->message);
		return FALSE;
	}
	if (verbose)
		cvmctl_set_verbose(TRUE);
	return TRUE;
}

gboolean cvmctl_json_always;

void
cvmctl_entries_drop(GOptionEntry *entries, const char *const *names)
{
	gsize out = 0;

	for (gsize i = 0; entries[i].long_name != NULL; i++)
		if (names == NULL || !g_strv_contains(names, entries[i].long_name))
			entries[out++] = entries[i];
	entries[out] = (GOptionEntry){ NULL };
}

/* Records keep "created" as epoch seconds (cvmd's Created property is a
 * number too); what cvmctl prints is RFC 3339, like every time it shows. */
static void
times_to_rfc3339(json_object *obj)
{
	if (json_object_is_type(obj, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(obj); i++)
			times_to_rfc3339(json_object_array_get_idx(obj, i));
		return;
	}
	if (!json_object_is_type(obj, json_type_object))
		return;
	json_object_object_foreach(obj, key, val) {
		if (strcmp(key, "created") == 0 && json_object_is_type(val, json_type_int)) {
			g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(json_object_get_int64(val));
			g_autofree gchar *s = t != NULL ? g_date_time_format_iso8601(t) : NULL;

			if (s != NULL)
				json_object_object_add(obj, key, json_object_new_string(s));
		} else {
			times_to_rfc3339(val);
		}
	}
}

void
cvmctl_print_json(struct json_object *obj)
{
	times_to_rfc3339(obj);
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void
print_table(FILE *out, const char *group, const CvmctlCommand *table, gsize n)
{
	fprintf(out, "Usage: %s COMMAND [OPTIONS...]\n\nCommands:\n", group);
	for (gsize i = 0; i < n; i++)
		fprintf(out, "  %-12s %s\n", table[i].name, table[i].summary);
	if (strcmp(group, "cvmctl") == 0)
		fprintf(out, "\nOptions before COMMAND: -v/--verbose (which cvmd, or in-process), --bus system|session|ADDRESS\n"
			     "(else $CVM_BUS, else cvmd on the system bus, then the session bus), --version.\n");
	fprintf(out, "\nRun '%s COMMAND --help' for a command's options.\n", group);
}

int
cvmctl_dispatch(const char *group, const CvmctlCommand *table, gsize n, int argc, char **argv)
{
	if (argc < 2) {
		print_table(stderr, group, table, n);
		return CVMCTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		print_table(stdout, group, table, n);
		return CVMCTL_EXIT_OK;
	}
	for (gsize i = 0; i < n; i++) {
		if (strcmp(argv[1], table[i].name) == 0) {
			/* The subcommand sees its own name as argv[0], with the
			 * group in front so GOption's usage line reads right. */
			g_autofree gchar *prgname = g_strdup_printf("%s %s", group, table[i].name);
			g_set_prgname(prgname);
			return table[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "%s: unknown command '%s'\n", group, argv[1]);
	print_table(stderr, group, table, n);
	return CVMCTL_EXIT_USAGE;
}

gchar *
cvmctl_local_uri(const char *explicit_uri, const char *state_dir, GError **error)
{
	const char *uri = explicit_uri != NULL ? explicit_uri : g_getenv("CVM_LIBVIRT_URI");
	gchar *picked;
	g_autofree gchar *root = NULL;

	/* in-process work beside a running cvmd: cvmd is the folder's one writer */
	if (!cvm_state_dir_check_owner(state_dir, error))
		return NULL;
	picked = cvm_launch_pick_uri(uri, NULL, state_dir);
	root = cvm_launch_embed_root(picked);

	if (root != NULL && !cvm_launch_prepare_embed_root(root, error)) {
		g_free(picked);
		return NULL;
	}
	return picked;
}

gboolean
cvmctl_parse_hex(const char *hex, guint8 *out, gsize len, const char *what, GError **error)
{
	if (strlen(hex) != 2 * len) {
		g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "%s needs %zu hex digits", what, 2 * len);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		int hi = g_ascii_xdigit_value(hex[2 * i]), lo = g_ascii_xdigit_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT, "%s is not hex", what);
			return FALSE;
		}
		out[i] = hi << 4 | lo;
	}
	return TRUE;
}

gboolean
cvmctl_check_range(const char *option, gint64 value, gint64 min, gint64 max, GError **error)
{
	if (value >= min && value <= max)
		return TRUE;
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
		    "%s %" G_GINT64_FORMAT " is out of range: allowed %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT,
		    option, value, min, max);
	return FALSE;
}

gboolean
cvmctl_guest_arg(int argc, char **argv, int want_args, const char *usage)
{
	g_autoptr(GError) error = NULL;

	if (argc == want_args && cvm_name_check("guest name", argv[1], &error))
		return TRUE;
	fprintf(stderr, "cvmctl: %s%s%s\n", usage, error ? ": " : "", error ? error->message : "");
	return FALSE;
}

gboolean
cvmctl_parse_size(const char *text, guint64 *out, GError **error)
{
	static const char suffixes[] = "KMGT";
	gchar *end = NULL;
	guint64 v = g_ascii_strtoull(text, &end, 10);
	guint shift = 20; /* a bare number is MiB, like virt-install and virsh */

	if (end == text)
		goto bad;
	if (*end != '\0') {
		const char *s = strchr(suffixes, g_ascii_toupper(*end));
		if (s == NULL || (end[1] != '\0' && g_ascii_strcasecmp(end + 1, "iB") != 0 &&
				  g_ascii_strcasecmp(end + 1, "B") != 0))
			goto bad;
		shift = 10 * (guint)(s - suffixes + 1);
	}
	if (v > (G_MAXUINT64 >> shift))
		goto bad;
	*out = v << shift;
	return TRUE;
bad:
	g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
		    "\"%s\" is not a size (a number of MiB, or with K, M, G or T)", text);
	return FALSE;
}

/* Kept (not removed on the first signal) so that both sources are still
 * there to remove once the loop returns. */
static gboolean
quit_loop(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;
}

void
cvmctl_run_until_signal(GMainLoop *loop)
{
	guint a = g_unix_signal_add(SIGINT, quit_loop, loop), b = g_unix_signal_add(SIGTERM, quit_loop, loop);

	g_main_loop_run(loop);
	g_source_remove(a);
	g_source_remove(b);
}

/* The one flag a signal handler may set; cvmctl is a single command. */
static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

void
cvmctl_catch_interrupts(void)
{
	struct sigaction sa = {.sa_handler = on_interrupt};

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

gboolean
cvmctl_interrupted(void)
{
	gboolean was = interrupted != 0;

	interrupted = 0;
	return was;
}
