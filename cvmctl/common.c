/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cvmctl/cvmctl.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

gboolean
cvmctl_parse_options(GOptionContext *context, int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;

	if (!g_option_context_parse(context, argc, argv, &error)) {
		fprintf(stderr, "cvmctl: %s\nTry '--help' for usage.\n", error->message);
		return FALSE;
	}
	return TRUE;
}

int
cvmctl_fail(const GError *error, int exit_code)
{
	fprintf(stderr, "cvmctl: %s\n", error != NULL ? error->message : "failed");
	return exit_code;
}

void
cvmctl_print_json(struct json_object *obj)
{
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void
print_table(FILE *out, const char *group, const CvmctlCommand *table, gsize n)
{
	fprintf(out, "Usage: %s COMMAND [OPTIONS...]\n\nCommands:\n", group);
	for (gsize i = 0; i < n; i++)
		fprintf(out, "  %-12s %s\n", table[i].name, table[i].summary);
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
