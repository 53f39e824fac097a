/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl igvm inspect FILE [--json] [--platform P]: the library's IGVM
 * report (cvm/igvm-report.h), as JSON or as text. */
#include "cvmctl/igvm.h"

#include <cvm/igvm-report.h>
#include <stdio.h>

int
cvmctl_igvm_inspect(int argc, char **argv)
{
	gboolean json = FALSE;
	g_autofree gchar *platform = NULL;
	const GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
		{ "platform", 'p', 0, G_OPTION_ARG_STRING, &platform,
		  "Only what applies to platform P (native, vsm, sev-snp, tdx, sev, sev-es, cca)",
		  "P" },
		{ NULL }
	};
	g_autoptr(GOptionContext) context = g_option_context_new("FILE");
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) igvm = NULL;
	g_autoptr(CvmIgvmReport) report = NULL;
	guint32 filter = 0;

	g_option_context_set_summary(context, "Describe an IGVM file: header, platforms, policy, "
					      "directives, memory, VP contexts, parameters, ID block.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "cvmctl: need one FILE\nTry '--help' for usage.\n");
		return CVMCTL_EXIT_USAGE;
	}
	/* Unvalidated, so that a broken file can be looked at; `cvmctl igvm
	 * validate` reports the rules. */
	igvm = cvm_igvm_open(argv[1], CVM_IGVM_NO_VALIDATE, &error);
	if (igvm != NULL)
		report = cvm_igvm_report_new(igvm, argv[1], &error);
	if (report == NULL || (platform != NULL &&
			       !cvm_igvm_report_platform_filter(report, platform, &filter, &error)))
		return cvmctl_error(error);
	if (json) {
		json_object *o = cvm_igvm_report_to_json(report, filter);

		cvmctl_print_json(o);
		json_object_put(o);
	} else {
		g_autofree gchar *text = cvm_igvm_report_to_text(report, filter);

		fputs(text, stdout);
	}
	return CVMCTL_EXIT_OK;
}
