/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl igvm descriptor FILE [--priority N] [-o OUT]: the QEMU firmware
 * descriptor (qemu/docs/interop/firmware.json, device igvm) of an IGVM file,
 * everything in it derived from the file (docs/firmware.md). To stdout, to
 * the file OUT, or into the folder OUT as NN-<name>.json, the name libvirt
 * sorts by. */
#include "cvmctl/igvm.h"

#include <cvm/error.h>
#include <cvm/firmware.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* OUT/NN-<file name without .igvm>.json */
static gchar *
path_in_dir(const char *dir, const char *igvm, gint priority)
{
	g_autofree gchar *base = g_path_get_basename(igvm);
	g_autofree gchar *name = NULL;

	if (g_str_has_suffix(base, ".igvm"))
		base[strlen(base) - strlen(".igvm")] = '\0';
	name = g_strdup_printf("%02d-%s.json", priority, base);
	return g_build_filename(dir, name, NULL);
}

int
cvmctl_igvm_descriptor(int argc, char **argv)
{
	gint priority = -1;
	g_autofree gchar *out = NULL;
	const GOptionEntry entries[] = {
		{ "priority", 0, 0, G_OPTION_ARG_INT, &priority,
		  "With -o FOLDER: the file name's two-digit prefix, lower wins (default 50)", "N" },
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Write to OUT, or into the folder OUT", "OUT" },
		CVMCTL_ENTRY_JSON_ALWAYS,
		{ NULL }
	};
	g_autoptr(GOptionContext) context = g_option_context_new("FILE");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *target = NULL;
	json_object *fw;

	g_option_context_set_summary(context, "Write the QEMU firmware descriptor (device igvm) of an IGVM file: "
					      "targets and features from the file's platforms (docs/firmware.md).");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "cvmctl: need one IGVM FILE\nTry '--help' for usage.\n");
		return CVMCTL_EXIT_USAGE;
	}
	if (priority != -1 && !cvmctl_check_range("--priority", priority, 0, 99, &error))
		return cvmctl_error(error);
	if (out != NULL && g_file_test(out, G_FILE_TEST_IS_DIR))
		target = path_in_dir(out, argv[1], priority != -1 ? priority : CVM_FIRMWARE_DEFAULT_PRIORITY);
	else if (priority != -1) {
		fprintf(stderr, "cvmctl: --priority names a file in a folder: give -o an existing FOLDER\n");
		return CVMCTL_EXIT_USAGE;
	} else
		target = g_strdup(out);
	fw = cvm_firmware_descriptor_for_igvm(argv[1], &error);
	if (fw == NULL)
		return cvmctl_error(error);
	const char *text = json_object_to_json_string_ext(fw, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (target == NULL) {
		puts(text);
	} else {
		g_autofree gchar *with_nl = g_strconcat(text, "\n", NULL);
		if (!g_file_set_contents_full(target, with_nl, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error)) {
			json_object_put(fw);
			return cvmctl_error(error);
		}
		printf("%s\n", target);
	}
	json_object_put(fw);
	return CVMCTL_EXIT_OK;
}
