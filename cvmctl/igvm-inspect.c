/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl igvm inspect FILE [--json] [--platform P]: the report of
 * cvmctl/igvm-report.c, as JSON or as text. */
#include "cvmctl/igvm.h"
#include "cvmctl/igvm-report.h"

#include <cvm/error.h>
#include <stdio.h>

static const char *
str(json_object *o, const char *key)
{
	json_object *v = json_object_object_get(o, key);

	return v != NULL ? json_object_get_string(v) : "";
}

static void
print_list(json_object *arr, const char *prefix)
{
	for (gsize i = 0; i < json_object_array_length(arr); i++)
		printf("%s%s", i ? " " : prefix, json_object_get_string(json_object_array_get_idx(arr, i)));
}

static void
print_header(const char *path, json_object *r)
{
	json_object *f = json_object_object_get(r, "file");
	json_object *arr = json_object_object_get(r, "platforms");

	printf("%s: IGVM format version %s (%s), %s bytes, %s headers, checksum %s\n", path,
	       str(f, "format-version"), str(f, "architecture"), str(f, "total-file-size"),
	       str(f, "headers"), str(f, "checksum"));
	printf("  variable headers at %s, %s bytes\n", str(f, "variable-header-offset"),
	       str(f, "variable-header-size"));
	printf("Platforms:\n");
	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		printf("  %-8s mask %s, highest VTL %s, shared GPA boundary %s\n", str(p, "type"),
		       str(p, "mask"), str(p, "highest-vtl"), str(p, "shared-gpa-boundary"));
	}
	arr = json_object_object_get(r, "policies");
	if (json_object_array_length(arr) > 0)
		printf("Guest policies:\n");
	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		printf("  [%s] %s:", str(p, "platforms"), str(p, "policy"));
		print_list(json_object_object_get(p, "bits"), " ");
		printf("\n");
	}
	printf("Directives:\n");
	json_object_object_foreach(json_object_object_get(r, "directive-counts"), name, n)
		printf("  %-28s %d\n", name, json_object_get_int(n));
}

static void
print_memory(json_object *r)
{
	json_object *arr = json_object_object_get(r, "memory");

	printf("Memory (coalesced page data):\n");
	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *m = json_object_array_get_idx(arr, i);
		g_autofree gchar *range = g_strdup_printf("%s-%s", str(m, "start"), str(m, "end"));

		printf("  %-37s %6s page(s) %-10s %-4s %s%s [%s]\n", range, str(m, "pages"), str(m, "data-type"), str(m, "contents"),
		       json_object_get_boolean(json_object_object_get(m, "measured")) ? "measured"
										 : "unmeasured",
		       json_object_get_boolean(json_object_object_get(m, "shared")) ? " shared" : "",
		       str(m, "platforms"));
	}
}

static void
print_rest(json_object *r)
{
	json_object *arr = json_object_object_get(r, "vp-contexts");

	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *v = json_object_array_get_idx(arr, i);

		printf("%s  vp %s at %s [%s]: %s rip %s cs %s base %s\n", i ? "" : "VP contexts:\n",
		       str(v, "vp-index"), str(v, "gpa"), str(v, "platforms"), str(v, "format"),
		       str(v, "rip"), str(v, "cs-selector"), str(v, "cs-base"));
	}
	arr = json_object_object_get(r, "parameter-areas");
	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *a = json_object_array_get_idx(arr, i);
		json_object *params = json_object_object_get(a, "parameters");
		json_object *ins = json_object_object_get(a, "inserted");

		printf("%s  area %s: %s bytes%s;", i ? "" : "Parameter areas:\n", str(a, "index"),
		       str(a, "size"),
		       json_object_get_boolean(json_object_object_get(a, "initial-data"))
			       ? ", initial data" : "");
		for (gsize j = 0; j < json_object_array_length(params); j++) {
			json_object *p = json_object_array_get_idx(params, j);
			printf(" %s@%s", str(p, "type"), str(p, "offset"));
		}
		for (gsize j = 0; j < json_object_array_length(ins); j++) {
			json_object *p = json_object_array_get_idx(ins, j);
			printf("; inserted at %s [%s]", str(p, "gpa"), str(p, "platforms"));
		}
		if (json_object_array_length(ins) == 0)
			printf("; never inserted");
		printf("\n");
	}
	arr = json_object_object_get(r, "snp-id-blocks");
	for (gsize i = 0; i < json_object_array_length(arr); i++) {
		json_object *b = json_object_array_get_idx(arr, i);

		printf("%s  [%s] version %s guest_svn %s id_key_algorithm %s author_key %s\n"
		       "    ld %s\n    family_id %s image_id %s\n",
		       i ? "" : "SNP ID blocks:\n", str(b, "platforms"), str(b, "version"),
		       str(b, "guest-svn"), str(b, "id-key-algorithm"),
		       str(b, "author-key-enabled"), str(b, "ld"), str(b, "family-id"),
		       str(b, "image-id"));
	}
}

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
	g_autoptr(CvmctlIgvmFile) file = NULL;
	json_object *report;
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
	file = cvmctl_igvm_file_open(argv[1], &error);
	if (file == NULL)
		return cvmctl_error(error);
	if (platform != NULL) {
		CvmPlatform type;

		if (!cvm_platform_from_string(platform, &type, &error))
			return cvmctl_error(error);
		filter = cvmctl_igvm_platform_mask(file, type);
		if (filter == 0) {
			g_set_error(&error, CVM_ERROR, CVM_ERROR_NOT_FOUND, "%s declares no %s platform", argv[1],
				    platform);
			return cvmctl_error(error);
		}
	}
	report = cvmctl_igvm_report(file, filter);
	if (json) {
		cvmctl_print_json(report);
	} else {
		print_header(argv[1], report);
		print_memory(report);
		print_rest(report);
	}
	json_object_put(report);
	return CVMCTL_EXIT_OK;
}
