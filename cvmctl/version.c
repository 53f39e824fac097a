/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cvmctl/cvmctl.h"

#include <cvm/error.h>
#include <stdio.h>

int
cvmctl_cmd_version(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = g_option_context_new("- print the cvm version");

	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	printf("cvmctl %s (libcvm %s)\n", CVM_VERSION, cvm_version());
	return CVMCTL_EXIT_OK;
}
