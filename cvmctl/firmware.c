/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl firmware list [--json]: the host's QEMU firmware descriptors as
 * libvirt resolves them (precedence and masking by file name) and the
 * platforms cvm can launch from each (docs/firmware.md). */
#include "cvmctl/cvmctl.h"

#include <cvm/firmware.h>
#include <json-c/json.h>
#include <stdio.h>

static void
print_entry(const CvmFirmwareEntry *e)
{
	g_autofree gchar *platforms = g_strjoinv(",", e->platforms);
	const char *state = e->masked ? "masked" : e->error != NULL ? "invalid" : e->device;

	printf("%-40s %-8s %-20s %s\n", e->name, state, *platforms ? platforms : "-", e->path);
	if (e->error != NULL)
		printf("    error: %s\n", e->error);
	if (e->filename != NULL)
		printf("    file: %s\n", e->filename);
	if (e->note != NULL)
		printf("    note: %s\n", e->note);
	for (guint i = 0; e->shadowed[i] != NULL; i++)
		printf("    hides: %s\n", e->shadowed[i]);
}

static int
firmware_list(int argc, char **argv)
{
	gboolean json = FALSE;
	const GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "The descriptors as a JSON array", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) context = g_option_context_new("");
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) dirs = cvm_firmware_default_dirs();
	g_autoptr(GPtrArray) list = NULL;

	g_option_context_set_summary(context, "List the QEMU firmware descriptors libvirt would read here, in its "
					      "order, and the platforms cvm can launch from each.\nFolders: "
					      "/usr/share/qemu/firmware, /etc/qemu/firmware, $XDG_CONFIG_HOME/qemu/"
					      "firmware (not as root); $" CVM_FIRMWARE_DIRS_ENV " replaces them.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (argc != 1) {
		fprintf(stderr, "cvmctl: firmware list takes no arguments\nTry '--help' for usage.\n");
		return CVMCTL_EXIT_USAGE;
	}
	list = cvm_firmware_list((const char *const *)dirs, &error);
	if (list == NULL)
		return cvmctl_error(error);
	if (json) {
		json_object *arr = json_object_new_array();
		for (guint i = 0; i < list->len; i++)
			json_object_array_add(arr, cvm_firmware_entry_to_json(g_ptr_array_index(list, i)));
		cvmctl_print_json(arr);
		json_object_put(arr);
		return CVMCTL_EXIT_OK;
	}
	g_autofree gchar *where = g_strjoinv(", ", dirs);
	if (list->len == 0) {
		printf("no firmware descriptors in %s\n", where);
		return CVMCTL_EXIT_OK;
	}
	printf("%-40s %-8s %-20s %s\n", "NAME", "DEVICE", "CVM CAN LAUNCH", "PATH");
	for (guint i = 0; i < list->len; i++)
		print_entry(g_ptr_array_index(list, i));
	return CVMCTL_EXIT_OK;
}

static const CvmctlCommand firmware_commands[] = {
	{ "list", firmware_list, "The host's firmware descriptors and what cvm can launch from each (--json)" },
};

int
cvmctl_cmd_firmware(int argc, char **argv)
{
	return cvmctl_dispatch("cvmctl firmware", firmware_commands, G_N_ELEMENTS(firmware_commands), argc, argv);
}
