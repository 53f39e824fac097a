/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl igvm validate FILE [--strict] [--for-qemu] [--json]: every rule of
 * the cvm/igvm.h validator (docs/igvm.md), one line per problem. Exit 0 when
 * there is no error (warnings are printed), 3 when there is, 1 when the file
 * cannot be read. */
#include "cvmctl/igvm.h"

#include <cvm/error.h>
#include <cvm/igvm.h>
#include <json-c/json.h>
#include <stdio.h>

static json_object *
problem_json(const CvmIgvmProblem *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "rule", json_object_new_string(cvm_igvm_rule_name(p->rule)));
	json_object_object_add(o, "severity",
			       json_object_new_string(p->severity == CVM_IGVM_SEVERITY_ERROR ? "error" : "warning"));
	json_object_object_add(o, "header", json_object_new_int(p->header_index));
	json_object_object_add(o, "offset", json_object_new_int64((gint64)p->offset));
	json_object_object_add(o, "message", json_object_new_string(p->message));
	return o;
}

static void
print_problems(const char *path, GPtrArray *problems, gboolean json)
{
	if (json) {
		json_object *arr = json_object_new_array();
		for (guint i = 0; i < problems->len; i++)
			json_object_array_add(arr, problem_json(g_ptr_array_index(problems, i)));
		cvmctl_print_json(arr);
		json_object_put(arr);
		return;
	}
	for (guint i = 0; i < problems->len; i++) {
		g_autofree gchar *line = cvm_igvm_problem_to_string(g_ptr_array_index(problems, i));
		printf("%s: %s\n", path, line);
	}
}

int
cvmctl_igvm_validate(int argc, char **argv)
{
	gboolean for_qemu = FALSE, strict = FALSE, json = FALSE;
	const GOptionEntry entries[] = {
		{ "for-qemu", 0, 0, G_OPTION_ARG_NONE, &for_qemu,
		  "Also flag what upstream QEMU's IGVM loader refuses", NULL },
		{ "strict", 0, 0, G_OPTION_ARG_NONE, &strict, "Hygiene warnings count as errors", NULL },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "The problems as a JSON array", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) context = g_option_context_new("FILE");
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvm) igvm = NULL;
	g_autoptr(GPtrArray) problems = NULL;

	g_option_context_set_summary(context, "Check an IGVM file against every rule; one line per problem. "
					      "Exit 0 if no error, 3 if errors were found.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "cvmctl: need one FILE\nTry '--help' for usage.\n");
		return CVMCTL_EXIT_USAGE;
	}
	igvm = cvm_igvm_open(argv[1], CVM_IGVM_NO_VALIDATE, &error);
	if (igvm == NULL && error->domain == CVM_ERROR &&
	    (error->code == CVM_ERROR_IO || error->code == CVM_ERROR_NOT_FOUND))
		return cvmctl_error(error);
	if (igvm == NULL) {
		/* Not even indexable: the one structural problem is the answer. */
		if (json) {
			json_object *arr = json_object_new_array(), *o = json_object_new_object();
			json_object_object_add(o, "severity", json_object_new_string("error"));
			json_object_object_add(o, "message", json_object_new_string(error->message));
			json_object_array_add(arr, o);
			cvmctl_print_json(arr);
			json_object_put(arr);
		} else {
			printf("%s\n", error->message);
		}
		return CVMCTL_EXIT_CHECK_FAILED;
	}
	problems = cvm_igvm_validate(igvm, CVM_IGVM_CHECK_ID_BLOCK | (strict ? CVM_IGVM_STRICT : 0) |
						  (for_qemu ? CVM_IGVM_FOR_QEMU : 0));
	print_problems(argv[1], problems, json);
	return cvm_igvm_problems_count_errors(problems) == 0 ? CVMCTL_EXIT_OK : CVMCTL_EXIT_CHECK_FAILED;
}
