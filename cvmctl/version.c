/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl version: cvmctl's and libcvm's versions. */
#include "cvmctl/cvmctl.h"

#include <cvm/error.h>
#include <json-c/json.h>
#include <stdio.h>

int
cvmctl_cmd_version(int argc, char **argv)
{
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON output", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) context = g_option_context_new("- print the cvm version");

	g_option_context_add_main_entries(context, entries, NULL);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "cvmctl", json_object_new_string(CVM_VERSION));
		json_object_object_add(o, "libcvm", json_object_new_string(cvm_version()));
		cvmctl_print_json(o);
		json_object_put(o);
	} else {
		printf("cvmctl %s (libcvm %s)\n", CVM_VERSION, cvm_version());
	}
	return CVMCTL_EXIT_OK;
}
