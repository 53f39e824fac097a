/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl igvm build MANIFEST.json -o FILE [--format-version N]
 *
 * The builder comes from a source (today the manifest); further sources
 * (e.g. --from-ovmf) add an option to BuildOptions and a branch in
 * make_builder(). */
#include "cvmctl/igvm.h"

#include <cvm/error.h>
#include <cvm/igvm-manifest.h>
#include <cvm/measure.h>
#include <stdio.h>

typedef struct {
	gchar *output;
	gint format_version;
	/* --from-ovmf */
	gchar *ovmf;
	gchar *platforms;
	gint vcpus;
	gchar *vcpu_type;
	gchar *features;
	GBytes *firmware; /* the builder references it until written */
} BuildOptions;

static void
build_options_clear(BuildOptions *o)
{
	g_free(o->output);
	g_free(o->ovmf);
	g_free(o->platforms);
	g_free(o->vcpu_type);
	g_free(o->features);
	g_clear_pointer(&o->firmware, g_bytes_unref);
}

static gboolean
parse_wrap_platforms(const char *list, guint *out, GError **error)
{
	g_auto(GStrv) names = g_strsplit(list ? list : "sev-snp", ",", -1);

	const guint wrappable = CVM_OVMF_WRAP_SEV_SNP | CVM_OVMF_WRAP_SEV_ES | CVM_OVMF_WRAP_SEV |
				CVM_OVMF_WRAP_TDX | CVM_OVMF_WRAP_NATIVE;

	*out = 0;
	for (gsize i = 0; names[i] != NULL; i++) {
		CvmPlatform p;

		if (!cvm_platform_from_string(names[i], &p, error))
			return FALSE;
		if (!(wrappable & CVM_OVMF_WRAP_FLAG(p))) {
			g_set_error(error, CVM_ERROR, CVM_ERROR_INVALID_ARGUMENT,
				    "--platforms: OVMF is not wrapped for %s", cvm_platform_to_string(p));
			return FALSE;
		}
		*out |= CVM_OVMF_WRAP_FLAG(p);
	}
	return TRUE;
}

static CvmIgvmBuilder *
builder_from_ovmf(BuildOptions *o, GError **error)
{
	g_autoptr(CvmIgvmBuilder) b = cvm_igvm_builder_new(o->format_version ? (guint32)o->format_version : 1);
	g_autofree gchar *data = NULL;
	CvmMeasureOptions m;
	gsize len = 0;
	guint platforms;

	cvm_measure_options_init(&m);
	m.vcpus = o->vcpus > 0 ? (guint)o->vcpus : 1;
	if (!parse_wrap_platforms(o->platforms, &platforms, error) ||
	    (o->vcpu_type && !cvm_vcpu_sig_from_type(o->vcpu_type, &m.vcpu_sig, error)))
		return NULL;
	if (o->features)
		m.guest_features = g_ascii_strtoull(o->features, NULL, 0);
	if (!g_file_get_contents(o->ovmf, &data, &len, error))
		return NULL;
	o->firmware = g_bytes_new_take(g_steal_pointer(&data), len);
	if (!cvm_igvm_add_ovmf(b, g_bytes_get_data(o->firmware, NULL), len, platforms, &m, error)) {
		g_prefix_error(error, "%s: ", o->ovmf);
		return NULL;
	}
	return g_steal_pointer(&b);
}

static CvmIgvmBuilder *
make_builder(BuildOptions *o, int argc, char **argv, GError **error)
{
	if (o->ovmf != NULL)
		return builder_from_ovmf(o, error);
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
		{ "from-ovmf", 0, 0, G_OPTION_ARG_FILENAME, &o.ovmf,
		  "Wrap this OVMF firmware instead of reading a manifest", "OVMF.fd" },
		{ "platforms", 0, 0, G_OPTION_ARG_STRING, &o.platforms,
		  "--from-ovmf: sev-snp,sev-es,sev,tdx,native (default sev-snp)", "LIST" },
		{ "vcpus", 0, 0, G_OPTION_ARG_INT, &o.vcpus, "--from-ovmf: VMSAs to add (default 1)", "N" },
		{ "vcpu-type", 0, 0, G_OPTION_ARG_STRING, &o.vcpu_type,
		  "--from-ovmf: vCPU model for RDX (default EPYC-v4)", "TYPE" },
		{ "guest-features", 0, 0, G_OPTION_ARG_STRING, &o.features,
		  "--from-ovmf: SNP sev_features (default 0x1)", "HEX" },
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
	if (o.output == NULL || argc != (o.ovmf ? 1 : 2) || (o.format_version != 0 && o.format_version != 1 &&
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
		rc = cvmctl_error(error);
	}
	build_options_clear(&o);
	return rc;
}
