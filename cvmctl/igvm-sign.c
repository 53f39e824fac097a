/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmctl igvm sign FILE --id-key KEY.pem [--author-key KEY.pem] [--family-id HEX]
 *   [--image-id HEX] [--guest-svn N] -o OUT
 * cvmctl igvm verify FILE
 *
 * Measurement options (--vcpus, --native-zero, ...) apply to both. */
#include "cvmctl/igvm.h"
#include "cvmctl/measure-args.h"

#include <cvm/error.h>
#include <stdio.h>
#include <string.h>

static gboolean
parse_id(const char *hex, guint8 out[16], const char *what, GError **error)
{
	memset(out, 0, 16);
	if (hex == NULL)
		return TRUE;
	return cvmctl_parse_hex(hex, out, 16, what, error);
}

static GBytes *
read_file(const char *path, GError **error)
{
	gchar *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, error))
		return NULL;
	return g_bytes_new_take(data, len);
}

int
cvmctl_igvm_sign(int argc, char **argv)
{
	g_auto(CvmctlMeasureArgs) a = { 0 };
	g_autofree gchar *id_key = NULL, *author_key = NULL, *family = NULL, *image = NULL, *output = NULL;
	gint svn = 0;
	const GOptionEntry entries[] = {
		{ "id-key", 0, 0, G_OPTION_ARG_FILENAME, &id_key, "ECDSA P-384 ID key (PEM)", "KEY.pem" },
		{ "author-key", 0, 0, G_OPTION_ARG_FILENAME, &author_key, "ECDSA P-384 author key (PEM)", "KEY.pem" },
		{ "family-id", 0, 0, G_OPTION_ARG_STRING, &family, "FAMILY_ID, 32 hex digits", "HEX" },
		{ "image-id", 0, 0, G_OPTION_ARG_STRING, &image, "IMAGE_ID, 32 hex digits", "HEX" },
		{ "guest-svn", 0, 0, G_OPTION_ARG_INT, &svn, "GUEST_SVN", "N" },
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Signed IGVM file to write", "OUT" },
		{ NULL }
	};
	g_autoptr(GOptionContext) context = g_option_context_new("FILE --id-key KEY.pem -o OUT");
	g_autoptr(GError) error = NULL;
	CvmIdBlockParams p = { 0 };
	CvmMeasureOptions o;

	g_option_context_set_summary(context, "Add a signed SNP ID block to an IGVM file (docs/measurement.md).");
	g_option_context_add_main_entries(context, entries, NULL);
	a.no_json = TRUE;
	cvmctl_measure_add_entries(context, &a, TRUE);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (argc != 2 || id_key == NULL || output == NULL || svn < 0) {
		fprintf(stderr, "cvmctl: need FILE, --id-key KEY.pem and -o OUT\nTry '--help' for usage.\n");
		return CVMCTL_EXIT_USAGE;
	}
	if (!cvmctl_measure_args_to_options(&a, &o, &error) || !parse_id(family, p.family_id, "--family-id", &error) ||
	    !parse_id(image, p.image_id, "--image-id", &error))
		return cvmctl_error(error);
	p.id_key = id_key;
	p.author_key = author_key;
	p.guest_svn = (guint32)svn;
	g_autoptr(GBytes) file = read_file(argv[1], &error);
	g_autoptr(GBytes) out = file ? cvm_igvm_sign(file, &o, &p, &error) : NULL;
	if (out == NULL ||
	    !g_file_set_contents(output, g_bytes_get_data(out, NULL), g_bytes_get_size(out), &error))
		return cvmctl_error(error);
	return CVMCTL_EXIT_OK;
}

int
cvmctl_igvm_verify(int argc, char **argv)
{
	g_auto(CvmctlMeasureArgs) a = { 0 };
	g_autoptr(GOptionContext) context = g_option_context_new("FILE");
	g_autoptr(GError) error = NULL;
	CvmMeasureOptions o;
	CvmDigest d = { 0 };

	g_option_context_set_summary(context, "Check an IGVM file's SNP ID block: digest and signatures.");
	a.no_json = TRUE;
	cvmctl_measure_add_entries(context, &a, TRUE);
	if (!cvmctl_parse_options(context, &argc, &argv))
		return CVMCTL_EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "cvmctl: need one IGVM FILE\nTry '--help' for usage.\n");
		return CVMCTL_EXIT_USAGE;
	}
	if (!cvmctl_measure_args_to_options(&a, &o, &error))
		return cvmctl_error(error);
	g_autoptr(GBytes) file = read_file(argv[1], &error);
	if (file == NULL)
		return cvmctl_error(error);
	if (!cvm_igvm_verify(file, &o, &d, &error)) {
		g_prefix_error(&error, "%s: ", argv[1]);
		return cvmctl_error(error);
	}
	g_autofree gchar *hex = cvm_digest_to_hex(&d);
	printf("%s: ID block verified, launch digest %s\n", argv[1], hex);
	return CVMCTL_EXIT_OK;
}
