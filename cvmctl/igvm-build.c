/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl igvm build MANIFEST.json -o FILE [--format-version N]
 *
 * The builder comes from a source (today the manifest); further sources
 * (e.g. --from-ovmf) add an option to BuildOptions and a branch in
 * make_builder(). */
#include "cvmctl/igvm.h"

#include <cvm/error.h>
#include <cvm/igvm-manifest.h>
#include <stdio.h>

typedef struct {
	gchar *output;
	gint format_version;
} BuildOptions;

static void
build_options_clear(BuildOptions *o)
{
	g_free(o->output);
}

static CvmIgvmBuilder *
make_builder(const BuildOptions *o, int argc, char **argv, GError **error)
{
	if (argc != 2) {
		g_set_error_literal(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "expected exactly one MANIFEST.json");
		return NULL;
	}
	return cvm_igvm_manifest_load(argv[1], (guint32)o->format_version, error);
}

int
cvmctl_igvm_build(int argc, char **argv)
{
	BuildOptions o = { 0 };
	const GOptionEntry entries[] = {
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output, "IGVM file to write", "FILE" },
		{ "format-version", 0, 0, G_OPTION_ARG_INT, &o.format_version,
		  "Write format version N (1 or 2) whatever the manifest says", "N" },
		{ NULL }
	};
	g_autoptr(GOptionContext) context = g_option_context_new("MANIFEST.json -o FILE");
	g_autoptr(GError) error = NULL;
	g_autoptr(CvmIgvmBuilder) builder = NULL;
	g_autoptr(GFile) written = NULL;
	g_autoptr(GFileInfo) info = NULL;
	int rc;

	g_option_context_set_summary(context, "Build an IGVM file from a JSON manifest "
					      "(docs/igvm-manifest.md).");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (o.output == NULL || argc != 2 || (o.format_version != 0 && o.format_version != 1 &&
					      o.format_version != 2)) {
		fprintf(stderr, "cvmctl: need one MANIFEST.json, -o FILE and a format version of "
				"1 or 2\nTry '--help' for usage.\n");
		build_options_clear(&o);
		return CVMCTL_EXIT_USAGE;
	}
	builder = make_builder(&o, argc, argv, &error);
	written = g_file_new_for_path(o.output);
	if (builder != NULL && cvm_igvm_builder_write_file(builder, o.output, &error))
		info = g_file_query_info(written, G_FILE_ATTRIBUTE_STANDARD_SIZE,
					 G_FILE_QUERY_INFO_NONE, NULL, &error);
	if (info != NULL) {
		printf("%s: %" G_GOFFSET_FORMAT " bytes, %u headers, format version %u\n", o.output,
		       g_file_info_get_size(info), cvm_igvm_builder_get_n_headers(builder),
		       cvm_igvm_builder_get_format_version(builder));
		rc = CVMCTL_EXIT_OK;
	} else {
		rc = cvmctl_fail(error, CVMCTL_EXIT_FAILURE);
	}
	build_options_clear(&o);
	return rc;
}
